package estimate

import (
	"errors"
	"fmt"
	"math"

	"github.com/gmm2trex/gmm2trex/internal/fastmath"
	"github.com/gmm2trex/gmm2trex/internal/gauss"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// GMM-HMM: hidden Markov models whose states emit d-D Gaussian mixtures with
// full covariance. The E-step is the scaled forward-backward recursion
// (Rabiner's α̂/β̂ with per-step normalisers), fed by emission probabilities
// that are themselves scaled per time step by their largest log-density, so
// neither far-out observations nor long series underflow. Everything works on
// flat slices held in an hmmWork that is reused across iterations: one
// Baum-Welch iteration allocates nothing.

// hmmGauss is one emission component in fitting form.
type hmmGauss struct {
	w    float64
	mean []float64 // d
	cov  []float64 // d×d row-major
	// Derived by prepare: the lower Cholesky factor of cov and the log of
	// w·(2π)^(-d/2)·det(cov)^(-1/2).
	chol []float64
	logc float64
}

// hmmModel is a GMM-HMM with k states of m components each over d dims.
type hmmModel struct {
	d, k, m int
	start   []float64  // k
	trans   []float64  // k×k row-major, rows sum to 1
	g       []hmmGauss // state s, component j at s*m+j
	// pk packs, per component, what the emission loop needs for d ≤ 2
	// (log normaliser, mean, inverse Cholesky terms), so that loop reads
	// one contiguous slice; filled by prepare.
	pk []float64
}

// hmmFitConfig steers Baum-Welch.
type hmmFitConfig struct {
	maxIter int
	tol     float64 // stop when the mean log-likelihood per observation improves less
	// sticky is ρ of the sticky prior on self-transitions: each row's
	// self-count grows by ρ times the row's expected count (a Dirichlet
	// prior with κ_i = ρ·N_i), which makes the M-step's chain the lazy
	// chain (A + ρI)/(1+ρ): every dwell time grows by 1+ρ while the
	// stationary distribution, hence the marginal, stays the data's. A
	// fixed κ on every row (the classic sticky HMM) instead lengthens
	// rarely visited states the most and skews the marginal towards them:
	// on the Skype sizes κ = 200 gave a long-run KS of 0.04-0.05, ρ 0.01-0.03.
	// pseudo is a small mass on every transition so no path becomes
	// impossible for unseen data.
	sticky, pseudo float64
	// varFloor bounds every variance from below (in scaled units) so a
	// component sitting on one repeated value keeps a finite density.
	varFloor float64
	// fixTrans keeps the start and transition probabilities as they are
	// and re-estimates only the emissions (for chains built by counting,
	// whose dynamics are the point: hmmPairModel).
	fixTrans bool
	// pairTie > 0 ties the transitions of a chain over pairs of L =
	// pairTie latent levels (state a·L+b): (a, b) → (b, c) with a
	// probability p(c) shared by every state, the levels drawn
	// independently, so that the emissions, which depend on two
	// consecutive levels, have no autocorrelation beyond lag 1 (an MA(1)
	// process; see hmmJitterModel).
	pairTie int
}

func newHMMModel(d, k, m int) *hmmModel {
	h := &hmmModel{d: d, k: k, m: m,
		start: make([]float64, k),
		trans: make([]float64, k*k),
		g:     make([]hmmGauss, k*m),
	}
	for i := range h.g {
		h.g[i] = hmmGauss{mean: make([]float64, d), cov: make([]float64, d*d), chol: make([]float64, d*d)}
	}
	return h
}

var errHMMDegenerate = errors.New("estimate: hmm: observation has zero probability under every state")

// prepare computes each component's Cholesky factor and normaliser. A
// covariance that is not positive definite gets growing diagonal jitter.
func (h *hmmModel) prepare() error {
	d := h.d
	if d <= 2 && len(h.pk) != len(h.g)*hmmStride(d) {
		h.pk = make([]float64, len(h.g)*hmmStride(d))
	}
	for i := range h.g {
		c := &h.g[i]
		jitter := 0.0
		for try := 0; ; try++ {
			logdet, ok := gauss.Cholesky(c.cov, c.chol, d, jitter)
			if ok {
				c.logc = gauss.LogNorm(c.w, d, logdet)
				break
			}
			if try == 20 {
				return fmt.Errorf("estimate: hmm: covariance of state %d component %d is not positive definite", i/h.m, i%h.m)
			}
			if jitter == 0 {
				jitter = 1e-9
			} else {
				jitter *= 10
			}
		}
		switch d {
		case 1:
			gauss.Pack1(h.pk[i*gauss.Stride1:], c.logc, c.mean, c.chol)
		case 2:
			gauss.Pack2(h.pk[i*gauss.Stride2:], c.logc, c.mean, c.chol)
		}
	}
	return nil
}

func hmmStride(d int) int {
	if d == 1 {
		return gauss.Stride1
	}
	return gauss.Stride2
}

// logDens is log(w·N(x; mean, cov)) for the prepared component; z is
// scratch of length d.
func (c *hmmGauss) logDens(x, z []float64, d int) float64 {
	return gauss.LogDensity(x[:d], c.mean, c.chol, c.logc, z)
}

// hmmWork holds every buffer of the E- and M-steps for one series length.
type hmmWork struct {
	n, d, k, m int
	lc         []float64 // n×k×m: log(w·N) per component, for m > 1 then exp(that-off)
	b          []float64 // n×k: emission probability scaled by exp(-off[t])
	off        []float64 // n
	alpha      []float64 // n×k: α̃_t = c_t·α̂_t (see forward)
	c          []float64 // n: forward normalisers
	uScratch   []float64 // k: b_t∘β̃_t in betaPass
	transT     []float64 // k×k: Aᵀ, so the forward step is row dot products
	xi         []float64 // k×k: Σ_t α̂_{t-1}(i)·u_t(j); times A_ij gives expected transitions
	occ        []float64 // k: Σ_t γ_t
	s0         []float64 // k×m: Σ r
	s1         []float64 // k×m×d: Σ r·x
	s2         []float64 // k×m×d×d: Σ r·x·xᵀ (lower triangle used)
	z          []float64 // d
	// Filled by posteriors, by state or feature (transposed): α̂ and u
	// (k×n), posteriors ((k·m)×n), and the features of the series at
	// featOf (nf×n, see features); mom is posteriors·featTᵀ ((k·m)×nf).
	aT, uT, postT, featT, mom []float64
	featOf                    *float64
	// betaAll holds β̃ (n×k, see betaPass); part the two halves' partial
	// sums of posteriors.
	betaAll, part []float64
	// Set by dedupe: each observation's index into uniq (its distinct
	// values), and per distinct value the tables emissions copies from.
	idx                 []int32
	uniq                []float64
	tabLC, tabB, tabOff []float64
}

func newHMMWork(n, d, k, m int) *hmmWork {
	return &hmmWork{n: n, d: d, k: k, m: m,
		lc: make([]float64, n*k*m), b: make([]float64, n*k), off: make([]float64, n),
		alpha: make([]float64, n*k), c: make([]float64, n),
		uScratch: make([]float64, k), transT: make([]float64, k*k),
		xi: make([]float64, k*k), occ: make([]float64, k),
		s0: make([]float64, k*m), s1: make([]float64, k*m*d), s2: make([]float64, k*m*d*d),
		z: make([]float64, d),
	}
}

// emissions fills lc, b and off for the n×d observations x. For mixtures
// lc ends up holding each component's scaled probability exp(log(w·N)-off),
// so the backward pass needs no further exponentials. When the series
// repeats a few distinct values (packet sizes do), each is computed once and
// copied.
func (w *hmmWork) emissions(h *hmmModel, x []float64) {
	k, m := h.k, h.m
	if w.idx != nil {
		nv := len(w.uniq) / h.d
		for v := 0; v < nv; v++ {
			w.tabOff[v] = w.emit(h, w.uniq[v*h.d:(v+1)*h.d], w.tabLC[v*k*m:(v+1)*k*m], w.tabB[v*k:(v+1)*k], w.z)
		}
	}
	span := func(lo, hi int, z []float64) {
		if w.idx == nil {
			for t := lo; t < hi; t++ {
				w.off[t] = w.emit(h, x[t*h.d:(t+1)*h.d], w.lc[t*k*m:(t+1)*k*m], w.b[t*k:(t+1)*k], z)
			}
			return
		}
		for t := lo; t < hi; t++ {
			v := int(w.idx[t])
			copy(w.lc[t*k*m:(t+1)*k*m], w.tabLC[v*k*m:(v+1)*k*m])
			copy(w.b[t*k:(t+1)*k], w.tabB[v*k:(v+1)*k])
			w.off[t] = w.tabOff[v]
		}
	}
	// Each step's emissions are independent: long series take both
	// cores (same values either way).
	hmmHalves(w.n, func(part, lo, hi int) {
		z := w.z
		if part == 1 {
			z = make([]float64, h.d)
		}
		span(lo, hi, z)
	})
}

// hmmSplitMin is the series length from which per-step work that needs no
// order (emissions, posteriors) is done in two halves on two cores.
const hmmSplitMin = 4096

// hmmHalf is where such work splits a series of n steps: n/2, or n when it
// is not split. The split does not depend on the core count, so neither do
// the sums taken over the halves.
func hmmHalf(n int) int {
	if n < hmmSplitMin {
		return n
	}
	return n / 2
}

// hmmHalves calls f(0, 0, half) and, for a split series, f(1, half, n) at
// the same time on another goroutine, and returns when both are done.
func hmmHalves(n int, f func(part, lo, hi int)) {
	half := hmmHalf(n)
	if half == n {
		f(0, 0, n)
		return
	}
	done := make(chan struct{})
	go func() {
		f(1, half, n)
		close(done)
	}()
	f(0, 0, half)
	<-done
}

// dedupe prepares emissions to be computed once per distinct observation
// when there are at most half as many distinct ones as observations.
func (w *hmmWork) dedupe(x []float64) {
	d := w.d
	if d > 2 {
		return
	}
	ids := make(map[[2]float64]int32)
	idx := make([]int32, w.n)
	var uniq []float64
	for t := 0; t < w.n; t++ {
		var key [2]float64
		copy(key[:], x[t*d:(t+1)*d])
		id, ok := ids[key]
		if !ok {
			id = int32(len(ids))
			ids[key] = id
			uniq = append(uniq, x[t*d:(t+1)*d]...)
			if len(ids) > w.n/2 {
				return
			}
		}
		idx[t] = id
	}
	nv := len(ids)
	w.idx, w.uniq = idx, uniq
	w.tabLC = make([]float64, nv*w.k*w.m)
	w.tabB = make([]float64, nv*w.k)
	w.tabOff = make([]float64, nv)
}

// emit computes one observation's component terms into lc, its scaled
// state emission probabilities into bt, and returns the scale offset; z is
// scratch of length d.
func (w *hmmWork) emit(h *hmmModel, xt, lc, bt, z []float64) float64 {
	d, k, m := h.d, h.k, h.m
	best := math.Inf(-1)
	switch d {
	case 1:
		x0 := xt[0]
		pk := h.pk[:len(lc)*gauss.Stride1]
		for i := range lc {
			v := gauss.LogDensity1(pk[i*gauss.Stride1:(i+1)*gauss.Stride1], x0)
			lc[i] = v
			best = max(best, v)
		}
	case 2:
		x0, x1 := xt[0], xt[1]
		pk := h.pk[:len(lc)*gauss.Stride2]
		for i := range lc {
			v := gauss.LogDensity2(pk[i*gauss.Stride2:(i+1)*gauss.Stride2], x0, x1)
			lc[i] = v
			best = max(best, v)
		}
	default:
		for i := range lc {
			v := h.g[i].logDens(xt, z, d)
			lc[i] = v
			best = max(best, v)
		}
	}
	if m == 1 {
		for s := range bt {
			bt[s] = hmmExpRel(lc[s] - best)
		}
		return best
	}
	for s := 0; s < k; s++ {
		var sum float64
		for j := s * m; j < (s+1)*m; j++ {
			p := hmmExpRel(lc[j] - best)
			lc[j] = p
			sum += p
		}
		bt[s] = sum
	}
	return best
}

// hmmExpRel is exp(v) for v ≤ 0, taken as 0 below e^-30 (1e-13 of the best
// component's density: below what any posterior or sum here can resolve
// usefully), which skips most exponentials when components are well apart.
func hmmExpRel(v float64) float64 {
	if v < -30 {
		return 0
	}
	return fastmath.ExpNeg(v)
}

// forward runs the scaled forward pass and returns the log-likelihood. It
// stores α̃_t = c_t·α̂_t (before normalisation) and folds each step's
// 1/c_{t-1} into the next step's products, so that the sum and division
// that give c_t run beside the next step's dot products instead of in
// front of them: the recursion is one chain of dependent steps, and its
// length is what this pass costs. posteriors normalises the rows.
func (w *hmmWork) forward(h *hmmModel) (float64, error) {
	k, n := h.k, w.n
	transT := w.transT[:k*k]
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			transT[j*k+i] = h.trans[i*k+j]
		}
	}
	alpha, b, cs, off := w.alpha[:n*k], w.b[:n*k], w.c[:n], w.off[:n]
	var ll float64
	prod := 1.0
	inv := 1.0
	for t := 0; t < n; t++ {
		at := alpha[t*k : (t+1)*k]
		bt := b[t*k : (t+1)*k]
		bt = bt[:len(at)]
		if t == 0 {
			for s := range at {
				at[s] = h.start[s] * bt[s]
			}
		} else {
			hmmMatVec(transT, alpha[(t-1)*k:t*k], at, inv)
			for j := range at {
				at[j] *= bt[j]
			}
		}
		c := hmmSum(at)
		if !(c > 0) || math.IsInf(c, 0) {
			return math.Inf(-1), fmt.Errorf("%w (observation %d)", errHMMDegenerate, t)
		}
		cs[t] = c
		inv = 1 / c
		// log Π c_t taken in chunks: one logarithm per many steps instead
		// of one per step, flushed long before the product could overflow
		// or underflow.
		prod *= c
		ll += off[t]
		if prod > 1e150 || prod < 1e-150 {
			ll += math.Log(prod)
			prod = 1
		}
	}
	return ll + math.Log(prod), nil
}

