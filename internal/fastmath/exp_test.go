package fastmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestExp(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	worst := 0.0
	for i := 0; i < 1_000_000; i++ {
		x := (r.Float64()*2 - 1) * 708
		if i%2 == 0 {
			x = (r.Float64()*2 - 1) * 20 // the range sampled log-gaps live in
		}
		got, want := Exp(x), math.Exp(x)
		if e := math.Abs(got-want) / want; e > worst {
			worst = e
		}
	}
	if worst > 1e-13 {
		t.Errorf("worst relative error %g, want < 1e-13", worst)
	}
	for _, c := range []struct{ x, want float64 }{
		{0, 1}, {-1000, 0}, {1000, math.Inf(1)}, {math.Inf(-1), 0}, {math.Inf(1), math.Inf(1)},
	} {
		if got := Exp(c.x); got != c.want {
			t.Errorf("Exp(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if !math.IsNaN(Exp(math.NaN())) {
		t.Error("Exp(NaN) is not NaN")
	}
}

var sink float64

func BenchmarkExp(b *testing.B) {
	x := -3.7
	for b.Loop() {
		sink += Exp(x)
		x += 1e-9
	}
}

func BenchmarkMathExp(b *testing.B) {
	x := -3.7
	for b.Loop() {
		sink += math.Exp(x)
		x += 1e-9
	}
}
