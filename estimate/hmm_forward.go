package estimate

import (
	"fmt"
	"math"

	"github.com/gmm2trex/gmm2trex/internal/gauss"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// The E-step: emissions and the scaled forward-backward recursions, with
// the buffers they share (hmmWork).

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
