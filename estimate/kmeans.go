package estimate

import (
	"math/rand/v2"
	"sort"
)

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

// seedPP picks up to k centres among the n rows of x (row-major, d
// columns) by k-means++: the first with probability proportional to its
// weight w (uniformly when w is nil), each next one with probability
// proportional to its weight times its squared distance to the nearest
// centre so far (D² weighting). It returns the chosen rows, fewer than k
// when fewer rows are distinct (or have weight). d2 is scratch of length n;
// n must be positive.
func seedPP(rng *rand.Rand, x []float64, d int, w []float64, k int, d2 []float64) []int {
	n := len(x) / d
	var first int
	if w == nil {
		first = rng.IntN(n)
	} else {
		total := 0.0
		for _, wi := range w[:n] {
			total += wi
		}
		first = max(pickWeighted(rng, w, total), 0)
	}
	picks := append(make([]int, 0, k), first)
	c := x[first*d : first*d+d]
	total := 0.0
	for i := range n {
		dd := sqdist(x[i*d:i*d+d], c)
		if w != nil {
			dd *= w[i]
		}
		d2[i] = dd
		total += dd
	}
	for len(picks) < k {
		j := pickWeighted(rng, d2, total)
		if j < 0 {
			break // every row with weight is a centre already
		}
		picks = append(picks, j)
		c := x[j*d : j*d+d]
		total = 0
		for i := range n {
			dd := sqdist(x[i*d:i*d+d], c)
			if w != nil {
				dd *= w[i]
			}
			if dd < d2[i] {
				d2[i] = dd
			}
			total += d2[i]
		}
	}
	return picks
}

// kmeansPP1D is kmeans for the sorted distinct values v (counts c) of a 1-D
// sample: the same k-means++ seeding (seedPP) and Lloyd's algorithm, but in
// one dimension a clustering is a partition of the sorted values into
// intervals, so each Lloyd step finds the boundaries between neighbouring
// centres by binary search and the means from prefix sums, O(k log m)
// instead of O(k m). It runs Lloyd to convergence and returns the interval
// boundaries: cluster i holds v[bounds[i]:bounds[i+1]]. The caller
// guarantees 1 ≤ k ≤ len(v). d2 is scratch of len(v).
func kmeansPP1D(rng *rand.Rand, v, c []float64, pre *prefix1D, k int, d2 []float64) []int {
	m := len(v)
	picks := seedPP(rng, v, 1, c, k, d2)
	centres := make([]float64, len(picks))
	for i, j := range picks {
		centres[i] = v[j]
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

// kmeans clusters the n rows of x (row-major, d columns; weights w, nil
// for all ones) into at most k groups: k-means++ seeding (seedPP), then
// Lloyd passes (assign every row to its nearest centre, move each centre to
// the weighted mean of its rows) until no label changes or iters passes are
// done. A centre left without rows stays where it is, or with reseed moves
// to a row drawn uniformly, so that k stays k. It returns each row's label
// and the number of centres seeded, fewer than k when fewer rows are
// distinct; labels may skip a centre that ended with no rows (renumber
// closes the gaps).
func kmeans(rng *rand.Rand, x []float64, d int, w []float64, k, iters int, reseed bool) (labels []int, got int) {
	n := len(x) / d
	labels = make([]int, n)
	if n == 0 {
		return labels, 0
	}
	picks := seedPP(rng, x, d, w, k, make([]float64, n))
	k = len(picks)
	cent := make([]float64, k*d)
	for c, j := range picks {
		copy(cent[c*d:c*d+d], x[j*d:j*d+d])
	}
	sums := make([]float64, k*d)
	cnt := make([]float64, k)
	for it := 0; it < iters; it++ {
		changed := false
		for i := range n {
			row := x[i*d : i*d+d]
			best, bd := 0, sqdist(row, cent[:d])
			for c := 1; c < k; c++ {
				if dd := sqdist(row, cent[c*d:c*d+d]); dd < bd {
					best, bd = c, dd
				}
			}
			if labels[i] != best || it == 0 {
				changed = changed || labels[i] != best
				labels[i] = best
			}
		}
		if !changed && it > 0 {
			break
		}
		clear(sums)
		clear(cnt)
		for i := range n {
			a := labels[i]
			row, s := x[i*d:i*d+d], sums[a*d:a*d+d]
			if w == nil {
				cnt[a]++
				for j, v := range row {
					s[j] += v
				}
				continue
			}
			cnt[a] += w[i]
			for j, v := range row {
				s[j] += w[i] * v
			}
		}
		for c := range k {
			if cnt[c] == 0 {
				if reseed {
					p := rng.IntN(n)
					copy(cent[c*d:c*d+d], x[p*d:p*d+d])
				}
				continue
			}
			for j := range d {
				cent[c*d+j] = sums[c*d+j] / cnt[c]
			}
		}
	}
	return labels, k
}

// renumber relabels labels (in 0..k-1) in order of first appearance so that
// they are 0..k2-1 with no gaps, and returns k2.
func renumber(labels []int, k int) (k2 int) {
	used := make([]int, k)
	for i := range used {
		used[i] = -1
	}
	for i, a := range labels {
		if used[a] < 0 {
			used[a] = k2
			k2++
		}
		labels[i] = used[a]
	}
	return k2
}

func sqdist(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}
