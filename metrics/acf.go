package metrics

import "math"

// ACF writes into dst[k−1] the sample autocorrelation of x at lag k, for
// k = 1..len(dst), with the usual biased estimator (statsmodels' acf, R's acf):
//
//	r_k = Σ_{t=0}^{n−k−1} (x_t − x̄)(x_{t+k} − x̄) / Σ_{t=0}^{n−1} (x_t − x̄)²
//
// Lags at or beyond len(x) are 0. A constant series (zero variance) has no
// measurable linear dependence; its ACF is defined as 0 at every lag rather
// than NaN, so that two constant series compare as equal. It allocates nothing.
func ACF(dst, x []float64) {
	n := len(x)
	clear(dst)
	if n < 2 {
		return
	}
	var mean float64
	for _, v := range x {
		mean += v
	}
	mean /= float64(n)
	var den float64
	for _, v := range x {
		den += (v - mean) * (v - mean)
	}
	if den == 0 || math.IsNaN(den) || math.IsInf(den, 0) {
		return
	}
	lagSums(dst, x, mean)
	for k := range dst {
		dst[k] /= den
	}
}

// lagSums adds to sums[k−1] Σ_t (x_t − m)(x_{t+k} − m) for k = 1..len(sums),
// lags ≥ len(x) contributing nothing. It walks x in blocks so that each block
// stays in cache while every lag is summed over it: one pass over memory
// instead of one per lag (this loop is most of compare's time on long
// series).
func lagSums(sums, x []float64, m float64) {
	const block = 2048
	n := len(x)
	for s := 0; s < n; s += block {
		e := min(s+block, n)
		for k := 1; k <= len(sums) && k < n; k++ {
			end := min(e, n-k)
			if end <= s {
				break
			}
			a, b := x[s:end], x[s+k:end+k]
			var s0, s1, s2, s3 float64
			i := 0
			for ; i+4 <= len(a); i += 4 {
				s0 += (a[i] - m) * (b[i] - m)
				s1 += (a[i+1] - m) * (b[i+1] - m)
				s2 += (a[i+2] - m) * (b[i+2] - m)
				s3 += (a[i+3] - m) * (b[i+3] - m)
			}
			for ; i < len(a); i++ {
				s0 += (a[i] - m) * (b[i] - m)
			}
			sums[k-1] += s0 + s1 + s2 + s3
		}
	}
}

// ACFLags is the number of lags compare uses for the autocorrelation error
// (DESIGN.md: lags 1..50).
const ACFLags = 50

// ACFErr returns the mean absolute difference of the autocorrelations of x
// and y over lags 1..lags:
//
//	acf_err = (1/L) Σ_{k=1}^{L} |r_k(x) − r_k(y)|
//
// with r_k as in ACF. Independent draws have r_k ≈ 0, so acf_err of an i.i.d.
// imitation is about the mean |r_k| of the original. It returns NaN for
// lags < 1 and allocates nothing.
func ACFErr(x, y []float64, lags int) float64 {
	if lags < 1 {
		return math.NaN()
	}
	var sum float64
	// Lags in groups of maxLagGroup, whose sums live on the stack.
	for first := 1; first <= lags; first += maxLagGroup {
		var rx, ry [maxLagGroup]float64
		g := min(maxLagGroup, lags-first+1)
		acfFrom(rx[:g], x, first)
		acfFrom(ry[:g], y, first)
		for k := range g {
			sum += math.Abs(rx[k] - ry[k])
		}
	}
	return sum / float64(lags)
}

// meanVar returns the mean and the sum of squared deviations (not divided),
// with the sum 0 for fewer than two values or a non-finite result.
func meanVar(x []float64) (mean, ss float64) {
	if len(x) < 2 {
		return 0, 0
	}
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	if math.IsNaN(ss) || math.IsInf(ss, 0) {
		return mean, 0
	}
	return mean, ss
}

const maxLagGroup = 64

// acfFrom writes r_k for k = first..first+len(dst)−1, as ACF does.
func acfFrom(dst, x []float64, first int) {
	clear(dst)
	m, den := meanVar(x)
	if den == 0 || first >= len(x) {
		return
	}
	if first == 1 {
		lagSums(dst, x, m)
	} else {
		// Lags first..: shift the series so that lag first−1+j is lag j of
		// the pairs (x_t, x_{t+first−1+j}); rare (lags > 64), so computed
		// directly.
		for j := range dst {
			k := first + j
			if k >= len(x) {
				break
			}
			var s float64
			for t := 0; t+k < len(x); t++ {
				s += (x[t] - m) * (x[t+k] - m)
			}
			dst[j] = s
		}
	}
	for k := range dst {
		dst[k] /= den
	}
}
