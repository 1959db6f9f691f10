package estimate

import (
	"math/rand/v2"
	"sort"
)

// seedPCGStream separates the random streams of this package from any other
// user of the same seed (rand.NewPCG(seed, seedPCGStream^k)).
const seedPCGStream = 0x9e3779b97f4a7c15

// newRand returns the seeded source of one fit. stream keeps the fits of
// different k (run concurrently) independent of scheduling.
func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seedPCGStream^stream))
}

// pickWeighted returns an index drawn with probability p[i]/sum(p), or -1
// when every p is zero.
func pickWeighted(rng *rand.Rand, p []float64, total float64) int {
	if !(total > 0) {
		return -1
	}
	u := rng.Float64() * total
	acc := 0.0
	last := -1
	for i, pi := range p {
		if pi <= 0 {
			continue
		}
		last = i
		acc += pi
		if u < acc {
			return i
		}
	}
	return last // rounding left u just above the sum
}

// kmeansPP1D seeds k centres among the sorted distinct values v (counts c)
// by k-means++ (D² weighting), then runs Lloyd's algorithm to convergence.
// In one dimension a clustering is a partition of the sorted values into
// intervals, so each Lloyd step costs O(k log m) with prefix sums. It returns
// the interval boundaries: cluster i holds v[bounds[i]:bounds[i+1]]. The
// caller guarantees 1 ≤ k ≤ len(v). d2 is scratch of len(v).
func kmeansPP1D(rng *rand.Rand, v, c []float64, pre *prefix1D, k int, d2 []float64) []int {
	m := len(v)
	centres := make([]float64, 0, k)
	first := pickWeighted(rng, c, pre.s0[m])
	centres = append(centres, v[first])
	total := 0.0
	for j, x := range v {
		d := x - v[first]
		d2[j] = c[j] * d * d
		total += d2[j]
	}
	for len(centres) < k {
		i := pickWeighted(rng, d2, total)
		if i < 0 {
			break // every value is a centre already
		}
		ci := v[i]
		centres = append(centres, ci)
		total = 0
		for j, x := range v {
			d := x - ci
			if dd := c[j] * d * d; dd < d2[j] {
				d2[j] = dd
			}
			total += d2[j]
		}
	}
	sort.Float64s(centres)
	bounds := make([]int, len(centres)+1)
	for iter := 0; iter < 100; iter++ {
		changed := false
		bounds[0] = 0
		for i := 1; i < len(centres); i++ {
			mid := 0.5 * (centres[i-1] + centres[i])
			b := sort.SearchFloat64s(v, mid) // first value ≥ mid
			if b < bounds[i-1] {
				b = bounds[i-1]
			}
			if b != bounds[i] {
				changed = true
			}
			bounds[i] = b
		}
		bounds[len(centres)] = m
		if !changed && iter > 0 {
			break
		}
		for i := range centres {
			lo, hi := bounds[i], bounds[i+1]
			if w := pre.s0[hi] - pre.s0[lo]; w > 0 {
				centres[i] = (pre.s1[hi] - pre.s1[lo]) / w
			}
		}
	}
	// Drop empty intervals: a centre that lost all its values would start a
	// component with no data.
	out := bounds[:1]
	for i := 1; i < len(bounds); i++ {
		if bounds[i] > out[len(out)-1] {
			out = append(out, bounds[i])
		}
	}
	return out
}

// prefix1D holds prefix sums of counts and count-weighted values over sorted
// distinct values, shifted by a reference to keep second moments accurate.
type prefix1D struct {
	ref        float64
	s0, s1, s2 []float64 // s1, s2 are of (v - ref)
}

// newPrefix1D builds the sums; wv (per-value within variances of binned
// data) may be nil.
func newPrefix1D(v, c, wv []float64, ref float64) *prefix1D {
	m := len(v)
	p := &prefix1D{ref: ref, s0: make([]float64, m+1), s1: make([]float64, m+1), s2: make([]float64, m+1)}
	for j := range v {
		d := v[j] - ref
		q := d * d
		if wv != nil {
			q += wv[j]
		}
		p.s0[j+1] = p.s0[j] + c[j]
		p.s1[j+1] = p.s1[j] + c[j]*v[j]
		p.s2[j+1] = p.s2[j] + c[j]*q
	}
	return p
}

// moments returns weight, mean and variance of v[lo:hi].
func (p *prefix1D) moments(lo, hi int) (w, mean, variance float64) {
	w = p.s0[hi] - p.s0[lo]
	if w <= 0 {
		return 0, 0, 0
	}
	mean = (p.s1[hi] - p.s1[lo]) / w
	d := mean - p.ref
	variance = (p.s2[hi]-p.s2[lo])/w - d*d
	if variance < 0 {
		variance = 0
	}
	return w, mean, variance
}

// kmeansPP seeds k centres among the n rows of x (row-major, d columns,
// weights w or nil) by k-means++ and refines them with a few Lloyd steps.
// It returns each row's cluster and the number of clusters, fewer than k
// when rows coincide.
func kmeansPP(rng *rand.Rand, x []float64, d int, w []float64, k int, lloyd int) (assign []int, k2 int) {
	n := len(x) / d
	wt := func(i int) float64 {
		if w == nil {
			return 1
		}
		return w[i]
	}
	d2 := make([]float64, n)
	pw := make([]float64, n)
	total := 0.0
	for i := range n {
		pw[i] = wt(i)
		total += pw[i]
	}
	centres := make([]float64, 0, k*d)
	first := pickWeighted(rng, pw, total)
	if first < 0 {
		first = 0
	}
	centres = append(centres, x[first*d:first*d+d]...)
	total = 0
	for i := range n {
		d2[i] = sqdist(x[i*d:i*d+d], centres[:d]) * wt(i)
		total += d2[i]
	}
	for len(centres)/d < k {
		j := pickWeighted(rng, d2, total)
		if j < 0 {
			break
		}
		c := x[j*d : j*d+d]
		centres = append(centres, c...)
		total = 0
		for i := range n {
			if dd := sqdist(x[i*d:i*d+d], c) * wt(i); dd < d2[i] {
				d2[i] = dd
			}
			total += d2[i]
		}
	}
	k = len(centres) / d
	assign = make([]int, n)
	sums := make([]float64, k*d)
	cnt := make([]float64, k)
	for iter := 0; ; iter++ {
		changed := false
		for i := range n {
			row := x[i*d : i*d+d]
			best, bd := 0, sqdist(row, centres[:d])
			for c := 1; c < k; c++ {
				if dd := sqdist(row, centres[c*d:c*d+d]); dd < bd {
					best, bd = c, dd
				}
			}
			if assign[i] != best || iter == 0 {
				changed = changed || assign[i] != best
				assign[i] = best
			}
		}
		if (!changed && iter > 0) || iter >= lloyd {
			break
		}
		clear(sums)
		clear(cnt)
		for i := range n {
			a := assign[i]
			cnt[a] += wt(i)
			for j := range d {
				sums[a*d+j] += wt(i) * x[i*d+j]
			}
		}
		for c := range k {
			if cnt[c] > 0 {
				for j := range d {
					centres[c*d+j] = sums[c*d+j] / cnt[c]
				}
			}
		}
	}
	// Renumber to drop empty clusters.
	used := make([]int, k)
	for i := range used {
		used[i] = -1
	}
	k2 = 0
	for i, a := range assign {
		if used[a] < 0 {
			used[a] = k2
			k2++
		}
		assign[i] = used[a]
	}
	return assign, k2
}

func sqdist(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}
