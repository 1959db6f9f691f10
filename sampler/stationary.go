package sampler

import (
	"math"
	"slices"

	"github.com/gmm2trex/gmm2trex/profiles"
)

// What a chain does in the long run, for describing a profile (show): the
// answers follow from the model alone, without walking it.

// Stationary returns the long-run share of time a chain spends in each
// state: the stationary distribution of trans, found by power iteration from
// the uniform distribution (until the L1 change of a step is below 1e-12, at
// most 2000 steps). trans must be square with probability-vector rows, as
// profiles.Validate ensures; a chain that is not ergodic gets the shares the
// iteration reaches from the uniform start.
func Stationary(trans [][]float64) []float64 {
	k := len(trans)
	p := make([]float64, k)
	q := make([]float64, k)
	for i := range p {
		p[i] = 1 / float64(k)
	}
	for range 2000 {
		clear(q)
		for i := range k {
			for j := range k {
				q[j] += p[i] * trans[i][j]
			}
		}
		diff := 0.0
		for j := range k {
			diff += math.Abs(q[j] - p[j])
		}
		p, q = q, p
		if diff < 1e-12 {
			break
		}
	}
	return p
}

// StateTypical returns state s's typical emission of the chain's feature fi
// in the feature's units: the weighted mean of the state's components,
// unscaled, then taken through the inverse transform (for a log feature that
// is the geometric mean, not the mean). ch must be valid and s, fi in range.
func StateTypical(ch *profiles.Chain, s, fi int) float64 {
	z := 0.0
	for _, c := range ch.States[s].Mixture {
		z += c.Weight * c.Mean[fi]
	}
	x := z
	if fi < len(ch.Scale.Mean) && fi < len(ch.Scale.Std) {
		x = z*ch.Scale.Std[fi] + ch.Scale.Mean[fi]
	}
	if ch.Transform[ch.Features[fi]] == profiles.TransformLog {
		x = math.Exp(x)
	}
	return x
}

// LikelyNext returns up to n states other than self that row (self's
// transition probabilities) moves to with probability at least minP, the
// most likely first; ties keep state order.
func LikelyNext(row []float64, self, n int, minP float64) []int {
	idx := make([]int, 0, len(row))
	for j := range row {
		if j != self && row[j] >= minP {
			idx = append(idx, j)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case row[a] > row[b]:
			return -1
		case row[a] < row[b]:
			return 1
		}
		return 0
	})
	if len(idx) > n {
		idx = idx[:n]
	}
	return idx
}
