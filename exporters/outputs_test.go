package exporters

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gmm2trex/gmm2trex/internal/atomicfile"
)

// left lists what a failed export left in dir (keep excepted).
func left(t *testing.T, dir string, keep ...string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if !strings.Contains(strings.Join(keep, "\x00"), e.Name()) {
			names = append(names, e.Name())
		}
	}
	return names
}

// A multi-file export is all files or none: when one of its files cannot be
// written (here a directory in its place), none of the others is left
// (trex-stl used to leave OUT-from.yaml without OUT-to.yaml, ditg 4 of 7).
func TestExportAllOrNone(t *testing.T) {
	for _, c := range []struct{ format, out, blocked string }{
		{"trex-stl", "x.yaml", "x-to.yaml"},
		{"ditg", "x.ditg", "x-commands.txt"},
		{"trex-stf", "x.yaml", "x-2.pcap"},
		{"trex-astf", "x.py", "x-2.pcap"},
		{"csv", "x.csv", "x-2.csv"},
	} {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, c.blocked), 0o755); err != nil {
			t.Fatal(err)
		}
		files, err := Export(mixed(t), c.format, Options{Output: filepath.Join(dir, c.out), Count: 200})
		if err == nil || !errors.Is(err, atomicfile.ErrTarget) || files != nil {
			t.Errorf("%s: files %v, error %v; want none and ErrTarget", c.format, files, err)
		}
		if l := left(t, dir, c.blocked); len(l) != 0 {
			t.Errorf("%s: left %v", c.format, l)
		}
	}
}

// The output path is checked before any work, naming the path given: a
// missing directory, a device node, a named pipe, a symbolic link, the input
// profile itself. A count that would take hours returns at once.
func TestExportChecksOutputFirst(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.pcap")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "in.yaml")
	b, err := os.ReadFile("testdata/mixed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(in, b, 0o644)
	link := filepath.Join(dir, "link.pcap")
	os.Symlink(in, link)
	for out, want := range map[string]string{
		filepath.Join(dir, "missing", "x.pcap"): "directory " + filepath.Join(dir, "missing") + " does not exist",
		"/dev/null":                             "it is a device node",
		fifo:                                    "it is a named pipe",
		link:                                    "it is a symbolic link",
		filepath.Join(dir, ".", "in.yaml"):      "it is the input " + in,
	} {
		start := time.Now()
		_, err := Export(mixed(t), "pcap", Options{Output: out, Count: 1 << 40, Protect: []string{in}})
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "Options.Output" || !strings.HasPrefix(fe.Msg, out+": ") || !strings.Contains(fe.Msg, want) {
			t.Errorf("%s: error %v, want Options.Output naming it and %q", out, err, want)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: refused after %v", out, d)
		}
	}
	if got, _ := os.ReadFile(in); string(got) != string(b) {
		t.Error("the input profile changed")
	}
	if l := left(t, dir, "fifo.pcap", "in.yaml", "link.pcap"); len(l) != 0 {
		t.Errorf("left %v", l)
	}
}

// The files of one export are capped together (DefaultMaxBytes unless
// MaxBytes says otherwise): past the cap the export fails, writing nothing.
func TestExportMaxBytes(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x.pcap")
	_, err := Export(mixed(t), "pcap", Options{Output: out, Count: 100000, MaxBytes: 1 << 20})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "Options.MaxBytes" || fe.Msg != "limit of 1 MiB reached before the export was complete; nothing written" {
		t.Errorf("error %v", err)
	}
	if l := left(t, dir); len(l) != 0 {
		t.Errorf("left %v", l)
	}
	// The default cap, for a count of a million million packets (13 GB in
	// 16 s before): it stops at 1 GiB; a negative MaxBytes lifts the cap.
	if testing.Short() {
		return
	}
	if _, err := Export(mixed(t), "pcap", Options{Output: out, Count: 100000, MaxBytes: -1}); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(out); err != nil || st.Size() <= 1<<20 {
		t.Errorf("no cap: %v", err)
	}
}

// A cancelled context stops an export, writing nothing.
func TestExportContext(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := Export(mixed(t), "pcap", Options{Output: filepath.Join(dir, "x.pcap"), Count: 1 << 40, MaxBytes: -1, Context: ctx})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("stopped after %v", d)
	}
	if l := left(t, dir); len(l) != 0 {
		t.Errorf("left %v", l)
	}
}

// A duration cannot bound a direction whose gaps are all 0 (a sample
// -l 0.001 of such a profile used to run forever): refused, naming it.
func TestExportDurationZeroGaps(t *testing.T) {
	p := mixed(t)
	obj := &p.Objects[0]
	obj.From.IAT.Min, obj.From.IAT.Max = 0, 0
	_, err := Export(p, "csv", Options{Output: filepath.Join(t.TempDir(), "x.csv"), Objects: []string{obj.ID}, Duration: 0.001})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "Options.Duration" || !strings.Contains(fe.Msg, "direction from has no gap above 0 (iat.max 0)") {
		t.Errorf("error %v", err)
	}
}

// D-ITG samples its values in memory: a count that the cap or memory
// cannot hold is refused before the allocation (-c 1000000000000 would
// have asked for 16 TB).
func TestDITGCountBounded(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		count    int
		maxBytes int64
		field    string
	}{{1 << 40, -1, "Options.Count"}, {1 << 20, 1 << 20, "Options.MaxBytes"}} {
		start := time.Now()
		_, err := Export(mixed(t), "ditg", Options{Output: filepath.Join(dir, "x.ditg"), Count: c.count, MaxBytes: c.maxBytes})
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("count %d: %v, want a %s error", c.count, err, c.field)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("count %d: refused after %v", c.count, d)
		}
	}
	if l := left(t, dir); len(l) != 0 {
		t.Errorf("left %v", l)
	}
}
