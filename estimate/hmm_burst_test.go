package estimate

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gmm2trex/gmm2trex/sampler"
)

// Labels by burst length and position: with L = 3, a burst of 1 packet is
// state 0, of 2 states 1, 2, of 3 or more states 3, 4, 5 with the middle
// packets past position 1 held in state 4 and the last in 5.
func TestBurstLabels(t *testing.T) {
	const big, small = 1.0, -1.0
	gaps := []float64{
		small, small, small, // a burst of 3 (the first packet starts one whatever its gap)
		big,        // of 1
		big, small, // of 2
		big, small, small, small, small, // of 5
		big, small, small, // of 3
	}
	want := []int{3, 4, 5, 0, 1, 2, 3, 4, 4, 4, 5, 3, 4, 5}
	if got := burstLabels(gaps, 0, 3); !slices.Equal(got, want) {
		t.Errorf("labels %v, want %v", got, want)
	}
	if got := burstRuns(gaps, 0); !slices.Equal(got, []int{3, 1, 2, 5, 3}) {
		t.Errorf("runs %v, want [3 1 2 5 3]", got)
	}
	if burstStates(3) != 6 {
		t.Errorf("burstStates(3) = %d, want 6", burstStates(3))
	}
}

// videoSeries is a synthetic packetised video: frames of 3 packets for a
// while, then of 4 (the bit rate's regimes), each packet 1100 bytes but
// the last, which carries the remainder; packets of a frame 20–40 µs
// apart, frames 40 ms apart.
func videoSeries(seed uint64, frames int) (iat, size []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	per := 3
	for f := range frames {
		if f%40 == 0 {
			per = 3 + rng.IntN(2) // a regime of 40 frames
		}
		for p := range per {
			g, s := 20e-6+20e-6*rng.Float64(), 1100.0
			if p == 0 {
				g = 0.040 + 0.002*rng.NormFloat64()
			}
			if p == per-1 {
				s = float64(50 + rng.IntN(950))
			}
			iat, size = append(iat, g), append(size, s)
		}
	}
	return iat, size
}

// burstCut finds the frames' bursts (the 1 ms decade: 40 ms frame gaps
// above, 40 µs segment gaps below) and tells lengths up to 4 apart; a
// steady clock (every gap 20 ms) has no bursts of several packets at any
// decade and gets no candidate.
func TestBurstCut(t *testing.T) {
	iat, _ := videoSeries(1, 600)
	f := hmmFeature("iat", iat, true)
	cut, l, ok := burstCut(f.z, f.scale)
	if !ok || l != 4 || cut != f.scale(0.001) {
		t.Errorf("video: cut %v (1 ms is %v), L %d, ok %v; want 1 ms, 4, true", cut, f.scale(0.001), l, ok)
	}
	clock := make([]float64, 2000)
	rng := rand.New(rand.NewPCG(2, 3))
	for i := range clock {
		clock[i] = 0.020 + 0.001*rng.NormFloat64()
	}
	c := hmmFeature("iat", clock, true)
	if cands := burstCands(c.z, c.scale); len(cands) != 0 {
		t.Errorf("a steady clock got %d burst-position candidates, want none", len(cands))
	}
	// A clock of 20, 5, 5 ms gaps cuts at 10 ms into triples, whose inner
	// gaps (5 ms) are no back-to-back send: no candidate either.
	for i := range clock {
		clock[i] = 0.020 + 0.0005*rng.NormFloat64()
		if i%3 != 0 {
			clock[i] = 0.005 + 0.0005*rng.NormFloat64()
		}
	}
	c = hmmFeature("iat", clock, true)
	if runs := burstRuns(c.z, c.scale(0.01)); len(runs) != 667 {
		t.Fatalf("20/5/5 ms clock: %d bursts at 10 ms, want 667 triples", len(runs))
	}
	if cands := burstCands(c.z, c.scale); len(cands) != 0 {
		t.Errorf("a 20/5/5 ms clock got %d burst-position candidates, want none", len(cands))
	}
	if backToBack(c.z, c.scale(0.01), c.scale(0.01/burstSpread)) {
		t.Error("20/5/5 ms clock: 5 ms inner gaps taken for back-to-back sends")
	}
	if !backToBack(f.z, f.scale(0.001), f.scale(0.001/burstSpread)) {
		t.Error("video: 20-40 µs inner gaps not taken for back-to-back sends")
	}
}

// On packetised video the size chain chosen is a burst-position chain, and
// walked by the shipped sampler it keeps what the position and the
// length's regimes make of the sizes: the autocorrelation peaks at lags 3
// and 4 (and 12, both), the share of full packets.
func TestFitTemporalBurstPosition(t *testing.T) {
	iat, size := videoSeries(4, 700)
	d, err := FitDirection(iat, size, DirectionOptions{
		GMM:      GMMOptions{Seed: 1},
		Temporal: &TemporalOptions{Seed: 1, Structure: "separate"},
	})
	if err != nil {
		t.Fatal(err)
	}
	sizeChain := -1
	for i, c := range d.HMM.Chains {
		if c.Features[0] == "size" {
			sizeChain = i
		}
	}
	if sizeChain < 0 {
		t.Fatal("no size chain")
	}
	// Lengths up to 4 told apart, of which 1 and 2 never occur: their
	// states are retired, the 3 + 4 of the lengths 3 and 4 remain.
	if k, want := len(d.HMM.Chains[sizeChain].States), burstStates(4)-burstStates(2); k != want {
		t.Fatalf("size chain has %d states, want the burst-position chain's %d", k, want)
	}
	src, err := sampler.NewSource(d, sampler.HMM, 7, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := len(size)
	gs := make([]float64, n)
	full, fullData := 0, 0
	for i := range n {
		_, s := src.Next()
		gs[i] = float64(s)
		if s == 1100 {
			full++
		}
		if size[i] == 1100 {
			fullData++
		}
	}
	ref, got := make([]float64, 50), make([]float64, 50)
	hmmACFInto(size, ref)
	hmmACFInto(gs, got)
	var e float64
	for k := range ref {
		e += math.Abs(got[k] - ref[k])
	}
	e /= float64(len(ref))
	t.Logf("size acf_err %.3f; lags 3, 4, 12: %.2f %.2f %.2f (data %.2f %.2f %.2f)", e, got[2], got[3], got[11], ref[2], ref[3], ref[11])
	if e > 0.05 {
		t.Errorf("size acf_err %.3f, want <= 0.05", e)
	}
	if math.Abs(float64(full-fullData)) > 0.03*float64(n) {
		t.Errorf("%d full packets generated, the data has %d of %d", full, fullData, n)
	}
}

// The cost of the size chain's search on a video direction, its
// burst-position candidates among the rest.
func BenchmarkFitTemporalBurstVideo(b *testing.B) {
	iat, size := videoSeries(4, 700)
	for b.Loop() {
		if _, err := FitTemporal(iat, size, TemporalOptions{Seed: 1, Structure: "separate"}); err != nil {
			b.Fatal(err)
		}
	}
}
