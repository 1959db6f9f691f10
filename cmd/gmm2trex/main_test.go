package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runCLI runs the command line in-process and returns its exit status and
// output, for the tests of every command.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"gmm2trex"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestVersionAndHelp(t *testing.T) {
	code, out, _ := runCLI(t, "--version")
	if code != 0 || !strings.Contains(out, "gmm2trex") {
		t.Errorf("--version: code %d, output %q", code, out)
	}
	code, out, _ = runCLI(t, "--help")
	if code != 0 || !strings.Contains(out, "gmm2trex flows") {
		t.Errorf("--help: code %d, output %q", code, out)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"no-such-command"},
		{"--no-such-flag"},
	} {
		code, _, errs := runCLI(t, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", args, code, errs)
		}
	}
}

func TestEveryCommandHasExamples(t *testing.T) {
	for _, c := range newApp(nil, nil).Commands {
		if !strings.Contains(c.UsageText, "gmm2trex "+c.Name) && !strings.Contains(c.Description, "gmm2trex "+c.Name) {
			t.Errorf("command %s: --help shows no example (put one in UsageText or Description)", c.Name)
		}
	}
}
