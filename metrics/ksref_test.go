package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// ksRefDraws are the kinds of values the property test draws samples
// from: the project's own (clock-rounded gaps, whole-byte sizes, heavy
// ties, zeros) and the awkward ones (signed zeros, infinities, negatives,
// denormals, values a bit apart).
var ksRefDraws = []struct {
	name string
	draw func(rng *rand.Rand, shift float64) float64
}{
	{"gaps on the clock", func(rng *rand.Rand, s float64) float64 {
		return math.Round(math.Exp(-7+s+2.5*rng.NormFloat64())/1e-6) * 1e-6
	}},
	{"raw gaps", func(rng *rand.Rand, s float64) float64 { return math.Exp(-7 + s + 2.5*rng.NormFloat64()) }},
	{"sizes", func(rng *rand.Rand, s float64) float64 { return float64(40 + int(s*100) + rng.IntN(1400)) }},
	{"few sizes", func(rng *rand.Rand, s float64) float64 {
		return []float64{60, 60, 60, 1442, 1442, 252, 120 + math.Round(s)}[rng.IntN(7)]
	}},
	{"zeros and ties", func(rng *rand.Rand, s float64) float64 {
		if rng.IntN(3) == 0 {
			return 0
		}
		return float64(rng.IntN(4)) * 1e-3 * (1 + s)
	}},
	{"signed", func(rng *rand.Rand, s float64) float64 { return math.Round((rng.NormFloat64()+s)*4) / 4 }},
	{"awkward", func(rng *rand.Rand, s float64) float64 {
		return []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), 1, -1, 5e-324, -5e-324,
			math.MaxFloat64, -math.MaxFloat64, 1 + s, math.Nextafter(1, 2), math.Nextafter(1, 0)}[rng.IntN(13)]
	}},
	{"one value", func(*rand.Rand, float64) float64 { return 42 }},
	{"wide", func(rng *rand.Rand, s float64) float64 {
		return math.Ldexp(rng.Float64(), rng.IntN(2000)-1000) * (s + 1)
	}},
}

// TestKSRefMatchesKS: Distance equals KS of the sorted sample, bit for
// bit (==, which a difference in the last bit fails), over many random
// references and samples: every kind of draw, lengths from 1 to 3,000 with
// n ≠ m, the sample drawn from the reference's distribution, shifted
// (values below and above the reference's range), or from another kind.
// One KSRef serves all of a reference's samples, so stale scratch would
// show too.
func TestKSRefMatchesKS(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 1))
	lens := []int{1, 2, 3, 7, 64, 65, 100, 500, 3000}
	cases := 0
	for trial := range 600 {
		rk := ksRefDraws[trial%len(ksRefDraws)]
		m := lens[rng.IntN(len(lens))]
		ref := make([]float64, m)
		for i := range ref {
			ref[i] = rk.draw(rng, 0)
		}
		slices.Sort(ref)
		kr := NewKSRef(ref)
		if kr.Len() != m {
			t.Fatalf("Len %d, want %d", kr.Len(), m)
		}
		for range 8 {
			gk := rk
			if rng.IntN(4) == 0 {
				gk = ksRefDraws[rng.IntN(len(ksRefDraws))]
			}
			shift := []float64{0, 0, 0.5, -3, 3}[rng.IntN(5)]
			n := lens[rng.IntN(len(lens))]
			x := make([]float64, n)
			for i := range x {
				x[i] = gk.draw(rng, shift)
			}
			if rng.IntN(5) == 0 {
				// Some of the reference's own values: exact ties.
				for i := range x {
					if rng.IntN(2) == 0 {
						x[i] = ref[rng.IntN(m)]
					}
				}
			}
			orig := slices.Clone(x)
			got := kr.Distance(x)
			if !slices.Equal(x, orig) {
				t.Fatalf("Distance changed its input")
			}
			s := slices.Clone(x)
			slices.Sort(s)
			want := KS(s, ref)
			if got != want {
				t.Fatalf("ref %s (m=%d), sample %s shifted %v (n=%d): Distance %v (%x), KS %v (%x)",
					rk.name, m, gk.name, shift, n, got, math.Float64bits(got), want, math.Float64bits(want))
			}
			cases++
		}
	}
	t.Logf("%d samples, all bit-identical", cases)
}

