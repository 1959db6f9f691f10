package estimate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

// hmmSampleTemporal walks every chain of tm for n steps, draws each chain's
// emission from its current state's mixture, undoes scaling and transforms,
// and redraws (from the same state) until each value lies in its feature's
// [lo, hi] (clamping after 100 tries), as the hmm sampler does. Sizes are
// rounded to whole bytes.
func hmmSampleTemporal(tm *Temporal, n int, seed uint64, lo, hi map[string]float64) map[string][]float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := map[string][]float64{}
	for _, ch := range tm.Chains {
		d := len(ch.Features)
		chol := make([][][]float64, len(ch.States))
		for s, st := range ch.States {
			for _, g := range st.Components {
				l := make([]float64, d*d)
				flat := make([]float64, d*d)
				for a := 0; a < d; a++ {
					copy(flat[a*d:], g.Cov[a])
				}
				hmmCholesky(flat, l, d, 0)
				chol[s] = append(chol[s], l)
			}
		}
		cols := make([][]float64, d)
		s := pickIndex(rng, ch.Start)
		z := make([]float64, d)
		v := make([]float64, d)
		for t := 0; t < n; t++ {
			if t > 0 {
				s = pickIndex(rng, ch.Trans[s])
			}
			st := ch.States[s]
			w := make([]float64, len(st.Components))
			for j, g := range st.Components {
				w[j] = g.Weight
			}
			for try := 0; ; try++ {
				j := pickIndex(rng, w)
				g := st.Components[j]
				for a := 0; a < d; a++ {
					z[a] = rng.NormFloat64()
				}
				ok := true
				for a := 0; a < d; a++ {
					y := g.Mean[a]
					for b := 0; b <= a; b++ {
						y += chol[s][j][a*d+b] * z[b]
					}
					x := y*ch.ScaleStd[a] + ch.ScaleMean[a]
					f := ch.Features[a]
					if ch.Transform[f] == "log" {
						x = math.Exp(x)
					}
					if f == "size" {
						x = math.Round(x)
					}
					if x < lo[f] || x > hi[f] {
						ok = false
						if try >= 100 {
							x = math.Min(math.Max(x, lo[f]), hi[f])
						}
					}
					v[a] = x
				}
				if ok || try >= 100 {
					break
				}
			}
			for a := range v {
				cols[a] = append(cols[a], v[a])
			}
		}
		for a, f := range ch.Features {
			out[f] = cols[a]
		}
	}
	return out
}

func pickIndex(rng *rand.Rand, p []float64) int {
	var tot float64
	for _, v := range p {
		tot += v
	}
	r := rng.Float64() * tot
	for i, v := range p {
		r -= v
		if r < 0 {
			return i
		}
	}
	return len(p) - 1
}

func hmmMinMax(v []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return
}

type hmmFidelity struct {
	ksSize, ksIAT, acfSize, acfIAT float64
}

// hmmJudge samples seeds 1..5 from tm, each as long as the original, and
// returns the median statistics against the original.
func hmmJudge(tm *Temporal, s skypeSeries) hmmFidelity {
	lo, hi := map[string]float64{}, map[string]float64{}
	lo["iat"], hi["iat"] = hmmMinMax(s.IAT)
	lo["size"], hi["size"] = hmmMinMax(s.Size)
	var ks1, ks2, a1, a2 []float64
	for seed := uint64(1); seed <= 5; seed++ {
		g := hmmSampleTemporal(tm, len(s.IAT), seed, lo, hi)
		ks1 = append(ks1, hmmKS(s.Size, g["size"]))
		ks2 = append(ks2, hmmKS(s.IAT, g["iat"]))
		a1 = append(a1, hmmACFErr(s.Size, g["size"]))
		a2 = append(a2, hmmACFErr(s.IAT, g["iat"]))
	}
	return hmmFidelity{hmmMedian(ks1), hmmMedian(ks2), hmmMedian(a1), hmmMedian(a2)}
}

// hmmJudgeIID is the independent-draws baseline: seeds 1..5 of draws with
// replacement from the original values themselves (the best any iid model
// of the marginal can do), judged as hmmJudge does.
func hmmJudgeIID(s skypeSeries) hmmFidelity {
	var ks1, ks2, a1, a2 []float64
	for seed := uint64(1); seed <= 5; seed++ {
		rng := rand.New(rand.NewPCG(seed, 9))
		gi := make([]float64, len(s.IAT))
		gs := make([]float64, len(s.Size))
		for i := range gi {
			gi[i] = s.IAT[rng.IntN(len(s.IAT))]
			gs[i] = s.Size[rng.IntN(len(s.Size))]
		}
		ks1 = append(ks1, hmmKS(s.Size, gs))
		ks2 = append(ks2, hmmKS(s.IAT, gi))
		a1 = append(a1, hmmACFErr(s.Size, gs))
		a2 = append(a2, hmmACFErr(s.IAT, gi))
	}
	return hmmFidelity{hmmMedian(ks1), hmmMedian(ks2), hmmMedian(a1), hmmMedian(a2)}
}

