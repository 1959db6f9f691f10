package estimate

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gmm2trex/gmm2trex/internal/gauss"
)

// GMM-HMM: hidden Markov models whose states emit d-D Gaussian mixtures with
// full covariance. The E-step is the scaled forward-backward recursion
// (Rabiner's α̂/β̂ with per-step normalisers), fed by emission probabilities
// that are themselves scaled per time step by their largest log-density, so
// neither far-out observations nor long series underflow. Everything works on
// flat slices held in an hmmWork that is reused across iterations: one
// Baum-Welch iteration allocates nothing.
//
// By concern: the model and its conversion to a Chain (this file), the
// E-step (hmm_forward.go), the M-step (hmm_mstep.go), the iteration
// (hmm_baumwelch.go), Viterbi (hmm_viterbi.go), starts (hmm_init.go), pair
// chains (hmm_pair.go) and the recursions' kernels (hmm_kernels.go). The
// search over structures is temporal.go, its predictive check
// temporal_check.go.

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
	// cycle marks a cycle chain (hmm_cycle.go), whose transitions have two
	// free parameters per state.
	cycle bool
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
	// cycle restricts the transitions to a cycle chain's (cycleAllowed):
	// the others stay zero, without pseudo-counts.
	cycle bool
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

// params counts every free parameter: start (k-1), transitions k(k-1),
// mixture weights k(m-1), means and full covariances k·m·(d + d(d+1)/2).
// Retired components are not counted.
func (h *hmmModel) params() int {
	p := (h.k - 1) + h.k*(h.k-1)
	if h.cycle {
		p = cycleParams(h.k)
	}
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

// clone is a deep copy of h.
func (h *hmmModel) clone() *hmmModel {
	c := *h
	c.start, c.trans, c.pk = slices.Clone(h.start), slices.Clone(h.trans), slices.Clone(h.pk)
	c.g = slices.Clone(h.g)
	for i, g := range h.g {
		c.g[i].mean, c.g[i].cov, c.g[i].chol = slices.Clone(g.mean), slices.Clone(g.cov), slices.Clone(g.chol)
	}
	return &c
}
