package estimate

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"

	"github.com/gmm2trex/gmm2trex/internal/fastmath"
	"github.com/gmm2trex/gmm2trex/internal/gauss"
	"github.com/gmm2trex/gmm2trex/internal/seeds"
)

// refineTop is how many candidates of a search on a summary are refined
// on the rows before BIC chooses.
const refineTop = 3

// DefaultRestartsD is the default number of starts per k for d-D mixtures:
// fewer than in 1-D because each EM step costs d² more per sample and the
// search over k already explores many starts.
const DefaultRestartsD = 3

// ridgeRel is added, times each dimension's variance, to the diagonal of
// every covariance: for standardised data it is scikit-learn's reg_covar
// (1e-6), and it keeps a component on coincident points positive definite.
const ridgeRel = 1e-6

// MixtureOptions controls FitMixture. Zero values take the defaults.
type MixtureOptions struct {
	K          int // components; 0 chooses k by BIC over KMin..KMax
	KMin, KMax int // range for automatic k (1..DefaultMaxK)
	Restarts   int // k-means++ starts per k (DefaultRestartsD)
	Seed       uint64
	MaxIter    int     // EM iteration cap (DefaultMaxIter)
	Tol        float64 // stop when the mean log-likelihood changes by less (DefaultTol)
	// Weights, when not nil, holds one non-negative weight per row (for
	// example the posterior of an HMM state); the fit maximises the
	// weighted log-likelihood, and N in BIC is the sum of the weights.
	Weights []float64
	Workers int // k fitted at once when K is 0 (GOMAXPROCS); the result does not depend on it
}

