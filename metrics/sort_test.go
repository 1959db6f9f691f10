package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSortFloats(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, tc := range []struct {
		name string
		draw func() float64
	}{
		{"normal", func() float64 { return rng.NormFloat64() * 1e3 }},
		{"sizes", func() float64 { return float64(40 + rng.IntN(1400)) }},
		{"gaps", func() float64 { return math.Exp(-8 + 3*rng.NormFloat64()) }},
		{"constant", func() float64 { return 252 }},
		{"signed zeros and infinities", func() float64 {
			return []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), 1, -1}[rng.IntN(6)]
		}},
	} {
		for _, n := range []int{10, radixThreshold + 1, 50_000} {
			x := make([]float64, n)
			for i := range x {
				x[i] = tc.draw()
			}
			want := slices.Clone(x)
			slices.Sort(want)
			SortFloats(x, make([]float64, n))
			for i := range x {
				if x[i] != want[i] {
					t.Fatalf("%s, n=%d: index %d: %v, want %v", tc.name, n, i, x[i], want[i])
				}
			}
		}
	}
}

func BenchmarkSortFloats(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]float64, 1_000_000)
	for i := range src {
		src[i] = math.Exp(-6 + 1.2*rng.NormFloat64())
	}
	x, buf := make([]float64, len(src)), make([]float64, len(src))
	b.Run("radix", func(b *testing.B) {
		for b.Loop() {
			copy(x, src)
			SortFloats(x, buf)
		}
	})
	b.Run("pdqsort", func(b *testing.B) {
		for b.Loop() {
			copy(x, src)
			slices.Sort(x)
		}
	})
}
