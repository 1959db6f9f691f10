package estimate

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// draw1D samples n values from a known mixture with a seeded source.
func draw1D(comps []Component1D, n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([]float64, n)
	for i := range x {
		u := rng.Float64()
		c := comps[len(comps)-1]
		for _, ci := range comps {
			if u < ci.Weight {
				c = ci
				break
			}
			u -= ci.Weight
		}
		x[i] = c.Mean + c.Std*rng.NormFloat64()
	}
	return x
}

var known1D = []Component1D{
	{Weight: 0.5, Mean: -5, Std: 1},
	{Weight: 0.3, Mean: 0, Std: 0.5},
	{Weight: 0.2, Mean: 6, Std: 2},
}

// Tolerances for 5,000 samples: the standard error of a weight is about
// √(0.25/5000) ≈ 0.007 and of a mean about σ/√(n·w) ≤ 0.06, so these bounds
// are 4-5 standard errors wide.
func TestFitMixture1DRecovers(t *testing.T) {
	x := draw1D(known1D, 5000, 1)
	for _, tc := range []struct {
		name string
		k    int
	}{{"fixed", 3}, {"auto", 0}} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := FitMixture1D(x, GMMOptions{K: tc.k, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Components) != 3 {
				t.Fatalf("got %d components, want 3 (BIC by k %v)", len(m.Components), m.BICByK)
			}
			for i, c := range m.Components {
				want := known1D[i]
				if math.Abs(c.Weight-want.Weight) > 0.03 || math.Abs(c.Mean-want.Mean) > 0.25 ||
					math.Abs(c.Std-want.Std) > 0.12*want.Std {
					t.Errorf("component %d = %+v, want %+v", i, c, want)
				}
			}
		})
	}
}

func TestFitMixture1DBICPicksK(t *testing.T) {
	for trueK := 1; trueK <= 4; trueK++ {
		comps := make([]Component1D, trueK)
		for i := range comps {
			// Well separated: 10 standard deviations apart.
			comps[i] = Component1D{Weight: 1 / float64(trueK), Mean: float64(10 * i), Std: 1}
		}
		x := draw1D(comps, 2000, uint64(trueK))
		m, err := FitMixture1D(x, GMMOptions{Seed: 1, MaxK: 8})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Components) != trueK {
			t.Errorf("true k %d: BIC chose %d (BIC by k %v)", trueK, len(m.Components), m.BICByK)
		}
		if len(m.BICByK) != 8 {
			t.Errorf("BICByK has %d entries, want 8", len(m.BICByK))
		}
	}
}

func TestFitMixture1DConstant(t *testing.T) {
	x := slices.Repeat([]float64{252}, 500)
	for _, k := range []int{0, 1, 5} {
		m, err := FitMixture1D(x, GMMOptions{K: k})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Components) != 1 {
			t.Fatalf("k=%d: %d components for a constant series", k, len(m.Components))
		}
		c := m.Components[0]
		if c.Mean != 252 || !(c.Std > 0) || c.Std > 1e-2 || c.Weight != 1 || math.IsNaN(m.LogLik) || math.IsNaN(m.BIC) {
			t.Errorf("k=%d: got %+v, loglik %v", k, c, m.LogLik)
		}
	}
}

