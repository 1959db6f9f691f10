package exporters

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

func loadProfile(t testing.TB, path string) *profiles.Profile {
	t.Helper()
	p, err := profiles.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func tiny(t testing.TB) *profiles.Profile  { return loadProfile(t, "../profiles/testdata/tiny.yaml") }
func mixed(t testing.TB) *profiles.Profile { return loadProfile(t, "testdata/mixed.yaml") }

// export runs a format into a temp dir and returns the files and the notes.
func export(t testing.TB, p *profiles.Profile, format, out string, o Options) ([]string, string) {
	t.Helper()
	var log bytes.Buffer
	o.Output = filepath.Join(t.TempDir(), out)
	o.Log = &log
	files, err := Export(p, format, o)
	if err != nil {
		t.Fatalf("%s: %v (notes: %s)", format, err, log.String())
	}
	return files, log.String()
}

// draws returns what the sampler gives for one direction, the reference the
// exports must reproduce.
func draws(t testing.TB, obj *profiles.Object, d profiles.Dir, model sampler.Model, seed uint64, n int) []sampler.Packet {
	t.Helper()
	s, err := sampler.New(obj, sampler.Options{Model: model, Seed: seed, Count: n, Directions: []profiles.Dir{d}})
	if err != nil {
		t.Fatal(err)
	}
	var out []sampler.Packet
	var pk sampler.Packet
	for s.Next(&pk) {
		out = append(out, pk)
	}
	return out
}

func TestRegistry(t *testing.T) {
	for _, name := range []string{"trex-stl", "trex-py", "trex-astf", "trex-stf", "pcap", "csv"} {
		if _, err := Lookup(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err := Lookup("trex")
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "trex-py, trex-stf, trex-stl") {
		t.Errorf("unknown format: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("duplicate Register did not panic")
		}
	}()
	Register(&Format{Name: "csv", Export: exportCSV})
}

func TestBadInput(t *testing.T) {
	p := mixed(t)
	dir := t.TempDir()
	cases := []struct {
		name, format string
		o            Options
		set          map[string]string // through Format.Set, as a front end passes text
		want         string
	}{
		{"unknown object", "pcap", Options{Objects: []string{"UDP 1.2.3.4:1 5.6.7.8:2"}}, nil, `valid: "TCP 198.18.1.1:40000 198.18.1.2:443", "UDP [2001:db8::a]:5000 [2001:db8::b]:6000", "198.18.2.1"`},
		{"unknown format", "moon", Options{}, nil, "unknown format"},
		{"bad mode", "trex-stl", Options{}, map[string]string{"stl-mode": "burst"}, "valid: chain, rate"},
		{"bad loops", "trex-stl", Options{}, map[string]string{"loops": "x"}, "STLOptions.Loops"},
		{"loops range", "trex-stl", Options{}, map[string]string{"loops": "70000"}, "outside 0..65535"},
		{"negative count", "pcap", Options{Count: -1}, nil, "negative"},
		{"max frame", "pcap", Options{MaxFrame: 20000}, nil, "Options.MaxFrame 20000"},
		{"no hmm", "pcap", Options{Model: sampler.HMM}, nil, "nothing to export"},
		{"no model left", "csv", Options{Objects: []string{"UDP [2001:db8::a]:5000 [2001:db8::b]:6000"}, Dirs: []profiles.Dir{profiles.To}}, nil, "nothing to export"},
		{"stf limit", "trex-stf", Options{Count: 65000}, nil, "fewer than 65000"},
		{"cps", "trex-astf", Options{}, map[string]string{"cps": "0"}, "ASTFOptions.CPS"},
		{"rate count", "trex-stl", Options{Count: 1}, map[string]string{"stl-mode": "rate"}, "at least 2"},
		{"dotted py name", "trex-py", Options{}, nil, "no other dot"},
		{"yaml name", "trex-stl", Options{}, nil, "NAME.yaml"},
	}
	for _, c := range cases {
		c.o.Output = filepath.Join(dir, map[string]string{"trex-stl": "x.yaml", "trex-py": "x.py", "trex-astf": "x.py"}[c.format])
		switch c.name {
		case "dotted py name":
			c.o.Output = filepath.Join(dir, "my.call.py")
		case "yaml name":
			c.o.Output = filepath.Join(dir, "x.out")
		default:
			if !strings.HasPrefix(c.format, "trex-") || c.format == "trex-stf" {
				c.o.Output = filepath.Join(dir, "x.out")
			}
		}
		var err error
		for name, v := range c.set {
			if err == nil {
				err = registry[c.format].Set(&c.o, name, v)
			}
		}
		if err == nil {
			_, err = Export(p, c.format, c.o)
		}
		if err == nil || !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want ErrInput mentioning %q", c.name, err, c.want)
		}
	}
	if _, err := ParseDirection("up"); err == nil || !strings.Contains(err.Error(), "from, to, both") {
		t.Errorf("ParseDirection: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("failed exports left files: %v", ents)
	}
}

func TestSkippedDirectionNote(t *testing.T) {
	_, notes := export(t, mixed(t), "csv", "x.csv", Options{Count: 5})
	if !strings.Contains(notes, `"UDP [2001:db8::a]:5000 [2001:db8::b]:6000": direction to has no model`) {
		t.Errorf("notes: %s", notes)
	}
}

// Every format gives the same bytes for the same seed, other bytes for
// another seed.
func TestDeterministic(t *testing.T) {
	p := mixed(t)
	for _, format := range Names() {
		if !slices.Contains([]string{"trex-stl", "trex-py", "trex-astf", "trex-stf", "pcap", "csv"}, format) {
			continue // formats of other files test themselves
		}
		read := func(seed uint64) map[string][]byte {
			out := map[string]string{"trex-stl": "out.yaml", "trex-py": "out.py", "trex-astf": "out.py"}[format]
			if out == "" {
				out = "out.x"
			}
			files, _ := export(t, p, format, out, Options{Count: 30, Seed: seed})
			m := map[string][]byte{}
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				m[filepath.Base(f)] = b
			}
			return m
		}
		a, b, c := read(7), read(7), read(8)
		if len(a) == 0 || len(a) != len(b) {
			t.Fatalf("%s: %d and %d files", format, len(a), len(b))
		}
		same := true
		for name := range a {
			if !bytes.Equal(a[name], b[name]) {
				t.Errorf("%s: %s differs between runs with one seed", format, name)
			}
			same = same && bytes.Equal(a[name], c[name])
		}
		if same {
			t.Errorf("%s: seeds 7 and 8 gave identical output", format)
		}
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func mustMAC(s string) net.HardwareAddr {
	m, err := net.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return m
}
