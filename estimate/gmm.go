package estimate

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/gmm2trex/gmm2trex/internal/fastmath"
	"github.com/gmm2trex/gmm2trex/internal/gauss"
	"github.com/gmm2trex/gmm2trex/internal/seeds"
)

// Defaults of GMMOptions; README ("defaults chosen by evidence") gives the
// measurements behind DefaultMaxK.
const (
	DefaultMaxK     = 12
	DefaultRestarts = 10
	DefaultMaxIter  = 500
	DefaultTol      = 1e-4
	// shortIter is the length of the trial runs of the best-screened
	// restarts: they are ranked after this many EM steps and only the
	// best is run to convergence ("short-run EM", Biernacki et al. 2003).
	shortIter = 5
	// searchIter caps EM for each candidate k of an automatic search;
	// the chosen k is then run to convergence (MaxIter).
	searchIter = 50
	// screenTop is how many restarts, ranked by the likelihood of their
	// k-means++ start, get a trial run.
	screenTop = 3
	// searchTol bounds the tolerance of candidate fits during a search
	// over k: a Tol tighter than this is spent on the chosen fit only.
	searchTol = 1e-4
)

// ErrNoData is returned when there is nothing to fit.
var ErrNoData = errors.New("estimate: no samples")

// GMMOptions controls FitMixture1D. Zero values take the defaults.
type GMMOptions struct {
	K        int    // components; 0 chooses k by BIC over 1..MaxK
	MaxK     int    // cap for automatic k (DefaultMaxK)
	Restarts int    // k-means++ starts per k, screened by likelihood (DefaultRestarts)
	Seed     uint64 // seeds every random choice
	MaxIter  int    // EM iteration cap of the final run (DefaultMaxIter)
	// Tol stops EM when the mean log-likelihood per sample changes by less
	// (DefaultTol).
	Tol float64
	// Workers bounds the number of k fitted at once when K is 0 (default
	// GOMAXPROCS). The result does not depend on it.
	Workers int
}

