package metrics

import (
	"math"
	"sort"
)

// KLGridPoints is the number of evaluation points of KL (the reference code's
// np.linspace(0, max(original), 100)).
const KLGridPoints = 100

// KL returns the Kullback-Leibler divergence of the generated sample from the
// original, computed the way the reference paper's code does it:
//
//	g_i = i · max(orig) / 99,  i = 0..99
//	p_i = f_orig(g_i) / Σ_j f_orig(g_j),  q_i = f_gen(g_i) / Σ_j f_gen(g_j)
//	KL  = Σ_i p_i ln(p_i / q_i)      (nats; terms with p_i = 0 are 0)
//
// where f_orig and f_gen are Gaussian KDEs with Scott's bandwidth of each
// sample (scipy.stats.gaussian_kde), and the sum is scipy.stats.entropy(p, q).
// Deviations from scipy, for inputs where scipy fails, gives up or is slow:
// where a density underflows to 0 (a grid point tens of bandwidths from every
// point of a sample), scipy returns +Inf; here the densities are carried as
// logarithms and such a point gets the log of its dominant kernel terms (the
// nearest points), so KL stays finite and ranks bad imitations instead of
// saturating. Rounding can make KL of near-equal samples a hair below 0; it is
// clamped to 0. A constant
// sample (zero standard deviation, where scipy raises a singular-matrix error)
// gets a bandwidth of half the grid step, so its density is a bump the grid
// sees; long samples use the binned KDE (see KDE; relative density error below
// 1e-3, which moves KL by far less than its sampling noise). NaN when either
// sample is empty or max(orig) ≤ 0 (no grid).
//
// Both samples must be sorted ascending (it panics otherwise). It allocates
// nothing for samples up to ~20k values near the grid; see KDE.
func KL(orig, gen []float64) float64 {
	mustSorted("KL", orig)
	mustSorted("KL", gen)
	if len(orig) == 0 || len(gen) == 0 {
		return math.NaN()
	}
	top := orig[len(orig)-1]
	if !(top > 0) || math.IsInf(top, 0) {
		return math.NaN()
	}
	var grid, p, q [KLGridPoints]float64
	step := top / (KLGridPoints - 1)
	for i := range grid {
		grid[i] = float64(i) * step
	}
	grid[KLGridPoints-1] = top
	floor := step / 2
	ho, hg := bandwidthOr(orig, floor), bandwidthOr(gen, floor)
	KDE(p[:], grid[:], orig, ho)
	KDE(q[:], grid[:], gen, hg)
	logDensities(p[:], grid[:], orig, ho)
	logDensities(q[:], grid[:], gen, hg)
	return max(entropyLog(p[:], q[:]), 0)
}

// logDensities replaces the KDE values in f by their logarithms; values that
// underflowed to 0 get the log of the nearest points' kernel terms.
func logDensities(f, grid, x []float64, h float64) {
	lnorm := -math.Log(float64(len(x)) * h * math.Sqrt(2*math.Pi))
	for i, v := range f {
		if v > 0 {
			f[i] = math.Log(v)
			continue
		}
		f[i] = lnorm + logNear(x, grid[i], h)
	}
}

// logNear is the log of the kernel sum at g from the nearest point on each
// side of g (with their copies), computed without underflow: far from the
// data these terms dominate the sum by factors of exp(tens of thousands).
func logNear(x []float64, g, h float64) float64 {
	lo := sort.SearchFloat64s(x, g)
	a, b := math.Inf(-1), math.Inf(-1)
	if lo > 0 {
		d := (g - x[lo-1]) / h
		a = math.Log(nearCount(x, lo-1)) - d*d/2
	}
	if lo < len(x) {
		d := (x[lo] - g) / h
		b = math.Log(nearCount(x, lo)) - d*d/2
	}
	m := max(a, b)
	return m + math.Log(math.Exp(a-m)+math.Exp(b-m))
}

// entropyLog is scipy.stats.entropy(p, q) for densities given as logs:
// both normalised to sum 1, then Σ p ln(p/q).
func entropyLog(lp, lq []float64) float64 {
	zp, zq := logSumExp(lp), logSumExp(lq)
	if math.IsInf(zp, 0) || math.IsInf(zq, 0) || math.IsNaN(zp+zq) {
		return math.NaN()
	}
	var kl float64
	for i := range lp {
		a, b := lp[i]-zp, lq[i]-zq
		if p := math.Exp(a); p > 0 {
			kl += p * (a - b)
		}
	}
	return kl
}

func logSumExp(l []float64) float64 {
	m := math.Inf(-1)
	for _, v := range l {
		m = max(m, v)
	}
	if math.IsInf(m, 0) {
		return m
	}
	var s float64
	for _, v := range l {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}

func bandwidthOr(x []float64, floor float64) float64 {
	if h := ScottBandwidth(x); h > 0 {
		return h
	}
	return floor
}
