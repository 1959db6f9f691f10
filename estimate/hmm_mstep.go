package estimate

import (
	"math"

	"github.com/gmm2trex/gmm2trex/internal/gauss"
)

// The M-step: re-estimating the model from the E-step's statistics.

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
			if cfg.cycle && !cycleAllowed(i, j, k) {
				v = 0
			}
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