func (o GMMOptions) withDefaults() GMMOptions {
	if o.MaxK <= 0 {
		o.MaxK = DefaultMaxK
	}
	if o.Restarts <= 0 {
		o.Restarts = DefaultRestarts
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

// relFloor sets the variance floor: a component's standard deviation never
// goes below relFloor times the data's standard deviation (or its magnitude
// when it is constant). It keeps a component sitting on one repeated value —
// every RTP packet 252 bytes — finite and narrow, and is small enough that
// such spikes are fitted as tightly as scikit-learn's absolute 1e-6 variance
// regularisation does on data in natural units.
const relFloor = 1e-6

// relFloorSingle is the floor, relative like relFloor, of a component that
// holds less than two samples' worth of responsibility. On one sample the
// likelihood grows without bound as the variance shrinks, and with relFloor
// BIC would buy a component for any outlier; this floor makes such a
// component cost more than it gains. A value repeated twice or more is a
// real spike and may go down to relFloor.
const relFloorSingle = 1e-3

// pts1D is a weighted 1-D sample: sorted values v with counts c, and
// optionally per-value within variances wv when each value summarises a bin
// of the original sample (nil when the values are exact). Packet sizes
// repeat a lot, and EM over distinct values is exact and much cheaper.
type pts1D struct {
	v, c, wv []float64
	n        float64 // total count
	mean     float64
	variance float64
	varFloor float64
	// singleFloor is the floor of components with less than two samples'
	// worth of responsibility (relFloorSingle).
	singleFloor float64
	pre         *prefix1D
}

// coarseBins is the number of bins of the summary on which restarts and
// the search over k run; the chosen fit is then refined on the exact data.
const coarseBins = 256

// newPts1D sorts x and reduces it to distinct values.
func newPts1D(x []float64) (*pts1D, error) {
	if len(x) == 0 {
		return nil, ErrNoData
	}
	s := slices.Clone(x)
	for i, xi := range s {
		if math.IsNaN(xi) || math.IsInf(xi, 0) {
			return nil, fmt.Errorf("estimate: sample %d is %v", i, xi)
		}
	}
	slices.Sort(s)
	v := make([]float64, 0, len(s))
	c := make([]float64, 0, len(s))
	for i := 0; i < len(s); {
		j := i + 1
		for j < len(s) && s[j] == s[i] {
			j++
		}
		v = append(v, s[i])
		c = append(c, float64(j-i))
		i = j
	}
	d := &pts1D{v: v, c: c, n: float64(len(s))}
	sum := 0.0
	for j := range v {
		sum += c[j] * v[j]
	}
	d.mean = sum / d.n
	ss := 0.0
	for j := range v {
		e := v[j] - d.mean
		ss += c[j] * e * e
	}
	d.variance = ss / d.n
	scale := math.Sqrt(d.variance)
	if !(scale > 0) {
		scale = math.Max(math.Abs(d.mean), 1)
	}
	fs := relFloor * scale
	d.varFloor = fs * fs
	fs = relFloorSingle * scale
	d.singleFloor = fs * fs
	if !(scale >= 1e-140 && scale <= 1e140) {
		// Squares of deviations and floors would leave float64's normal
		// range: no sample of sizes or gaps (or their logarithms) comes
		// near, so refuse rather than return NaN.
		return nil, fmt.Errorf("estimate: samples out of range for fitting (mean %g, spread %g)", d.mean, math.Sqrt(d.variance))
	}
	d.pre = newPrefix1D(v, c, nil, d.mean)
	return d, nil
}

// binned summarises d in about b bins of equal count (a distinct value is
// never split), each kept as count, mean and within-bin variance. It
// returns d itself when d has few distinct values already.
func (d *pts1D) binned(b int) *pts1D {
	if len(d.v) <= 2*b {
		return d
	}
	per := d.n / float64(b)
	// A value repeated this often keeps a bin of its own: EM can then put
	// a narrow component on it during the search, as it will on the data
	// (packet sizes, gaps at the capture's clock resolution).
	heavy := max(3, per/2)
	// Nor does a bin straddle a gap wider than 1/b of the range, such as
	// the gap between two clusters.
	gap := (d.v[len(d.v)-1] - d.v[0]) / float64(b)
	o := &pts1D{n: d.n, mean: d.mean, variance: d.variance, varFloor: d.varFloor, singleFloor: d.singleFloor}
	for j := 0; j < len(d.v); {
		cnt, sum := 0.0, 0.0
		k := j
		for k < len(d.v) && (cnt < per || k == j) {
			if k > j && (d.c[k] >= heavy || d.v[k]-d.v[k-1] > gap) {
				break
			}
			cnt += d.c[k]
			sum += d.c[k] * d.v[k]
			k++
			if d.c[k-1] >= heavy {
				break
			}
		}
		m := sum / cnt
		ss := 0.0
		for i := j; i < k; i++ {
			e := d.v[i] - m
			ss += d.c[i] * e * e
		}
		o.v = append(o.v, m)
		o.c = append(o.c, cnt)
		o.wv = append(o.wv, ss/cnt)
		j = k
	}
	o.pre = newPrefix1D(o.v, o.c, o.wv, o.mean)
	return o
}

// gmm1D is the working state of one EM run.
type gmm1D struct {
	w, mu, v []float64 // weight, mean, variance
	// per-iteration constants and accumulators
	lw, iv, s0, s1, s2, p []float64 // lw: log(w/σ); iv: -1/(2σ²)
	sw, smu, sv           []float64 // saved parameters
	ll                    float64   // total log-likelihood of the last E step
}

func newGMM1D(k int) *gmm1D {
	b := make([]float64, 12*k)
	return &gmm1D{
		w: b[0:k], mu: b[k : 2*k], v: b[2*k : 3*k],
		lw: b[3*k : 4*k], iv: b[4*k : 5*k], s0: b[5*k : 6*k], s1: b[6*k : 7*k], s2: b[7*k : 8*k], p: b[8*k : 9*k],
		sw: b[9*k : 10*k], smu: b[10*k : 11*k], sv: b[11*k : 12*k],
	}
}

func (g *gmm1D) k() int { return len(g.w) }

func (g *gmm1D) copyFrom(o *gmm1D) {
	copy(g.w, o.w)
	copy(g.mu, o.mu)
	copy(g.v, o.v)
	g.ll = o.ll
}

var log2Pi = math.Log(2 * math.Pi)

// step runs one E step (computing the log-likelihood of the current
// parameters when withLL) and the M step that follows it.
func (g *gmm1D) step(d *pts1D, withLL bool) {
	k := g.k()
	g.prepare()
	for i := range k {
		g.s0[i], g.s1[i], g.s2[i] = 0, 0, 0
	}
	var acc llAcc
	p := g.p
	// Reslicing to k lets the compiler drop bounds checks in the loops.
	mu := g.mu[:k]
	s0, s1, s2 := g.s0[:k], g.s1[:k], g.s2[:k]
	p = p[:k]
	for j, x := range d.v {
		// For a bin, the exponent is the bin's mean Gaussian log density:
		// exact for its members' sum, unlike the density at its mean.
		wv := 0.0
		if d.wv != nil {
			wv = d.wv[j]
		}
		mx, tot := g.terms(x, wv, p)
		c := d.c[j]
		if withLL {
			acc.add(c, mx, tot)
		}
		sc := c / tot
		for i := range p {
			r := p[i] * sc
			e := x - mu[i]
			re := r * e
			s0[i] += r
			s1[i] += re
			s2[i] += re*e + r*wv
		}
	}
	g.ll = acc.total() - 0.5*d.n*log2Pi
	g.mstep(d)
}

// prepare sets the per-component constants of terms: log(w_i/σ_i) and
// -1/(2σ_i²).
func (g *gmm1D) prepare() {
	for i := range g.k() {
		// p_i(x) ∝ w_i/σ_i · exp(-(x-μ_i)²/(2σ_i²)); the common √(2π) is
		// added to the log-likelihood once.
		g.lw[i] = math.Log(g.w[i]) - 0.5*math.Log(g.v[i])
		g.iv[i] = -0.5 / g.v[i]
	}
}

// skipBelow is where terms stops taking exponentials: a component whose
// term is below e^-36 (2e-16) of the largest adds less to the sum than its
// last bit, and its responsibility counts for nothing.
const skipBelow = -36

// terms is the 1-D hot-loop form of gauss.LogDensity for binned data (the
// bin's within variance wv adds to the squared distance, and the common
// -½log 2π is added to the log-likelihood once). It fills p with each
// component's term of x's density relative to the largest one, exp(a_i - mx) with a_i = log(w_i/σ_i) - ((x-μ_i)²+wv)/(2σ_i²),
// and returns mx and the sum of p (≥ 1). Relative to the largest term,
// nothing underflows however far x lies from every component, and the
// components far from x, most of them once there are many, cost no
// exponential.
func (g *gmm1D) terms(x, wv float64, p []float64) (mx, tot float64) {
	mu, lw, iv := g.mu[:len(p)], g.lw[:len(p)], g.iv[:len(p)]
	mx = math.Inf(-1)
	for i := range p {
		e := x - mu[i]
		a := lw[i] + (e*e+wv)*iv[i]
		p[i] = a
		mx = max(mx, a)
	}
	for i, a := range p {
		v := 0.0
		if a-mx >= skipBelow {
			v = fastmath.ExpNeg(a - mx)
		}
		p[i] = v
		tot += v
	}
	return mx, tot
}

// llAcc sums c·(mx + log tot) over values. For counts of one it multiplies
// the sums (each in [1, k]) and takes one logarithm per several hundred
// values instead of one per value. The zero value is ready: prod 0 stands
// for the empty product.
type llAcc struct {
	ll   float64 // the sum so far, less log(prod)
	prod float64 // product of the sums not yet in ll
}

func (a *llAcc) add(c, mx, tot float64) {
	a.ll += c * mx
	if c != 1 {
		a.ll += c * math.Log(tot)
		return
	}
	if a.prod == 0 {
		a.prod = 1
	}
	a.prod *= tot
	if a.prod > 1e280 {
		a.ll += math.Log(a.prod)
		a.prod = 1
	}
}

func (a *llAcc) total() float64 {
	if a.prod == 0 {
		return a.ll
	}
	return a.ll + math.Log(a.prod)
}

func (g *gmm1D) mstep(d *pts1D) {
	for i := range g.k() {
		s0 := g.s0[i]
		if s0 < 1e-12*d.n {
			// An empty component: put it back on the data's overall
			// shape with a negligible weight rather than divide by zero.
			g.w[i] = 1e-12
			g.mu[i] = d.mean
			g.v[i] = math.Max(d.variance, d.varFloor)
			continue
		}
		// The statistics are about the old mean: m1 is the shift.
		var m1, v [1]float64
		gauss.Moments(s0, g.s1[i:i+1], g.s2[i:i+1], m1[:], v[:])
		g.w[i] = s0 / d.n
		g.mu[i] += m1[0]
		floor := d.varFloor
		// Two samples' worth, less a margin: a value repeated twice gives
		// its component 2 less what the other components' tails take,
		// which rounds to 2 or not depending on the last bits of the
		// exponentials; a threshold at exactly 2 would be decided by those.
		if s0 < 2-1e-3 {
			floor = d.singleFloor
		}
		g.v[i] = math.Max(v[0], floor)
	}
	normalise(g.w)
}

func normalise(w []float64) {
	s := 0.0
	for _, x := range w {
		s += x
	}
	for i := range w {
		w[i] /= s
	}
}

// initFrom sets the parameters from a 1-D clustering given by interval
// bounds over d.v.
func (g *gmm1D) initFrom(d *pts1D, bounds []int) {
	for i := range g.k() {
		w, m, v := d.pre.moments(bounds[i], bounds[i+1])
		g.w[i] = w / d.n
		g.mu[i] = m
		g.v[i] = math.Max(v, d.varFloor)
	}
}

// run iterates EM until the mean log-likelihood changes by less than tol or
// maxIter steps. On return the parameters are those whose log-likelihood is
// g.ll (one final E step is done for that).
//
// A trial run (restarts being ranked) does exactly maxIter steps and
// computes the likelihood only in the last, sparing a logarithm per value
// and step.
func (g *gmm1D) run(d *pts1D, maxIter int, tol float64, trial bool) (iters int) {
	if maxIter <= 0 {
		g.ll = g.logLik(d)
		return 0
	}
	if trial {
		for range maxIter - 1 {
			g.step(d, false)
		}
		g.save()
		g.step(d, true)
		g.restore()
		return maxIter
	}
	prev := math.Inf(-1)
	for iters = 0; iters < maxIter; iters++ {
		g.save()
		g.step(d, true)
		// g.ll is the likelihood of the parameters saved before the step.
		// EM only lowers it by rounding or the variance floor; either way,
		// or at convergence, stop there.
		if (g.ll-prev)/d.n < tol {
			g.restore()
			return iters + 1
		}
		prev = g.ll
	}
	// At the cap, keep the parameters of the last E step: their
	// likelihood is known, and one M step less costs less than another
	// pass over the data to evaluate the newest ones.
	g.restore()
	return iters
}

func (g *gmm1D) save() {
	copy(g.sw, g.w)
	copy(g.smu, g.mu)
	copy(g.sv, g.v)
}

func (g *gmm1D) restore() {
	copy(g.w, g.sw)
	copy(g.mu, g.smu)
	copy(g.v, g.sv)
}

// logLik evaluates the total log-likelihood without changing the parameters.
func (g *gmm1D) logLik(d *pts1D) float64 {
	g.prepare()
	var acc llAcc
	p := g.p[:g.k()]
	for j, x := range d.v {
		wv := 0.0
		if d.wv != nil {
			wv = d.wv[j]
		}
		mx, tot := g.terms(x, wv, p)
		acc.add(d.c[j], mx, tot)
	}
	return acc.total() - 0.5*d.n*log2Pi
}

// fitK fits exactly k components (k ≤ distinct values of d) with
// restarts: each start runs a few EM steps, the best is run to convergence.
// It returns nil when no start gave k distinct centres.
func fitK(d *pts1D, k int, o GMMOptions, maxIter int, tol float64) *gmm1D {
	// One stream per k keeps the fits of different k (run concurrently)
	// independent of scheduling.
	rng := seeds.New(o.Seed, uint64(k))
	scratch := make([]float64, len(d.v))
	best := newGMM1D(k)
	best.ll = math.Inf(-1)
	cur := newGMM1D(k)
	restarts := o.Restarts
	if k == 1 {
		restarts = 1 // one component has a single optimum
	}
	// Every start is scored by its likelihood; the screenTop best get a
	// short EM run, and the best after it is run to convergence.
	var starts []*gmm1D
	for r := 0; r < restarts; r++ {
		bounds := kmeansPP1D(rng, d.v, d.c, d.pre, k, scratch)
		if len(bounds)-1 < k {
			continue // coincident centres; another start will do
		}
		s := newGMM1D(k)
		s.initFrom(d, bounds)
		s.ll = s.logLik(d)
		starts = append(starts, s)
	}
	if len(starts) == 0 {
		return nil
	}
	slices.SortStableFunc(starts, func(a, b *gmm1D) int { return cmp.Compare(b.ll, a.ll) })
	for _, s := range starts[:min(screenTop, len(starts))] {
		cur.copyFrom(s)
		cur.run(d, shortIter, o.Tol, true)
		if cur.ll > best.ll {
			best.copyFrom(cur)
		}
	}
	best.run(d, maxIter, tol, false)
	return best
}

// splitFrom returns a k+1 component fit of d started from the k component
// fit prev with one component split into two. The three components of
// largest weight × standard deviation (the broadest mass) are tried; the
// best after a short run is run on.
func splitFrom(d *pts1D, prev *gmm1D, o GMMOptions) *gmm1D {
	k := prev.k()
	cand := make([]int, k)
	for i := range cand {
		cand[i] = i
	}
	spread := func(i int) float64 { return prev.w[i] * math.Sqrt(prev.v[i]) }
	slices.SortStableFunc(cand, func(a, b int) int { return cmp.Compare(spread(b), spread(a)) })
	cand = cand[:min(3, k)]
	// The trial runs are independent: with more than one worker allowed
	// they run at once (this repair is the sequential part of a search).
	trials := make([]*gmm1D, len(cand))
	trial := func(c int) {
		i := cand[c]
		cur := newGMM1D(k + 1)
		copy(cur.w, prev.w)
		copy(cur.mu, prev.mu)
		copy(cur.v, prev.v)
		sd := math.Sqrt(prev.v[i])
		// Two halves a standard deviation apart keep the component's
		// weight, mean and variance.
		cur.w[i], cur.w[k] = prev.w[i]/2, prev.w[i]/2
		cur.mu[i], cur.mu[k] = prev.mu[i]-sd/2, prev.mu[i]+sd/2
		cur.v[i] = math.Max(0.75*prev.v[i], d.varFloor)
		cur.v[k] = cur.v[i]
		cur.run(d, shortIter, o.Tol, true)
		trials[c] = cur
	}
	var wg sync.WaitGroup
	for c := 1; c < len(cand) && o.Workers > 1; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			trial(c)
		}()
	}
	trial(0)
	for c := 1; c < len(cand) && o.Workers <= 1; c++ {
		trial(c)
	}
	wg.Wait()
	best := trials[0]
	for _, t := range trials[1:] {
		if t.ll > best.ll {
			best = t
		}
	}
	best.run(d, min(searchIter, o.MaxIter), max(o.Tol, searchTol), false)
	return best
}

