package estimate

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"
)

// FitMixture1D on arbitrary samples must either fail with an error or return
// a valid mixture: weights summing to 1, positive finite standard deviations,
// finite means and likelihood.
func FuzzFitMixture1D(f *testing.F) {
	seed := func(xs ...float64) []byte {
		b := make([]byte, 8*len(xs))
		for i, x := range xs {
			binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
		}
		return b
	}
	f.Add(seed(1, 2, 3, 4, 5, 100, 101, 102), uint8(0))
	f.Add(seed(252, 252, 252, 252), uint8(3))
	f.Add(seed(0, 0, 1e-9, 5e-324), uint8(0))
	f.Add(seed(1e300, -1e300, 0), uint8(2))
	f.Fuzz(func(t *testing.T, b []byte, k uint8) {
		if len(b) > 8*600 {
			b = b[:8*600]
		}
		x := make([]float64, len(b)/8)
		for i := range x {
			x[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		}
		m, err := FitMixture1D(x, GMMOptions{K: int(k % 6), MaxK: 4, Restarts: 2, Seed: 1, Workers: 1})
		if err != nil {
			return
		}
		w := 0.0
		for _, c := range m.Components {
			if !(c.Std > 0) || math.IsInf(c.Std, 0) || math.IsNaN(c.Mean) || math.IsInf(c.Mean, 0) || !(c.Weight >= 0) {
				t.Fatalf("component %+v for %v", c, x)
			}
			w += c.Weight
		}
		if math.Abs(w-1) > 1e-6 || math.IsNaN(m.LogLik) || math.IsInf(m.LogLik, 0) {
			t.Fatalf("weights sum %v, loglik %v for %v", w, m.LogLik, x)
		}
	})
}

// The same for 2-D mixtures: an error, or valid weights, means and
// positive definite covariances that NewDensity accepts.
func FuzzFitMixture2D(f *testing.F) {
	f.Add([]byte("0123456789abcdef0123456789abcdef0123456789abcdef"), uint8(0))
	f.Add(make([]byte, 64), uint8(2))
	f.Fuzz(func(t *testing.T, b []byte, k uint8) {
		if len(b) > 16*300 {
			b = b[:16*300]
		}
		x := make([]float64, len(b)/16*2)
		for i := range x {
			x[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		}
		m, err := FitMixture(x, 2, MixtureOptions{K: int(k % 4), KMax: 3, Restarts: 2, Seed: 1, Workers: 1})
		if err != nil {
			return
		}
		w := 0.0
		for _, c := range m.Components {
			w += c.Weight
			for _, v := range append(slices.Clone(c.Mean), c.Cov[0][0], c.Cov[0][1], c.Cov[1][1]) {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("component %+v for %v", c, x)
				}
			}
		}
		if math.Abs(w-1) > 1e-6 || math.IsNaN(m.LogLik) {
			t.Fatalf("weights sum %v, loglik %v for %v", w, m.LogLik, x)
		}
		if _, err := NewDensity(m); err != nil {
			t.Fatalf("fitted mixture rejected: %v (data %v)", err, x)
		}
	})
}
