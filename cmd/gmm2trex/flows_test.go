package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/internal/samplecap"
	"github.com/gmm2trex/gmm2trex/internal/sharedtest"
	"github.com/gmm2trex/gmm2trex/trace"
)

func TestFlowsSample(t *testing.T) {
	code, out, errs := runCLI(t, "flows")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "OBJECT") || !strings.HasPrefix(lines[1], "UDP 198.18.0.1:5004 198.18.0.2:5004") {
		t.Errorf("table does not start with the header and the RTP flow:\n%s", out)
	}
	if !strings.Contains(out, "read 3177 packets from "+samplecap.Name) || !strings.Contains(out, "skipped: ") {
		t.Errorf("no read/skipped summary:\n%s", out)
	}
}

// The JSON document is a contract (DESIGN.md): exactly these keys, in this
// shape, with the same numbers as the library.
func TestFlowsJSON(t *testing.T) {
	code, out, errs := runCLI(t, "flows", "--json", "-i", "IP")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if keys := sortedKeys(doc); !slices.Equal(keys, []string{"objects", "read"}) {
		t.Errorf("top-level keys %v", keys)
	}
	var objs []map[string]json.RawMessage
	if err := json.Unmarshal(doc["objects"], &objs); err != nil {
		t.Fatal(err)
	}
	var read map[string]json.RawMessage
	if err := json.Unmarshal(doc["read"], &read); err != nil {
		t.Fatal(err)
	}
	if keys := sortedKeys(read); !slices.Equal(keys, []string{"packets", "skipped"}) {
		t.Errorf("read keys %v", keys)
	}
	c, err := samplecap.Open(trace.Options{Kind: trace.IP})
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Objects []struct {
			ID, Kind string
			From, To struct{ Packets int }
		}
		Read struct {
			Packets int64
			Skipped map[string]int64
		}
	}
	if err := json.Unmarshal([]byte(out), &parsed); err != nil {
		t.Fatal(err)
	}
	if len(objs) != len(c.Objects) || len(parsed.Objects) != len(c.Objects) {
		t.Fatalf("%d objects in JSON, library has %d", len(objs), len(c.Objects))
	}
	for i, o := range objs {
		if keys := sortedKeys(o); !slices.Equal(keys, []string{"from", "id", "kind", "to"}) {
			t.Errorf("object %d keys %v", i, keys)
		}
		p, w := parsed.Objects[i], c.Objects[i]
		if p.ID != w.ID || p.Kind != "ip" || p.From.Packets != w.From.Len() || p.To.Packets != w.To.Len() {
			t.Errorf("object %d: %+v, library %s %d/%d", i, p, w.ID, w.From.Len(), w.To.Len())
		}
	}
	if parsed.Read.Packets != c.Packets || len(parsed.Read.Skipped) != len(c.Skipped) {
		t.Errorf("read %+v, library %d %v", parsed.Read, c.Packets, c.Skipped)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestFlowsOptions(t *testing.T) {
	dir := t.TempDir()
	ids := filepath.Join(dir, "ids")
	os.WriteFile(ids, []byte("# just RTCP\nUDP 198.18.0.2:5005 198.18.0.1:5005\n"), 0o644)
	bad := filepath.Join(dir, "bad-ids")
	os.WriteFile(bad, []byte("10.0.0.1\n\nnot-an-id\n"), 0o644)
	for _, c := range []struct {
		args []string
		code int
		out  string // in stdout (code 0) or stderr
		not  string
	}{
		{[]string{"flows", "-f", ids}, 0, "UDP 198.18.0.1:5005 198.18.0.2:5005", "5004"},
		{[]string{"flows", "--min-packets", "100"}, 0, "1 listed (1 below --min-packets 100)", "5005"},
		{[]string{"flows", "--size", "frame", "--keep-empty", "-i", "mac"}, 0, "mac", ""},
		{[]string{"flows", "-f", bad}, 2, "bad-ids:3", ""},
		{[]string{"flows", "-f", filepath.Join(dir, "missing")}, 2, "missing", ""},
		{[]string{"flows", "-i", "device"}, 2, "device", ""},
		{[]string{"flows", "--size", "wire"}, 2, "wire", ""},
		{[]string{"flows", "--min-packets", "-1"}, 2, "-1", ""},
		{[]string{"flows", "extra-arg"}, 2, "extra-arg", ""},
	} {
		code, out, errs := runCLI(t, c.args...)
		text := out
		if c.code != 0 {
			text = errs
		}
		if code != c.code || !strings.Contains(text, c.out) || (c.not != "" && strings.Contains(text, c.not)) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d with %q", c.args, code, out, errs, c.code, c.out)
		}
	}
}

func TestFlowsBadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sample := samplecap.Bytes()
	// Cutting 10 bytes off the last packet must warn and keep the rest.
	cut := write("cut.pcap", sample[:len(sample)-10])
	for _, c := range []struct {
		path string
		code int
		msg  string
	}{
		{write("empty.pcap", nil), 2, "empty.pcap: empty file"},
		{write("notes.txt", []byte("just some text")), 2, "notes.txt: not a pcap or pcapng capture"},
		{write("short.pcap", sample[:10]), 2, "short.pcap: file header cut short"},
		{filepath.Join(dir, "absent.pcap"), 2, "absent.pcap"},
		{cut, 0, "warning: cut.pcap: capture cut short in packet 3177 at offset"},
	} {
		code, _, errs := runCLI(t, "flows", "-p", c.path)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%s: exit %d, stderr %q; want %d with %q", filepath.Base(c.path), code, errs, c.code, c.msg)
		}
	}
}

// Every file of the shared corpus and captures goes through flows, in every
// object kind, without a panic: exit 0, or 2 with the file named.
func TestFlowsSharedCorpus(t *testing.T) {
	dir := sharedtest.Dir(t)
	var files []string
	for _, sub := range []string{"corpus", "pcaps"} {
		filepath.WalkDir(filepath.Join(dir, sub), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, p)
			}
			return err
		})
	}
	if len(files) == 0 {
		t.Fatal("no files under the shared directory")
	}
	for _, f := range files {
		for _, kind := range []string{"flow", "ip", "mac"} {
			code, out, errs := runCLI(t, "flows", "-p", f, "-i", kind, "--json")
			switch {
			case code == 0 && json.Valid([]byte(out)):
			case code == 2 && strings.Contains(errs, filepath.Base(f)):
			default:
				t.Errorf("%s -i %s: exit %d, stdout %.200q, stderr %q", f, kind, code, out, errs)
			}
		}
	}
}
