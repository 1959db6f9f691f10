package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPlotCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "figs")
	code, _, errs := runCLI(t, "plot", tinyProfile, "-o", dir, "--format", "svg")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("%d files, want 2 (one per direction)", len(entries))
	}
	for _, args := range [][]string{
		{"plot", tinyProfile},                                // no -o
		{"plot", tinyProfile, "-o", dir, "--format", "jpeg"}, // unknown format
		{"plot", "no-such.yaml", "-o", dir},
		{"plot", tinyProfile, "-o", dir, "-p", "no-such.pcap"},
	} {
		if code, _, errs := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errs)
		}
	}
}
