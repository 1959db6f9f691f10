package metrics

import "math"

// Wasserstein returns the first Wasserstein (earth mover's) distance between
// the empirical distributions of x and y:
//
//	W1 = ∫ |F_x(v) − F_y(v)| dv
//
// computed exactly by walking the merged sorted values, as
// scipy.stats.wasserstein_distance does. It is in the unit of the samples
// (bytes for sizes, seconds for gaps). Both slices must be sorted ascending
// (it panics otherwise); NaN when either is empty. It allocates nothing.
func Wasserstein(x, y []float64) float64 {
	mustSorted("Wasserstein", x)
	mustSorted("Wasserstein", y)
	n, m := len(x), len(y)
	if n == 0 || m == 0 {
		return math.NaN()
	}
	fn, fm := float64(n), float64(m)
	var w float64
	i, j := 0, 0
	for i < n || j < m {
		v := mergedNext(x, y, i, j)
		for i < n && x[i] <= v {
			i++
		}
		for j < m && y[j] <= v {
			j++
		}
		if i == n && j == m {
			break
		}
		w += math.Abs(float64(i)/fn-float64(j)/fm) * (mergedNext(x, y, i, j) - v)
	}
	return w
}

// mergedNext is the smallest of x[i:] and y[j:] (sorted), one of which is
// not empty.
func mergedNext(x, y []float64, i, j int) float64 {
	switch {
	case i == len(x):
		return y[j]
	case j == len(y):
		return x[i]
	default:
		return min(x[i], y[j])
	}
}