// hmmSum adds v pairwise in four lanes: a shorter chain of dependent
// additions than one running sum.
func hmmSum(v []float64) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(v); i += 4 {
		s0 += v[i]
		s1 += v[i+1]
		s2 += v[i+2]
		s3 += v[i+3]
	}
	for ; i < len(v); i++ {
		s0 += v[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// backward runs the backward pass after forward and accumulates the
// expected sufficient statistics of the M-step (occupancies, transitions,
// per-component moments) for observations x. iterate runs the same steps
// with the backward recursion beside the forward one.
func (w *hmmWork) backward(h *hmmModel, x []float64) error {
	if err := w.betaPass(h); err != nil {
		return err
	}
	return w.posteriors(h, x)
}

// betaPass runs the backward recursion β̃_{t-1} ∝ A·(b_t∘β̃_t) and stores
// every β̃_t. Each β̃_t carries a scale of its own (posteriors divides it
// out), so the pass needs nothing from the forward one and runs beside
// it. As in forward, the normaliser of a step is applied to the products
// of the next, so its sum and division stay off the chain of dependent
// steps.
func (w *hmmWork) betaPass(h *hmmModel) error {
	k, n := h.k, w.n
	if w.betaAll == nil {
		w.betaAll = make([]float64, n*k)
	}
	u := w.uScratch[:k]
	bn := w.betaAll[(n-1)*k : n*k]
	for s := range bn {
		bn[s] = 1
	}
	inv := 1.0
	for t := n - 1; t > 0; t-- {
		bt := w.b[t*k : (t+1)*k]
		cur := w.betaAll[t*k : (t+1)*k]
		prev := w.betaAll[(t-1)*k : t*k]
		bt, cur, prev = bt[:len(u)], cur[:len(u)], prev[:len(u)]
		for s := range u {
			u[s] = bt[s] * cur[s]
		}
		next := hmmMatVec(h.trans[:k*k], u, prev, inv)
		sum := hmmSum(next)
		if !(sum > 0) || math.IsInf(sum, 0) {
			return fmt.Errorf("%w (backward, observation %d)", errHMMDegenerate, t)
		}
		inv = 1 / sum
	}
	return nil
}

// hmmMatVec sets out = scale·A·u for the k×k row-major A and returns out.
// Two rows at a time with four partial sums each: eight independent
// chains of multiply-adds, which is what the recursions wait on.
func hmmMatVec(a, u, out []float64, scale float64) []float64 {
	k := len(u)
	i := 0
	for ; i+2 <= k; i += 2 {
		r0 := a[i*k : (i+1)*k]
		r1 := a[(i+1)*k : (i+2)*k]
		r0, r1 = r0[:len(u)], r1[:len(u)]
		var a0, a1, a2, a3, b0, b1, b2, b3 float64
		j := 0
		for ; j+4 <= len(u); j += 4 {
			u0, u1, u2, u3 := u[j], u[j+1], u[j+2], u[j+3]
			a0 += r0[j] * u0
			a1 += r0[j+1] * u1
			a2 += r0[j+2] * u2
			a3 += r0[j+3] * u3
			b0 += r1[j] * u0
			b1 += r1[j+1] * u1
			b2 += r1[j+2] * u2
			b3 += r1[j+3] * u3
		}
		for ; j < len(u); j++ {
			a0 += r0[j] * u[j]
			b0 += r1[j] * u[j]
		}
		out[i] = ((a0 + a1) + (a2 + a3)) * scale
		out[i+1] = ((b0 + b1) + (b2 + b3)) * scale
	}
	if i < k {
		row := a[i*k : (i+1)*k]
		row = row[:len(u)]
		var s float64
		for j, v := range u {
			s += row[j] * v
		}
		out[i] = s * scale
	}
	return out[:k]
}

// posteriors turns α̃ (forward) and β̃ (betaPass) into the M-step's
// statistics. Per step it writes out, by state (transposed), α̂_t, u_t =
// b_t∘β̂_t/c_t and the posteriors (γ_t = α̂_t∘β̂_t for one component per
// state, each component's responsibility otherwise), where β̂_t is β̃_t
// scaled so that Σ α̂_t∘β̂_t = 1. The sums over t are then matrix products
// of long rows, which run vectorised: transitions Σ_t α̂_{t-1}u_tᵀ, and the
// moments as posteriors·Fᵀ, where F holds each observation's features (1,
// x, the lower triangle of x·xᵀ). Every step is independent, so a long
// series is done in two halves on two cores (hmmHalves).
func (w *hmmWork) posteriors(h *hmmModel, x []float64) error {
	k, m, n := h.k, h.m, w.n
	nf := w.nf()
	w.features(x)
	if w.aT == nil {
		w.aT = make([]float64, k*n)
		w.uT = make([]float64, k*n)
		w.postT = make([]float64, k*m*n)
		w.part = make([]float64, 2*(k*k+k*m*nf))
	}
	clear(w.part)
	half := hmmHalf(n)
	var errs [2]error
	hmmHalves(n, func(p, lo, hi int) {
		errs[p] = w.postSpan(h, lo, hi)
		if errs[p] != nil {
			return
		}
		part := w.part[p*(k*k+k*m*nf) : (p+1)*(k*k+k*m*nf)]
		// Σ_t α̂_{t-1}u_tᵀ over the pairs inside [lo, hi); the pair that
		// straddles the split is added below.
		if hi-lo > 1 {
			a := blas64.General{Rows: k, Cols: hi - lo - 1, Stride: n, Data: w.aT[lo : (k-1)*n+hi-1]}
			u := blas64.General{Rows: k, Cols: hi - lo - 1, Stride: n, Data: w.uT[lo+1 : (k-1)*n+hi]}
			blas64.Gemm(blas.NoTrans, blas.Trans, 1, a, u, 0, blas64.General{Rows: k, Cols: k, Stride: k, Data: part[:k*k]})
		}
		g := blas64.General{Rows: k * m, Cols: hi - lo, Stride: n, Data: w.postT[lo : (k*m-1)*n+hi]}
		f := blas64.General{Rows: nf, Cols: hi - lo, Stride: n, Data: w.featT[lo : (nf-1)*n+hi]}
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, g, f, 0, blas64.General{Rows: k * m, Cols: nf, Stride: nf, Data: part[k*k:]})
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	sz := k*k + k*m*nf
	for i := range sz {
		w.part[i] += w.part[sz+i]
	}
	copy(w.xi, w.part[:k*k])
	copy(w.mom, w.part[k*k:sz])
	if half < n {
		for i := range k {
			a := w.aT[i*n+half-1]
			for j := range k {
				w.xi[i*k+j] += a * w.uT[j*n+half]
			}
		}
	}
	w.unpackMoments()
	return nil
}

// postSpan does posteriors' per-step work for steps [lo, hi).
func (w *hmmWork) postSpan(h *hmmModel, lo, hi int) error {
	k, m, n := h.k, h.m, w.n
	aT, uT, postT := w.aT, w.uT, w.postT
	for t := lo; t < hi; t++ {
		at := w.alpha[t*k : (t+1)*k]
		bt := w.b[t*k : (t+1)*k]
		be := w.betaAll[t*k : (t+1)*k]
		at, bt = at[:len(be)], bt[:len(be)]
		invc := 1 / w.c[t]
		var nt float64
		for s, v := range be {
			nt += at[s] * v
		}
		nt *= invc
		if !(nt > 0) || math.IsInf(nt, 0) {
			return fmt.Errorf("%w (posterior, observation %d)", errHMMDegenerate, t)
		}
		// β̂_t = β̃_t/nt.
		scale := 1 / nt
		uscale := scale * invc
		for s, v := range be {
			a := at[s] * invc // α̂_t(s)
			aT[s*n+t] = a
			uT[s*n+t] = bt[s] * v * uscale
			g := a * v * scale
			if m == 1 {
				postT[s*n+t] = g
				continue
			}
			// r_tsj = γ_ts · p_tsj / b_ts; a state with no emission mass
			// here has no posterior either.
			r := 0.0
			if bt[s] > 0 {
				r = g / bt[s]
			}
			pc := w.lc[(t*k+s)*m : (t*k+s+1)*m]
			for j, p := range pc {
				postT[(s*m+j)*n+t] = p * r
			}
		}
	}
	return nil
}

// nf is the number of features per observation: 1, d coordinates and the
// d(d+1)/2 products of the lower triangle.
func (w *hmmWork) nf() int { return 1 + w.d + w.d*(w.d+1)/2 }

// features fills w.featT (F of backward, by feature) for x, once per
// series: the work is bound to the observations it was first given (every
// caller fits one series per hmmWork), which a check of the slice's
// address enforces.
func (w *hmmWork) features(x []float64) {
	if len(x) == 0 || (w.featT != nil && &x[0] == w.featOf) {
		return
	}
	d, n, nf := w.d, w.n, w.nf()
	if w.featT == nil {
		w.featT = make([]float64, nf*n)
		w.mom = make([]float64, w.k*w.m*nf)
	}
	f := w.featT
	for t := 0; t < n; t++ {
		xt := x[t*d : (t+1)*d]
		f[t] = 1
		p := 1
		for a := 0; a < d; a++ {
			f[(p+a)*n+t] = xt[a]
		}
		p += d
		for a := 0; a < d; a++ {
			for b := 0; b <= a; b++ {
				f[p*n+t] = xt[a] * xt[b]
				p++
			}
		}
	}
	w.featOf = &x[0]
}

// unpackMoments spreads the product posteriorsᵀ·F into occ, s0, s1 and s2.
func (w *hmmWork) unpackMoments() {
	d, k, m, nf := w.d, w.k, w.m, w.nf()
	clear(w.occ)
	for c := 0; c < k*m; c++ {
		row := w.mom[c*nf : (c+1)*nf]
		w.s0[c] = row[0]
		w.occ[c/m] += row[0]
		copy(w.s1[c*d:(c+1)*d], row[1:1+d])
		s2 := w.s2[c*d*d : (c+1)*d*d]
		p := 1 + d
		for a := 0; a < d; a++ {
			for b := 0; b <= a; b++ {
				s2[a*d+b] = row[p]
				p++
			}
		}
	}
}

// hmmMaxCorr bounds the correlations of every emission covariance.
const hmmMaxCorr = 0.999

// mstep re-estimates h from the accumulated statistics.
func (w *hmmWork) mstep(h *hmmModel, cfg *hmmFitConfig) {
	d, k, m := h.d, h.k, h.m
	var tot float64
	for _, v := range w.occ {
		tot += v
	}
	for s := 0; s < k && !cfg.fixTrans && cfg.pairTie == 0; s++ {
		h.start[s] = w.occ[s] / tot
	}
	// Expected transitions are xi·A; the sticky prior adds ρ·N_i to the
	// diagonal.
	if cfg.pairTie > 0 && !cfg.fixTrans {
		w.tiePairs(h, cfg.pairTie)
	}
	for i := 0; i < k && !cfg.fixTrans && cfg.pairTie == 0; i++ {
		row := h.trans[i*k : (i+1)*k]
		xr := w.xi[i*k : (i+1)*k]
		var sum float64
		for j := range row {
			v := xr[j]*row[j] + cfg.pseudo
			row[j] = v
			sum += v
		}
		if cfg.sticky > 0 {
			row[i] += cfg.sticky * sum
			sum += cfg.sticky * sum
		}
		if sum > 0 {
			for j := range row {
				row[j] /= sum
			}
		}
	}
	for s := 0; s < k; s++ {
		var ws float64
		for j := 0; j < m; j++ {
			ws += w.s0[s*m+j]
		}
		if ws <= 0 {
			continue // state never visited: keep its emissions
		}
		for j := 0; j < m; j++ {
			c := &h.g[s*m+j]
			r := w.s0[s*m+j]
			// A component whose mass falls below a few observations'
			// worth cannot estimate a covariance: it is retired.
			if r < 1e-3*float64(d+1) {
				c.w = 0
				continue
			}
			c.w = r / ws
			s1 := w.s1[(s*m+j)*d : (s*m+j+1)*d]
			s2 := w.s2[(s*m+j)*d*d : (s*m+j+1)*d*d]
			gauss.Moments(r, s1, s2, c.mean, c.cov)
			// The floor is a constraint, not an addition: the variance is
			// the larger of its estimate and the floor (the constrained
			// maximiser, so EM stays monotone), and correlations are held
			// below hmmMaxCorr so the matrix stays well conditioned.
			gauss.Constrain(c.cov, d, cfg.varFloor, hmmMaxCorr)
		}
	}
}

// tiePairs is the M-step of the tied pair chain (hmmFitConfig.pairTie):
// p(c) is the expected share of transitions into a state whose current
// level is c, every row (a, b) becomes p over (b, ·), and the start is the
// stationary p(a)·p(b).
func (w *hmmWork) tiePairs(h *hmmModel, L int) {
	k := h.k
	p := make([]float64, L)
	var tot float64
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			v := w.xi[i*k+j] * h.trans[i*k+j]
			p[j%L] += v
			tot += v
		}
	}
	if !(tot > 0) {
		return
	}
	for c := range p {
		// A level never entered keeps a trace of mass, as the pseudo-counts
		// of the untied chain do.
		p[c] = math.Max(p[c]/tot, 1e-6)
	}
	var ps float64
	for _, v := range p {
		ps += v
	}
	for c := range p {
		p[c] /= ps
	}
	h.setTiedPairs(p)
}

// setTiedPairs makes h the tied pair chain (hmmFitConfig.pairTie) over the
// L = len(p) levels with level probabilities p: every state (a, b) moves to
// (b, c) with probability p(c), and the chain starts in its stationary
// distribution p(a)·p(b).
func (h *hmmModel) setTiedPairs(p []float64) {
	k, L := h.k, len(p)
	clear(h.trans)
	for i := 0; i < k; i++ {
		b := i % L
		for c := 0; c < L; c++ {
			h.trans[i*k+b*L+c] = p[c]
		}
		h.start[i] = p[i/L] * p[b]
	}
}

// estep computes emissions and the forward pass only.
func (w *hmmWork) logLik(h *hmmModel, x []float64) (float64, error) {
	if err := h.prepare(); err != nil {
		return math.Inf(-1), err
	}
	w.emissions(h, x)
	return w.forward(h)
}

// iterate performs one Baum-Welch iteration and returns the log-likelihood
// of the model as it was before the update.
func (w *hmmWork) iterate(h *hmmModel, x []float64, cfg *hmmFitConfig) (float64, error) {
	if err := h.prepare(); err != nil {
		return math.Inf(-1), err
	}
	w.emissions(h, x)
	// The backward recursion needs only the emissions: it runs on the
	// second core while this one runs the forward recursion.
	var berr error
	done := make(chan struct{})
	go func() {
		berr = w.betaPass(h)
		close(done)
	}()
	ll, err := w.forward(h)
	<-done
	if err != nil {
		return ll, err
	}
	if berr != nil {
		return math.Inf(-1), berr
	}
	if err := w.posteriors(h, x); err != nil {
		return math.Inf(-1), err
	}
	w.mstep(h, cfg)
	return ll, nil
}

// hmmBaumWelch runs baumWelch on h over the series x (n×h.d) in a work
// sized for it, emissions taken once per distinct observation when that
// pays (dedupe).
func hmmBaumWelch(h *hmmModel, x []float64, cfg *hmmFitConfig) (float64, int, error) {
	w := newHMMWork(len(x)/h.d, h.d, h.k, h.m)
	w.dedupe(x)
	return w.baumWelch(h, x, cfg)
}

// baumWelch runs EM from h until the mean log-likelihood stops improving by
// cfg.tol or maxIter is reached, and returns the final log-likelihood (of
// the returned model). h is updated in place.
func (w *hmmWork) baumWelch(h *hmmModel, x []float64, cfg *hmmFitConfig) (float64, int, error) {
	prev := math.Inf(-1)
	it := 0
	for ; it < cfg.maxIter; it++ {
		ll, err := w.iterate(h, x, cfg)
		if err != nil {
			return ll, it, err
		}
		if math.Abs(ll-prev) < cfg.tol*float64(w.n) && it > 0 {
			break
		}
		prev = ll
	}
	ll, err := w.logLik(h, x)
	return ll, it, err
}

// viterbi returns the most likely state path of x under h (log space).
func (h *hmmModel) viterbi(x []float64) ([]int, error) {
	n := len(x) / h.d
	w := newHMMWork(n, h.d, h.k, h.m)
	if err := h.prepare(); err != nil {
		return nil, err
	}
	w.emissions(h, x)
	k := h.k
	logA := make([]float64, k*k)
	for i, p := range h.trans {
		logA[i] = math.Log(p)
	}
	back := make([]int32, n*k)
	cur, nxt := make([]float64, k), make([]float64, k)
	for s := 0; s < k; s++ {
		cur[s] = math.Log(h.start[s]) + math.Log(w.b[s])
	}
	for t := 1; t < n; t++ {
		bt := w.b[t*k : (t+1)*k]
		for j := 0; j < k; j++ {
			best, arg := math.Inf(-1), 0
			for i := 0; i < k; i++ {
				if v := cur[i] + logA[i*k+j]; v > best {
					best, arg = v, i
				}
			}
			nxt[j] = best + math.Log(bt[j])
			back[t*k+j] = int32(arg)
		}
		cur, nxt = nxt, cur
	}
	path := make([]int, n)
	best := math.Inf(-1)
	for s, v := range cur {
		if v > best {
			best, path[n-1] = v, s
		}
	}
	if math.IsInf(best, -1) {
		return nil, errHMMDegenerate
	}
	for t := n - 1; t > 0; t-- {
		path[t-1] = int(back[t*k+path[t]])
	}
	return path, nil
}

// params counts every free parameter: start (k-1), transitions k(k-1),
// mixture weights k(m-1), means and full covariances k·m·(d + d(d+1)/2).
// Retired components are not counted.
func (h *hmmModel) params() int {
	p := (h.k - 1) + h.k*(h.k-1)
	per := h.d + h.d*(h.d+1)/2
	for s := 0; s < h.k; s++ {
		live := 0
		for j := 0; j < h.m; j++ {
			if h.g[s*h.m+j].w > 0 {
				live++
			}
		}
		p += live - 1 + live*per
	}
	return p
}

// chainFrom converts a fitted model into the profile's chain shape. Retired
// components are dropped, and so are states left with none (a constant
// series needs one state, not k): their transitions go to the remaining
// states in proportion.
func (h *hmmModel) chainFrom() Chain {
	d, k := h.d, h.k
	var keep []int
	for s := 0; s < k; s++ {
		for j := 0; j < h.m; j++ {
			if h.g[s*h.m+j].w > 0 {
				keep = append(keep, s)
				break
			}
		}
	}
	if len(keep) == 0 {
		keep = []int{0} // cannot happen after a fit; keeps the shape valid
		h.g[0].w = 1
	}
	norm := func(p []float64) []float64 {
		var s float64
		for _, v := range p {
			s += v
		}
		if !(s > 0) {
			for i := range p {
				p[i] = 1 / float64(len(p))
			}
			return p
		}
		for i := range p {
			p[i] /= s
		}
		return p
	}
	ch := Chain{Trans: make([][]float64, len(keep)), States: make([]Mixture, len(keep))}
	for _, s := range keep {
		ch.Start = append(ch.Start, h.start[s])
	}
	ch.Start = norm(ch.Start)
	for a, i := range keep {
		row := make([]float64, len(keep))
		for b, j := range keep {
			row[b] = h.trans[i*k+j]
		}
		ch.Trans[a] = norm(row)
		mix := Mixture{Dim: d}
		var ws float64
		for j := 0; j < h.m; j++ {
			ws += h.g[i*h.m+j].w
		}
		for j := 0; j < h.m; j++ {
			c := h.g[i*h.m+j]
			if c.w <= 0 {
				continue
			}
			cov := make([][]float64, d)
			for a := range cov {
				cov[a] = append([]float64(nil), c.cov[a*d:(a+1)*d]...)
			}
			mix.Components = append(mix.Components, Gaussian{Weight: c.w / ws, Mean: append([]float64(nil), c.mean...), Cov: cov})
		}
		ch.States[a] = mix
	}
	return ch
}
