package trace

import (
	"math"
	"slices"
)

// Trimmed is a direction after percentile trimming: IAT[i] (seconds) and
// Size[i] belong to the same packet, so joint (iat, size) models stay aligned.
type Trimmed struct {
	IAT  []float64
	Size []float64
}

// Len returns the number of packets kept.
func (t Trimmed) Len() int { return len(t.IAT) }

// Trim drops packets whose IAT lies outside the lo and hi percentiles of the
// series' IATs (DESIGN.md, "Trimming"), as the original estimator did with
// np.percentile. The first packet has no IAT and is never kept; packet i
// (1 ≤ i < Len) is kept when its IAT lies within the bounds, inclusive.
// lo and hi are percentages, 0 ≤ lo ≤ hi ≤ 100; Trim(s, 0, 100) keeps every
// packet but the first. A series of fewer than two packets yields nothing.
func Trim(s Series, lo, hi float64) Trimmed {
	iats := s.IATs()
	if len(iats) == 0 {
		return Trimmed{}
	}
	sorted := slices.Clone(iats)
	slices.Sort(sorted)
	plo, phi := PercentileSorted(sorted, lo), PercentileSorted(sorted, hi)
	var t Trimmed
	for i, v := range iats {
		if v >= plo && v <= phi {
			t.IAT = append(t.IAT, v)
			t.Size = append(t.Size, float64(s.Sizes[i+1]))
		}
	}
	return t
}

// PercentileSorted returns the p-th percentile (0..100) of sorted data with
// numpy's default "linear" method, including its two-sided interpolation that
// keeps results monotonic in p. It returns NaN for empty data; p outside
// [0, 100] is clamped.
func PercentileSorted(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	p = min(max(p, 0), 100)
	idx := p / 100 * float64(n-1)
	i := int(math.Floor(idx))
	if i >= n-1 {
		return sorted[n-1]
	}
	t := idx - float64(i)
	a, b := sorted[i], sorted[i+1]
	d := b - a
	if t >= 0.5 {
		return b - d*(1-t)
	}
	return a + d*t
}
