package compare

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/internal/samplecap"
	"github.com/gmm2trex/gmm2trex/metrics"
)

// writeCSV writes n packets a direction, 1 ms apart, in sample's format.
func writeCSV(tb testing.TB, path string, n int) {
	var b bytes.Buffer
	b.WriteString(CSVHeader + "\n")
	for i := range n {
		for d, name := range []string{"from", "to"} {
			t := float64(i)*0.001 + float64(d)*0.0002
			iat := ""
			if i > 0 {
				iat = "0.001000000"
			}
			fmt.Fprintf(&b, "%.9f,%s,%d,%s\n", t, name, 60+(i*7+d)%900, iat)
		}
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func TestReadCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.csv")
	writeCSV(t, path, 300)
	obj, err := ReadCSVFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if obj.ID != "g.csv" || obj.Packets != [2]int{300, 300} || len(obj.Dirs[1].IAT) != 299 ||
		obj.Dirs[1].IAT[5] != 0.001 || obj.Dirs[0].Size[2] != 74 || obj.Dirs[1].Time[0] != 0.0002 {
		t.Errorf("read %q %v, iat %v, size %v, time %v", obj.ID, obj.Packets, obj.Dirs[1].IAT[5], obj.Dirs[0].Size[2], obj.Dirs[1].Time[0])
	}
	// Every bad row is an error naming the file and line.
	for _, c := range []struct{ body, msg string }{
		{"", "empty file"},
		{"time,size\n", "line 1: header"},
		{CSVHeader + "\n0,from,10\n", "line 2: 3 fields"},
		{CSVHeader + "\nx,from,10,\n", `line 2: time "x"`},
		{CSVHeader + "\nNaN,from,10,\n", `line 2: time "NaN"`},
		{CSVHeader + "\n1,from,10,\n0.5,from,10,\n", "line 3: time 0.5 is before"},
		{CSVHeader + "\n0,sideways,10,\n", `line 2: direction "sideways"`},
		{CSVHeader + "\n0,from,-1,\n", `line 2: size "-1"`},
		{CSVHeader + "\n0,from,+Inf,\n", `line 2: size "+Inf"`},
		{CSVHeader + "\n0,from,1,\n1,from,1,-2\n", `line 3: iat "-2"`},
	} {
		_, err := ReadCSV(strings.NewReader(c.body), "bad.csv")
		if err == nil || !strings.Contains(err.Error(), "bad.csv: ") || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q: error %v, want one naming bad.csv and %q", c.body, err, c.msg)
		}
	}
}

// The JSON of a direction keeps the contract's keys in order and writes
// NaN and ±Inf as null; decoding gives the numbers (null as NaN) back.
func TestDirectionJSON(t *testing.T) {
	d := Direction{metrics.Result{KSSize: 0.25, KSIAT: math.NaN(), KLSize: math.Inf(1), PacketsOriginal: 7, WindowsGenerated: 3}}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `{"ks_size":0.25,"ks_iat":null,"kl_size":null,"kl_iat":0,`) ||
		!strings.Contains(string(b), `"packets_original":7,"packets_generated":0,`) || !strings.HasSuffix(string(b), `"windows_generated":3}`) {
		t.Errorf("JSON %s", b)
	}
	var back Direction
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.KSSize != 0.25 || !math.IsNaN(back.KSIAT) || !math.IsNaN(back.KLSize) || back.PacketsOriginal != 7 || back.WindowsGenerated != 3 {
		t.Errorf("decoded %+v", back.Result)
	}
	if strings.Count(string(b), ":") != len(fields) {
		t.Errorf("%d keys, want %d", strings.Count(string(b), ":"), len(fields))
	}
}

