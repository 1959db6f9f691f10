package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShowBuiltinList(t *testing.T) {
	code, out, errs := runCLI(t, "show", "--builtin")
	if code != 0 || !strings.Contains(out, "sample-rtp") || !strings.Contains(out, "skype-call") {
		t.Errorf("exit %d, out %q, err %q", code, out, errs)
	}
	code, out, _ = runCLI(t, "show", "--builtin", "--json")
	var list []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) < 2 {
		t.Errorf("--json list: exit %d, %q", code, out)
	}
}

func TestShowTables(t *testing.T) {
	code, out, errs := runCLI(t, "show", "--builtin", "skype-call")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"UDP 192.168.0.102:18826 192.168.0.105:26454 (flow)",
		"from: ", "to: ", "size: ", "fitted on log(iat)", "weight", "gap at mean",
		"hmm chain 1", "time share", "most likely next",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestShowFileAndJSON(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.yaml")
	_, out, _ := runCLI(t, "show", "--builtin", "sample-rtp", "--json")
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc["format"] != "gmm2trex/v1" {
		t.Fatalf("--json: %v, %q", err, out[:min(len(out), 200)])
	}
	os.WriteFile(path, []byte(out), 0o644)
	if code, out, errs := runCLI(t, "show", path); code != 0 || !strings.Contains(out, "UDP 198.18.0.1:5004") {
		t.Errorf("show FILE: exit %d, %s", code, errs)
	}
}

func TestShowBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(`format: gmm2trex/v1
source: {file: x.pcap, packets: 10, duration: 1}
settings: {object: flow, size: payload, percentiles: [3, 97], components: auto, seed: 1}
objects:
  - id: a
    kind: flow
    local: {}
    remote: {}
    from:
      packets: 10
      size: {min: 1, max: 2, mixture: [{weight: 1, mean: 1, std: 1}]}
      iat: {min: 0, max: 1, mixture: [{weight: 0.5, mean: 1, std: 1}, {weight: 0.5, mean: 1, std: -1}]}
`), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"show", bad}, "objects[0].from.iat.mixture[1].std"},
		{[]string{"show", filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
		{[]string{"show"}, "one argument"},
		{[]string{"show", "a", "b"}, "one argument"},
		{[]string{"show", "--builtin", "nope"}, "no built-in profile"},
	} {
		code, _, errs := runCLI(t, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}