func (o MixtureOptions) withDefaults() MixtureOptions {
	if o.KMin <= 0 {
		o.KMin = 1
	}
	if o.KMax <= 0 {
		o.KMax = max(DefaultMaxK, o.KMin)
	}
	if o.Restarts <= 0 {
		o.Restarts = DefaultRestartsD
	}
	if o.MaxIter <= 0 {
		o.MaxIter = DefaultMaxIter
	}
	if o.Tol <= 0 {
		o.Tol = DefaultTol
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o
}

// ptsD is the weighted sample of a d-D fit.
type ptsD struct {
	x     []float64 // row-major n×d
	w     []float64 // nil: all ones
	d     int
	n     int
	sumW  float64
	ridge []float64 // per-dimension diagonal regularisation
	// wcov, when not nil, holds per row a d×d within-cell covariance: the
	// rows then summarise cells of a larger sample (see gridSummary).
	wcov []float64
}

func (p *ptsD) weight(i int) float64 {
	if p.w == nil {
		return 1
	}
	return p.w[i]
}

// gmmD is the working state of one d-D EM run.
type gmmD struct {
	k, d int
	w    []float64 // k
	mu   []float64 // k×d
	cov  []float64 // k×d×d
	chol []float64 // k×d×d, the lower Cholesky factor of cov
	pk   []float64 // k×gauss.Stride2: the packed components when d = 2
	prec []float64 // k×d×d, Σ⁻¹ (only for summaries)
	inv  []float64 // d×d scratch: the inverse factor, for prec
	lc   []float64 // k: log w - ½log det - d/2 log 2π
	s0   []float64
	s1   []float64
	s2   []float64
	a    []float64 // k scratch
	e    []float64 // d scratch
	ll   float64
	save *gmmD
}

func newGMMD(k, d int) *gmmD {
	return &gmmD{
		k: k, d: d,
		w: make([]float64, k), mu: make([]float64, k*d), cov: make([]float64, k*d*d),
		chol: make([]float64, k*d*d), pk: make([]float64, k*gauss.Stride2), prec: make([]float64, k*d*d),
		inv: make([]float64, d*d), lc: make([]float64, k),
		s0: make([]float64, k), s1: make([]float64, k*d), s2: make([]float64, k*d*d),
		a: make([]float64, k), e: make([]float64, d),
	}
}

func (g *gmmD) copyParams(o *gmmD) {
	copy(g.w, o.w)
	copy(g.mu, o.mu)
	copy(g.cov, o.cov)
	g.ll = o.ll
}

var errNotPD = errors.New("covariance is not positive definite")

// factor computes chol, lc (and pk, prec) from the covariances, adding
// ridge when a covariance is not numerically positive definite.
func (g *gmmD) factor(p *ptsD) error {
	d := g.d
	for c := range g.k {
		cv := g.cov[c*d*d : (c+1)*d*d]
		l := g.chol[c*d*d : (c+1)*d*d]
		logDet, ok := 0.0, false
		for try := 0; try < 8 && !ok; try++ {
			logDet, ok = gauss.Cholesky(cv, l, d, 0)
			if !ok {
				// Grow the ridge tenfold until it factors.
				for i := range d {
					cv[i*d+i] += p.ridge[i] * math.Pow(10, float64(try+1))
				}
			}
		}
		if !ok {
			return fmt.Errorf("estimate: component %d: %w", c, errNotPD)
		}
		g.lc[c] = gauss.LogNorm(g.w[c], d, logDet)
		if d == 2 {
			gauss.Pack2(g.pk[c*gauss.Stride2:], g.lc[c], g.mu[c*d:(c+1)*d], l)
		}
		if p.wcov != nil {
			// Σ⁻¹ = L⁻ᵀ·L⁻¹.
			li := g.inv
			gauss.InvertLower(l, li, d)
			pr := g.prec[c*d*d : (c+1)*d*d]
			for i := range d {
				for j := range d {
					v := 0.0
					for r := max(i, j); r < d; r++ {
						v += li[r*d+i] * li[r*d+j]
					}
					pr[i*d+j] = v
				}
			}
		}
	}
	return nil
}

// cellPenalty subtracts from g.a the ½ tr(Σ_c⁻¹ W) term: with it, g.a is
// the mean log density of the rows a cell (mean x, within covariance W)
// summarises, which is exact for Gaussian components.
func (g *gmmD) cellPenalty(wc []float64) float64 {
	d := g.d
	mx := math.Inf(-1)
	for c := range g.k {
		pr := g.prec[c*d*d : (c+1)*d*d]
		t := 0.0
		for i, w := range wc {
			t += pr[i] * w
		}
		g.a[c] -= 0.5 * t
		if g.a[c] > mx {
			mx = g.a[c]
		}
	}
	return mx
}

// logComp fills g.a with log(w_c N(x; μ_c, Σ_c)) and returns the maximum.
func (g *gmmD) logComp(x []float64) float64 {
	d := g.d
	mx := math.Inf(-1)
	if d == 2 {
		// The case of joint (IAT, size) models, unrolled.
		x0, x1 := x[0], x[1]
		for c := range g.k {
			a := gauss.LogDensity2(g.pk[c*gauss.Stride2:(c+1)*gauss.Stride2], x0, x1)
			g.a[c] = a
			if a > mx {
				mx = a
			}
		}
		return mx
	}
	for c := range g.k {
		a := gauss.LogDensity(x, g.mu[c*d:(c+1)*d], g.chol[c*d*d:(c+1)*d*d], g.lc[c], g.e)
		g.a[c] = a
		if a > mx {
			mx = a
		}
	}
	return mx
}

// step does one E step (g.ll becomes the log-likelihood of the current
// parameters when withLL) and the M step. factor must have been called.
func (g *gmmD) step(p *ptsD, withLL bool) {
	d, k := g.d, g.k
	clear(g.s0)
	clear(g.s1)
	clear(g.s2)
	ll := 0.0
	for i := range p.n {
		x := p.x[i*d : (i+1)*d]
		wi := p.weight(i)
		if wi == 0 {
			continue
		}
		mx := g.logComp(x)
		if p.wcov != nil {
			mx = g.cellPenalty(p.wcov[i*d*d : (i+1)*d*d])
		}
		tot := 0.0
		for c := range k {
			g.a[c] = fastmath.ExpNeg(g.a[c] - mx)
			tot += g.a[c]
		}
		if withLL {
			ll += wi * (mx + math.Log(tot))
		}
		s := wi / tot
		if d == 2 {
			g.accumulate2(x, p, i, s)
			continue
		}
		for c := range k {
			r := g.a[c] * s
			if r < 1e-300 {
				continue
			}
			g.s0[c] += r
			mu := g.mu[c*d : (c+1)*d]
			s1 := g.s1[c*d : (c+1)*d]
			s2 := g.s2[c*d*d : (c+1)*d*d]
			for j := range d {
				e := x[j] - mu[j]
				g.e[j] = e
				s1[j] += r * e
			}
			for j := range d {
				re := r * g.e[j]
				for l := 0; l <= j; l++ {
					s2[j*d+l] += re * g.e[l]
				}
			}
			if p.wcov != nil {
				wc := p.wcov[i*d*d : (i+1)*d*d]
				for j := range d {
					for l := 0; l <= j; l++ {
						s2[j*d+l] += r * wc[j*d+l]
					}
				}
			}
		}
	}
	g.ll = ll
	g.mstep(p)
}

// accumulate2 is the M-step accumulation of step for d = 2 (joint IAT and
// size), unrolled: g.a holds the unnormalised responsibilities of row i,
// scale their normaliser times the row's weight.
func (g *gmmD) accumulate2(x []float64, p *ptsD, i int, scale float64) {
	x0, x1 := x[0], x[1]
	var w00, w10, w11 float64
	if p.wcov != nil {
		wc := p.wcov[4*i : 4*i+4]
		w00, w10, w11 = wc[0], wc[2], wc[3]
	}
	k := g.k
	a, s0, s1, s2, mu := g.a[:k], g.s0[:k], g.s1[:2*k], g.s2[:4*k], g.mu[:2*k]
	for c := range a {
		r := a[c] * scale
		if r < 1e-300 {
			continue
		}
		e0, e1 := x0-mu[2*c], x1-mu[2*c+1]
		re0, re1 := r*e0, r*e1
		s0[c] += r
		s1[2*c] += re0
		s1[2*c+1] += re1
		s2[4*c] += re0*e0 + r*w00
		s2[4*c+2] += re1*e0 + r*w10
		s2[4*c+3] += re1*e1 + r*w11
	}
}

func (g *gmmD) mstep(p *ptsD) {
	d := g.d
	for c := range g.k {
		s0 := g.s0[c]
		mu := g.mu[c*d : (c+1)*d]
		cv := g.cov[c*d*d : (c+1)*d*d]
		if s0 < 1e-10*p.sumW {
			// Empty: keep its place with a negligible weight.
			g.w[c] = 1e-12
			continue
		}
		g.w[c] = s0 / p.sumW
		// The statistics are about the old mean: m1 is the shift.
		m1 := g.s1[c*d : (c+1)*d]
		gauss.Moments(s0, m1, g.s2[c*d*d:(c+1)*d*d], m1, cv)
		for j := range d {
			cv[j*d+j] += p.ridge[j]
			mu[j] += m1[j]
		}
	}
	normalise(g.w)
}

// run iterates EM to convergence (mean log-likelihood change below tol) or
// maxIter steps, keeping the parameters whose log-likelihood is g.ll.
//
// A trial run (restarts being ranked) does exactly maxIter steps and
// computes the likelihood only in the last.
func (g *gmmD) run(p *ptsD, maxIter int, tol float64, trial bool) error {
	if g.save == nil {
		g.save = newGMMD(g.k, g.d)
	}
	if err := g.factor(p); err != nil {
		return err
	}
	if maxIter <= 0 {
		g.ll = g.logLik(p)
		return nil
	}
	if trial {
		for range maxIter - 1 {
			g.step(p, false)
			if err := g.factor(p); err != nil {
				return err
			}
		}
		g.save.copyParams(g)
		g.step(p, true)
		ll := g.ll
		g.copyParams(g.save)
		g.ll = ll
		return g.factor(p)
	}
	prev := math.Inf(-1)
	for it := 0; it < maxIter; it++ {
		g.save.copyParams(g)
		g.step(p, true)
		// g.ll is the likelihood of the parameters saved before the step.
		// EM only lowers it by rounding or the ridge; either way, or at
		// convergence, stop there.
		if (g.ll-prev)/p.sumW < tol {
			ll := g.ll
			g.copyParams(g.save)
			g.ll = ll
			return g.factor(p)
		}
		prev = g.ll
		if it == maxIter-1 {
			break
		}
		if err := g.factor(p); err != nil {
			g.copyParams(g.save)
			g.ll = g.logLikFactor(p)
			return nil
		}
	}
	// At the cap, keep the parameters of the last E step: their
	// likelihood is known, and one M step less costs less than another
	// pass over the data to evaluate the newest ones.
	ll := g.ll
	g.copyParams(g.save)
	g.ll = ll
	return g.factor(p)
}

// logLikFactor factors the current parameters and returns their
// log-likelihood (-Inf when they cannot be factored).
func (g *gmmD) logLikFactor(p *ptsD) float64 {
	if g.factor(p) != nil {
		return math.Inf(-1)
	}
	return g.logLik(p)
}

func (g *gmmD) logLik(p *ptsD) float64 {
	ll := 0.0
	for i := range p.n {
		wi := p.weight(i)
		if wi == 0 {
			continue
		}
		mx := g.logComp(p.x[i*p.d : (i+1)*p.d])
		if p.wcov != nil {
			mx = g.cellPenalty(p.wcov[i*p.d*p.d : (i+1)*p.d*p.d])
		}
		tot := 0.0
		for c := range g.k {
			tot += fastmath.ExpNeg(g.a[c] - mx)
		}
		ll += wi * (mx + math.Log(tot))
	}
	return ll
}

// initFrom sets the parameters from a hard clustering.
func (g *gmmD) initFrom(p *ptsD, assign []int) {
	d := g.d
	clear(g.s0)
	clear(g.s1)
	clear(g.s2)
	for i := range p.n {
		c, wi := assign[i], p.weight(i)
		g.s0[c] += wi
		for j := range d {
			g.s1[c*d+j] += wi * p.x[i*d+j]
		}
	}
	for c := range g.k {
		for j := range d {
			if g.s0[c] > 0 {
				g.mu[c*d+j] = g.s1[c*d+j] / g.s0[c]
			}
		}
	}
	for i := range p.n {
		c, wi := assign[i], p.weight(i)
		x := p.x[i*d : (i+1)*d]
		for j := range d {
			ej := x[j] - g.mu[c*d+j]
			for l := 0; l <= j; l++ {
				q := ej * (x[l] - g.mu[c*d+l])
				if p.wcov != nil {
					q += p.wcov[i*d*d+j*d+l]
				}
				g.s2[c*d*d+j*d+l] += wi * q
			}
		}
	}
	for c := range g.k {
		g.w[c] = math.Max(g.s0[c], 1e-12*p.sumW) / p.sumW
		for j := range d {
			for l := 0; l <= j; l++ {
				v := 0.0
				if g.s0[c] > 0 {
					v = g.s2[c*d*d+j*d+l] / g.s0[c]
				}
				if j == l {
					v += p.ridge[j]
				}
				g.cov[c*d*d+j*d+l] = v
				g.cov[c*d*d+l*d+j] = v
			}
		}
	}
	normalise(g.w)
}

func fitKD(p *ptsD, k int, o MixtureOptions, maxIter int, tol float64) *gmmD {
	// One stream per k keeps the fits of different k (run concurrently)
	// independent of scheduling.
	rng := seeds.New(o.Seed, uint64(k)|1<<32)
	best := newGMMD(k, p.d)
	best.ll = math.Inf(-1)
	cur := newGMMD(k, p.d)
	restarts := o.Restarts
	if k == 1 {
		restarts = 1
	}
	for r := 0; r < restarts; r++ {
		assign, _ := kmeans(rng, p.x, p.d, p.w, k, 11, false)
		if renumber(assign, k) < k {
			continue
		}
		cur.initFrom(p, assign)
		if cur.run(p, shortIter, o.Tol, true) != nil {
			continue
		}
		if cur.ll > best.ll {
			best.copyParams(cur)
		}
	}
	if math.IsInf(best.ll, -1) {
		return nil
	}
	if best.run(p, maxIter, tol, false) != nil {
		return nil
	}
	return best
}

// FitMixture fits a Gaussian mixture with full covariances to the n rows of
// x (row-major, len(x) = n·d) by EM. With o.K > 0 it fits that many
// components (fewer when there are fewer distinct rows); otherwise it fits
// every k in o.KMin..o.KMax and keeps the one of lowest BIC. Each k is
// started o.Restarts times from k-means++ seeds and the start of best
// likelihood is kept. Beyond 2,048 rows the restarts (and the search over k)
// run on a summary of the rows in about 256 grid cells; in a search, every
// candidate is then scored on the rows, the three best refined on them before
// BIC chooses, and the chosen one run to convergence. NaN or Inf values are an
// error.
func FitMixture(x []float64, d int, o MixtureOptions) (*Mixture, error) {
	o = o.withDefaults()
	if d <= 0 || len(x)%d != 0 {
		return nil, fmt.Errorf("estimate: %d values do not make rows of dimension %d", len(x), d)
	}
	n := len(x) / d
	if n == 0 {
		return nil, ErrNoData
	}
	if o.Weights != nil && len(o.Weights) != n {
		return nil, fmt.Errorf("estimate: %d weights for %d rows", len(o.Weights), n)
	}
	if o.K < 0 {
		return nil, fmt.Errorf("estimate: component count %d is negative", o.K)
	}
	p := &ptsD{x: x, w: o.Weights, d: d, n: n, ridge: make([]float64, d)}
	mean := make([]float64, d)
	for i := range n {
		wi := p.weight(i)
		if wi < 0 || math.IsNaN(wi) || math.IsInf(wi, 0) {
			return nil, fmt.Errorf("estimate: weight %d is %v", i, wi)
		}
		p.sumW += wi
		for j := range d {
			v := x[i*d+j]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("estimate: row %d column %d is %v", i, j, v)
			}
			mean[j] += wi * v
		}
	}
	if !(p.sumW > 0) {
		return nil, ErrNoData
	}
	for j := range d {
		mean[j] /= p.sumW
	}
	for i := range n {
		for j := range d {
			e := x[i*d+j] - mean[j]
			p.ridge[j] += p.weight(i) * e * e
		}
	}
	for j := range d {
		v := p.ridge[j] / p.sumW
		if !(v > 0) {
			m := math.Max(math.Abs(mean[j]), 1)
			v = m * m
		}
		if sd := math.Sqrt(v); !(sd >= 1e-140 && sd <= 1e140) {
			// As in 1-D: covariances would leave float64's normal range.
			return nil, fmt.Errorf("estimate: column %d out of range for fitting (mean %g, spread %g)", j, mean[j], sd)
		}
		p.ridge[j] = ridgeRel * v
	}
	distinct := distinctRows(p)
	nEff := int(math.Round(p.sumW))
	coarse := p.gridSummary(coarseBins)
	if o.K > 0 {
		for k := min(o.K, distinct); k >= 1; k-- {
			c := coarse
			if k > c.n/4 {
				c = p
			}
			if g := fitKD(c, k, o, o.MaxIter, o.Tol); g != nil {
				if c != p {
					if err := g.run(p, o.MaxIter, o.Tol, false); err != nil {
						return nil, err
					}
				}
				return g.result(nEff), nil
			}
		}
		return nil, fmt.Errorf("estimate: no %d-D fit for %d rows", d, n)
	}
	lo, hi := o.KMin, min(o.KMax, distinct)
	// Components the rows pay for (affordableK), never below the KMin
	// asked for.
	hi = max(affordableK(nEff, hi, func(k int) int { return ParamsFull(k, d) }), min(lo, hi))
	if hi > coarse.n/4 {
		coarse = p
	}
	if lo > hi {
		lo = hi
	}
	search := kSearch[gmmD]{
		lo: lo, hi: hi, workers: o.Workers,
		n: nEff, params: func(k int) int { return ParamsFull(k, d) },
		fit: func(k int) *gmmD {
			g := fitKD(coarse, k, o, min(searchIter, o.MaxIter), max(o.Tol, searchTol))
			if g != nil && coarse != p {
				g.ll = g.logLikFactor(p)
			}
			return g
		},
		ll: func(g *gmmD) float64 { return g.ll },
		// The search capped EM; finish the chosen fit.
		finish: func(g *gmmD) error { return g.run(p, o.MaxIter, o.Tol, false) },
	}
	if coarse != p {
		// A cell straddling two clusters inflates the covariances of the
		// summary's optimum; a few steps on the rows undo that before
		// BIC picks among the best candidates.
		search.refine = func(g *gmmD) bool { return g.run(p, 3, o.Tol, false) == nil }
	}
	g, byK, err := search.run()
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, fmt.Errorf("estimate: no %d-D fit for %d rows with k in %d..%d", d, n, lo, hi)
	}
	res := g.result(nEff)
	res.BICByK = byK
	return res, nil
}

