package exporters

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// flagValue returns the value following flag in a script line.
func flagValue(t *testing.T, line, flag string) string {
	t.Helper()
	f := strings.Fields(line)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == flag {
			return f[i+1]
		}
	}
	t.Fatalf("no %s in %q", flag, line)
	return ""
}

func TestDITGFiles(t *testing.T) {
	p := loadTiny(t)
	dir := t.TempDir()
	var log bytes.Buffer
	const n = 500
	files, err := Export(p, "ditg", Options{Output: filepath.Join(dir, "out.ditg"), Count: n, Seed: 3, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 7 { // 2 scripts, 2×2 value files, commands
		t.Errorf("files %v, want 7", files)
	}
	obj := &p.Objects[0]
	for _, d := range []profiles.Dir{profiles.From, profiles.To} {
		lines := readLines(t, filepath.Join(dir, "out-"+d.String()+".ditg"))
		if len(lines) != 1 {
			t.Fatalf("%s: %d script lines, want 1", d, len(lines))
		}
		line := lines[0]
		dst := obj.Remote
		if d == profiles.To {
			dst = obj.Local
		}
		if got := flagValue(t, line, "-a"); got != dst.IP {
			t.Errorf("%s: -a %s, want %s", d, got, dst.IP)
		}
		if got := flagValue(t, line, "-rp"); got != strconv.Itoa(dst.Port) {
			t.Errorf("%s: -rp %s, want %d", d, got, dst.Port)
		}
		if got := flagValue(t, line, "-z"); got != strconv.Itoa(n) {
			t.Errorf("%s: -z %s, want %d", d, got, n)
		}
		ft := readLines(t, filepath.Join(dir, flagValue(t, line, "-Ft")))
		fs := readLines(t, filepath.Join(dir, flagValue(t, line, "-Fs")))
		if len(ft) != n || len(fs) != n {
			t.Fatalf("%s: %d IDT and %d size lines, want %d", d, len(ft), len(fs), n)
		}
		// The same draws as the sampler's source, in ms and payload bytes.
		src2, err := sampler.NewSource(obj.Dir(d), sampler.IID, 3, uint64(d))
		if err != nil {
			t.Fatal(err)
		}
		dm := obj.Dir(d)
		for i := range n {
			g, s := src2.Next()
			ms, err := strconv.ParseFloat(ft[i], 64)
			if err != nil || ms < dm.IAT.Min*1e3-1e-6 || ms > dm.IAT.Max*1e3+1e-6 || abs(ms-g*1e3) > 1e-6 {
				t.Fatalf("%s: IDT line %d %q, want %.6f ms within the bounds", d, i+1, ft[i], g*1e3)
			}
			if fs[i] != strconv.Itoa(max(s, 20)) {
				t.Fatalf("%s: size line %d %q, want %d", d, i+1, fs[i], s)
			}
		}
		// Both directions' sizes are ≥ 20, so full metadata (-p 0) fits.
		if got := flagValue(t, line, "-p"); got != "0" {
			t.Errorf("%s: -p %s, want 0", d, got)
		}
	}
	cmds, err := os.ReadFile(filepath.Join(dir, "out-commands.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ITGRecv -l recv-from.log", "ITGSend out-from.ditg", "ITGSend out-to.ditg", "ITGDec recv-to.log"} {
		if !strings.Contains(string(cmds), want) {
			t.Errorf("commands file lacks %q:\n%s", want, cmds)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestDITGSmallSizes checks that sizes below every -p minimum are raised
// with a warning and the mode with the smallest minimum is chosen.
func TestDITGSmallSizes(t *testing.T) {
	for _, tc := range []struct {
		mean, min, max float64
		pmode          string
		raised         bool
	}{
		{mean: 30, min: 25, max: 40, pmode: "0"},
		{mean: 12, min: 9, max: 15, pmode: "1"},
		{mean: 5, min: 4, max: 7, pmode: "2"},
		{mean: 2, min: 1, max: 3, pmode: "2", raised: true},
	} {
		p := loadTiny(t)
		p.Objects[0].To.Size = profiles.Param{Min: tc.min, Max: tc.max, Mixture: []profiles.Component{{Weight: 1, Mean: tc.mean, Std: 1}}}
		dir := t.TempDir()
		var log bytes.Buffer
		out := filepath.Join(dir, "x.ditg")
		if _, err := Export(p, "ditg", Options{Output: out, Count: 200, Dirs: []profiles.Dir{profiles.To}, Log: &log}); err != nil {
			t.Fatal(err)
		}
		line := readLines(t, out)[0]
		if got := flagValue(t, line, "-p"); got != tc.pmode {
			t.Errorf("sizes %g..%g: -p %s, want %s", tc.min, tc.max, got, tc.pmode)
		}
		warned := strings.Contains(log.String(), "raised")
		if warned != tc.raised {
			t.Errorf("sizes %g..%g: warning %v, want %v; log: %s", tc.min, tc.max, warned, tc.raised, log.String())
		}
		for i, s := range readLines(t, filepath.Join(dir, flagValue(t, line, "-Fs"))) {
			if v, _ := strconv.Atoi(s); v < 4 || v > ditgMaxPayload {
				t.Fatalf("size line %d: %s outside 4..%d", i+1, s, ditgMaxPayload)
			}
		}
	}
}

// TestMoonGenDITGDeterministic checks that the same request writes the same
// bytes, and that asking for an HMM where the profile has none leaves
// nothing to export.
func TestMoonGenDITGDeterministic(t *testing.T) {
	p := loadTiny(t)
	for _, format := range []string{"moongen", "ditg"} {
		var outs [2][]byte
		dir := t.TempDir() // the same paths: the files name each other
		for i := range outs {
			files, err := Export(p, format, Options{Output: filepath.Join(dir, "x.out"), Count: 300, Seed: 5, Model: sampler.IID})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				outs[i] = append(outs[i], b...)
			}
		}
		if !bytes.Equal(outs[0], outs[1]) {
			t.Errorf("%s: two exports with the same seed differ", format)
		}
		_, err := Export(p, format, Options{Output: filepath.Join(t.TempDir(), "y"), Model: sampler.HMM, Dirs: []profiles.Dir{profiles.To}})
		if !errors.Is(err, ErrInput) {
			t.Errorf("%s: HMM export of a direction without one: err %v, want ErrInput", format, err)
		}
	}
}

// BenchmarkDITG exports 100000 packets a direction (two scripts, four
// values files).
func BenchmarkDITG(b *testing.B) {
	p, err := profiles.Load(filepath.Join("..", "profiles", "testdata", "tiny.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for b.Loop() {
		if _, err := Export(p, "ditg", Options{Output: filepath.Join(dir, "b.ditg"), Count: 100000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMoonGen writes the HMM script of tiny.yaml.
func BenchmarkMoonGen(b *testing.B) {
	p, err := profiles.Load(filepath.Join("..", "profiles", "testdata", "tiny.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for b.Loop() {
		if _, err := Export(p, "moongen", Options{Output: filepath.Join(dir, "b.lua"), Model: sampler.HMM, Dirs: []profiles.Dir{profiles.From}}); err != nil {
			b.Fatal(err)
		}
	}
}
