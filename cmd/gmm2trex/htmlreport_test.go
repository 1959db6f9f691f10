package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/internal/samplecap"
)

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	capture := filepath.Join(dir, samplecap.Name)
	if err := os.WriteFile(capture, samplecap.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "report.html")
	code, stdout, errs := runCLI(t, "report", capture, "builtin:sample-rtp", "-o", out, "--seed", "4")
	if code != 0 || stdout != "" || !strings.Contains(errs, "wrote "+out+" (2 figures; ") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, errs)
	}
	if b, err := os.ReadFile(out); err != nil || !strings.Contains(string(b), "<title>gmm2trex report: "+samplecap.Name+" vs builtin:sample-rtp</title>") {
		t.Errorf("report: %v, or no title", err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report", capture}, "-o FILE"},
		{[]string{"report", "-o", out}, "got 0 arguments"},
		{[]string{"report", capture, capture, capture, "-o", out}, "got 3 arguments"},
		{[]string{"report", capture, "-o", capture}, "refusing to overwrite"},
		{[]string{"report", capture, "--model", "gru", "-o", out}, "--model"},
		{[]string{"report", capture, "--min-packets", "-1", "-o", out}, "--min-packets"},
		{[]string{"report", filepath.Join(dir, "none.pcap"), "-o", out}, "none.pcap"},
		{[]string{"report", capture, "builtin:none", "-o", out}, "none"},
	} {
		code, stdout, errs := runCLI(t, c.args...)
		if code != 2 || stdout != "" || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line naming %q", c.args[1:], code, stdout, errs, c.want)
		}
	}
	if b, _ := os.ReadFile(capture); len(b) != len(samplecap.Bytes()) {
		t.Error("the capture was overwritten")
	}
}