func TestFitMixture1DFewDistinctLowersK(t *testing.T) {
	x := []float64{1, 1, 2, 2, 2, 2, 1, 2}
	m, err := FitMixture1D(x, GMMOptions{K: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Components) != 2 {
		t.Fatalf("got %d components, want 2", len(m.Components))
	}
	if math.Abs(m.Components[0].Weight-0.375) > 1e-6 || math.Abs(m.Components[0].Mean-1) > 1e-6 {
		t.Errorf("component 0 = %+v, want weight 3/8 at 1", m.Components[0])
	}
}

func TestFitMixture1DBadInput(t *testing.T) {
	if _, err := FitMixture1D(nil, GMMOptions{}); !errors.Is(err, ErrNoData) {
		t.Errorf("empty: err = %v, want ErrNoData", err)
	}
	if _, err := FitMixture1D([]float64{1, math.NaN()}, GMMOptions{}); err == nil {
		t.Error("NaN sample accepted")
	}
	if _, err := FitMixture1D([]float64{1, 2}, GMMOptions{K: -1}); err == nil {
		t.Error("negative k accepted")
	}
}

// The reported log-likelihood must be that of the returned parameters on the
// whole sample, on both paths: distinct values (sizes) and binned search
// (many distinct values).
func TestFitMixture1DLogLikIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	sizes := make([]float64, 3000)
	for i := range sizes {
		sizes[i] = float64([]int{60, 92, 92, 113, 140, 1200}[rng.IntN(6)] + rng.IntN(3))
	}
	for name, x := range map[string][]float64{
		"repeated": sizes,
		"distinct": draw1D(known1D, 4000, 9),
	} {
		m, err := FitMixture1D(x, GMMOptions{Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		want := m.MeanLogLik(x) * float64(len(x))
		if math.Abs(m.LogLik-want) > 1e-6*math.Abs(want)+1e-6 {
			t.Errorf("%s: LogLik %v, recomputed %v", name, m.LogLik, want)
		}
		if b := BIC(want, Params1D(len(m.Components)), len(x)); math.Abs(b-m.BIC) > 1e-5*math.Abs(b) {
			t.Errorf("%s: BIC %v, recomputed %v", name, m.BIC, b)
		}
		w := 0.0
		for _, c := range m.Components {
			w += c.Weight
			if !(c.Std > 0) {
				t.Errorf("%s: std %v", name, c.Std)
			}
		}
		if math.Abs(w-1) > 1e-9 {
			t.Errorf("%s: weights sum to %v", name, w)
		}
	}
}

func TestFitMixture1DDeterministic(t *testing.T) {
	x := draw1D(known1D, 3000, 4)
	a, err := FitMixture1D(x, GMMOptions{Seed: 11, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := FitMixture1D(x, GMMOptions{Seed: 11, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Components, b.Components) || a.LogLik != b.LogLik {
		t.Errorf("same seed, different fits:\n%+v\n%+v", a.Components, b.Components)
	}
}

// Restarts must find the better optimum: with one start k-means++ can put
// two centres in one cluster; with ten the likelihood is never lower.
func TestFitMixture1DRestartsHelp(t *testing.T) {
	comps := []Component1D{{0.3, 0, 0.1}, {0.3, 1, 0.1}, {0.2, 5, 0.3}, {0.1, 9, 1}, {0.1, 15, 0.2}}
	x := draw1D(comps, 3000, 8)
	worse := 0
	for seed := range uint64(10) {
		one, _ := FitMixture1D(x, GMMOptions{K: 5, Restarts: 1, Seed: seed})
		ten, _ := FitMixture1D(x, GMMOptions{K: 5, Restarts: 10, Seed: seed})
		if ten.LogLik < one.LogLik-1e-6*math.Abs(one.LogLik) {
			worse++
		}
	}
	if worse > 1 {
		t.Errorf("ten restarts worse than one for %d of 10 seeds", worse)
	}
}

// benchSkypeLike imitates the Skype log-IAT: a back-to-back cluster and
// several broad modes.
func benchSkypeLike(n int) []float64 {
	comps := []Component1D{
		{0.13, -11.5, 0.15}, {0.2, -6.5, 0.6}, {0.25, -4.6, 0.3}, {0.2, -3.9, 0.2}, {0.12, -3.4, 0.4}, {0.1, -5.5, 1.2},
	}
	return draw1D(comps, n, 42)
}

func BenchmarkFitMixture1DAuto3500(b *testing.B) {
	x := benchSkypeLike(3500)
	b.ResetTimer()
	for b.Loop() {
		if _, err := FitMixture1D(x, GMMOptions{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFitMixture1DAuto1M(b *testing.B) {
	x := benchSkypeLike(1_000_000)
	b.ResetTimer()
	for b.Loop() {
		if _, err := FitMixture1D(x, GMMOptions{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// Values far from every component (densities below 1e-280) go through the
// log-space path; the fit must stay exact there too.
func TestFitMixture1DFarOutliers(t *testing.T) {
	x := draw1D([]Component1D{{Weight: 0.5, Mean: 0, Std: 1e-3}, {Weight: 0.5, Mean: 1, Std: 1e-3}}, 2000, 3)
	x = append(x, 1e3, -1e3)
	m, err := FitMixture1D(x, GMMOptions{K: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := m.MeanLogLik(x) * float64(len(x))
	if math.IsNaN(m.LogLik) || math.Abs(m.LogLik-want) > 1e-6*math.Abs(want) {
		t.Errorf("LogLik %v, recomputed %v", m.LogLik, want)
	}
	w := 0.0
	for _, c := range m.Components {
		w += c.Weight
	}
	if math.Abs(w-1) > 1e-9 {
		t.Errorf("weights sum to %v", w)
	}
}

// Beyond 16,384 distinct values candidates are ranked on a finer summary;
// the choice and the final likelihood must still be right.
func TestFitMixture1DLarge(t *testing.T) {
	x := draw1D(known1D, 40000, 12)
	m, err := FitMixture1D(x, GMMOptions{Seed: 1, MaxK: 6})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Components) != 3 {
		t.Fatalf("k = %d, want 3 (BIC by k %v)", len(m.Components), m.BICByK)
	}
	want := m.MeanLogLik(x) * float64(len(x))
	if math.Abs(m.LogLik-want) > 1e-6*math.Abs(want) {
		t.Errorf("LogLik %v, recomputed %v", m.LogLik, want)
	}
}

// A value repeated twice or more may get a component as narrow as
// relFloor; one seen once only down to relFloorSingle, so BIC does not buy
// a component for every outlier. The rule must not depend on rounding: a
// value seen twice gives its component a responsibility of 2 give or take
// the last bits.
func TestFitMixture1DSpikeFloor(t *testing.T) {
	// At 12.5 the broad component's tail is far below the spike's and
	// adds exactly nothing; at 6 it takes a few parts in 1e12.
	for _, at := range []float64{12.5, 6} {
		for _, c := range []int{1, 2, 3, 6} {
			spikeFloorCase(t, at, c)
		}
	}
}

func spikeFloorCase(t *testing.T, at float64, c int) {
	t.Helper()
	x := draw1D([]Component1D{{1, 0, 1}}, 300, 5)
	for range c {
		x = append(x, at)
	}
	m, err := FitMixture1D(x, GMMOptions{K: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	spike := m.Components[1]
	if math.Abs(spike.Mean-at) > 1e-6 {
		if c == 1 {
			return // a lone value not worth a component: the point of the floor
		}
		t.Fatalf("%d copies at %v: second component %+v is not on the spike", c, at, spike)
	}
	scale := stdOf(x)
	narrow := spike.Std < 1e-5*scale
	if narrow != (c >= 2) {
		t.Errorf("%d copies at %v: spike std %g (data's %g): narrow %v, want %v", c, at, spike.Std, scale, narrow, c >= 2)
	}
}

func stdOf(x []float64) float64 {
	var s, ss float64
	for _, v := range x {
		s += v
	}
	mean := s / float64(len(x))
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return math.Sqrt(ss / float64(len(x)))
}