func describeTemporal(tm *Temporal) string {
	s := ""
	for _, c := range tm.Chains {
		m := 0
		for _, st := range c.States {
			m += len(st.Components)
		}
		s += fmt.Sprintf("%v K=%d comps=%d BIC=%.0f; ", c.Features, len(c.States), m, c.BIC)
	}
	return s
}

func TestHMMSkypeFidelity(t *testing.T) {
	from, to := loadSkypeMain(t)
	for _, d := range []struct {
		name string
		s    skypeSeries
	}{{"from", from}, {"to", to}} {
		start := time.Now()
		tm, err := FitTemporal(d.s.IAT, d.s.Size, TemporalOptions{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		el := time.Since(start)
		f := hmmJudge(tm, d.s)
		t.Logf("%s: %s fit %v: ks_size %.3f ks_iat %.3f acf_err_size %.3f acf_err_iat %.3f", d.name, describeTemporal(tm), el, f.ksSize, f.ksIAT, f.acfSize, f.acfIAT)
		b := hmmJudgeIID(d.s)
		t.Logf("%s iid resampling: ks_size %.3f ks_iat %.3f acf_err_size %.3f acf_err_iat %.3f", d.name, b.ksSize, b.ksIAT, b.acfSize, b.acfIAT)
	}
}

// fitOneChain fits a single chain over the named feature with explicit
// settings, for experiments.
func fitOneChain(t testing.TB, v []float64, name string, logT bool, k, m int, init hmmInitSpec, sticky float64, seed uint64) *Temporal {
	f := hmmFeature(name, v, logT)
	rng := rand.New(rand.NewPCG(seed, 0x484d4d))
	iters := 100
	if v := os.Getenv("HMM_ITERS"); v != "" {
		fmt.Sscan(v, &iters)
	}
	cfg := hmmFitConfig{maxIter: iters, tol: 1e-5, sticky: sticky, pseudo: 1e-3, varFloor: hmmVarFloor}

	var raw []float64
	if logT {
		raw = hmmFeature(name, v, false).z
	}
	h, ll, _, err := fitHMM(rng, f.z, raw, 1, k, m, init, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	ch := h.chainFrom()
	ch.LogLik = ll
	ch.BIC = -2*ll + float64(h.params())*math.Log(float64(len(v)))
	ch.Features = []string{name}
	ch.ScaleMean, ch.ScaleStd = []float64{f.mean}, []float64{f.std}
	if logT {
		ch.Transform = map[string]string{name: "log"}
	}
	return &Temporal{Chains: []Chain{ch}}
}

func TestHMMExperiment(t *testing.T) {
	if os.Getenv("HMM_EXPLORE") == "" {
		t.Skip("exploration only")
	}
	from, to := loadSkypeMain(t)
	type cfgT struct {
		k, m   int
		init   hmmInitSpec
		sticky float64
	}
	var cfgs []cfgT
	for _, c := range strings.Split(os.Getenv("HMM_CFGS"), ";") {
		var x cfgT
		var raw int
		fmt.Sscanf(c, "%d,%d,%d,%d,%f,%d,%d", &x.k, &x.m, &x.init.embed, &x.init.smooth, &x.sticky, &raw, &x.init.regimes)
		x.init.raw = raw == 1
		cfgs = append(cfgs, x)
	}
	feat := os.Getenv("HMM_FEAT")
	for _, d := range []struct {
		name string
		s    skypeSeries
	}{{"from", from}, {"to", to}} {
		if dir := os.Getenv("HMM_DIR"); dir != "" && dir != d.name {
			continue
		}
		v := d.s.Size
		if feat == "iat" {
			v = d.s.IAT
		}
		for _, c := range cfgs {
			start := time.Now()
			tm := fitOneChain(t, v, feat, feat == "iat", c.k, c.m, c.init, c.sticky, 1)
			el := time.Since(start)
			lo, hi := hmmMinMax(v)
			var ks, ae []float64
			for seed := uint64(1); seed <= 5; seed++ {
				g := hmmSampleTemporal(tm, len(v), seed, map[string]float64{feat: lo}, map[string]float64{feat: hi})
				ks = append(ks, hmmKS(v, g[feat]))
				ae = append(ae, hmmACFErr(v, g[feat]))
			}
			diag := 0.0
			for i, r := range tm.Chains[0].Trans {
				diag += r[i] / float64(len(r))
			}
			if os.Getenv("HMM_ACF") != "" {
				g := hmmSampleTemporal(tm, 10*len(v), 1, map[string]float64{feat: lo}, map[string]float64{feat: hi})
				a, b := hmmACF(v, 50), hmmACF(g[feat], 50)
				for l := 0; l < 50; l += 10 {
					t.Logf("  lags %d: orig %.2f", l+1, a[l:l+10])
					t.Logf("  lags %d: modl %.2f", l+1, b[l:l+10])
				}
			}
			t.Logf("%s %s %+v: BIC %.0f meanself %.3f ks %.3f acf %.3f (%.3f) %v", d.name, feat, c, tm.Chains[0].BIC, diag, hmmMedian(ks), hmmMedian(ae), ae, el.Round(time.Millisecond))
		}
	}
}
