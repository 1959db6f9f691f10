package sampler

import (
	"math"
	"slices"
	"testing"

	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/profiles/builtin"
)

func tiny(t testing.TB) *profiles.Profile {
	t.Helper()
	p, err := profiles.Load("../profiles/testdata/tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func meanStd(x []float64) (float64, float64) {
	m := 0.0
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	v := 0.0
	for _, y := range x {
		v += (y - m) * (y - m)
	}
	return m, math.Sqrt(v / float64(len(x)))
}

func lag1(x []float64) float64 {
	m, s := meanStd(x)
	c := 0.0
	for i := 1; i < len(x); i++ {
		c += (x[i] - m) * (x[i-1] - m)
	}
	return c / float64(len(x)-1) / (s * s)
}

func draws(t testing.TB, d *profiles.Direction, m Model, seed uint64, n int) (gaps, sizes []float64) {
	src, err := NewSource(d, m, seed, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		g, s := src.Next()
		gaps = append(gaps, g)
		sizes = append(sizes, float64(s))
	}
	return
}

// TestIIDMoments checks draws against the mixtures they come from. With
// 200k draws the standard error of a mean is ~std/450, so the tolerances
// below are several standard errors wide.
func TestIIDMoments(t *testing.T) {
	p := tiny(t)
	d := p.Objects[0].From
	gaps, sizes := draws(t, d, IID, 1, 200_000)
	// Size: 0.5·N(100,5) + 0.5·N(250,10), bounds 60..300 cut nothing.
	m, s := meanStd(sizes)
	wantM := 175.0
	wantS := math.Sqrt(0.5*(25+100*100) + 0.5*(100+250*250) - wantM*wantM)
	if math.Abs(m-wantM) > 0.5 || math.Abs(s-wantS) > 0.5 {
		t.Errorf("size mean/std = %.2f/%.2f, want %.2f/%.2f", m, s, wantM, wantS)
	}
	// IAT: log-normal(-4.6, 0.3) truncated to [0.001, 0.05]: the median of
	// log(gap) is the mean of the normal (truncation is nearly symmetric).
	logs := make([]float64, len(gaps))
	for i, g := range gaps {
		if g < 0.001 || g > 0.05 {
			t.Fatalf("gap %v outside [0.001, 0.05]", g)
		}
		logs[i] = math.Log(g)
	}
	slices.Sort(logs)
	if med := logs[len(logs)/2]; math.Abs(med-(-4.6)) > 0.01 {
		t.Errorf("median log gap = %.4f, want -4.6", med)
	}
	if a := lag1(sizes); math.Abs(a) > 0.01 {
		t.Errorf("iid sizes have lag-1 autocorrelation %.3f", a)
	}
}

func TestBoundsAndClamp(t *testing.T) {
	p := tiny(t)
	d := *p.Objects[0].From
	// Bounds far in the tail: most draws are redrawn, some clamped.
	d.Size.Min, d.Size.Max = 0, 120
	src, _ := NewSource(&d, IID, 3, 0)
	for range 10_000 {
		_, s := src.Next()
		if s < 0 || s > 120 {
			t.Fatalf("size %d outside [0, 120]", s)
		}
	}
	if src.Clamped() != 0 {
		// Half of the mass is below 120: redraws succeed quickly.
		t.Errorf("clamped %d, want 0", src.Clamped())
	}
	d.Size.Min, d.Size.Max = 500, 600 // no mass at all: every draw clamps
	src, _ = NewSource(&d, IID, 3, 0)
	for range 100 {
		if _, s := src.Next(); s != 500 {
			t.Fatalf("size %d, want clamped to 500", s)
		}
	}
	if src.Clamped() != 100 {
		t.Errorf("clamped %d, want 100", src.Clamped())
	}
}

// TestHMMKeepsCorrelation: the tiny profile's chain has sticky states whose
// sizes differ, so consecutive sizes correlate; the stationary law of the
// chain [[.9,.1],[.2,.8]] is (2/3, 1/3).
func TestHMMKeepsCorrelation(t *testing.T) {
	p := tiny(t)
	d := p.Objects[0].From
	gaps, sizes := draws(t, d, HMM, 7, 100_000)
	if a := lag1(sizes); a < 0.5 {
		t.Errorf("hmm sizes lag-1 autocorrelation %.3f, want > 0.5", a)
	}
	// State 0 emits scaled size -1 (=100 bytes), state 1 emits +1 (=250).
	low := 0
	for _, s := range sizes {
		if s < 175 {
			low++
		}
	}
	if f := float64(low) / float64(len(sizes)); math.Abs(f-2.0/3) > 0.02 {
		t.Errorf("fraction in state 0 = %.3f, want 0.667", f)
	}
	for _, g := range gaps {
		if g < d.IAT.Min || g > d.IAT.Max {
			t.Fatalf("gap %v outside bounds", g)
		}
	}
	if _, err := NewSource(p.Objects[0].To, HMM, 1, 0); err == nil {
		t.Error("HMM source for a direction without hmm: no error")
	}
}

func TestDeterministic(t *testing.T) {
	p := tiny(t)
	for _, m := range []Model{IID, HMM} {
		a1, b1 := draws(t, p.Objects[0].From, m, 42, 1000)
		a2, b2 := draws(t, p.Objects[0].From, m, 42, 1000)
		a3, _ := draws(t, p.Objects[0].From, m, 43, 1000)
		if !slices.Equal(a1, a2) || !slices.Equal(b1, b2) {
			t.Errorf("%v: same seed, different draws", m)
		}
		if slices.Equal(a1, a3) {
			t.Errorf("%v: different seeds, same draws", m)
		}
	}
}

func TestStreamMerge(t *testing.T) {
	p := tiny(t)
	o := &p.Objects[0]
	s, err := New(o, Options{Model: IID, Seed: 1, Count: 500})
	if err != nil {
		t.Fatal(err)
	}
	var pk Packet
	var n [2]int
	var last [2]float64
	prev := -1.0
	for s.Next(&pk) {
		if pk.Time < prev {
			t.Fatalf("time went back: %v after %v", pk.Time, prev)
		}
		prev = pk.Time
		if n[pk.Dir] == 0 {
			if !pk.First || pk.Time != 0 || pk.Gap != 0 {
				t.Fatalf("first packet of %v: %+v", pk.Dir, pk)
			}
		} else if math.Abs(pk.Time-last[pk.Dir]-pk.Gap) > 1e-9 {
			t.Fatalf("gap %v does not match times %v -> %v", pk.Gap, last[pk.Dir], pk.Time)
		}
		last[pk.Dir] = pk.Time
		n[pk.Dir]++
	}
	if n != [2]int{500, 500} {
		t.Errorf("counts %v, want 500 each", n)
	}

	s, _ = New(o, Options{Model: IID, Seed: 1, Duration: 2})
	n = [2]int{}
	for s.Next(&pk) {
		if pk.Time > 2 {
			t.Fatalf("packet at %v after the 2 s duration", pk.Time)
		}
		n[pk.Dir]++
	}
	// To: gaps ~20 ms, so ~100 packets in 2 s.
	if n[1] < 90 || n[1] > 112 {
		t.Errorf("to packets in 2 s = %d, want ~101", n[1])
	}

	// HMM for both directions: To has no HMM.
	if _, err := New(o, Options{Model: HMM, Directions: []profiles.Dir{profiles.To}}); err == nil {
		t.Error("no error for an HMM stream of a direction without hmm")
	}
	o.To = nil
	s, err = New(o, Options{Model: IID, Count: 3})
	if err != nil || !slices.Equal(s.Skipped(), []profiles.Dir{profiles.To}) {
		t.Errorf("skipped = %v, %v", s.Skipped(), err)
	}
}

// benchSource measures Source.Next on direction d.
func benchSource(b *testing.B, d *profiles.Direction, m Model) {
	src, err := NewSource(d, m, 1, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		src.Next()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
}

func BenchmarkSampleIID(b *testing.B) { benchSource(b, tiny(b).Objects[0].From, IID) }
func BenchmarkSampleHMM(b *testing.B) { benchSource(b, tiny(b).Objects[0].From, HMM) }

func BenchmarkStream(b *testing.B) {
	p := tiny(b)
	s, _ := New(&p.Objects[0], Options{Model: IID, Seed: 1})
	var pk Packet
	b.ReportAllocs()
	for b.Loop() {
		s.Next(&pk)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
}

// The built-in Skype profile is what a real fit looks like: a dozen
// components per mixture and several chains per direction.
func benchSkype(b *testing.B, m Model) {
	p, err := builtin.Load("skype-call")
	if err != nil {
		b.Fatal(err)
	}
	benchSource(b, p.Objects[0].From, m)
}

func BenchmarkSampleSkypeIID(b *testing.B) { benchSkype(b, IID) }
func BenchmarkSampleSkypeHMM(b *testing.B) { benchSkype(b, HMM) }

// BenchmarkSampleSkypeHMMBlocks is BenchmarkSampleSkypeHMM with every
// mapped chain walked in blocks of 1024 (profiles.Chain.Block): the cost
// of the ranks.
func BenchmarkSampleSkypeHMMBlocks(b *testing.B) {
	p, err := builtin.Load("skype-call")
	if err != nil {
		b.Fatal(err)
	}
	benchSource(b, inBlocks(p.Objects[0].From, 1024), HMM)
}

// Reset after any number of draws gives NewSource's stream for the new
// seed, byte for byte: for the mixtures (with and without maps), the
// chains (with and without blocks), the network, and the on/off layer
// drawn one by one and in blocks over them.
func TestResetIsNewSource(t *testing.T) {
	p, err := builtin.Load("sample-rtp")
	if err != nil {
		t.Fatal(err)
	}
	base := *p.Objects[0].From
	blocked := inBlocks(&base, 300)
	layer := testBursts()
	blockLayer := *layer
	blockLayer.Block = 16
	cases := []struct {
		name  string
		d     *profiles.Direction
		model Model
	}{
		{"iid", &base, IID}, {"hmm", &base, HMM}, {"hmm-blocks", blocked, HMM}, {"rnn", cycleRNN(3), RNN},
	}
	for _, c := range cases[:3] {
		for _, b := range []*profiles.Bursts{layer, &blockLayer} {
			d := *c.d
			d.Bursts = b
			name := c.name + "+bursts"
			if b.Block > 0 {
				name += "-blocks"
			}
			cases = append(cases, struct {
				name  string
				d     *profiles.Direction
				model Model
			}{name, &d, c.model})
		}
	}
	run := func(s *Source, n int) []float64 {
		out := make([]float64, 0, 2*n)
		for range n {
			g, sz := s.Next()
			out = append(out, g, float64(sz))
		}
		return append(out, float64(s.Clamped()))
	}
	for _, c := range cases {
		s, err := NewSource(c.d, c.model, 1, 7)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for i, used := range []int{0, 1, 299, 1000} {
			run(s, used)
			s.Reset(9, uint64(i))
			fresh, err := NewSource(c.d, c.model, 9, uint64(i))
			if err != nil {
				t.Fatal(err)
			}
			if want, got := run(fresh, 700), run(s, 700); !slices.Equal(want, got) {
				t.Fatalf("%s: after %d draws, Reset's stream differs from NewSource's", c.name, used)
			}
		}
	}
}
