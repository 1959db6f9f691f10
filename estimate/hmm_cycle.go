package estimate

import (
	"math/rand/v2"
	"slices"
)

// Cycle chains: a series that repeats with a period of P packets — a bulk
// sender's application writes cut into segments (iperf3's 16 KiB writes: 11
// full segments and one of 456 bytes, then the pacing gap), a codec whose
// packet clock beats against the capture's (the Opus gaps repeat every 32
// packets), a video encoder's frames — has an autocorrelation that returns
// to a high peak at lag P and its multiples. Neither clustering start finds
// such a chain: the states of a period share their values (eleven of the
// twelve iperf3 sizes are 1448 bytes), so value clusters cannot tell the
// phases apart, and the chain Baum-Welch climbs to from them forgets the
// phase within a packet or two.
//
// A cycle chain has one state per phase. It starts from the labels t mod P
// and moves only forward: from phase i to i (an extra packet: a
// retransmission, a split frame), i+1 (the pattern) or i+2 (a packet the
// pattern lost), so the chain keeps its phase for as long as the data does
// and pays for 2 transition parameters per state, not P−1. Which phases
// emit what is left to Baum-Welch.

// Period detection: the smallest autocorrelation peak within cycleNear of
// the highest among lags 2..cycleMaxLag, a peak reaching cycleMinPeak both
// in height and above the lowest lag before it (acfPeriod). A periodic series peaks at every multiple of its
// period, the first one no lower than the others but for the noise, hence
// the smallest near the highest. The bounds were chosen on the fidelity
// benchmark (README, "Cycle chains"): cycleMaxLag covers the 50 lags that
// compare measures, cycleMinPeak is the weakest peak whose cycle chain won
// on some direction of it.
const (
	cycleMaxLag  = 64
	cycleMinPeak = 0.2
	cycleNear    = 0.9
)

// rigidSlip is a rigid cycle chain's probability of staying in a phase,
// and of skipping one: a sender's own clock (a codec's 8-packet gap
// pattern) keeps its phase for hundreds of packets, where re-estimated
// slips of one in five cycles let the chain's autocorrelation peaks fall
// by half within 50 lags (Opus `to`: 0.47 → 0.25 against the capture's
// 0.58 → 0.55).
const rigidSlip = 1e-3

// cycleStay and cycleSkip are the starting probabilities of staying in a
// phase and of skipping one; Baum-Welch re-estimates them.
const (
	cycleStay = 0.02
	cycleSkip = 0.02
)

// hmmPeriods returns the periods of the standardised series z (n×d, row
// major), one per feature that has one (cycleMinPeak's rule), without
// repeats. Only the first n observations are looked at (the search window).
func hmmPeriods(z []float64, d, n int) []int {
	lags := min(cycleMaxLag, n/4)
	if lags < 2 {
		return nil
	}
	var out []int
	acf := make([]float64, lags)
	col := make([]float64, n)
	for a := 0; a < d; a++ {
		for t := range n {
			col[t] = z[t*d+a]
		}
		hmmACFInto(col, acf)
		if p := acfPeriod(acf); p > 0 && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// acfPeriod is the period an autocorrelation (acf[k-1] at lag k) shows: the
// smallest peak within cycleNear of the highest peak, if that reaches
// cycleMinPeak; 0 if none. A peak is a lag the autocorrelation rises into,
// does not rise after (the last lag counts as falling), and stands
// cycleMinPeak above the lowest lag before it: a slowly decaying
// autocorrelation, a regime's, has none, only the noise's ripples.
func acfPeriod(acf []float64) int {
	lags := len(acf)
	peak := make([]bool, lags+1)
	low := acf[0]
	top := 0.0
	for k := 2; k <= lags; k++ {
		r := acf[k-1]
		peak[k] = r > acf[k-2] && (k == lags || acf[k] <= r) && r >= cycleMinPeak && r-low >= cycleMinPeak
		if peak[k] {
			top = max(top, r)
		}
		low = min(low, r)
	}
	for k := 2; k <= lags; k++ {
		if peak[k] && acf[k-1] >= cycleNear*top {
			return k
		}
	}
	return 0
}

// cycleCands are the cycle chains tried for a series of the given periods:
// one and two components per phase, each re-estimating its slips and
// rigid (rigidSlip).
func cycleCands(periods []int) []hmmCand {
	var out []hmmCand
	for _, p := range periods {
		out = append(out, hmmCand{k: p, m: 1, init: hmmInitSpec{cycle: p}},
			hmmCand{k: p, m: 2, init: hmmInitSpec{cycle: p}},
			hmmCand{k: p, m: 1, init: hmmInitSpec{cycle: p, rigid: true}},
			hmmCand{k: p, m: 2, init: hmmInitSpec{cycle: p, rigid: true}})
	}
	return out
}

// hmmCycleModel builds the starting cycle chain of period p over x (n×d):
// state t mod p, its emissions from the observations of that phase, its
// transitions forward (cycleStay, cycleSkip). nil when the series is shorter
// than two periods.
func hmmCycleModel(rng *rand.Rand, x []float64, d, p, m int, varFloor float64, rigid bool) *hmmModel {
	n := len(x) / d
	if p < 2 || n < 2*p {
		return nil
	}
	labels := make([]int, n)
	for t := range labels {
		labels[t] = t % p
	}
	h := hmmInitFromLabels(rng, x, d, p, m, labels, varFloor)
	h.cycle = true
	clear(h.trans)
	stay, skip := cycleStay, cycleSkip
	if rigid {
		stay, skip = rigidSlip, rigidSlip
	}
	for i := 0; i < p; i++ {
		h.trans[i*p+i] += stay
		h.trans[i*p+(i+1)%p] += 1 - stay - skip
		h.trans[i*p+(i+2)%p] += skip
		h.start[i] = 1 / float64(p)
	}
	return h
}

// cycleAllowed says whether a cycle chain of k states may go from i to j:
// stay, advance or skip one.
func cycleAllowed(i, j, k int) bool {
	step := (j - i + k) % k
	return step <= 2
}

// cycleParams is the free parameter count of a cycle chain's start and
// transitions: k−1 and two per row (three successors summing to one).
func cycleParams(k int) int {
	if k <= 3 {
		return (k - 1) + k*(k-1)
	}
	return (k - 1) + 2*k
}
