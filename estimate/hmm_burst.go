package estimate

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Burst-position chains: a sender that cuts each write into segments — a
// video encoder's frame into packets of the RTP payload size, an
// application's write into MSS-sized segments — sends bursts of several
// full-size packets back to back, then the remainder, then waits for the
// next frame or write. What a packet's size depends on is its position in
// its burst and the burst's length: every packet but the last is full,
// the last carries the remainder, and the lengths come in regimes (VP8:
// runs of 3-packet frames, then tens of 4-packet ones as the bit rate
// rises, which make the size autocorrelation peak at 3, 4 and 12). The
// sizes alone do not show where a burst ends (a full packet may be the
// last), so neither clustering start finds it, nor does a cycle chain,
// whose phase slips at every frame of another length.
//
// A burst-position chain is a size chain started from labels by burst
// length and position, the bursts cut by the gaps: a burst of ℓ packets
// (ℓ < L) takes ℓ states of its own, in order; bursts of L packets or more
// share the L states of the last class, the packets past position L−2
// but the last staying in its last middle state. Its transitions, counted
// from the labels, are deterministic within a burst and, from the last
// packet of one burst to the first of the next, a Markov chain over burst
// lengths (so their regimes are kept); its emissions are the sizes by
// length and position. Baum-Welch then fits the emissions, the
// transitions re-estimated or held as counted (rigid). Only the size chain
// gets it: a gap chain started this way (tried) won its own check on VP8
// and lost the direction's score, its one state for a frame's first gap
// losing the frame rate's regimes (burstiness at 100 ms and 1 s 0.93/0.83
// → 0.69/0.58); joint chains started this way (tried, at most 21 states)
// were chosen nowhere on the fidelity benchmark (the table was the same
// without them) and cost Skype's estimate a 21-state 2-D fit.
//
// A burst ends where a gap exceeds a threshold: the smallest decade of
// burstThresholds that leaves burstMin idle gaps and bursts of at least
// burstMinMean packets on average, the rule of the on/off layer (bursts.go),
// and whose bursts are sent back to back (their inner gaps a decade below
// the threshold: burstSpread); a direction whose gaps show no such bursts
// gets no candidate, and pays nothing for it.

// burstMaxPos caps the lengths L a burst-position chain tells apart
// (L(L+1)/2 states: 21 at 6): longer bursts share the last class, whose
// last middle state's self-transition draws their lengths geometrically
// (VP8's key frames, 12 to 24 packets).
const burstMaxPos = 6

// burstMinMean is the fewest packets a burst must have on average for a
// burst-position chain (as for the on/off layer): below, most bursts are
// one packet and position says little.
const burstMinMean = 2

// burstPosCovered is the share of the bursts whose length gets states of
// its own: L is the smallest length at least this share of the bursts do
// not exceed (within 2..burstMaxPos).
const burstPosCovered = 0.99

// burstCut returns the threshold (in the units of gaps, the gaps as
// fitted: tr maps seconds onto them) at which the search window's gaps
// cut into bursts for a burst-position chain, and the lengths L its chain
// tells apart; ok is false when no threshold qualifies.
func burstCut(gaps []float64, tr func(float64) float64) (cut float64, positions int, ok bool) {
	n := len(gaps)
	for _, th := range burstThresholds {
		c := tr(th)
		lengths := burstRuns(gaps, c)
		idle := len(lengths) - 1
		if idle < burstMin || float64(n) < burstMinMean*float64(len(lengths)) || !backToBack(gaps, c, tr(th/burstSpread)) {
			continue
		}
		slices.Sort(lengths)
		l := lengths[min(len(lengths)-1, int(math.Ceil(burstPosCovered*float64(len(lengths))))-1)]
		return c, min(max(l, 2), burstMaxPos), true
	}
	return 0, 0, false
}

// burstSpread is how far below the threshold a burst's own gaps must lie
// (their median, backToBack) for its bursts to count as sent back to back:
// a decade, the spacing of burstThresholds. Skype's `from` gaps (a 10, 20,
// 20, 30 ms clock) cut at 10 ms into "bursts" of about 2 packets whose
// inner gaps are the clock's 10 ms: a pattern the gap chains keep, which a
// burst-position size chain (21 states) only made slower to choose.
const burstSpread = 10

