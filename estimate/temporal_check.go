package estimate

import (
	"math"
	"slices"

	"github.com/gmm2trex/gmm2trex/metrics"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// The posterior predictive check that chooses a chain's structure and
// sticky prior. Likelihood alone cannot: the one-step likelihood of a
// sequence is best served by states that switch quickly to explain
// short-term variation, while what a profile must keep is the slow regime
// structure and the repeating gap patterns, visible in the autocorrelation
// over tens of packets. So each candidate is simulated the way the sampler
// will use it (walk the chain, draw, undo scaling and transform, redraw
// outside the observed range, round sizes) in segments as long as the data,
// and scored by what the comparison reports for each segment: the mean |ACF
// difference| over lags 1..50 against the data and the KS distance, with
// equal weight (hmmKSWeight), and the segment's timeline (a gap chain's
// packets, a joint chain's bytes, per window, and the idle share:
// hmmTimelineWeight); see hmmChecker for how segments are pooled.
// The walk is the sampler's own (sampler.Walker): the candidate is turned
// into the profile's chain and generated exactly as `sample`, the exports
// and the native sender will generate it.
// Scoring segments of the data's length, not one long run, makes the score
// include the sampling spread of long regimes, which is what a user's run of
// that length sees.

const (
	hmmCheckLags     = 50
	hmmCheckSegments = 16
	// hmmCheckSegmentsClose is how many segments candidates get when their
	// scores come close (hmmChoice.better): the median of 16 segments moves
	// by about 0.0006 in the ACF part alone between checks of one model,
	// as much as the gain of reproducing a lag-1 autocorrelation of −0.12.
	hmmCheckSegmentsClose = 64
	hmmKSWeight           = 1
	// hmmTimelineWeight weighs the timeline of a gap chain's segment — the
	// CV of packets per 10 ms, 100 ms and 1 s window and the idle share,
	// each error in units of its fidelity tolerance — against the rest of
	// the check, in whose units an ACF error or a KS at its tolerance is
	// 0.05: the gap chains the check chose kept the marginal and the
	// autocorrelation, and no more, of what the direction's score then
	// weighs (VP8: candidates within 0.002 of each other by the check,
	// whose chains scored 3.2 and 13.4 in ChooseModel, by their 1 s
	// burstiness). Measured on the whole fidelity benchmark
	// (../shared/fidelity, ../shared/pcaps, the embedded sample) at
	// estimate seeds 1..4 (scripts/fidelity -estimate-seed): directions
	// holding every bound, mean over the seeds, 8.0 without the timeline,
	// 8.25, 8.75, 8.5 and 8.5 with weights 0.0125, 0.025, 0.05 and 0.1;
	// bounds missed 10, 8, 7.5, 8, 8.
	hmmTimelineWeight = 0.025
	// hmmJointTimelineFactor scales that weight for a joint chain, whose
	// timeline is of bytes: the chain generates both features, so its
	// timeline is the one the direction plays, where a gap chain's packets
	// are half of it. Measured the same way: bounds missed, mean over
	// estimate seeds 1..4, 7.0, 6.5, 6.5, 6.5 at factors 1, 2, 4, 8
	// (directions held 8.75 at each); the smallest of the best.
	hmmJointTimelineFactor = 2
)

// hmmTarget is one observed feature in data units, as the check needs it.
type hmmTarget struct {
	v      []float64 // observed values
	sorted []float64
	ks     *metrics.KSRef // sorted, prepared for KS (a checker uses a Clone)
	acf    []float64      // lags 1..hmmCheckLags
	lo, hi float64
	round  bool // sizes are whole bytes
	// tl is the packet timeline of gaps (not sizes): packets per window
	// at the burst windows, idle share; bytes, of gaps whose sizes a joint
	// chain generates with them, the bytes timeline (withSizes).
	tl, bytes metrics.Timeline
}

func newHMMTarget(v []float64, round bool) *hmmTarget {
	t := &hmmTarget{v: v, sorted: slices.Clone(v), round: round}
	slices.Sort(t.sorted)
	t.ks = metrics.NewKSRef(t.sorted)
	t.lo, t.hi = t.sorted[0], t.sorted[len(t.sorted)-1]
	t.acf = make([]float64, hmmCheckLags)
	hmmACFInto(v, t.acf)
	if !round {
		t.tl = countTimeline(v)
	}
	return t
}

// withSizes gives the gap target t the bytes timeline of its packets of
// sizes (aligned with its gaps), which a joint chain's check weighs.
func (t *hmmTarget) withSizes(sizes []float64) {
	t.bytes = weightTimeline(t.v, sizes)
}

// countTimeline is the timeline of packets placed at the cumulative gaps,
// each counting one: the CV of the packets per window at each of
// metrics.BurstWindows and the share of empty windows of
// metrics.IdleWindow, over the whole windows from the first packet (NaN
// where the span holds fewer than two, one for the idle share, as
// metrics.TimelineOf). One pass, every window at once: the check measures
// every simulated segment so.
func countTimeline(gaps []float64) metrics.Timeline { return weightTimeline(gaps, nil) }

// weightTimeline is countTimeline with packet i weighing wt[i] (nil: 1):
// with sizes, the timeline of bytes, as metrics.TimelineOf has it.
func weightTimeline(gaps, wt []float64) metrics.Timeline {
	nan := math.NaN()
	tl := metrics.Timeline{CV: [3]float64{nan, nan, nan}, Idle: nan}
	if len(gaps) < 2 {
		return tl
	}
	var span float64
	for _, g := range gaps[1:] {
		span += g
	}
	const nw = len(metrics.BurstWindows) + 1 // the last: the idle window
	// Per window: its width, the whole windows in the span and where they
	// end, the end of the current one, its packets, and the sums of the
	// counts, of their squares and of the windows not empty.
	var w, whole, limit, end, cnt, sum, sq, busy [nw]float64
	for k := range nw {
		w[k] = metrics.IdleWindow
		if k < len(metrics.BurstWindows) {
			w[k] = metrics.BurstWindows[k]
		}
		whole[k] = math.Floor(span / w[k])
		limit[k], end[k] = whole[k]*w[k], w[k]
	}
	// The first packet is at 0: gaps[0] is the time before it.
	t := 0.0
	for i, g := range gaps {
		if i > 0 {
			t += g
		}
		for k := range nw {
			if t >= end[k] {
				if t >= limit[k] {
					continue // past the whole windows
				}
				if cnt[k] > 0 {
					sum[k] += cnt[k]
					sq[k] += cnt[k] * cnt[k]
					busy[k]++
				}
				end[k], cnt[k] = (math.Floor(t/w[k])+1)*w[k], 0
			}
			if wt == nil {
				cnt[k]++
			} else {
				cnt[k] += wt[i]
			}
		}
	}
	for k := range nw {
		if cnt[k] > 0 {
			sum[k] += cnt[k]
			sq[k] += cnt[k] * cnt[k]
			busy[k]++
		}
		switch {
		case k == nw-1 && whole[k] >= 1:
			tl.Idle = (whole[k] - busy[k]) / whole[k]
		case k < nw-1 && whole[k] >= 2 && sum[k] > 0:
			mean := sum[k] / whole[k]
			tl.CV[k] = math.Sqrt(max(sq[k]/whole[k]-mean*mean, 0)) / mean
		}
	}
	return tl
}

// timelineErr is the check's timeline part for a segment: the
// burstiness error at each window (metrics.BurstErr) and the idle share's,
// each in units of its tolerance, weighed by hmmTimelineWeight.
func timelineErr(ref, gen metrics.Timeline) float64 {
	var e float64
	for k := range ref.CV {
		if x := metrics.BurstErr(ref.CV[k], gen.CV[k]); !math.IsNaN(x) {
			e += x
		}
	}
	if x := math.Abs(ref.Idle - gen.Idle); !math.IsNaN(x) {
		e += x / metrics.TolIdle
	}
	return hmmTimelineWeight * e
}

// hmmACFInto writes the sample autocorrelation of x at lags 1..len(out):
// Σ(x_t-m)(x_{t+k}-m) / Σ(x_t-m)². It is metrics.ACF's estimator, but each
// lag's sum runs in order of t (metrics sums in cache blocks): the scores
// that choose among near-tied chains, hence the fitted profiles, depend on
// it to the last bit.
func hmmACFInto(x, out []float64) {
	hmmACFScratch(x, make([]float64, len(x)), out)
}

// hmmACFScratch is hmmACFInto with c (len(x)) as scratch for the centred
// series. Eight lags share each pass over the series: each lag's sum still
// runs in order of t, so the result is the same to the last bit, while the
// eight independent sums keep the adder busy (with four a pass, the check's
// ACF of every simulated segment took a tenth of estimate's CPU; see
// BenchmarkHMMACF).
func hmmACFScratch(x, c, out []float64) {
	n := len(x)
	c = c[:n]
	den := hmmCentre(x, c)
	clear(out)
	if den == 0 {
		return
	}
	k := 0
	for ; k+8 <= len(out) && k+8 < n; k += 8 {
		// Lags l..l+7 over t < n-l-7 (every lag in range), then the
		// shorter lags' last terms in the same order of t.
		l := k + 1
		var s [8]float64
		t := 0
		for ; t+l+7 < n; t++ {
			ct := c[t]
			w := c[t+l : t+l+8 : t+l+8]
			s[0] += ct * w[0]
			s[1] += ct * w[1]
			s[2] += ct * w[2]
			s[3] += ct * w[3]
			s[4] += ct * w[4]
			s[5] += ct * w[5]
			s[6] += ct * w[6]
			s[7] += ct * w[7]
		}
		for ; t+l < n; t++ {
			ct := c[t]
			for j := range 7 {
				if t+l+j < n {
					s[j] += ct * c[t+l+j]
				}
			}
		}
		for j := range 8 {
			out[k+j] = s[j] / den
		}
	}
	for ; k < len(out); k++ {
		lag := k + 1
		if lag >= n {
			continue
		}
		var s float64
		for t := 0; t+lag < n; t++ {
			s += c[t] * c[t+lag]
		}
		out[k] = s / den
	}
}

// hmmCentre writes x less its mean to c (len(x)) and returns the sum of
// squares of c: the ACF's centred series and its denominator.
func hmmCentre(x, c []float64) (den float64) {
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	for i, v := range x {
		c[i] = v - m
		den += c[i] * c[i]
	}
	return den
}

// hmmCheckStream is the sampler stream the check draws its segments from
// (the seed is the candidate's own).
const hmmCheckStream = 0x636865636b // "check"

// hmmSimulate walks w for len(out[0]) steps from a fresh start state into
// out[f][t], in data units: the shipped sampler's walk, so that candidates
// are scored as they will be generated.
func hmmSimulate(w *sampler.Walker, out [][]float64) {
	w.Restart()
	for t := range out[0] {
		for a, v := range w.Step() {
			out[a][t] = v
		}
	}
}

// hmmBounds are the targets' observed ranges by feature.
func hmmBounds(feats []hmmFeat, tg []*hmmTarget) sampler.Bounds {
	var b sampler.Bounds
	for a, f := range feats {
		if f.name == profiles.FeatureSize {
			b.MinSize, b.MaxSize = tg[a].lo, tg[a].hi
		} else {
			b.MinIAT, b.MaxIAT = tg[a].lo, tg[a].hi
		}
	}
	return b
}

// hmmWalker prepares the profile chain of h over feats for walking within
// the targets' bounds.
func hmmWalker(seed uint64, h *hmmModel, feats []hmmFeat, tg []*hmmTarget) (*sampler.Walker, error) {
	fit := hmmChainOf(h, 0, 1, feats)
	ch := chainOf(&fit)
	sorted := make([][]float64, len(tg))
	for a, t := range tg {
		sorted[a] = t.sorted
	}
	ch.Marginals = marginalsOf(&ch, sorted)
	return sampler.NewWalker(&ch, hmmBounds(feats, tg), seed, hmmCheckStream)
}

// hmmChecker scores a fitted chain. Each simulated segment gets
// s = Σ over features of (ACF error + hmmKSWeight·KS), plus the timeline
// error (timelineErr) of a gap chain's packets or a joint chain's bytes,
// which it generates as the direction plays them; the score is the
// median of s over segments: what a typical run of the data's length shows,
// which long regimes make very different from run to run (on the Skype `to`
// sizes one model's KS ranges 0.02-0.16 across runs). acf is the median over
// segments of the ACF part alone, which varies much less from segment to
// segment than the KS part (see hmmChoice.better). Lower is better.
//
// It runs segment by segment and keeps what it has simulated, so that a
// check can be extended to more segments (hmmBest) without simulating the
// first ones again. The segments depend on the seed alone, not on how the
// runs are split.
type hmmChecker struct {
	w            *sampler.Walker
	tg           []*hmmTarget
	bad          bool // the model cannot be prepared: score +Inf
	seg          [][]float64
	acf, centred []float64
	ks           []*metrics.KSRef // the targets', one each: its own scratch
	scores, acfs []float64
	medS, medA   []float64 // scratch for the medians
	gi           int       // a joint chain's gap feature
}

func newHMMChecker(seed uint64, h *hmmModel, feats []hmmFeat, tg []*hmmTarget) *hmmChecker {
	c := &hmmChecker{tg: tg}
	if len(tg) == 2 && tg[0].round {
		c.gi = 1
	}
	var err error
	if c.w, err = hmmWalker(seed, h, feats, tg); err != nil {
		c.bad = true
	}
	return c
}

// run extends the check to segs segments (if it has fewer) and returns
// the medians over all of them.
func (c *hmmChecker) run(segs int) (score, acfErr float64) {
	if c.bad {
		return math.Inf(1), math.Inf(1)
	}
	n := len(c.tg[0].v)
	d := len(c.tg)
	if c.seg == nil {
		c.seg = make([][]float64, d)
		for a := range c.seg {
			c.seg[a] = make([]float64, n)
		}
		c.acf = make([]float64, hmmCheckLags)
		c.centred = make([]float64, n)
		c.ks = make([]*metrics.KSRef, d)
		for a, t := range c.tg {
			c.ks[a] = t.ks.Clone() // checkers run side by side
		}
	}
	for len(c.scores) < segs {
		hmmSimulate(c.w, c.seg)
		var sr, ar float64
		for a := 0; a < d; a++ {
			hmmACFScratch(c.seg[a], c.centred, c.acf)
			var e float64
			for i, v := range c.acf {
				e += math.Abs(v - c.tg[a].acf[i])
			}
			e /= hmmCheckLags
			// KS of the segment as sorted, without sorting it (the
			// segment is simulated afresh next time round).
			sr += e + hmmKSWeight*c.ks[a].Distance(c.seg[a])
			if !c.tg[a].round && d == 1 {
				sr += timelineErr(c.tg[a].tl, countTimeline(c.seg[a]))
			}
			ar += e
		}
		if d == 2 {
			// A joint chain: the timeline of its bytes.
			sr += hmmJointTimelineFactor * timelineErr(c.tg[c.gi].bytes, weightTimeline(c.seg[c.gi], c.seg[1-c.gi]))
		}
		c.scores = append(c.scores, sr)
		c.acfs = append(c.acfs, ar)
	}
	c.medS = append(c.medS[:0], c.scores...)
	c.medA = append(c.medA[:0], c.acfs...)
	return hmmMedianSorted(c.medS), hmmMedianSorted(c.medA)
}

// hmmMedianSorted sorts v and returns its median.
func hmmMedianSorted(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
