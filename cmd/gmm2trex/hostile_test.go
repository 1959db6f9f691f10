package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 14: hostile input, signals and outputs, seen from the command line.

// 10 of 300 packets stamped early: estimate fits the packets sorted by time
// (exit 0), with one warning naming the first packet out of order.
func TestEstimateOutOfOrderWarns(t *testing.T) {
	out := filepath.Join(t.TempDir(), "disorder.profile.yaml")
	code, _, errs := runCLI(t, "estimate", "-p", filepath.Join("..", "..", "pipeline", "testdata", "disorder.pcap"), "-o", out, "--quiet")
	if code != 0 || !strings.Contains(errs, "warning: disorder.pcap: packet 8: timestamps out of order") || !strings.Contains(errs, "packets sorted by time stamp") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if _, err := os.Stat(out); err != nil {
		t.Error(err)
	}
}
