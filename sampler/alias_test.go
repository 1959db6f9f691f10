package sampler

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestAliasFrequencies(t *testing.T) {
	cases := [][]float64{
		{1},
		{0.5, 0.5},
		{0.7, 0.2, 0.1},
		{0, 0.25, 0, 0.75},
		{1e-6, 1 - 1e-6},
		{3, 1, 1, 1, 2, 5, 0.1, 0.9, 4, 2, 1, 1}, // unnormalised, a dozen
	}
	r := rand.New(rand.NewPCG(5, 6))
	const n = 400_000
	for _, w := range cases {
		a := newAlias(len(w), func(i int) float64 { return w[i] })
		sum := 0.0
		for _, x := range w {
			sum += x
		}
		counts := make([]int, len(w))
		for range n {
			counts[a.pick(r.Uint64())]++
		}
		for i, c := range counts {
			p := w[i] / sum
			// 5 binomial standard deviations, plus a hair for p = 0.
			tol := 5*math.Sqrt(p*(1-p)/n) + 1e-9
			if got := float64(c) / n; math.Abs(got-p) > tol {
				t.Errorf("weights %v: outcome %d drawn %.5f of the time, want %.5f ± %.5f", w, i, got, p, tol)
			}
		}
	}
}
