package estimate

import (
	"math"
	"math/rand/v2"
	"slices"
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
// equal weight (hmmKSWeight); see hmmCheck for how segments are pooled.
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
)

// hmmTarget is one observed feature in data units, as the check needs it.
type hmmTarget struct {
	v      []float64 // observed values
	sorted []float64
	acf    []float64 // lags 1..hmmCheckLags
	lo, hi float64
	round  bool // sizes are whole bytes
}

func newHMMTarget(v []float64, round bool) *hmmTarget {
	t := &hmmTarget{v: v, sorted: slices.Clone(v), round: round}
	slices.Sort(t.sorted)
	t.lo, t.hi = t.sorted[0], t.sorted[len(t.sorted)-1]
	t.acf = make([]float64, hmmCheckLags)
	hmmACFInto(v, t.acf)
	return t
}

// hmmACFInto writes the sample autocorrelation of x at lags 1..len(out):
// Σ(x_t-m)(x_{t+k}-m) / Σ(x_t-m)².
func hmmACFInto(x, out []float64) {
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	var den float64
	for _, v := range x {
		den += (v - m) * (v - m)
	}
	for k := range out {
		out[k] = 0
		lag := k + 1
		if den == 0 || lag >= len(x) {
			continue
		}
		var s float64
		for t := 0; t+lag < len(x); t++ {
			s += (x[t] - m) * (x[t+lag] - m)
		}
		out[k] = s / den
	}
}

// hmmKSSorted is the two-sample Kolmogorov-Smirnov statistic of two sorted
// samples.
func hmmKSSorted(a, b []float64) float64 {
	var i, j int
	var d float64
	for i < len(a) && j < len(b) {
		v := math.Min(a[i], b[j])
		for i < len(a) && a[i] <= v {
			i++
		}
		for j < len(b) && b[j] <= v {
			j++
		}
		d = math.Max(d, math.Abs(float64(i)/float64(len(a))-float64(j)/float64(len(b))))
	}
	return d
}

// hmmSimulate draws n steps from h (whose features are feats, targets tg)
// into out[f][t] in data units.
func hmmSimulate(rng *rand.Rand, h *hmmModel, feats []hmmFeat, tg []*hmmTarget, n int, out [][]float64) {
	d, k, m := h.d, h.k, h.m
	cumT := make([]float64, k*k)
	for i := 0; i < k; i++ {
		var s float64
		for j := 0; j < k; j++ {
			s += h.trans[i*k+j]
			cumT[i*k+j] = s
		}
	}
	cumW := make([]float64, k*m)
	for s := 0; s < k; s++ {
		var c float64
		for j := 0; j < m; j++ {
			c += h.g[s*m+j].w
			cumW[s*m+j] = c
		}
	}
	pick := func(cum []float64) int {
		r := rng.Float64() * cum[len(cum)-1]
		for i, c := range cum {
			if r < c {
				return i
			}
		}
		return len(cum) - 1
	}
	var cumS []float64
	var acc float64
	for _, p := range h.start {
		acc += p
		cumS = append(cumS, acc)
	}
	s := pick(cumS)
	z := make([]float64, d)
	v := make([]float64, d)
	for t := 0; t < n; t++ {
		if t > 0 {
			s = pick(cumT[s*k : (s+1)*k])
		}
		for try := 0; ; try++ {
			g := &h.g[s*m+pick(cumW[s*m:(s+1)*m])]
			ok := true
			for a := 0; a < d; a++ {
				z[a] = rng.NormFloat64()
				y := g.mean[a]
				for b := 0; b <= a; b++ {
					y += g.chol[a*d+b] * z[b]
				}
				x := y*feats[a].std + feats[a].mean
				if feats[a].log {
					x = math.Exp(x)
				}
				if tg[a].round {
					x = math.Round(x)
				}
				if x < tg[a].lo || x > tg[a].hi {
					ok = false
					if try >= 50 {
						x = math.Min(math.Max(x, tg[a].lo), tg[a].hi)
					}
				}
				v[a] = x
			}
			if ok || try >= 50 {
				break
			}
		}
		for a := range v {
			out[a][t] = v[a]
		}
	}
}

// hmmCheck scores a fitted chain. Each simulated segment gets
// s = Σ over features of (ACF error + hmmKSWeight·KS); the score is the
// median of s over segments: what a typical run of the data's length shows,
// which long regimes make very different from run to run (on the Skype `to`
// sizes one model's KS ranges 0.02-0.16 across runs). acf is the median over
// segments of the ACF part alone, which varies much less from segment to
// segment than the KS part (see hmmChoice.better). Lower is better.
//
// The first segments are the same for any segs, so a check with more
// segments extends one with fewer.
func hmmCheck(seed uint64, h *hmmModel, feats []hmmFeat, tg []*hmmTarget, segs int) (score, acfErr float64) {
	if err := h.prepare(); err != nil {
		return math.Inf(1), math.Inf(1)
	}
	n := len(tg[0].v)
	rng := rand.New(rand.NewPCG(seed, 0x636865636b))
	d := len(feats)
	seg := make([][]float64, d)
	for a := range seg {
		seg[a] = make([]float64, n)
	}
	acf := make([]float64, hmmCheckLags)
	scores := make([]float64, 0, segs)
	acfs := make([]float64, 0, segs)
	for r := 0; r < segs; r++ {
		hmmSimulate(rng, h, feats, tg, n, seg)
		var sr, ar float64
		for a := 0; a < d; a++ {
			hmmACFInto(seg[a], acf)
			var e float64
			for i, v := range acf {
				e += math.Abs(v - tg[a].acf[i])
			}
			e /= hmmCheckLags
			slices.Sort(seg[a])
			sr += e + hmmKSWeight*hmmKSSorted(seg[a], tg[a].sorted)
			ar += e
		}
		scores = append(scores, sr)
		acfs = append(acfs, ar)
	}
	return hmmMedianSorted(scores), hmmMedianSorted(acfs)
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
