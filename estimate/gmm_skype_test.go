package estimate

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gmm2trex/gmm2trex/internal/sharedtest"
	"github.com/gmm2trex/gmm2trex/trace"
)

// skypeLogIAT returns the trimmed log-IATs of the main Skype flow's
// directions, as estimate fits them.
func skypeLogIAT(t testing.TB) (from, to []float64) {
	t.Helper()
	path := sharedtest.Path(t, "pcaps", "skypeLANhome.pcap")
	c, err := trace.ReadFile(path, trace.Options{SkipHash: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range c.Objects {
		if o.ID == "UDP 192.168.0.102:18826 192.168.0.105:26454" {
			return LogIAT(trace.Trim(o.From, 3, 97).IAT), LogIAT(trace.Trim(o.To, 3, 97).IAT)
		}
	}
	t.Fatal("no main Skype flow")
	return nil, nil
}

// ksToMixture draws 20,000 values from m and returns their KS distance to x.
func ksToMixture(m *Mixture1D, x []float64) float64 {
	rng := rand.New(rand.NewPCG(1, 1))
	gen := make([]float64, 20000)
	for i := range gen {
		u := rng.Float64()
		c := m.Components[len(m.Components)-1]
		for _, ci := range m.Components {
			if u < ci.Weight {
				c = ci
				break
			}
			u -= ci.Weight
		}
		gen[i] = c.Mean + c.Std*rng.NormFloat64()
	}
	a, b := slices.Sorted(slices.Values(x)), gen
	slices.Sort(b)
	d, i, j := 0.0, 0, 0
	for i < len(a) && j < len(b) {
		v := min(a[i], b[j])
		for i < len(a) && a[i] <= v {
			i++
		}
		for j < len(b) && b[j] <= v {
			j++
		}
		d = max(d, math.Abs(float64(i)/float64(len(a))-float64(j)/float64(len(b))))
	}
	return d
}

// The evidence behind DefaultMaxK (issue: KS 0.125 at k ≤ 5, ~0.02 at
// k ≤ 12 on the from log-IAT) and behind restarts (one start: KS 0.147 on
// the to log-IAT). Bounds leave room for sampling noise (≈ 0.01).
func TestSkypeLogIATFits(t *testing.T) {
	from, to := skypeLogIAT(t)
	capped, err := FitMixture1D(from, GMMOptions{Seed: 1, MaxK: 5})
	if err != nil {
		t.Fatal(err)
	}
	def, err := FitMixture1D(from, GMMOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ksCapped, ksDef := ksToMixture(capped, from), ksToMixture(def, from)
	t.Logf("from: k ≤ 5: k=%d KS %.4f; default: k=%d KS %.4f", len(capped.Components), ksCapped, len(def.Components), ksDef)
	if len(def.Components) < 10 || ksDef > 0.025 || ksCapped < ksDef+0.015 {
		t.Errorf("from log-IAT: k ≤ 5 KS %.4f, default k=%d KS %.4f; want the default ≥ 10 components, KS ≤ 0.025 and clearly below the capped fit's", ksCapped, len(def.Components), ksDef)
	}
	m, err := FitMixture1D(to, GMMOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if ks := ksToMixture(m, to); ks > 0.03 {
		t.Errorf("to log-IAT: k=%d KS %.4f, want ≤ 0.03", len(m.Components), ks)
	}
}

func BenchmarkFitMixture1DSkypeLogIAT(b *testing.B) {
	_, to := skypeLogIAT(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := FitMixture1D(to, GMMOptions{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
