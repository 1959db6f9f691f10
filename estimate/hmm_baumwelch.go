package estimate

import "math"

// Baum-Welch: E-step and M-step iterated to convergence.

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