// TestKSRefCases are hand-made cases with their KS worked out.
func TestKSRefCases(t *testing.T) {
	negZero := math.Copysign(0, -1)
	nan := math.NaN()
	for _, tc := range []struct {
		name   string
		ref, x []float64
		want   float64
	}{
		{"identical", []float64{1, 2, 3}, []float64{3, 1, 2}, 0},
		{"disjoint below", []float64{5, 6}, []float64{1, 2, 3}, 1},
		{"disjoint above", []float64{5, 6}, []float64{9, 7}, 1},
		{"one value, equal", []float64{4, 4, 4}, []float64{4}, 0},
		{"one value, half", []float64{4}, []float64{4, 5}, 0.5},
		{"one value, quarter below", []float64{4}, []float64{3, 4, 4, 4}, 0.25},
		{"signed zeros are one value", []float64{negZero, 0}, []float64{0, negZero, 0}, 0},
		{"zeros among gaps", []float64{0, 0, 1e-6, 2e-6}, []float64{0, 1e-6, 1e-6, 2e-6}, 0.25},
		{"infinities", []float64{math.Inf(-1), 0, math.Inf(1)}, []float64{math.Inf(1), math.Inf(1), 0}, 1.0 / 3},
		{"between reference values", []float64{1, 3}, []float64{2, 2}, 0.5},
		{"empty sample", []float64{1}, nil, nan},
		{"empty reference", nil, []float64{1}, nan},
		{"NaN in sample", []float64{1, 2}, []float64{1, nan}, nan},
		{"negative NaN in sample", []float64{1, 2}, []float64{math.Copysign(nan, -1), 2}, nan},
	} {
		kr := NewKSRef(tc.ref)
		got := kr.Distance(tc.x)
		if math.IsNaN(tc.want) {
			if !math.IsNaN(got) {
				t.Errorf("%s: %v, want NaN", tc.name, got)
			}
		} else if got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		if !math.IsNaN(tc.want) {
			s := slices.Clone(tc.x)
			slices.Sort(s)
			if k := KS(s, tc.ref); k != got {
				t.Errorf("%s: Distance %v, KS %v", tc.name, got, k)
			}
		}
		// The scratch is clean after every call, NaN ones included.
		if len(tc.ref) > 0 {
			if got := kr.Distance(tc.ref); got != 0 {
				t.Errorf("%s: the reference against itself after: %v, want 0", tc.name, got)
			}
		}
	}
}

func TestNewKSRefPanics(t *testing.T) {
	for _, ref := range [][]float64{{2, 1}, {1, math.NaN()}, {math.NaN()}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewKSRef(%v) did not panic", ref)
				}
			}()
			NewKSRef(ref)
		}()
	}
}

// TestKSRefClone: clones share the reference and not the scratch, used
// side by side (go test -race checks that they write nothing shared).
func TestKSRefClone(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 2))
	ref := make([]float64, 1000)
	for i := range ref {
		ref[i] = math.Round(rng.ExpFloat64() * 100)
	}
	slices.Sort(ref)
	kr := NewKSRef(ref)
	xs := make([][]float64, 4)
	want := make([]float64, len(xs))
	for g := range xs {
		xs[g] = make([]float64, 300+g)
		for i := range xs[g] {
			xs[g][i] = math.Round(rng.ExpFloat64() * 110)
		}
		want[g] = KS(slices.Sorted(slices.Values(xs[g])), ref)
	}
	done := make(chan error)
	for g := range xs {
		c := kr.Clone()
		go func() {
			for range 200 {
				if got := c.Distance(xs[g]); got != want[g] {
					done <- fmt.Errorf("clone %d: %v, want %v", g, got, want[g])
					return
				}
			}
			done <- nil
		}()
	}
	for range xs {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestKSRefNoAllocs(t *testing.T) {
	ref, x := ksBenchData(500)
	kr := NewKSRef(ref)
	kr.Distance(x) // the scratch is made on the first call
	if a := testing.AllocsPerRun(100, func() { kr.Distance(x) }); a != 0 {
		t.Errorf("Distance allocates %v times a call", a)
	}
}

// ksBenchData is a sorted reference and an unsorted sample of n gaps on a
// microsecond clock, log-normal as a capture's are (ties included).
func ksBenchData(n int) (ref, x []float64) {
	rng := rand.New(rand.NewPCG(18, uint64(n)))
	gap := func() float64 { return math.Round(math.Exp(-7+2.5*rng.NormFloat64())/1e-6) * 1e-6 }
	ref, x = make([]float64, n), make([]float64, n)
	for i := range ref {
		ref[i], x[i] = gap(), gap()
	}
	slices.Sort(ref)
	return ref, x
}

// BenchmarkKSRef compares what the model search did for each simulated
// run — sort it (SortFloats), then KS against the sorted data — with
// Distance on the unsorted run. Both copy the run first (the sort needs
// unsorted input each time; Distance does not, the copy is the same in
// both).
func BenchmarkKSRef(b *testing.B) {
	for _, n := range []int{100, 500, 4000} {
		ref, x := ksBenchData(n)
		buf, sortBuf := make([]float64, n), make([]float64, n)
		b.Run(fmt.Sprintf("n=%d/sort+KS", n), func(b *testing.B) {
			for b.Loop() {
				copy(buf, x)
				SortFloats(buf, sortBuf)
				KS(buf, ref)
			}
		})
		kr := NewKSRef(ref)
		b.Run(fmt.Sprintf("n=%d/KSRef", n), func(b *testing.B) {
			for b.Loop() {
				copy(buf, x)
				kr.Distance(buf)
			}
		})
	}
}

// BenchmarkNewKSRef is the preparation, paid once per reference.
func BenchmarkNewKSRef(b *testing.B) {
	ref, _ := ksBenchData(10000)
	for b.Loop() {
		NewKSRef(ref)
	}
}