// backToBack says whether the gaps at or below cut (the packets within
// bursts, the first packet's gap aside) have a median at or below inner.
func backToBack(gaps []float64, cut, inner float64) bool {
	var in []float64
	for t, g := range gaps {
		if t > 0 && !(g > cut) {
			in = append(in, g)
		}
	}
	if len(in) == 0 {
		return false
	}
	slices.Sort(in)
	return in[len(in)/2] <= inner
}

// burstRuns cuts the series at the gaps above cut and returns the
// bursts' lengths in packets; the first packet always starts one.
func burstRuns(gaps []float64, cut float64) []int {
	var out []int
	run := 0
	for t, g := range gaps {
		if t > 0 && g > cut {
			out = append(out, run)
			run = 0
		}
		run++
	}
	return append(out, run)
}

// burstStates is the state count of a burst-position chain telling
// lengths up to L apart: one state per position of each length 1..L.
func burstStates(positions int) int { return positions * (positions + 1) / 2 }

// burstLabels labels each observation by its burst's length and its
// position in it (see the file's comment): a burst of length ℓ < L takes
// states ℓ(ℓ−1)/2 .. ℓ(ℓ−1)/2+ℓ−1 in order; a burst of L packets or more
// takes the last class's L states, its packets past position L−2 but the
// last staying in that class's last middle state (L−2).
func burstLabels(gaps []float64, cut float64, positions int) []int {
	n := len(gaps)
	labels := make([]int, n)
	start := 0
	for start < n {
		end := start + 1 // the burst is [start, end)
		for end < n && !(gaps[end] > cut) {
			end++
		}
		l := min(end-start, positions)
		base := l * (l - 1) / 2
		for t := start; t < end; t++ {
			p := t - start
			switch {
			case t == end-1:
				p = l - 1
			case l == positions:
				p = min(p, l-2)
			}
			labels[t] = base + p
		}
		start = end
	}
	return labels
}

// hmmBurstModel builds the starting burst-position chain over x (n×d) as
// init says (init.burstGaps cut at init.burstCut, lengths up to
// init.burst: burstStates of them, of m components each): emissions from
// the labels' members, transitions counted from consecutive labels. Held
// (rigid), the transitions are the counts with burstLeak on each, not
// hmmInitFromLabels' half a count, so that the chain's bursts keep the
// counted lengths (half a count on each of a row's 21 transitions is a
// 10-count leak out of a burst's deterministic steps), while a sequence
// the labels never showed (a refinement window longer than the search's)
// keeps a positive likelihood. nil when the series is too short for its
// states or gaps are not as long as x.
func hmmBurstModel(rng *rand.Rand, x []float64, d int, init hmmInitSpec, m int, varFloor float64) *hmmModel {
	n := len(x) / d
	positions, rigid := init.burst, init.rigid
	k := burstStates(positions)
	if positions < 2 || n < 4*k {
		return nil
	}
	if len(init.burstGaps) != n {
		return nil
	}
	labels := burstLabels(init.burstGaps, init.burstCut, positions)
	h := hmmInitFromLabels(rng, x, d, k, m, labels, varFloor)
	if rigid {
		counts := labelCounts(labels[:n], k)
		for i := 0; i < k; i++ {
			var sum float64
			for j := 0; j < k; j++ {
				sum += counts[i*k+j]
			}
			if sum == 0 {
				continue // a state the labels never reach: keep the start's
			}
			for j := 0; j < k; j++ {
				h.trans[i*k+j] = (counts[i*k+j] + burstLeak) / (sum + float64(k)*burstLeak)
			}
		}
	}
	return h
}

// burstLeak is the count added to every transition of a rigid
// burst-position chain.
const burstLeak = 1e-4

// burstCands are the burst-position size chains tried for the search
// window's gaps (as fitted; tr maps seconds onto them): two components per
// state, transitions re-estimated and held. None when the gaps show no
// bursts of several packets.
func burstCands(gaps []float64, tr func(float64) float64) []hmmCand {
	cut, l, ok := burstCut(gaps, tr)
	if !ok {
		return nil
	}
	k := burstStates(l)
	return []hmmCand{
		{k: k, m: 2, init: hmmInitSpec{burst: l, burstCut: cut, burstGaps: gaps}},
		{k: k, m: 2, init: hmmInitSpec{burst: l, burstCut: cut, burstGaps: gaps, rigid: true}},
	}
}
