package metrics

import "math"

// JSBins is the number of equal-width bins JS uses.
const JSBins = 100

// JS returns the Jensen-Shannon divergence, in bits, between the histograms of
// x and y over bins equal-width bins spanning [min(x ∪ y), max(x ∪ y)]:
//
//	P, Q the normalised bin counts,  M = (P + Q)/2
//	JS = ½ Σ P log₂(P/M) + ½ Σ Q log₂(Q/M)
//
// It is symmetric, finite and between 0 (same histogram) and 1 (disjoint
// support), unlike KL. When all values are equal it is 0. Both slices must be
// sorted ascending (it panics otherwise); NaN when either is empty or
// bins < 1. It allocates nothing: the counts are taken by walking both sorted
// slices bin by bin.
func JS(x, y []float64, bins int) float64 {
	mustSorted("JS", x)
	mustSorted("JS", y)
	n, m := len(x), len(y)
	if n == 0 || m == 0 || bins < 1 {
		return math.NaN()
	}
	lo, hi := min(x[0], y[0]), max(x[n-1], y[m-1])
	if hi == lo {
		return 0
	}
	width := (hi - lo) / float64(bins)
	var js float64
	i, j := 0, 0
	for b := 0; b < bins; b++ {
		edge := lo + float64(b+1)*width
		i0, j0 := i, j
		if b == bins-1 {
			i, j = n, m // the last bin is closed: it holds hi
		} else {
			for i < n && x[i] < edge {
				i++
			}
			for j < m && y[j] < edge {
				j++
			}
		}
		p, q := float64(i-i0)/float64(n), float64(j-j0)/float64(m)
		mid := (p + q) / 2
		if p > 0 {
			js += p * math.Log2(p/mid)
		}
		if q > 0 {
			js += q * math.Log2(q/mid)
		}
	}
	return js / 2
}
