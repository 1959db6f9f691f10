package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const exportTiny = "../../profiles/testdata/tiny.yaml"

func TestExportWritesFiles(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "t.yaml")
	code, stdout, stderr := runCLI(t, "export", exportTiny, "--format", "trex-stl", "-o", out, "-c", "20", "--stl-mode", "rate")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := filepath.Join(dir, "t-from.yaml") + "\n" + filepath.Join(dir, "t-to.yaml") + "\n"
	if stdout != want || !strings.Contains(stderr, "TRex port 1") {
		t.Errorf("stdout %q, stderr %q", stdout, stderr)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "t-from.yaml"))
	if !strings.Contains(string(b), "type: continuous") {
		t.Errorf("--stl-mode rate not applied")
	}
	// A later run without the flag gets the default again (flags are
	// package-level values shared by in-process runs).
	code, _, stderr = runCLI(t, "export", exportTiny, "--format", "trex-stl", "-o", out, "-c", "20", "--direction", "from")
	b, _ = os.ReadFile(out)
	if code != 0 || !strings.Contains(string(b), "type: single_burst") {
		t.Errorf("exit %d (%s); second run kept the first run's --stl-mode", code, stderr)
	}
}

func TestExportFormats(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		format, out string
		extra       []string
		files       int
	}{
		{"trex-py", "p.py", nil, 1},
		{"trex-astf", "a.py", []string{"--cps", "3"}, 2},
		{"trex-stf", "s.yaml", nil, 2},
		{"pcap", "c.pcap", []string{"--nanosecond", "--remote-mac", "02:00:00:00:00:99", "--local-ip", "10.0.0.1", "--remote-ip", "10.0.0.2"}, 1},
		{"csv", "c.csv", []string{"--seed", "4", "--model", "iid"}, 1},
	} {
		args := append([]string{"export", exportTiny, "--format", c.format, "-o", filepath.Join(dir, c.out), "-c", "10"}, c.extra...)
		code, stdout, stderr := runCLI(t, args...)
		if lines := strings.Count(stdout, "\n"); code != 0 || lines != c.files {
			t.Errorf("%s: exit %d, %d files (%q): %s", c.format, code, lines, stdout, stderr)
		}
	}
}

func TestExportBadInput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "nope", "-o", out}, "valid: csv,"},
		{[]string{"-o", out}, "--format is required"},
		{[]string{"--format", "pcap"}, "-o OUT"},
		{[]string{"--format", "pcap", "-o", out, "--object", "UDP 1.1.1.1:1 2.2.2.2:2"}, `valid: "UDP 198.18.0.1:5000 198.18.0.2:6000"`},
		{[]string{"--format", "pcap", "-o", out, "--direction", "sideways"}, "valid: from, to, both"},
		{[]string{"--format", "pcap", "-o", out, "--model", "markov"}, "valid: iid, hmm"},
		{[]string{"--format", "pcap", "-o", out, "--stl-mode", "rate"}, "--stl-mode applies to --format"},
		{[]string{"--format", "trex-stl", "-o", out, "--stl-mode", "burst"}, "valid: chain, rate"},
		{[]string{"--format", "pcap", "-o", out, "--local-mac", "zz"}, "--local-mac"},
		{[]string{"--format", "pcap", "-o", out, "--remote-ip", "1.2.3"}, "--remote-ip"},
		{[]string{"--format", "pcap", "-o", out, "--max-frame", "10"}, "--max-frame 10"},
		{[]string{"--format", "pcap", "-o", out, "--model", "hmm", "--direction", "to"}, "nothing to export"},
		{[]string{"--format", "trex-stf", "-o", out, "-c", "70000"}, "fewer than 65000"},
		// Library errors name fields; the CLI names its flags for them.
		{[]string{"--format", "trex-stl", "-o", out, "--loops", "abc"}, `--loops "abc" for trex-stl`},
		{[]string{"--format", "trex-stl", "-o", out + ".yaml", "--loops", "70000"}, "--loops 70000 outside 0..65535"},
		{[]string{"--format", "trex-stf", "-o", out, "--cps", "0"}, "--cps 0 must be positive"},
		{[]string{"--format", "pcap", "-o", out, "-c", "-1"}, "-c -1 is negative"},
	} {
		code, _, stderr := runCLI(t, append([]string{"export", exportTiny}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
	if code, _, stderr := runCLI(t, "export", "no-such.yaml", "--format", "pcap", "-o", out); code != 2 || !strings.Contains(stderr, "no-such.yaml") {
		t.Errorf("missing profile: exit %d, %q", code, stderr)
	}
}

// TestExportFlows: --flows N with address ranges reaches the exporters
// (N flows in the pcap, each its own 5-tuple), a later run without it
// exports one flow again, and bad ranges or counts exit 2 naming the flag.
func TestExportFlows(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "f.pcap")
	flowsIn := func() int {
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		// Distinct source ports of the local side: frames start at 24 + 16
		// bytes per record; the tiny profile's local IP is 198.18.0.1.
		seen := map[string]bool{}
		for off := 24; off+16 <= len(b); {
			n := int(b[off+8]) | int(b[off+9])<<8 | int(b[off+10])<<16 | int(b[off+11])<<24
			f := b[off+16 : off+16+n]
			seen[string(f[26:30])+string(f[34:36])+string(f[30:34])+string(f[36:38])] = true
			off += 16 + n
		}
		return len(seen)
	}
	code, _, stderr := runCLI(t, "export", exportTiny, "--format", "pcap", "-o", out, "-c", "5", "--flows", "6", "--local-ip", "10.0.0.1-10.0.0.3", "--local-port", "7000-7001")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := flowsIn(); n != 2*6 {
		t.Errorf("--flows 6: %d distinct 5-tuples in the pcap, want 12 (6 flows, 2 directions)", n)
	}
	if code, _, stderr = runCLI(t, "export", exportTiny, "--format", "pcap", "-o", out, "-c", "5"); code != 0 || flowsIn() != 2 {
		t.Errorf("a run without --flows: exit %d (%s), %d 5-tuples, want 2", code, stderr, flowsIn())
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "pcap", "--flows", "7", "--local-port", "7000-7005"}, "--flows 7: the flows need 7 distinct 5-tuples"},
		{[]string{"--format", "pcap", "--local-ip", "10.0.0.9-10.0.0.1"}, "--local-ip"},
		{[]string{"--format", "pcap", "--remote-port", "9-x"}, "--remote-port"},
		{[]string{"--format", "csv", "--flows", "2"}, "--flows 2: format csv writes one flow per object"},
	} {
		code, _, stderr := runCLI(t, append([]string{"export", exportTiny, "-o", filepath.Join(dir, "bad")}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}