// gridSummary summarises p on a grid of about b cells whose edges are
// per-dimension quantiles, keeping per occupied cell the weight, mean and
// within-cell covariance, so that restarts and the search over k cost
// O(cells) per EM step instead of O(rows). It returns p itself when p is
// small (under 8b rows) or already a summary.
func (p *ptsD) gridSummary(b int) *ptsD {
	if p.n < 8*b || p.wcov != nil {
		return p
	}
	d := p.d
	q := int(math.Max(2, math.Floor(math.Pow(float64(b), 1/float64(d)))))
	// Per dimension, the q-1 inner edges at equal-count quantiles.
	edges := make([][]float64, d)
	col := make([]float64, p.n)
	for j := range d {
		for i := range p.n {
			col[i] = p.x[i*d+j]
		}
		slices.Sort(col)
		for e := 1; e < q; e++ {
			edges[j] = append(edges[j], col[e*p.n/q])
		}
	}
	cell := make(map[int]int)
	var w, s1 []float64
	rows := make([]int, p.n)
	for i := range p.n {
		id := 0
		for j := range d {
			id = id*q + sort.SearchFloat64s(edges[j], p.x[i*d+j])
		}
		c, ok := cell[id]
		if !ok {
			c = len(w)
			cell[id] = c
			w = append(w, 0)
			s1 = append(s1, make([]float64, d)...)
		}
		rows[i] = c
		wi := p.weight(i)
		w[c] += wi
		for j := range d {
			s1[c*d+j] += wi * p.x[i*d+j]
		}
	}
	m := len(w)
	o := &ptsD{x: make([]float64, m*d), d: d, n: m, sumW: p.sumW, ridge: p.ridge, wcov: make([]float64, m*d*d)}
	for c := range m {
		for j := range d {
			if w[c] > 0 {
				o.x[c*d+j] = s1[c*d+j] / w[c]
			}
		}
	}
	for i := range p.n {
		c, wi := rows[i], p.weight(i)
		if !(w[c] > 0) {
			continue
		}
		for j := range d {
			ej := p.x[i*d+j] - o.x[c*d+j]
			for l := range d {
				o.wcov[c*d*d+j*d+l] += wi * ej * (p.x[i*d+l] - o.x[c*d+l]) / w[c]
			}
		}
	}
	o.w = w
	return o
}

