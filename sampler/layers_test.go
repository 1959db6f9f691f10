package sampler

import (
	"math"
	"slices"
	"testing"

	"github.com/gmm2trex/gmm2trex/metrics"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/profiles/builtin"
)

// testBursts is an on/off layer whose threshold (10 ms) sits at the tiny
// profile's median gap, so that half the model's draws within a burst are
// drawn again: bursts of 1 to 40 packets, idle gaps of 0.2 to 2 s.
func testBursts() *profiles.Bursts {
	return &profiles.Bursts{Threshold: 0.01,
		Packets: profiles.Marginal{Z: []float64{-2, 2}, X: []float64{1, 40}},
		Idle:    profiles.Marginal{Z: []float64{-2, 0, 2}, X: []float64{0.2, 0.5, 2}}}
}

// meanOverNormal is E[f(Z)] for a standard normal Z, by the midpoint rule
// over ±8: the exact figure a long run of draws must approach.
func meanOverNormal(f func(z float64) float64) float64 {
	const n, lo, hi = 160000, -8.0, 8.0
	h := (hi - lo) / n
	s := 0.0
	for i := range n {
		z := lo + (float64(i)+0.5)*h
		s += f(z) * math.Exp(-z*z/2)
	}
	return s * h / math.Sqrt(2*math.Pi)
}

// TestBursts walks both models under an on/off layer and checks the
// layer's promises: the first packet has no gap; every gap above the
// threshold is an idle gap from the layer's map (none falls between the
// threshold and the smallest idle gap); burst lengths and idle gaps have
// the maps' distributions; within a burst the gaps are the model's own
// below the threshold.
func TestBursts(t *testing.T) {
	b := testBursts()
	wantLen := meanOverNormal(func(z float64) float64 { return max(1, math.Round(Marginal(&b.Packets, z))) })
	for _, m := range []Model{IID, HMM} {
		d := *tiny(t).Objects[0].From
		plain := d
		d.Bursts = b
		src, err := NewSource(&d, m, 3, 0)
		if err != nil {
			t.Fatal(err)
		}
		const n = 200000
		var lengths, idle, within []float64
		run := 0
		for i := range n {
			g, _ := src.Next()
			switch {
			case i == 0:
				if g != 0 {
					t.Fatalf("%v: first gap %g, want 0", m, g)
				}
			case g > b.Threshold:
				if g < b.Idle.X[0] {
					t.Fatalf("%v: packet %d: gap %g s above the threshold but below the smallest idle gap", m, i, g)
				}
				idle = append(idle, g)
				lengths = append(lengths, float64(run))
				run = 0
			default:
				within = append(within, g)
			}
			run++
		}
		mean, _ := meanStd(lengths)
		slices.Sort(idle)
		med := idle[len(idle)/2]
		model, _ := draws(t, &plain, m, 4, n)
		var below []float64
		for _, g := range model {
			if g <= b.Threshold {
				below = append(below, g)
			}
		}
		slices.Sort(within)
		slices.Sort(below)
		ks := metrics.KS(within, below)
		t.Logf("%v: %d bursts, mean length %.2f (want %.2f), idle median %.3f s, KS within-burst gaps %.4f, held %d",
			m, len(lengths), mean, wantLen, med, ks, src.Clamped())
		if math.Abs(mean-wantLen) > 0.03*wantLen {
			t.Errorf("%v: mean burst length %.2f, want %.2f ± 3 %%", m, mean, wantLen)
		}
		if math.Abs(med-0.5) > 0.02 {
			t.Errorf("%v: idle median %.3f s, want 0.5 ± 0.02", m, med)
		}
		if ks > 0.02 {
			t.Errorf("%v: within-burst gaps against the model's below the threshold: KS %.4f, want ≤ 0.02", m, ks)
		}
	}
}

// inBlocks returns a copy of d with every chain that has marginal maps
// walked in blocks of b steps (0: none); d is not changed.
func inBlocks(d *profiles.Direction, b int) *profiles.Direction {
	dd := *d
	h := *d.HMM
	h.Chains = slices.Clone(h.Chains)
	for i := range h.Chains {
		if h.Chains[i].Marginals != nil {
			h.Chains[i].Block = b
		}
	}
	dd.HMM = &h
	return &dd
}

