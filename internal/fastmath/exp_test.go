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

func TestExpNeg(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	worst, worstNear := 0.0, 0.0
	for i := 0; i < 2_000_000; i++ {
		x := -r.Float64() * 708
		if i%2 == 0 {
			x = -r.Float64() * 40 // where mixture terms that matter live
		}
		got, want := ExpNeg(x), math.Exp(x)
		e := math.Abs(got-want) / want
		worst = max(worst, e)
		if x >= -40 {
			worstNear = max(worstNear, e)
		}
	}
	if worstNear > 1e-14 || worst > 1e-13 {
		t.Errorf("worst relative error %g on [-40, 0], %g on [-708, 0]; want < 1e-14, 1e-13", worstNear, worst)
	}
	for _, c := range []struct{ x, want float64 }{
		{0, 1}, {-708, math.Exp(-708)}, {-1000, math.Exp(-708)}, {math.Inf(-1), math.Exp(-708)}, {-math.Ln2, 0.5}, {-64 * math.Ln2, 0x1p-64},
	} {
		if got := ExpNeg(c.x); math.Abs(got-c.want) > 1e-13*c.want {
			t.Errorf("ExpNeg(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}

// BenchmarkExpNegLoop sums ExpNeg over independent arguments, as the
// E-step loops do, so throughput rather than one call's latency counts;
// compare with BenchmarkExpLoop in the same run.
func BenchmarkExpNegLoop(b *testing.B) { benchExpLoop(b, ExpNeg) }
func BenchmarkExpLoop(b *testing.B)    { benchExpLoop(b, Exp) }
func BenchmarkMathExpLoop(b *testing.B) {
	benchExpLoop(b, math.Exp)
}

func benchExpLoop(b *testing.B, f func(float64) float64) {
	xs := make([]float64, 1024)
	r := rand.New(rand.NewPCG(5, 6))
	for i := range xs {
		xs[i] = -r.Float64() * 30
	}
	for b.Loop() {
		s := 0.0
		for _, x := range xs {
			s += f(x)
		}
		sink += s
	}
}