// FitMixture1D fits a Gaussian mixture to x by EM. With o.K > 0 it fits that
// many components (fewer when x has fewer distinct values); with o.K == 0 it
// fits 1..o.MaxK and keeps the fit of lowest BIC. Each k is started
// o.Restarts times from k-means++ seeds (random source from o.Seed); the
// starts of best likelihood get a short EM run and the best after it is run
// to convergence. When a k fits worse than k-1, it is started again from the
// k-1 fit with a component split.
//
// When x has many distinct values, the restarts and the search over k run on
// a 256-bin summary of x (count, mean and spread of each bin); every
// candidate's likelihood for BIC is then computed on x itself (on a 4,096-bin
// summary beyond 16,384 distinct values), and the chosen fit is refined by EM
// on x to convergence; its LogLik and BIC are exact. NaN or Inf samples are an error;
// a constant sample gives one narrow component.
func FitMixture1D(x []float64, o GMMOptions) (*Mixture1D, error) {
	o = o.withDefaults()
	if o.K < 0 {
		return nil, fmt.Errorf("estimate: component count %d is negative", o.K)
	}
	exact, err := newPts1D(x)
	if err != nil {
		return nil, err
	}
	coarse := exact.binned(coarseBins)
	if o.K > 0 {
		k := min(o.K, len(exact.v))
		d := coarse
		if k > len(coarse.v)/2 {
			d = exact
		}
		for ; k >= 1; k-- {
			if g := fitK(d, k, o, o.MaxIter, o.Tol); g != nil {
				if d != exact {
					g.run(exact, o.MaxIter, o.Tol, false)
				}
				return g.result(exact), nil
			}
		}
		return nil, fmt.Errorf("estimate: no fit for %d samples", len(x))
	}
	// Candidates are ranked by their likelihood on the data; beyond some
	// 16k distinct values a 4,096-bin summary gives it to well under a
	// BIC unit at a fraction of the cost (1M values: 12 passes took 1.6 s).
	eval := exact
	if len(exact.v) > 64*coarseBins {
		eval = exact.binned(16 * coarseBins)
	}
	search := kSearch[gmm1D]{
		lo: 1, hi: affordableK(len(x), min(o.MaxK, len(coarse.v)), Params1D), workers: o.Workers,
		n: len(x), params: Params1D,
		fit: func(k int) *gmm1D {
			g := fitK(coarse, k, o, min(searchIter, o.MaxIter), max(o.Tol, searchTol))
			if g != nil && coarse != exact {
				g.ll = g.logLik(eval)
			}
			return g
		},
		ll: func(g *gmm1D) float64 { return g.ll },
		split: func(prev *gmm1D) *gmm1D {
			g := splitFrom(coarse, prev, o)
			if g != nil && coarse != exact {
				g.ll = g.logLik(eval)
			}
			return g
		},
		finish: func(g *gmm1D) error {
			g.run(exact, o.MaxIter, o.Tol, false)
			return nil
		},
	}
	g, byK, err := search.run()
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, fmt.Errorf("estimate: no fit for %d samples", len(x))
	}
	res := g.result(exact)
	res.BICByK = byK
	return res, nil
}