// TestBurstBlocks walks bursts drawn in blocks (profiles.Bursts.Block):
// within each block the sorted idle gaps and the sorted burst lengths lie
// one in each 1/Block slice of their maps' probability, so the idle time
// per block varies far less than when bursts are drawn one by one.
func TestBurstBlocks(t *testing.T) {
	const B, blocks = 32, 200
	plain := testBursts()
	blocked := *plain
	blocked.Block = B
	walk := func(b *profiles.Bursts) (idle, lengths []float64) {
		d := *tiny(t).Objects[0].From
		d.Bursts = b
		src, err := NewSource(&d, HMM, 3, 0)
		if err != nil {
			t.Fatal(err)
		}
		run := 0
		for i := 0; len(idle) < B*blocks; i++ {
			g, _ := src.Next()
			if i > 0 && g > b.Threshold {
				idle, lengths = append(idle, g), append(lengths, float64(run))
				run = 0
			}
			run++
		}
		// The first burst has no idle gap: idle[i] is burst i+1's, and
		// lengths[i] burst i's. Whole blocks from the second on.
		return idle[B-1 : B*blocks-1], lengths[B : B*blocks]
	}
	spread := func(idle []float64) float64 {
		var sums []float64
		for k := 0; k+B <= len(idle); k += B {
			var s float64
			for _, g := range idle[k : k+B] {
				s += g
			}
			sums = append(sums, s)
		}
		_, sd := meanStd(sums)
		return sd
	}
	idle, lengths := walk(&blocked)
	for _, f := range []struct {
		name   string
		vals   []float64
		m      *profiles.Marginal
		rounds bool
	}{{"idle gap", idle, &blocked.Idle, false}, {"burst length", lengths, &blocked.Packets, true}} {
		p := NormalKnotProbs(f.m)
		edges := make([]float64, B+1)
		for j := range edges {
			edges[j] = float64(j) / B
		}
		quantilesInto(edges, f.m.X, p, edges)
		for k := 0; k+B <= len(f.vals); k += B {
			x := slices.Sorted(slices.Values(f.vals[k : k+B]))
			for j, v := range x {
				lo, hi := edges[j], edges[j+1]
				if f.rounds {
					lo, hi = max(1, math.Round(lo)), max(1, math.Round(hi))
				}
				if v < lo-1e-9 || v > hi+1e-9 {
					t.Fatalf("block %d: %s %d of %d is %g, outside its slice [%g, %g]", k/B, f.name, j, B, v, lo, hi)
				}
			}
		}
	}
	plainIdle, _ := walk(plain)
	sdB, sdP := spread(idle), spread(plainIdle)
	t.Logf("idle time per block of %d bursts: sd %.3f s in blocks, %.3f s one by one", B, sdB, sdP)
	if !(sdB < sdP/4) {
		t.Errorf("idle time per block: sd %.3f s in blocks, %.3f s one by one: want under a quarter", sdB, sdP)
	}
}

// TestBlocks walks the sample's slowly drifting size chain with and
// without blocks: with them every block of 1024 sizes is the long-run
// distribution (stratified: median KS per block below the ~0.027 of 1024
// independent draws), without them a block sits where the drift happens
// to be; the lag-1 correlation, which the ranks carry, stays.
func TestBlocks(t *testing.T) {
	p, err := builtin.Load("sample-rtp")
	if err != nil {
		t.Fatal(err)
	}
	d := *p.Objects[0].From
	const block, blocks = 1024, 60
	walked := func(b int) *profiles.Direction { return inBlocks(&d, b) }
	measure := func(d *profiles.Direction) (medKS, r1 float64) {
		_, long := draws(t, d, HMM, 5, 200000)
		slices.Sort(long)
		_, sizes := draws(t, d, HMM, 6, block*blocks)
		var kss []float64
		for b := range blocks {
			x := slices.Clone(sizes[b*block : (b+1)*block])
			slices.Sort(x)
			kss = append(kss, metrics.KS(x, long))
		}
		slices.Sort(kss)
		return kss[blocks/2], lag1(sizes)
	}
	if d.HMM == nil || !slices.ContainsFunc(d.HMM.Chains, func(c profiles.Chain) bool { return c.Marginals != nil }) {
		t.Fatal("the sample's chains carry no marginal maps")
	}
	plainKS, plainR := measure(walked(0))
	blockKS, blockR := measure(walked(block))
	t.Logf("median KS per block: %.4f without blocks, %.4f with; lag-1 correlation %.3f, %.3f", plainKS, blockKS, plainR, blockR)
	if blockKS > 0.01 || !(plainKS > 1.5*blockKS) {
		t.Errorf("median KS per block %.4f with blocks, %.4f without: want ≤ 0.01 and well below", blockKS, plainKS)
	}
	if math.Abs(blockR-plainR) > 0.1 {
		t.Errorf("lag-1 correlation %.3f with blocks, %.3f without: want within 0.1", blockR, plainR)
	}
}

// TestMixtureMaps: independent draws through a mixture's map have the
// map's values, the exact ones included, at the map's probabilities.
func TestMixtureMaps(t *testing.T) {
	d := *tiny(t).Objects[0].From
	// Sizes: a single normal component mapped so that half the draws (z < 0
	// of the mixture's own scale: below its mean) give exactly 100 bytes.
	mean := d.Size.Mixture[0].Mean
	d.Size = profiles.Param{Min: 100, Max: 300, Mixture: []profiles.Component{{Weight: 1, Mean: mean, Std: 10}},
		Marginal: &profiles.Marginal{Z: []float64{mean - 30, mean, math.Nextafter(mean, math.Inf(1)), mean + 30}, X: []float64{100, 100, 200, 300}}}
	_, sizes := draws(t, &d, IID, 9, 100000)
	exact, inside := 0, 0
	for _, s := range sizes {
		if s == 100 {
			exact++
		}
		if s >= 100 && s <= 300 {
			inside++
		}
	}
	share := float64(exact) / float64(len(sizes))
	t.Logf("share of exactly 100 bytes: %.4f (want 0.5)", share)
	if math.Abs(share-0.5) > 0.01 || inside != len(sizes) {
		t.Errorf("share of exactly 100 bytes %.4f, want 0.5 ± 0.01; %d of %d inside [100, 300]", share, exact, len(sizes))
	}
}
