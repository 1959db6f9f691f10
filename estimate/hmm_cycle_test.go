package estimate

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gmm2trex/gmm2trex/sampler"
)

// A series with period 12 (eleven full segments and a short one, the long
// gap after it, as a bulk sender's writes) has period 12; a slowly
// decaying autocorrelation (an AR(1) regime) and white noise have none.
func TestACFPeriod(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 3000
	per, ar, white := make([]float64, n), make([]float64, n), make([]float64, n)
	var a float64
	for i := range n {
		per[i] = 1448 + rng.NormFloat64()
		if i%12 == 11 {
			per[i] = 456
		}
		a = 0.97*a + rng.NormFloat64()
		ar[i] = a
		white[i] = rng.NormFloat64()
	}
	for _, c := range []struct {
		name string
		x    []float64
		want int
	}{{"period 12", per, 12}, {"AR(1)", ar, 0}, {"white", white, 0}} {
		acf := make([]float64, cycleMaxLag)
		hmmACFInto(c.x, acf)
		if got := acfPeriod(acf); got != c.want {
			t.Errorf("%s: period %d, want %d", c.name, got, c.want)
		}
	}
	// Two features: each period once.
	z := make([]float64, 2*n)
	for i := range n {
		z[2*i], z[2*i+1] = per[i], white[i]
	}
	if got := hmmPeriods(z, 2, n); len(got) != 1 || got[0] != 12 {
		t.Errorf("hmmPeriods = %v, want [12]", got)
	}
}

// The search finds the cycle of a periodic series and the chain keeps it:
// on a sender of 16 KiB writes (11 × 1448 + 456 bytes, a long pacing gap
// after each write), the fitted chain reproduces the autocorrelation that
// clustering starts lose (the lag-12 peak, the −0.09 between), and its
// sizes are the two the data has.
func TestFitTemporalCycle(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 2400
	iat, size := make([]float64, n), make([]float64, n)
	for i := range n {
		size[i], iat[i] = 1448, 1e-6*(1+float64(rng.IntN(3)))
		if i%12 == 11 {
			size[i] = 456
		}
		if i%12 == 0 {
			iat[i] = 0.044 + 1e-5*rng.NormFloat64()
		}
	}
	d, err := FitDirection(iat, size, DirectionOptions{
		GMM:      GMMOptions{Seed: 1},
		Temporal: &TemporalOptions{Seed: 1, Structure: "joint"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if k := len(d.HMM.Chains[0].States); k != 12 {
		t.Fatalf("joint chain has %d states, want the cycle's 12", k)
	}
	src, err := sampler.NewSource(d, sampler.HMM, 7, 0)
	if err != nil {
		t.Fatal(err)
	}
	gi, gs := make([]float64, n), make([]float64, n)
	for i := range n {
		g, s := src.Next()
		gi[i], gs[i] = g, float64(s)
	}
	ref := newChooseRef(iat, size, 0)
	for _, f := range []struct {
		name     string
		gen, ref []float64
	}{{"size", gs, ref.acfSize}, {"iat", gi, ref.acfIAT}} {
		acf := make([]float64, len(f.ref))
		hmmACFInto(f.gen, acf)
		var e float64
		for k := range acf {
			e += math.Abs(acf[k] - f.ref[k])
		}
		if e /= float64(len(acf)); e > 0.05 {
			t.Errorf("%s: acf_err %.3f, want <= 0.05 (lag 12: %.2f, data %.2f)", f.name, e, acf[11], f.ref[11])
		}
	}
	for _, s := range gs {
		if s != 1448 && s != 456 {
			t.Fatalf("generated size %v: the data has only 1448 and 456", s)
		}
	}
}

// A rigid cycle chain keeps the transitions it starts with (rigidSlip)
// through Baum-Welch; walked, its autocorrelation peak at lag 48 keeps
// most of its lag-8 height, as a strictly periodic sender's does. (On
// this clean series the re-estimated chain keeps its phase too; on Opus
// `to` it learned a slip in five cycles, see rigidSlip.)
func TestRigidCycle(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n, p = 2000, 8
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
		if i%p == 0 {
			x[i] += 2.5
		}
	}
	peaks := func(rigid bool) (h *hmmModel, r8, r48 float64) {
		cfg := hmmFitConfig{maxIter: 50, tol: 1e-4, pseudo: 1e-3, varFloor: hmmVarFloor}
		h, _, _, err := fitHMM(rand.New(rand.NewPCG(7, 8)), x, nil, 1, p, 1, hmmInitSpec{cycle: p, rigid: rigid}, &cfg)
		if err != nil {
			t.Fatal(err)
		}
		// Walk the chain's phases (the emissions' order is what the
		// peaks measure) and take the autocorrelation of the phase's mean.
		walk := make([]float64, 20000)
		s := 0
		for i := range walk {
			u := rng.Float64()
			row := h.trans[s*p : (s+1)*p]
			for j, q := range row {
				if u -= q; u < 0 || j == p-1 {
					s = j
					break
				}
			}
			walk[i] = h.g[s].mean[0]
		}
		acf := make([]float64, 48)
		hmmACFInto(walk, acf)
		return h, acf[7], acf[47]
	}
	h, r8, r48 := peaks(true)
	for i := 0; i < p; i++ {
		if st, sk := h.trans[i*p+i], h.trans[i*p+(i+2)%p]; st != rigidSlip || sk != rigidSlip {
			t.Fatalf("rigid chain, phase %d: stay %g, skip %g after Baum-Welch, want %g", i, st, sk, rigidSlip)
		}
	}
	_, f8, f48 := peaks(false)
	t.Logf("walked autocorrelation at lags 8 and 48: rigid %.3f, %.3f; re-estimated %.3f, %.3f", r8, r48, f8, f48)
	if !(r48 > 0.8*r8) {
		t.Errorf("rigid chain: lag-48 peak %.3f against %.3f at lag 8, want at least 80 %%", r48, r8)
	}
}