// distinctRows counts distinct rows, up to a limit that exceeds any k.
func distinctRows(p *ptsD) int {
	const limit = 1 << 10
	seen := map[string]struct{}{}
	key := make([]byte, 8*p.d)
	for i := range p.n {
		if p.weight(i) == 0 {
			continue
		}
		for j, v := range p.x[i*p.d : (i+1)*p.d] {
			binary.LittleEndian.PutUint64(key[8*j:], math.Float64bits(v))
		}
		seen[string(key)] = struct{}{}
		if len(seen) >= limit {
			break
		}
	}
	return len(seen)
}

func (g *gmmD) result(n int) *Mixture {
	d := g.d
	m := &Mixture{Dim: d, N: n, LogLik: g.ll, BIC: BIC(g.ll, ParamsFull(g.k, d), n)}
	for c := range g.k {
		gs := Gaussian{Weight: g.w[c], Mean: append([]float64(nil), g.mu[c*d:(c+1)*d]...)}
		for i := range d {
			gs.Cov = append(gs.Cov, append([]float64(nil), g.cov[c*d*d+i*d:c*d*d+(i+1)*d]...))
		}
		m.Components = append(m.Components, gs)
	}
	return m
}

// Density evaluates a mixture's log density quickly: the Cholesky factors
// are computed once. It is not safe for concurrent use (it has scratch
// space); make one per goroutine.
type Density struct {
	g *gmmD
}

