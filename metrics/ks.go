package metrics

import (
	"math"
)

// KS returns the two-sample Kolmogorov-Smirnov statistic
//
//	D = sup_v |F_x(v) − F_y(v)|
//
// where F_x and F_y are the empirical distribution functions of x and y. Both
// slices must be sorted in ascending order (slices.Sort); KS panics when one
// is not, since the result would be meaningless. Ties are handled exactly: the
// supremum is taken after all copies of a value. It returns NaN when either
// sample is empty or holds a NaN (as KSRef.Distance does; the merge below
// would never pass a NaN), and allocates nothing.
func KS(x, y []float64) float64 {
	mustSorted("KS", x)
	mustSorted("KS", y)
	n, m := len(x), len(y)
	if n == 0 || m == 0 || hasNaN(x) || hasNaN(y) {
		return math.NaN()
	}
	fn, fm := float64(n), float64(m)
	var d float64
	i, j := 0, 0
	for i < n && j < m {
		v := min(x[i], y[j])
		for i < n && x[i] <= v {
			i++
		}
		for j < m && y[j] <= v {
			j++
		}
		d = max(d, math.Abs(float64(i)/fn-float64(j)/fm))
	}
	return d
}

// KSPValue returns the asymptotic p-value of a two-sample KS statistic d
// between samples of sizes n and m: the probability, under the hypothesis that
// both come from one continuous distribution, of a statistic at least d. It
// uses Kolmogorov's limiting distribution with Stephens' small-sample
// correction (as in Numerical Recipes' kstwo):
//
//	n_e = n·m / (n + m)
//	λ   = (√n_e + 0.12 + 0.11/√n_e) · d
//	p   = Q(λ) = 2 Σ_{j≥1} (−1)^{j−1} exp(−2 j² λ²)
//
// clamped to [0, 1]. It returns NaN for n or m below 1 or d outside [0, 1].
func KSPValue(d float64, n, m int) float64 {
	if n < 1 || m < 1 || !(d >= 0 && d <= 1) {
		return math.NaN()
	}
	ne := float64(n) * float64(m) / float64(n+m)
	s := math.Sqrt(ne)
	return kolmogorovQ((s + 0.12 + 0.11/s) * d)
}

// kolmogorovQ is the survival function of the Kolmogorov distribution.
func kolmogorovQ(lambda float64) float64 {
	if lambda < 0.2 {
		// The alternating series converges too slowly here, and Q is 1 to
		// double precision (Q(0.2) = 1 − 3e-22).
		return 1
	}
	var sum, sign float64 = 0, 1
	a := -2 * lambda * lambda
	for j := 1; j <= 100; j++ {
		term := sign * math.Exp(a*float64(j*j))
		sum += term
		if math.Abs(term) <= 1e-12*math.Abs(sum) || math.Abs(term) < 1e-300 {
			break
		}
		sign = -sign
	}
	return min(max(2*sum, 0), 1)
}

// mustSorted panics when x is not ascending: callers break a documented
// precondition, which is a programming error, not bad input.
// hasNaN says whether x holds a NaN.
func hasNaN(x []float64) bool {
	for _, v := range x {
		if v != v {
			return true
		}
	}
	return false
}

func mustSorted(fn string, x []float64) {
	for i := 1; i < len(x); i++ {
		if x[i] < x[i-1] {
			panic("metrics: " + fn + ": input not sorted")
		}
	}
}
