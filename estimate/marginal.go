package estimate

import (
	"math"
	"slices"
	"sort"

	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// marginalKnots is the most knots a marginal map has. The generated
// distribution of a mapped feature matches the data's at every knot, so
// between knots its CDF is off by at most the knot spacing: 1/255 ≈ 0.004
// of KS, below what 5 seeds of a few thousand packets resolve (≈ 0.02). A
// profile pays 2·256 numbers per feature for it.
const marginalKnots = 256

// knotBudget is how many evenly spaced knots a map of n values gets
// (knotProbs adds the tails' order statistics, an eighth of them a side):
// marginalKnots, or fewer where the data cannot pay for them at
// hmmObsPerParam values a knot (each knot is a quantile of the data), at
// least 2. With a knot a value, a 100-packet direction's maps were the
// data itself — 91 % of the profile of 10,000 such flows, and no model of
// it. A quarter of n leaves
// the map's CDF within about 4/n of the data's between knots, inside the
// 1/√n a sample of n resolves; from 1,024 values on nothing changes.
func knotBudget(n int) int {
	return max(2, min(marginalKnots, int(float64(n)/hmmObsPerParam)))
}

// marginalTail is how many of the smallest and of the largest values get a
// knot each (at most an eighth of the knots each): evenly spaced knots leave
// the top 1/255 of the mass to one linear piece from a high quantile to the
// largest gap seen, which on a heavy tail (a 10 s silence among 20 ms gaps)
// generates far more long gaps than the capture has — the Skype flow's
// byte rate came out 0.90 and its idle share 0.13 against 0.08. Knots at
// the extreme order statistics keep each of them one packet's worth.
const marginalTail = 32

// marginalGrid is the grid on which a chain's emission CDF is tabulated
// before each knot is found within its grid cell (marginalOf's zAt). It
// only brackets the roots, whose precision zAt sets: 2048 cells cost more
// CDF evaluations than a direction's 100 knots themselves, 512 leave every
// knot as precise (TestMarginalKnotsAtTheirProbabilities) and the fidelity
// table unchanged.
const marginalGrid = 512

// marginalTolP is how close to its probability a knot's CDF must come:
// below what the bisection it replaced reached (a z interval of 2⁻⁴¹ of
// the range, ≈ 1e-12 in probability), and above the CDF's rounding.
const marginalTolP = 1e-13

// marginalsOf returns the maps that carry each feature of ch onto the
// data's distribution (profiles.Chain.Marginals): sorted[f] are the values
// of feature f in its units, ascending. Knot j sits at probability p_j —
// the extremes at 1/(2n) and 1 − 1/(2n), mapped to the smallest and largest
// value seen, the rest evenly between — with Z_j the quantile of the
// chain's stationary emission of the feature (in the scaled space) and X_j
// the data's lower quantile, a value the capture holds: a value repeated in
// more than one knot spacing of the data gets runs of equal X, and so is
// generated exactly.
func marginalsOf(ch *profiles.Chain, sorted [][]float64) []profiles.Marginal {
	pi := sampler.Stationary(ch.Transitions)
	out := make([]profiles.Marginal, len(ch.Features))
	for f := range ch.Features {
		var w, mu, sd []float64
		for s, st := range ch.States {
			for _, c := range st.Mixture {
				if wt := pi[s] * c.Weight; wt > 0 {
					w, mu, sd = append(w, wt), append(mu, c.Mean[f]), append(sd, math.Sqrt(c.Cov[f][f]))
				}
			}
		}
		out[f] = marginalOf(w, mu, sd, sorted[f], knotBudget(len(sorted[f])))
	}
	return out
}

// knotProbs are the knots' probabilities, ascending: the m smallest and
// largest order statistics at (i + ½)/n, k evenly spaced in between; m is
// marginalTail, at most an eighth of the knots (k).
func knotProbs(n, k int) []float64 {
	m := min(marginalTail, k/8)
	var ps []float64
	for i := range m {
		ps = append(ps, (float64(i)+0.5)/float64(n))
	}
	lo, hi := 0.0, 1.0
	if m > 0 {
		lo, hi = ps[m-1], 1-ps[m-1]
	}
	for j := range k {
		p := float64(j) / float64(k-1)
		if m == 0 && j == 0 {
			p = 1 / (2 * float64(n))
		} else if m == 0 && j == k-1 {
			p = 1 - 1/(2*float64(n))
		}
		if (m == 0 || p > lo && p < hi) && p > 0 && p < 1 {
			ps = append(ps, p)
		}
	}
	for i := m - 1; i >= 0; i-- {
		ps = append(ps, 1-(float64(i)+0.5)/float64(n))
	}
	return ps
}

// marginalOf is the map of data (ascending) onto the mixture's quantiles
// with k evenly spaced knots (knotProbs).
func marginalOf(w, mu, sd, data []float64, k int) profiles.Marginal {
	n := len(data)
	var tot float64
	for _, x := range w {
		tot += x
	}
	cdf := func(z float64) float64 {
		var s float64
		for i := range w {
			s += w[i] * 0.5 * math.Erfc(-(z-mu[i])/(sd[i]*math.Sqrt2))
		}
		return s / tot
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range mu {
		lo, hi = min(lo, mu[i]-12*sd[i]), max(hi, mu[i]+12*sd[i])
	}
	grid := make([]float64, marginalGrid+1)
	for g := range grid {
		grid[g] = cdf(lo + (hi-lo)*float64(g)/marginalGrid)
	}
	var m profiles.Marginal
	cell := 0
	// zAt is the chain's quantile of p, for ascending p: the root of
	// cdf − p in p's grid cell, by regula falsi with the Illinois step (a
	// retained end's value halved, so that both ends move), to within
	// marginalTolP of p or tolZ of z. Bisection to the same z took 30 CDF
	// evaluations a knot, each an Erfc per component: a fifth of
	// estimate's time; this takes a few.
	tolZ := (hi - lo) * 0x1p-42
	zAt := func(p float64) float64 {
		for cell < marginalGrid-1 && grid[cell+1] < p {
			cell++
		}
		a := lo + (hi-lo)*float64(cell)/marginalGrid
		b := a + (hi-lo)/marginalGrid
		fa, fb := grid[cell]-p, grid[cell+1]-p
		if !(fa < 0) {
			return a // p at or below the grid's first value
		}
		if !(fb > 0) {
			return b // p at the cell's end, or above the grid's last value
		}
		side := 0
		for range 200 {
			w := b - a
			if !(w > tolZ) {
				break
			}
			c := b - fb*w/(fb-fa)
			if !(c > a && c < b) {
				c = a + w/2
			}
			fc := cdf(c) - p
			switch {
			case math.Abs(fc) <= marginalTolP:
				return c
			case fc < 0:
				a, fa = c, fc
				if side < 0 {
					fb /= 2
				}
				side = -1
			default:
				b, fb = c, fc
				if side > 0 {
					fa /= 2
				}
				side = 1
			}
		}
		return (a + b) / 2
	}
	add := func(z, x float64) {
		if l := len(m.Z); l > 0 && !(z > m.Z[l-1]) {
			if x == m.X[l-1] {
				return // two knots closer than the CDF can tell: keep the first
			}
			z = math.Nextafter(m.Z[l-1], math.Inf(1)) // a step must stay one
		}
		m.Z, m.X = append(m.Z, z), append(m.X, x)
	}
	for _, p := range knotProbs(n, k) {
		x := data[min(n-1, int(p*float64(n)))]
		if l := len(m.X); l > 0 && x > m.X[l-1] {
			// Where the data jumps from one knot's value to the next with
			// nothing between (the sizes a codec or a sender's segments
			// repeat, gaps on a clock's ticks), interpolating would make
			// values the capture never has: the map steps instead, where
			// the data's CDF leaves the lower value.
			prev := m.X[l-1]
			below := sort.SearchFloat64s(data, x) // values < x
			if sort.SearchFloat64s(data, math.Nextafter(prev, math.Inf(1))) == below {
				zs := zAt(float64(below) / float64(n))
				add(zs, prev)
				add(zs, x)
			}
		}
		add(zAt(p), x)
	}
	if len(m.Z) < 2 {
		// A chain whose emission is too narrow to split (or one value):
		// a flat map of the median.
		x := data[n/2]
		m = profiles.Marginal{Z: []float64{-1, 1}, X: []float64{x, x}}
	}
	return m
}

// mixtureMap returns the map that carries a draw of p's mixture (in its
// domain: log seconds for a log transform) onto the distribution of data
// (profiles.Param.Marginal), as marginalsOf does for a chain's feature.
func mixtureMap(p profiles.Param, data []float64) *profiles.Marginal {
	w, mu, sd := make([]float64, len(p.Mixture)), make([]float64, len(p.Mixture)), make([]float64, len(p.Mixture))
	for i, c := range p.Mixture {
		w[i], mu[i], sd[i] = c.Weight, c.Mean, c.Std
	}
	m := marginalOf(w, mu, sd, slices.Sorted(slices.Values(data)), knotBudget(len(data)))
	return &m
}