// The embedded sample against itself (both sides as they are): every
// distance 0 and no bound violated; against a shifted copy of its sizes the
// KS bound fails.
func TestRunSelf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.pcap")
	if err := os.WriteFile(path, samplecap.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	o := Options{PercentileLo: 0, PercentileHi: 100, MinPackets: 100}
	orig, err := Load(path, o, Generated)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := Load(path, o, Generated)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(orig, gen, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Objects) != 1 || rep.Objects[0].From == nil || rep.Objects[0].To == nil {
		t.Fatalf("objects %+v", rep.Objects)
	}
	for _, d := range []*Direction{rep.Objects[0].From, rep.Objects[0].To} {
		if d.KSSize != 0 || d.KSIAT != 0 || d.ACFErrSize != 0 || d.ACFErrIAT != 0 || d.WassersteinIAT != 0 {
			t.Errorf("self: %+v", d.Result)
		}
	}
	if v := rep.Check(Bounds{MaxKS: 0, MaxACFErr: 0}); len(v) != 0 {
		t.Errorf("self violates %+v", v)
	}
	for i := range gen.Objects[0].Dirs[0].Size {
		gen.Objects[0].Dirs[0].Size[i] += 1e4
	}
	rep, err = Run(orig, gen, "")
	if err != nil {
		t.Fatal(err)
	}
	v := rep.Check(Bounds{MaxKS: 0.5, MaxACFErr: -1})
	if len(v) != 1 || v[0].Metric != "ks_size" || v[0].Dir != "from" || v[0].Bound != "MaxKS" || v[0].Value != 1 {
		t.Errorf("shifted sizes: violations %+v, want ks_size from = 1", v)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil || !strings.Contains(text.String(), "\n  ks_size                                   1                  0\n") {
		t.Errorf("text %q (%v)", text.String(), err)
	}
}

// Pairing: by id; a single generated object with the original's largest;
// unknown ids are errors listing both sides.
func TestPairObjects(t *testing.T) {
	s := &metrics.Series{Size: []float64{1, 2}, IAT: []float64{1}}
	orig := &Side{Path: "o", Objects: []Object{{ID: "a", Dirs: [2]*metrics.Series{s, s}}, {ID: "b", Dirs: [2]*metrics.Series{s, s}}}}
	one := &Side{Path: "g", Objects: []Object{{ID: "x.csv", Dirs: [2]*metrics.Series{s, s}}}}
	p, err := PairObjects(orig, one, "")
	if err != nil || len(p.Pairs) != 1 || p.Pairs[0].Original.ID != "a" || !p.Largest {
		t.Errorf("single object: %+v %v", p, err)
	}
	p, err = PairObjects(orig, one, "b")
	if err != nil || p.Pairs[0].Original.ID != "b" || p.Largest {
		t.Errorf("--object b: %+v %v", p, err)
	}
	both := &Side{Path: "g", Objects: []Object{{ID: "b", Dirs: [2]*metrics.Series{s, s}}}}
	p, err = PairObjects(orig, both, "")
	if err != nil || p.Pairs[0].Original.ID != "b" || len(p.Unpaired) != 1 || p.Unpaired[0] != "a" {
		t.Errorf("by id: %+v %v", p, err)
	}
	two := &Side{Path: "g", Objects: []Object{{ID: "y"}, {ID: "z"}}}
	if _, err := PairObjects(orig, two, ""); err == nil || !strings.Contains(err.Error(), `"y", "z" not in the original`) {
		t.Errorf("unmatched: %v", err)
	}
	if _, err := PairObjects(orig, one, "c"); err == nil || !strings.Contains(err.Error(), `"c" is not in the original`) || !strings.Contains(err.Error(), `"a" (from 0, to 0 packets)`) {
		t.Errorf("unknown --object: %v", err)
	}
}

// BenchmarkReadCSV reads a 1M-packet CSV, as compare does.
func BenchmarkReadCSV(b *testing.B) {
	path := filepath.Join(b.TempDir(), "g.csv")
	writeCSV(b, path, 500_000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadCSVFile(path); err != nil {
			b.Fatal(err)
		}
	}
}
