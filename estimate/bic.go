package estimate

import (
	"cmp"
	"math"
	"slices"
	"sync"
)

// BIC is the Bayesian information criterion -2·logLik + params·ln(n):
// lower is better.
func BIC(logLik float64, params, n int) float64 {
	return -2*logLik + float64(params)*math.Log(float64(n))
}

// Params1D is the number of free parameters of a k-component 1-D mixture:
// k means, k variances and k-1 weights.
func Params1D(k int) int { return 3*k - 1 }

// ParamsFull is the number of free parameters of a k-component mixture in d
// dimensions with full covariances.
func ParamsFull(k, d int) int { return k - 1 + k*d + k*d*(d+1)/2 }

// affordableK caps an automatic search's largest component count hi at
// the largest k whose mixture n observations pay for at hmmObsPerParam
// each (params(k) free parameters), at least 1: the rule that bounds the
// chains' size (temporal.go, affordable), so that a 100-packet direction
// is not fitted twelve components of 35 parameters that BIC then has to
// refuse. It changes nothing from 4·params(hi) observations on (140 for
// the 1-D default of 12), hence no direction of the fidelity benchmark,
// and halves the mixtures' cost on a 100-packet direction.
func affordableK(n, hi int, params func(k int) int) int {
	for hi > 1 && float64(params(hi))*hmmObsPerParam > float64(n) {
		hi--
	}
	return hi
}

// BICTable holds the BIC of the best fit found for each component count k
// (index k-1) of a search; +Inf marks a k that was not tried (below the
// search's lowest k) or gave no fit.
type BICTable []float64

// Best returns the k of lowest BIC, the smallest such k on a tie, or 0 when
// no entry is finite.
func (t BICTable) Best() int {
	best := 0
	for i, b := range t {
		if !math.IsInf(b, 1) && !math.IsNaN(b) && (best == 0 || b < t[best-1]) {
			best = i + 1
		}
	}
	return best
}

// kSearch is the search over the component count shared by the 1-D and
// d-D fits: fit every k in lo..hi (workers at once, largest k first since
// they take longest), optionally repair a k that fits worse than k-1 and
// refine the best few, then keep the k of lowest BIC and finish its fit.
// G is the working state of one fit; a nil *G is no fit.
type kSearch[G any] struct {
	lo, hi  int
	workers int
	n       int // sample size of BIC
	params  func(k int) int
	fit     func(k int) *G // the candidate for k (run concurrently)
	ll      func(g *G) float64
	// split, when not nil, fits k again from the k-1 fit prev when k's
	// candidate fits worse than prev: more components never fit worse at
	// the optimum. The better of the two is kept.
	split func(prev *G) *G
	// refine, when not nil, is run on the refineTop candidates of lowest
	// BIC before BIC chooses; a candidate it fails is dropped.
	refine func(g *G) bool
	// finish runs the chosen fit to convergence.
	finish func(g *G) error
}

// run returns the chosen fit and the BIC table (the chosen k's entry from
// the finished fit); the fit is nil when no k gave one.
func (s *kSearch[G]) run() (*G, BICTable, error) {
	fits := make([]*G, s.hi+1)
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(s.workers, s.hi-s.lo+1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				fits[k] = s.fit(k)
			}
		}()
	}
	for k := s.hi; k >= s.lo; k-- {
		next <- k
	}
	close(next)
	wg.Wait()
	if s.split != nil {
		for k := s.lo + 1; k <= s.hi; k++ {
			prev, cur := fits[k-1], fits[k]
			if prev == nil || (cur != nil && s.ll(cur) >= s.ll(prev)) {
				continue
			}
			if g := s.split(prev); g != nil && (cur == nil || s.ll(g) > s.ll(cur)) {
				fits[k] = g
			}
		}
	}
	table := make(BICTable, s.hi)
	var ranked []int
	for k := 1; k <= s.hi; k++ {
		table[k-1] = math.Inf(1)
		if k < s.lo || fits[k] == nil || math.IsInf(s.ll(fits[k]), -1) {
			continue
		}
		table[k-1] = BIC(s.ll(fits[k]), s.params(k), s.n)
		ranked = append(ranked, k)
	}
	if s.refine != nil {
		slices.SortStableFunc(ranked, func(a, b int) int { return cmp.Compare(table[a-1], table[b-1]) })
		for _, k := range ranked[:min(refineTop, len(ranked))] {
			if !s.refine(fits[k]) {
				table[k-1] = math.Inf(1)
				continue
			}
			table[k-1] = BIC(s.ll(fits[k]), s.params(k), s.n)
		}
	}
	k := table.Best()
	if k == 0 {
		return nil, table, nil
	}
	g := fits[k]
	if err := s.finish(g); err != nil {
		return nil, nil, err
	}
	table[k-1] = BIC(s.ll(g), s.params(k), s.n)
	return g, table, nil
}
