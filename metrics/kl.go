package metrics

import "math"

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
// It is +Inf when q_i underflows to 0 where p_i > 0, as scipy's is.
//
// Deviations from scipy, for inputs where scipy fails or is slow: a constant
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
	KDE(p[:], grid[:], orig, bandwidthOr(orig, floor))
	KDE(q[:], grid[:], gen, bandwidthOr(gen, floor))
	return entropy(p[:], q[:])
}

func bandwidthOr(x []float64, floor float64) float64 {
	if h := ScottBandwidth(x); h > 0 {
		return h
	}
	return floor
}

// entropy is scipy.stats.entropy(p, q): both normalised to sum 1, then
// Σ p ln(p/q).
func entropy(p, q []float64) float64 {
	var sp, sq float64
	for i := range p {
		sp += p[i]
		sq += q[i]
	}
	if !(sp > 0) || !(sq > 0) {
		return math.NaN()
	}
	var kl float64
	for i := range p {
		pi, qi := p[i]/sp, q[i]/sq
		switch {
		case pi == 0:
		case qi == 0:
			return math.Inf(1)
		default:
			kl += pi * math.Log(pi/qi)
		}
	}
	return kl
}
