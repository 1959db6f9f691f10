package sampler

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gmm2trex/gmm2trex/profiles"
)

// testMarginals are maps as estimate makes them (dense in the middle,
// sparse in the tails, steps where a value repeats) and odd ones a profile
// may hold: two knots, a far outlier knot, knots closer than a bucket.
func testMarginals() []profiles.Marginal {
	var dense profiles.Marginal
	for i := range 256 {
		p := (float64(i) + 0.5) / 256
		z := math.Sqrt2 * math.Erfinv(2*p-1)
		x := math.Round(100 + 50*z)
		if i > 100 && i < 140 {
			x = 1100 // a repeated size: a step
		}
		dense.Z, dense.X = append(dense.Z, z), append(dense.X, x)
	}
	for i := 1; i < len(dense.Z); i++ {
		if dense.X[i] < dense.X[i-1] {
			dense.X[i] = dense.X[i-1]
		}
	}
	return []profiles.Marginal{
		dense,
		{Z: []float64{-1, 1}, X: []float64{5, 5}},
		{Z: []float64{-1, 1}, X: []float64{2, 7}},
		{Z: []float64{-3, -2.9, 0, 0.5, 0.5000001, 1e6}, X: []float64{1, 2, 3, 4, 5, 6}},
		{Z: []float64{0, math.Nextafter(0, 1), 1}, X: []float64{1, 2, 3}},
	}
}

// The prepared map gives Marginal's value bit for bit, at knots, between
// them, outside them and for NaN.
func TestMarginalMapMatchesMarginal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for mi, m := range testMarginals() {
		mm := newMarginalMap(&m)
		vs := []float64{math.NaN(), math.Inf(-1), math.Inf(1), 0, -1e300, 1e300}
		for _, z := range m.Z {
			vs = append(vs, z, math.Nextafter(z, math.Inf(1)), math.Nextafter(z, math.Inf(-1)))
		}
		for range 20000 {
			vs = append(vs, 4*r.NormFloat64())
		}
		for _, v := range vs {
			want, got := Marginal(&m, v), mm.at(v)
			if math.Float64bits(want) != math.Float64bits(got) {
				t.Fatalf("map %d at %v: %v, Marginal gives %v", mi, v, got, want)
			}
		}
	}
}

// The prepared map against the binary search, on the map estimate makes:
// the model search maps every value it draws.
// sink keeps the benchmarks' results alive.
var sink float64

func BenchmarkMarginalMap(b *testing.B) {
	m := testMarginals()[0]
	mm := newMarginalMap(&m)
	r := rand.New(rand.NewPCG(1, 2))
	vs := make([]float64, 4096)
	for i := range vs {
		vs[i] = r.NormFloat64()
	}
	b.Run("search", func(b *testing.B) {
		var s float64
		for i := 0; b.Loop(); i++ {
			s += Marginal(&m, vs[i&4095])
		}
		sink = s
	})
	b.Run("table", func(b *testing.B) {
		var s float64
		for i := 0; b.Loop(); i++ {
			s += mm.at(vs[i&4095])
		}
		sink = s
	})
}
