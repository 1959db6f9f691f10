package estimate

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gmm2trex/gmm2trex/metrics"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// onOff is a source a Markov chain imitates badly: 60 bursts of either a
// few packets or a few hundred (a page's requests, then its images) of
// back-to-back packets (gaps of ~1 ms), separated by think times of 1.5 to
// 4 s. A chain's bursts have a geometric length, one typical size.
func onOff(seed uint64) (iat, size []float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	for range 60 {
		n := 3 + r.IntN(5)
		if r.IntN(3) == 0 {
			n = 150 + r.IntN(150)
		}
		for i := range n {
			g := 0.0005 + r.ExpFloat64()*0.0005
			if i == 0 {
				g = 1.5 + 2.5*r.Float64()
			}
			iat = append(iat, g)
			size = append(size, float64([]int{1448, 1448, 1448, 600}[r.IntN(4)]))
		}
	}
	return iat, size
}

// generate draws n packets of d's chosen model.
func generate(t *testing.T, d *profiles.Direction, seed uint64, n int) (iat, size []float64) {
	t.Helper()
	src, err := sampler.NewSource(d, sampler.Auto, seed, 0)
	if err != nil {
		t.Fatal(err)
	}
	iat, size = make([]float64, n), make([]float64, n)
	for i := range n {
		g, s := src.Next()
		iat[i], size[i] = g, float64(s)
	}
	return iat, size
}

// burstLengths cuts a series at the gaps above th: the packets per burst, sorted.
func burstLengths(iat []float64, th float64) []float64 {
	var out []float64
	n := 0
	for i, g := range iat {
		if g > th && i > 0 {
			out = append(out, float64(n))
			n = 0
		}
		n++
	}
	slices.Sort(out)
	return out
}

// TestFitBursts checks that estimate finds the on/off layer of an on/off
// source, and that with it the generated bursts have the source's lengths
// (KS ≤ 0.15 over ~60 bursts) and its idle share, where the chosen model
// without the layer makes bursts of a geometric length.
func TestFitBursts(t *testing.T) {
	iat, size := onOff(1)
	d, err := FitDirection(iat, size, DirectionOptions{
		GMM:      GMMOptions{Seed: 1},
		Temporal: &TemporalOptions{Seed: 1},
		Choose:   true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if d.Bursts == nil {
		t.Fatalf("no burst layer chosen; scores %v", d.Scores)
	}
	if th := d.Bursts.Threshold; th < 0.005 || th >= 1.5 {
		t.Errorf("threshold %g s, want one between the 1 ms gaps and the 1.5 s think times", th)
	}
	const cut = 0.5 // between the source's gaps and its think times
	ref := metrics.TimelineOf(timelineSeries(iat, size))
	refLen := burstLengths(iat, cut)
	plain := *d
	plain.Bursts = nil
	var idle, ks, ksPlain []float64
	for seed := range uint64(5) {
		gi, gs := generate(t, d, seed+1, len(iat))
		idle = append(idle, metrics.TimelineOf(timelineSeries(gi, gs)).Idle)
		ks = append(ks, metrics.KS(burstLengths(gi, cut), refLen))
		pi, _ := generate(t, &plain, seed+1, len(iat))
		ksPlain = append(ksPlain, metrics.KS(burstLengths(pi, cut), refLen))
	}
	med := func(x []float64) float64 { slices.Sort(x); return x[len(x)/2] }
	t.Logf("model %s, threshold %g s; idle share: source %.3f, generated %.3f; KS of burst lengths with the layer %.3f, without %.3f; scores %v",
		d.Model, d.Bursts.Threshold, ref.Idle, med(idle), med(ks), med(ksPlain), d.Scores)
	if got := med(idle); math.Abs(got-ref.Idle) > 0.05 {
		t.Errorf("idle share %.3f, want the source's %.3f ± 0.05", got, ref.Idle)
	}
	if got := med(ks); got > 0.15 {
		t.Errorf("KS of burst lengths %.3f, want ≤ 0.15", got)
	}
	if !(med(ksPlain) > 2*med(ks)) {
		t.Errorf("KS of burst lengths without the layer %.3f, with it %.3f: want the layer at least twice as close", med(ksPlain), med(ks))
	}
}

// TestFitBurstsFirstGap checks that a series opening on an idle gap keeps
// it: the capture's first packet (which has no gap, and so no place in the
// series) is a burst of its own before it, and the gap is among the idle
// ones, so that the layer's bursts hold every packet and its idle gaps the
// whole silence (dropped, a page load's opening wait of 22 % of its span
// went missing and each run came out that much denser).
func TestFitBurstsFirstGap(t *testing.T) {
	iat := []float64{5} // the capture's first packet, 5 s of silence, then
	for b := range 20 { // 20 bursts of 10 packets 1 ms apart, 1 s between
		for i := range 10 {
			g := 0.001
			if i == 0 && b > 0 {
				g = 1
			}
			iat = append(iat, g)
		}
	}
	iat = iat[:len(iat)-1]
	b, bursts := fitBursts(iat, 0.1)
	if b == nil {
		t.Fatal("no layer")
	}
	if bursts != 21 {
		t.Errorf("%d bursts, want 21: the first packet's, then the 20 of the series", bursts)
	}
	if top := b.Idle.X[len(b.Idle.X)-1]; top != 5 {
		t.Errorf("longest idle gap %g s, want the opening 5 s", top)
	}
	if low := b.Packets.X[0]; low != 1 {
		t.Errorf("shortest burst %g packets, want the first packet's 1", low)
	}
}

// TestBlockVariants checks the block candidates of an HMM: every non-empty
// subset of its mapped chains, the others and the original untouched.
func TestBlockVariants(t *testing.T) {
	m := []profiles.Marginal{{Z: []float64{-1, 1}, X: []float64{1, 2}}}
	h := &profiles.HMM{Chains: []profiles.Chain{{Marginals: m}, {}, {Marginals: m}}}
	const n = 3000
	vs := blockVariants(h, n)
	if len(vs) != 3 {
		t.Fatalf("%d variants, want 3 (two mapped chains)", len(vs))
	}
	seen := map[[3]int]bool{}
	for _, v := range vs {
		var k [3]int
		for i := range v.Chains {
			k[i] = v.Chains[i].Block
		}
		if k[1] != 0 {
			t.Errorf("a chain without maps walks blocks: %v", k)
		}
		seen[k] = true
	}
	for _, want := range [][3]int{{n, 0, 0}, {0, 0, n}, {n, 0, n}} {
		if !seen[want] {
			t.Errorf("variant %v missing", want)
		}
	}
	for i := range h.Chains {
		if h.Chains[i].Block != 0 {
			t.Errorf("the original's chain %d changed", i)
		}
	}
	// A series shorter than the shortest block, or longer than the
	// longest, gets the profile's limit.
	if b := blockVariants(h, 10)[0].Chains[0].Block; b != profiles.MinBlock {
		t.Errorf("10 values: block %d, want %d", b, profiles.MinBlock)
	}
	if b := blockVariants(h, 1<<20)[0].Chains[0].Block; b != profiles.MaxBlock {
		t.Errorf("2^20 values: block %d, want %d", b, profiles.MaxBlock)
	}
}
