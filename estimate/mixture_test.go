package estimate

import (
	"math"
	"math/rand/v2"
	"testing"
)

type known2D struct {
	w    float64
	mean [2]float64
	cov  [2][2]float64
}

var truth2D = []known2D{
	{0.5, [2]float64{0, 0}, [2][2]float64{{1, 0.6}, {0.6, 1}}},
	{0.3, [2]float64{6, 1}, [2][2]float64{{0.5, -0.2}, {-0.2, 0.4}}},
	{0.2, [2]float64{2, 7}, [2][2]float64{{2, 0}, {0, 0.3}}},
}

func draw2D(comps []known2D, n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 3))
	x := make([]float64, 0, 2*n)
	for range n {
		u := rng.Float64()
		c := comps[len(comps)-1]
		for _, ci := range comps {
			if u < ci.w {
				c = ci
				break
			}
			u -= ci.w
		}
		// Cholesky of the 2×2 covariance.
		l00 := math.Sqrt(c.cov[0][0])
		l10 := c.cov[1][0] / l00
		l11 := math.Sqrt(c.cov[1][1] - l10*l10)
		z0, z1 := rng.NormFloat64(), rng.NormFloat64()
		x = append(x, c.mean[0]+l00*z0, c.mean[1]+l10*z0+l11*z1)
	}
	return x
}

// matchComponents pairs each true component with the fitted one of nearest
// mean.
func matchComponents(t *testing.T, m *Mixture, truth []known2D) {
	t.Helper()
	if len(m.Components) != len(truth) {
		t.Fatalf("got %d components, want %d (BIC by k %v)", len(m.Components), len(truth), m.BICByK)
	}
	for _, tc := range truth {
		best, bd := -1, math.Inf(1)
		for i, c := range m.Components {
			if d := math.Hypot(c.Mean[0]-tc.mean[0], c.Mean[1]-tc.mean[1]); d < bd {
				best, bd = i, d
			}
		}
		c := m.Components[best]
		// 3,000 samples: mean errors ~ σ/√(n·w) ≤ 0.06, covariance entries
		// ~ σ²·√(2/(n·w)) ≤ 0.1; the bounds are 3-4 standard errors.
		if bd > 0.2 || math.Abs(c.Weight-tc.w) > 0.03 {
			t.Errorf("true %+v: nearest fitted mean %v weight %.3f", tc, c.Mean, c.Weight)
		}
		for i := range 2 {
			for j := range 2 {
				if math.Abs(c.Cov[i][j]-tc.cov[i][j]) > 0.15*math.Max(tc.cov[i][i], tc.cov[j][j]) {
					t.Errorf("true %+v: cov[%d][%d] = %.3f", tc, i, j, c.Cov[i][j])
				}
			}
		}
	}
}

func TestFitMixture2DRecovers(t *testing.T) {
	x := draw2D(truth2D, 3000, 1)
	m, err := FitMixture(x, 2, MixtureOptions{K: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	matchComponents(t, m, truth2D)
	auto, err := FitMixture(x, 2, MixtureOptions{KMin: 1, KMax: 7, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	matchComponents(t, auto, truth2D)
	if len(auto.BICByK) != 7 {
		t.Errorf("BICByK has %d entries, want 7", len(auto.BICByK))
	}
}

// Weight 2 on a row must equal the row twice.
func TestFitMixtureWeights(t *testing.T) {
	x := draw2D(truth2D, 400, 2)
	w := make([]float64, 400)
	var dup []float64
	for i := range w {
		w[i] = float64(1 + i%2)
		for range int(w[i]) {
			dup = append(dup, x[2*i], x[2*i+1])
		}
	}
	a, err := FitMixture(x, 2, MixtureOptions{K: 1, Weights: w})
	if err != nil {
		t.Fatal(err)
	}
	b, err := FitMixture(dup, 2, MixtureOptions{K: 1})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(a.LogLik-b.LogLik) > 1e-6*math.Abs(b.LogLik) {
		t.Errorf("weighted loglik %v, duplicated %v", a.LogLik, b.LogLik)
	}
	for i := range 2 {
		if math.Abs(a.Components[0].Mean[i]-b.Components[0].Mean[i]) > 1e-9 {
			t.Errorf("mean %d: %v vs %v", i, a.Components[0].Mean, b.Components[0].Mean)
		}
	}
}

func TestDensityMatchesLogLik(t *testing.T) {
	for _, d := range []int{1, 2, 3} {
		rng := rand.New(rand.NewPCG(uint64(d), 1))
		x := make([]float64, 600*d)
		for i := range x {
			x[i] = rng.NormFloat64() + float64(i%d)*float64((i/d)%3)
		}
		m, err := FitMixture(x, d, MixtureOptions{K: 3, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		den, err := NewDensity(m)
		if err != nil {
			t.Fatal(err)
		}
		ll := 0.0
		for i := range 600 {
			ll += den.LogPDF(x[i*d : (i+1)*d])
		}
		if math.Abs(ll-m.LogLik) > 1e-6*math.Abs(ll) {
			t.Errorf("d=%d: LogLik %v, sum of LogPDF %v", d, m.LogLik, ll)
		}
	}
}

func TestFitMixtureBadInput(t *testing.T) {
	if _, err := FitMixture([]float64{1, 2, 3}, 2, MixtureOptions{}); err == nil {
		t.Error("ragged rows accepted")
	}
	if _, err := FitMixture([]float64{1, math.Inf(1)}, 2, MixtureOptions{}); err == nil {
		t.Error("Inf accepted")
	}
	if _, err := FitMixture([]float64{1, 2}, 2, MixtureOptions{Weights: []float64{-1}}); err == nil {
		t.Error("negative weight accepted")
	}
	// Coincident rows: one component, positive definite thanks to the ridge.
	m, err := FitMixture([]float64{1, 2, 1, 2, 1, 2}, 2, MixtureOptions{K: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Components) != 1 {
		t.Errorf("coincident rows: %d components", len(m.Components))
	}
}

func BenchmarkFitMixture2DBIC5to19(b *testing.B) {
	x := draw2D(truth2D, 3500, 5)
	b.ResetTimer()
	for b.Loop() {
		if _, err := FitMixture(x, 2, MixtureOptions{KMin: 5, KMax: 19, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// Large weighted samples take the grid-summary path (restarts on cells,
// refinement on the rows); the fit must be that of the rows.
func TestFitMixtureWeightedLarge(t *testing.T) {
	x := draw2D(truth2D, 6000, 9)
	w := make([]float64, 6000)
	for i := range w {
		w[i] = float64(i % 3) // a third of the rows weigh nothing
	}
	m, err := FitMixture(x, 2, MixtureOptions{K: 3, Weights: w, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	matchComponents(t, m, truth2D)
	den, err := NewDensity(m)
	if err != nil {
		t.Fatal(err)
	}
	ll := 0.0
	for i := range w {
		ll += w[i] * den.LogPDF(x[2*i:2*i+2])
	}
	if math.Abs(ll-m.LogLik) > 1e-6*math.Abs(ll) {
		t.Errorf("LogLik %v, weighted sum of LogPDF %v", m.LogLik, ll)
	}
	if m.N != 6000 {
		t.Errorf("N = %d, want the weight total 6000", m.N)
	}
}
