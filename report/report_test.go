package report

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gmm2trex/gmm2trex/internal/samplecap"
	"github.com/gmm2trex/gmm2trex/pipeline"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/profiles/builtin"
)

// The golden files are what `gmm2trex show`, `flows` and `estimate` printed
// before these renderings moved out of the command, updated since where the
// models changed (GMM2TREX_UPDATE_GOLDEN=1 go test ./report rewrites them:
// review the diff).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	if os.Getenv("GMM2TREX_UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(filepath.Join("testdata", name), got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: got\n%s\nwant\n%s", name, got, want)
	}
}

func TestProfile(t *testing.T) {
	for _, name := range []string{"skype-call", "sample-rtp"} {
		p, err := builtin.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := Profile(&b, p); err != nil {
			t.Fatal(err)
		}
		golden(t, name+".txt", b.Bytes())
	}
}

func TestBuiltins(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		var b bytes.Buffer
		if err := Builtins(&b, builtin.List(), asJSON); err != nil {
			t.Fatal(err)
		}
		name := map[bool]string{false: "builtins.txt", true: "builtins.json"}[asJSON]
		golden(t, name, b.Bytes())
	}
}

func TestFlows(t *testing.T) {
	c, err := samplecap.Open(pipeline.DefaultSettings().TraceOptions())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Flows(&b, c, 0); err != nil {
		t.Fatal(err)
	}
	golden(t, "flows.txt", b.Bytes())
	b.Reset()
	if err := json.NewEncoder(&b).Encode(NewFlowsDoc(c, 0)); err != nil {
		t.Fatal(err)
	}
	golden(t, "flows.json", b.Bytes())
	if doc := NewFlowsDoc(c, 100); len(doc.Objects) != 1 || doc.Objects[0].From.Packets != 1501 {
		t.Errorf("minPackets 100: %+v, want the one object with 1501 packets from", doc.Objects)
	}
}

func TestEstimate(t *testing.T) {
	s := pipeline.DefaultSettings()
	c, err := samplecap.Open(s.TraceOptions())
	if err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Estimate(context.Background(), c, s)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	Estimate(&b, res)
	golden(t, "estimate.txt", b.Bytes())
}

func TestValue(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		unit string
		want string
	}{
		{92.5912, "bytes", "92.59"},
		{0, "s", "0"},
		{0.0200012345, "s", "20ms"},
		{0.000123456, "s", "123.5µs"},
		{-0.5, "s", "-500ms"},
		{1e-10, "s", "1e-10s"},
		{5000, "s", "5000s"},
		{12.3456789, "s", "12.35s"},
	} {
		if got := value(tc.v, tc.unit); got != tc.want {
			t.Errorf("value(%v, %q) = %q, want %q", tc.v, tc.unit, got, tc.want)
		}
	}
	if r := roundFor(-3 * time.Second); r != time.Millisecond {
		t.Errorf("roundFor(-3s) = %v, want 1ms", r)
	}
}

// The on/off layer's line, drawn one by one and in blocks.
func TestBurstsLine(t *testing.T) {
	b := &profiles.Bursts{Threshold: 0.001,
		Packets: profiles.Marginal{Z: []float64{-2, 0, 2}, X: []float64{1, 6, 806}},
		Idle:    profiles.Marginal{Z: []float64{-2, 0, 2}, X: []float64{0.001002, 0.02406, 4.321}}}
	for _, c := range []struct {
		block int
		want  string
	}{
		{0, "    bursts: a gap above 1ms ends one; 6 packets each (median; 1..806), idle 24.06ms (median; 1.002ms..4.321s)\n"},
		{77, "    bursts: a gap above 1ms ends one; 6 packets each (median; 1..806), idle 24.06ms (median; 1.002ms..4.321s); drawn 77 at a time (each block the capture's spread of lengths and idle gaps)\n"},
	} {
		b.Block = c.block
		var w bytes.Buffer
		bursts(&w, b)
		if w.String() != c.want {
			t.Errorf("block %d:\n got %q\nwant %q", c.block, w.String(), c.want)
		}
	}
}

// A direction fitted on a sample says so in estimate's table and in show.
func TestSampledLines(t *testing.T) {
	p, err := builtin.Load("skype-call")
	if err != nil {
		t.Fatal(err)
	}
	p.Objects[0].From.Sample = &profiles.Sample{Kept: 1048576, Of: 15000000, Block: 4096}
	var b bytes.Buffer
	Estimate(&b, &pipeline.Result{Profile: p})
	want := "sampled (longer than --max-packets), fitted on blocks of packets spread over the capture:\n  " + p.Objects[0].ID + ": from 1048576 of 15000000\n"
	if !bytes.Contains(b.Bytes(), []byte(want)) {
		t.Errorf("estimate's table:\n%s\nwant it to hold\n%s", b.Bytes(), want)
	}
	b.Reset()
	if err := Profile(&b, p); err != nil {
		t.Fatal(err)
	}
	if want := "    fitted on a sample: 1048576 of the capture's 15000000 packets, in blocks of 4096\n"; !bytes.Contains(b.Bytes(), []byte(want)) {
		t.Errorf("show:\n%s\nwant it to hold %q", b.Bytes(), want)
	}
}
