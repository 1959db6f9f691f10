package sampler

import (
	"math"

	"github.com/gmm2trex/gmm2trex/profiles"
)

// marginalMap is a profiles.Marginal prepared for mapping many values:
// Marginal's result, found through a table of buckets over the knots' span
// instead of a binary search (the walks the model search scores map every
// drawn value; the binary search over 256 knots was a tenth of estimate's
// time). idx[b] is the last knot at or before bucket b's start.
type marginalMap struct {
	m      *profiles.Marginal
	z0, zn float64
	inv    float64 // buckets per unit of z
	idx    []int32
}

// marginalBuckets is how many buckets a map gets per knot: with two, a
// bucket spans about one knot where they are dense, so the search after
// the table's guess takes a step or none.
const marginalBuckets = 2

func newMarginalMap(m *profiles.Marginal) marginalMap {
	z := m.Z
	n := len(z)
	mm := marginalMap{m: m, z0: z[0], zn: z[n-1]}
	nb := marginalBuckets * n
	span := z[n-1] - z[0]
	if !(span > 0) || math.IsInf(span, 0) {
		return mm // no table: at searches the whole map
	}
	mm.inv = float64(nb) / span
	mm.idx = make([]int32, nb)
	i := 0
	for b := range mm.idx {
		start := z[0] + float64(b)/mm.inv
		for i+1 < n-1 && z[i+1] <= start {
			i++
		}
		mm.idx[b] = int32(i)
	}
	return mm
}

// at is Marginal(mm.m, v), bit for bit.
func (mm *marginalMap) at(v float64) float64 {
	m := mm.m
	if !(v > mm.z0) {
		return m.X[0]
	}
	z := m.Z
	n := len(z)
	if v >= mm.zn {
		return m.X[n-1]
	}
	// The last knot ≤ v: z[i] ≤ v < z[i+1], as Marginal's search finds
	// it, searched between the knots the table gives for v's bucket (the
	// whole map where rounding put v outside them).
	lo, hi := 0, n-1
	if mm.idx != nil {
		b := min(max(int((v-mm.z0)*mm.inv), 0), len(mm.idx)-1)
		lo = int(mm.idx[b])
		if b+1 < len(mm.idx) {
			hi = int(mm.idx[b+1]) + 1
		}
		if !(z[lo] <= v) {
			lo = 0
		}
		if !(v < z[hi]) {
			hi = n - 1
		}
	}
	return interpolate(m, knotBelow(z, v, lo, hi), v)
}
