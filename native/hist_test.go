package native

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestHistBuckets(t *testing.T) {
	prev := -1
	for _, v := range []int64{0, 1, 127, 128, 129, 255, 256, 1000, 1 << 20, 1<<40 + 12345, math.MaxInt64} {
		b := bucketOf(v)
		if b < prev {
			t.Fatalf("bucket of %d is %d, below the previous %d", v, b, prev)
		}
		prev = b
		if lo, hi := lowerOf(b), lowerOf(b+1); v < lo || (hi > lo && v >= hi) {
			t.Fatalf("value %d in bucket %d = [%d, %d)", v, b, lo, hi)
		}
	}
}

func TestHistQuantiles(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h hist
	xs := make([]float64, 100000)
	for i := range xs {
		v := int64(r.ExpFloat64() * 5000)
		xs[i] = float64(v)
		h.add(v)
	}
	slices.Sort(xs)
	for _, q := range []float64{0.5, 0.9, 0.99} {
		want := xs[int(math.Ceil(q*float64(len(xs))))-1]
		got := h.quantile(q)
		if math.Abs(got-want) > 0.02*want+1 {
			t.Errorf("quantile %.2f = %.0f, exact %.0f (tolerance 2%%)", q, got, want)
		}
	}
	if h.max != int64(xs[len(xs)-1]) {
		t.Errorf("max = %d, want %.0f", h.max, xs[len(xs)-1])
	}
	var empty hist
	if !math.IsNaN(empty.quantile(0.5)) {
		t.Error("empty histogram quantile is not NaN")
	}
}
