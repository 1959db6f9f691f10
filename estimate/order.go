package estimate

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// orderLevel is the level of orderless's test: the chance that a
// direction whose packets do come in random order is still searched for a
// temporal model (each of its three tests at a third of it, Bonferroni's
// bound). The conventional 5 %, not a measured constant: the test only
// decides whether the search runs, the direction's score still chooses.
const orderLevel = 0.05

// orderLags is how many lags orderless tests: the lags of the score's
// acf_err (metrics.ACFLags), at most a fifth of the series, so that every
// lag's correlation rests on many pairs.
func orderLags(n int) int { return min(50, n/5) }

// orderless says whether the order of a direction's packets carries no
// evidence of its own: the ranks of its gaps, of its sizes, and of the two
// against each other are uncorrelated at every lag up to orderLags by the
// Ljung–Box test (each feature) and Haugh's (the cross-correlations at lags
// −L..L), each at orderLevel/3. Such a direction is what its independent
// draws (the 1-D mixtures, or their maps onto its values) already imitate
// in distribution: a temporal model would pay its parameters for noise,
// and its search is most of estimate's cost (a direction of 100 packets of
// independent draws: about four fifths). Ranks, not values, so that a few
// long silences among millisecond gaps, which dominate the values'
// correlation, do not decide; tied values (a clock's ticks, a codec's
// sizes) share their mean rank, and a feature of one value has no order
// to test. Directions too short for any lag are orderless.
func orderless(iat, size []float64, seed uint64) bool {
	if len(iat) != len(size) {
		return true
	}
	// The search's window (hmmSearchMax): what a search would see, and a
	// bound on the tests' cost.
	n := min(len(iat), hmmSearchMax)
	iat, size = iat[:n], size[:n]
	lags := orderLags(n)
	if lags < 1 {
		return true
	}
	g, s := normRanks(iat), normRanks(size)
	alpha := orderLevel / orderTests
	if g != nil && ljungBoxP(g, lags) < alpha {
		return false
	}
	if s != nil && ljungBoxP(s, lags) < alpha {
		return false
	}
	if g != nil && s != nil {
		// The coupling at lag 0 (a burst's large packets sent back to
		// back) on its own, which Haugh's 2L+1 lags dilute, and the
		// cross-correlations at every lag.
		z := crossAt(g, s, 0) * math.Sqrt(float64(n))
		if math.Erfc(math.Abs(z)/math.Sqrt2) < alpha || haughP(g, s, lags) < alpha {
			return false
		}
	}
	return timelineOrderless(iat, size, seed, alpha)
}

// orderTests is how many tests orderless makes, each at orderLevel over
// their count: Ljung–Box of gaps and of sizes, the lag-0 and Haugh's
// cross-correlations, and the timeline's three windows.
const orderTests = 7

// orderShuffles is how many shuffles of the direction timelineOrderless
// measures: enough for the mean and spread of a CV, at a cost of a few
// microseconds each for a few hundred packets.
const orderShuffles = 32

// orderStream seeds the shuffles apart from any other stream.
const orderStream = 0x6f72646572 // "order"

// timelineOrderless says whether the direction's burstiness — the CV of
// its bytes per 10 ms, 100 ms and 1 s window, what the score weighs —
// lies, at every window, within what shuffles of its gaps and its sizes
// (independent draws of its own values) give: within the normal quantile
// of alpha/2 each side of their mean, in their standard deviations. It
// sees what the correlations of the first lags may miss in a short series:
// bursts of a few packets whose lengths are not geometric (a video
// frame's), whose correlation is spread over many lags, each too small to
// count at 100 packets, and which make its windows far busier than
// independent draws make them.
func timelineOrderless(iat, size []float64, seed uint64, alpha float64) bool {
	ref := weightTimeline(iat, size)
	rng := rand.New(rand.NewPCG(seed, orderStream))
	g, s := slices.Clone(iat), slices.Clone(size)
	var sum, sq [3]float64
	var cnt [3]int
	for range orderShuffles {
		rng.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
		rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
		tl := weightTimeline(g, s)
		for k, cv := range tl.CV {
			if !math.IsNaN(cv) {
				sum[k], sq[k], cnt[k] = sum[k]+cv, sq[k]+cv*cv, cnt[k]+1
			}
		}
	}
	z := distuv.UnitNormal.Quantile(1 - alpha/2)
	for k, cv := range ref.CV {
		if math.IsNaN(cv) || cnt[k] < 2 {
			continue
		}
		m := sum[k] / float64(cnt[k])
		sd := math.Sqrt(max(0, (sq[k]-float64(cnt[k])*m*m)/float64(cnt[k]-1)))
		if math.Abs(cv-m) > z*sd {
			return false
		}
	}
	return true
}

// normRanks returns the ranks of x (ties at their mean rank), centred and
// scaled to unit sum of squares; nil when x holds a single value.
func normRanks(x []float64) []float64 {
	n := len(x)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case x[a] < x[b]:
			return -1
		case x[a] > x[b]:
			return 1
		}
		return 0
	})
	r := make([]float64, n)
	for i := 0; i < n; {
		j := i + 1
		for j < n && x[idx[j]] == x[idx[i]] {
			j++
		}
		mid := float64(i+j-1) / 2
		for _, k := range idx[i:j] {
			r[k] = mid
		}
		i = j
	}
	mean := float64(n-1) / 2
	var ss float64
	for i := range r {
		r[i] -= mean
		ss += r[i] * r[i]
	}
	if !(ss > 0) {
		return nil
	}
	sd := math.Sqrt(ss)
	for i := range r {
		r[i] /= sd
	}
	return r
}

// crossAt is the correlation of a[t] with b[t+k] (k may be negative) of
// two series normalised by normRanks.
func crossAt(a, b []float64, k int) float64 {
	var c float64
	if k >= 0 {
		for t := 0; t+k < len(a); t++ {
			c += a[t] * b[t+k]
		}
	} else {
		for t := -k; t < len(a); t++ {
			c += a[t] * b[t+k]
		}
	}
	return c
}

// ljungBoxP is the p-value of the Ljung–Box statistic of x (normRanks) at
// lags 1..lags: n(n+2) Σ r_k²/(n−k), χ² with lags degrees of freedom.
func ljungBoxP(x []float64, lags int) float64 {
	n := float64(len(x))
	var q float64
	for k := 1; k <= lags; k++ {
		r := crossAt(x, x, k)
		q += r * r / (n - float64(k))
	}
	q *= n * (n + 2)
	return distuv.ChiSquared{K: float64(lags)}.Survival(q)
}

// haughP is the p-value of Haugh's statistic of the cross-correlations of
// a and b (normRanks) at lags −lags..lags: n² Σ r_k²/(n−|k|), χ² with
// 2·lags+1 degrees of freedom.
func haughP(a, b []float64, lags int) float64 {
	n := float64(len(a))
	var q float64
	for k := -lags; k <= lags; k++ {
		r := crossAt(a, b, k)
		q += r * r / (n - math.Abs(float64(k)))
	}
	q *= n * n
	return distuv.ChiSquared{K: float64(2*lags + 1)}.Survival(q)
}