func (g *gmm1D) result(d *pts1D) *Mixture1D {
	m := &Mixture1D{N: int(d.n), LogLik: g.ll}
	order := make([]int, g.k())
	for i := range order {
		order[i] = i
	}
	// Sorted by mean, so equal inputs give documents that diff cleanly.
	slices.SortFunc(order, func(a, b int) int {
		if g.mu[a] < g.mu[b] {
			return -1
		}
		if g.mu[a] > g.mu[b] {
			return 1
		}
		return 0
	})
	for _, i := range order {
		m.Components = append(m.Components, Component1D{Weight: g.w[i], Mean: g.mu[i], Std: math.Sqrt(g.v[i])})
	}
	m.BIC = BIC(g.ll, Params1D(g.k()), m.N)
	return m
}

// LogPDF returns the log density of the mixture at x.
func (m *Mixture1D) LogPDF(x float64) float64 {
	mx := math.Inf(-1)
	var a [32]float64
	terms := a[:0]
	var p [gauss.Stride1]float64
	for _, c := range m.Components {
		gauss.Pack1(p[:], gauss.LogNorm(c.Weight, 1, 2*math.Log(c.Std)), []float64{c.Mean}, []float64{c.Std})
		t := gauss.LogDensity1(p[:], x)
		terms = append(terms, t)
		mx = math.Max(mx, t)
	}
	if math.IsInf(mx, -1) {
		return mx
	}
	s := 0.0
	for _, t := range terms {
		s += math.Exp(t - mx)
	}
	return mx + math.Log(s)
}

// MeanLogLik returns the mean log-likelihood of x under the mixture.
func (m *Mixture1D) MeanLogLik(x []float64) float64 {
	s := 0.0
	for _, xi := range x {
		s += m.LogPDF(xi)
	}
	return s / float64(len(x))
}