// NewDensity prepares m for evaluation; it fails when a covariance is not
// positive definite or a weight is not positive.
func NewDensity(m *Mixture) (*Density, error) {
	d, k := m.Dim, len(m.Components)
	if k == 0 || d <= 0 {
		return nil, fmt.Errorf("estimate: empty mixture (%d components, dimension %d)", k, d)
	}
	g := newGMMD(k, d)
	for c, gs := range m.Components {
		if !(gs.Weight > 0) || len(gs.Mean) != d || len(gs.Cov) != d {
			return nil, fmt.Errorf("estimate: component %d: weight %v, mean of %d, cov of %d rows for dimension %d",
				c, gs.Weight, len(gs.Mean), len(gs.Cov), d)
		}
		g.w[c] = gs.Weight
		copy(g.mu[c*d:], gs.Mean)
		for i, row := range gs.Cov {
			if len(row) != d {
				return nil, fmt.Errorf("estimate: component %d: covariance row %d has %d values, want %d", c, i, len(row), d)
			}
			copy(g.cov[c*d*d+i*d:], row)
		}
	}
	// No ridge: a density is evaluated as given.
	if err := g.factor(&ptsD{d: d, ridge: make([]float64, d)}); err != nil {
		return nil, err
	}
	return &Density{g: g}, nil
}

// LogPDF returns log p(x); len(x) must be the dimension.
func (m *Density) LogPDF(x []float64) float64 {
	mx := m.g.logComp(x)
	tot := 0.0
	for _, a := range m.g.a {
		tot += math.Exp(a - mx)
	}
	return mx + math.Log(tot)
}

// Dim returns the dimension.
func (m *Density) Dim() int { return m.g.d }
