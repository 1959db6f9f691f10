package compare

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/internal/samplecap"
	"github.com/gmm2trex/gmm2trex/internal/sharedtest"
	"github.com/gmm2trex/gmm2trex/metrics"
	"github.com/gmm2trex/gmm2trex/trace"
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
	if obj.ID != "g.csv" || obj.Packets != [2]int{300, 300} || obj.Dirs[1].Len() != 300 ||
		obj.Dirs[1].Times[6]-obj.Dirs[1].Times[5] != 1_000_000 || obj.Dirs[0].Sizes[2] != 74 || obj.Dirs[1].Times[0] != 200_000 {
		t.Errorf("read %q %v, times %v, size %v", obj.ID, obj.Packets, obj.Dirs[1].Times[:6], obj.Dirs[0].Sizes[2])
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
		{CSVHeader + "\n0,from,1.5,\n", `line 2: size "1.5" is not a whole number`},
		{CSVHeader + "\n-0.1,from,1,\n", `line 2: time "-0.1"`},
		{CSVHeader + "\n+Inf,from,1,\n", `line 2: time "+Inf"`},
		{CSVHeader + "\n0,from,1,\n1,from,1,NaN\n", `line 3: iat "NaN"`},
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
		!strings.Contains(string(b), `"packets_original":7,"packets_generated":0,`) || !strings.Contains(string(b), `"windows_generated":3,`) {
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

// Times are read exactly: decimals into nanoseconds, the resolution from
// the most decimals written.
func TestParseSeconds(t *testing.T) {
	for _, c := range []struct {
		in  string
		ns  int64
		dec int
		ok  bool
	}{
		{"0", 0, 0, true}, {"12", 12e9, 0, true}, {"0.000003", 3000, 6, true}, {"1.000000001", 1_000_000_001, 9, true},
		{"0.1", 1e8, 1, true}, {"2.", 2e9, 0, true}, {".5", 5e8, 1, true}, {"0.0000000015", 2, 10, true},
		{"1e-6", 1000, 9, true}, {"", 0, 0, false}, {"-1", 0, 0, false}, {"NaN", 0, 0, false}, {"inf", 0, 0, false},
		{"1.2.3", 0, 0, false}, {"99999999999999999999", 0, 0, false},
	} {
		ns, dec, ok := parseSeconds([]byte(c.in))
		if ns != c.ns || dec != c.dec || ok != c.ok {
			t.Errorf("parseSeconds(%q) = %d, %d, %v; want %d, %d, %v", c.in, ns, dec, ok, c.ns, c.dec, c.ok)
		}
	}
	_, res, err := readCSV(strings.NewReader(CSVHeader+"\n0.000001,from,1,\n0.000002,from,1,\n"), "x")
	if err != nil || res != 1000 {
		t.Errorf("µs CSV: resolution %d (%v), want 1000", res, err)
	}
}

func sampleCapture(t testing.TB) string {
	path := filepath.Join(t.TempDir(), "s.pcap")
	if err := os.WriteFile(path, samplecap.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// The embedded sample against itself, as original and generated: every
// distance 0, every ratio 1 and every bound held; against a shifted copy
// of its sizes the KS bound fails and the JSON says so.
func TestRunSelf(t *testing.T) {
	path := sampleCapture(t)
	o := DefaultOptions()
	orig, err := Load(context.Background(), path, o, Original)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := Load(context.Background(), path, o, Generated)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(orig, gen, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Objects) != 1 || rep.Objects[0].From == nil || rep.Objects[0].To == nil || rep.ClockNS != 1000 {
		t.Fatalf("objects %+v, clock %d", rep.Objects, rep.ClockNS)
	}
	all := Bounds{MaxKS: 0, MaxACFErr: 0, MaxRateErr: 0, MaxBurstErr: 0}
	for _, d := range []*Direction{rep.Objects[0].From, rep.Objects[0].To} {
		if d.KSSize != 0 || d.KSIAT != 0 || d.ACFErrSize != 0 || d.ACFErrIAT != 0 || d.WassersteinIAT != 0 ||
			d.RateRatioBytes != 1 || d.BurstRatio != [3]float64{1, 1, 1} || d.IdleOriginal != d.IdleGenerated || d.PacketsOriginal != d.PacketsGenerated {
			t.Errorf("self: %+v", d.Result)
		}
	}
	if failed := rep.Gate(all); len(failed) != 0 || len(rep.Checks) != 18 || rep.Passed == nil || !*rep.Passed {
		t.Errorf("self fails %+v (%d checks)", failed, len(rep.Checks))
	}
	for i := range gen.Objects[0].Dirs[0].Sizes {
		gen.Objects[0].Dirs[0].Sizes[i] += 10000
	}
	rep, err = Run(orig, gen, o)
	if err != nil {
		t.Fatal(err)
	}
	v := rep.Gate(Bounds{MaxKS: 0.5, MaxACFErr: -1, MaxRateErr: -1, MaxBurstErr: -1})
	if len(v) != 1 || v[0].Metric != "ks_size" || v[0].Dir != "from" || v[0].Bound != "MaxKS" || v[0].Value != 1 || *rep.Passed {
		t.Errorf("shifted sizes: failed %+v, want ks_size from = 1", v)
	}
	js, _ := json.Marshal(rep)
	if !strings.Contains(string(js), `"metric":"ks_size","value":1,"error":1,"bound":"MaxKS","limit":0.5,"passed":false`) || !strings.HasSuffix(string(js), `"passed":false}`) {
		t.Errorf("JSON %s", js)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil || !strings.Contains(text.String(), "\n  ks_size                                   1                  0\n") {
		t.Errorf("text %q (%v)", text.String(), err)
	}
}

// The same packets in a µs capture and as a CSV with nanosecond times a
// hair off the microseconds give the same numbers: both are put on the
// capture's clock. Without that, gaps of exactly 1, 2, 3 µs (back-to-back
// segments) against gaps 1 ns off them read as different distributions.
func TestClockQuantisation(t *testing.T) {
	tpl, err := frame.New(frame.Spec{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2},
		SrcIP: netip.MustParseAddr("10.0.0.1"), DstIP: netip.MustParseAddr("10.0.0.2"), Proto: frame.UDP, SrcPort: 5000, DstPort: 6000})
	if err != nil {
		t.Fatal(err)
	}
	var pc, csv bytes.Buffer
	pw, err := frame.NewPcapWriter(&pc, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	csv.WriteString(CSVHeader + "\n")
	base, now := int64(1_700_000_000)*1e9, int64(0)
	for i := range 600 {
		now += []int64{1000, 2000, 3000, 1_000_000}[i%4]
		size := []int{1448, 1448, 1448, 100}[i%4]
		if err := pw.WritePacket(base+now, tpl.Frame(size)); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&csv, "%s,from,%d,\n", fmtNS(now+int64(i%3)-1), size) // −1, 0, +1 ns off
	}
	dir := t.TempDir()
	pcPath, csvPath := filepath.Join(dir, "o.pcap"), filepath.Join(dir, "g.csv")
	if err := os.WriteFile(pcPath, pc.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(csvPath, csv.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	orig, err := Load(context.Background(), pcPath, o, Original)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := Load(context.Background(), csvPath, o, Generated)
	if err != nil {
		t.Fatal(err)
	}
	if orig.Resolution != 1000 || gen.Resolution != 1 {
		t.Fatalf("resolutions %d, %d; want 1000 and 1 ns", orig.Resolution, gen.Resolution)
	}
	rep, err := Run(orig, gen, o)
	if err != nil {
		t.Fatal(err)
	}
	d := rep.Objects[0].From
	if rep.ClockNS != 1000 || d.KSIAT != 0 || d.KSSize != 0 || d.ACFErrIAT != 0 || d.RateRatioPackets != 1 {
		t.Errorf("capture vs its CSV: clock %d, ks_iat %v ks_size %v acf_err_iat %v rate %v; want 1000, 0, 0, 0, 1",
			rep.ClockNS, d.KSIAT, d.KSSize, d.ACFErrIAT, d.RateRatioPackets)
	}
	// On a 1 ns clock instead, the same gaps differ.
	gen.Resolution, orig.Resolution = 1, 1
	rep, _ = Run(orig, gen, o)
	if rep.Objects[0].From.KSIAT < 0.1 {
		t.Errorf("on a 1 ns clock ks_iat %v: the test does not exercise the quantisation", rep.Objects[0].From.KSIAT)
	}
}

// Every capture in ../shared compared with itself gives 0 on every
// distance and passes every gate, trimmed or not.
func TestSelfCompareShared(t *testing.T) {
	dir := sharedtest.Dir(t)
	var paths []string
	for _, sub := range []string{"pcaps", "fidelity", "corpus"} {
		_ = filepath.WalkDir(filepath.Join(dir, sub), func(p string, e os.DirEntry, err error) error {
			if err == nil && !e.IsDir() && strings.Contains(p, ".pcap") {
				paths = append(paths, p)
			}
			return nil
		})
	}
	if len(paths) < 10 {
		t.Fatalf("only %d captures in %s", len(paths), dir)
	}
	gate := Bounds{MaxKS: 0, MaxACFErr: 0, MaxRateErr: 0, MaxBurstErr: 0}
	compared := 0
	for _, p := range paths {
		for _, o := range []Options{{PercentileHi: 100, MinPackets: 20}, {PercentileLo: 3, PercentileHi: 97, MinPackets: 20}} {
			orig, err := Load(context.Background(), p, o, Original)
			if err != nil {
				t.Logf("%s: %v (not a capture to compare)", p, err)
				break
			}
			gen, err := Load(context.Background(), p, o, Generated)
			if err != nil {
				t.Fatalf("%s: generated side: %v", p, err)
			}
			if len(orig.Objects) == 0 {
				break
			}
			rep, err := Run(orig, gen, o)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			for _, c := range rep.Check(gate) {
				if !c.Passed {
					t.Errorf("%s %v: %s %s %s = %v", filepath.Base(p), o.PercentileLo, c.ID, c.Dir, c.Metric, c.Value)
				}
			}
			compared++
		}
	}
	t.Logf("%d captures, %d comparisons", len(paths), compared)
}

// Pairing: by id; a single generated object with the original's largest;
// unknown ids are errors listing both sides.
func TestPairObjects(t *testing.T) {
	s := &trace.Series{Times: []int64{1, 2}, Sizes: []int32{1, 2}}
	orig := &Side{Path: "o", Objects: []Object{{ID: "a", Dirs: [2]*trace.Series{s, s}}, {ID: "b", Dirs: [2]*trace.Series{s, s}}}}
	one := &Side{Path: "g", Objects: []Object{{ID: "x.csv", Dirs: [2]*trace.Series{s, s}}}}
	p, err := PairObjects(orig, one, "")
	if err != nil || len(p.Pairs) != 1 || p.Pairs[0].Original.ID != "a" || !p.Largest {
		t.Errorf("single object: %+v %v", p, err)
	}
	p, err = PairObjects(orig, one, "b")
	if err != nil || p.Pairs[0].Original.ID != "b" || p.Largest {
		t.Errorf("--object b: %+v %v", p, err)
	}
	both := &Side{Path: "g", Objects: []Object{{ID: "b", Dirs: [2]*trace.Series{s, s}}}}
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
