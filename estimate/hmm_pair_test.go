package estimate

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gmm2trex/gmm2trex/metrics"
)

// jitteredClock draws n gaps of a 20 ms clock whose ticks are each delayed
// by an independent uniform 0..span: gap_t = 0.02 + e_t − e_{t−1}, whose
// autocorrelation is −0.5 at lag 1 and 0 beyond (MA(1)).
func jitteredClock(n int, span float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 3))
	x := make([]float64, n)
	prev := rng.Float64() * span
	for i := range x {
		e := rng.Float64() * span
		x[i] = 0.02 + e - prev
		prev = e
	}
	return x
}

// meanSimACF simulates h runs times as long as the target and returns the
// mean sample ACF at lags 1..3 and the mean KS.
func meanSimACF(h *hmmModel, f hmmFeat, tg *hmmTarget, runs int, seed uint64) (acf [3]float64, ks float64) {
	w, err := hmmWalker(seed, h, []hmmFeat{f}, []*hmmTarget{tg})
	if err != nil {
		return [3]float64{math.NaN(), math.NaN(), math.NaN()}, math.NaN()
	}
	n := len(tg.v)
	seg := [][]float64{make([]float64, n)}
	a := make([]float64, 3)
	for r := 0; r < runs; r++ {
		hmmSimulate(w, seg)
		hmmACFInto(seg[0], a)
		for i := range acf {
			acf[i] += a[i] / float64(runs)
		}
		slices.Sort(seg[0])
		ks += metrics.KS(seg[0], tg.sorted) / float64(runs)
	}
	return acf, ks
}

// checkPairStructure checks that only (a, b) → (b, c) transitions exist
// and that rows are distributions.
func checkPairStructure(t *testing.T, h *hmmModel, L int) {
	t.Helper()
	for s := 0; s < h.k; s++ {
		var sum float64
		for j := 0; j < h.k; j++ {
			p := h.trans[s*h.k+j]
			if j/L != s%L && p != 0 {
				t.Fatalf("transition %d → %d = %v, want 0", s, j, p)
			}
			sum += p
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Fatalf("row %d sums to %v", s, sum)
		}
	}
}

// On a jittered clock (lag-1 autocorrelation −0.5, none beyond) the tied
// pair chain, fitted with the tie, is an MA(1) process: it reproduces lag 1
// and has none at lags 2 and 3. The counted pair chain gets lag 1 and 2 but
// spills into lag 3 (a second-order chain over groups cannot be MA(1)).
func TestHMMPairJitteredClock(t *testing.T) {
	x := jitteredClock(3000, 0.004, 1)
	f := hmmFeature("iat", x, true)
	raw := hmmFeature("iat", x, false)
	tg := newHMMTarget(x, false)
	t.Logf("data ACF lags 1..3: %.3f", tg.acf[:3])
	if tg.acf[0] > -0.4 || math.Abs(tg.acf[1]) > 0.05 {
		t.Fatalf("generator: ACF %.3f, want about -0.5, 0", tg.acf[:3])
	}

	rng := rand.New(rand.NewPCG(1, 1))
	h := hmmJitterModel(rng, f.z, raw.z, 3, 2, 50, hmmVarFloor)
	if h == nil || h.k != 9 {
		t.Fatalf("jitter model: %v", h)
	}
	cfg := hmmFitConfig{maxIter: 10, tol: 1e-6, pseudo: 1e-3, varFloor: hmmVarFloor, pairTie: 3}
	w := newHMMWork(len(f.z), 1, h.k, h.m)
	w.dedupe(f.z)
	if _, _, err := w.baumWelch(h, f.z, &cfg); err != nil {
		t.Fatal(err)
	}
	checkPairStructure(t, h, 3)
	// Tied rows: every state's successors have the same probabilities.
	for s := 1; s < h.k; s++ {
		for c := 0; c < 3; c++ {
			if a, b := h.trans[s*h.k+(s%3)*3+c], h.trans[c]; math.Abs(a-b) > 1e-12 {
				t.Fatalf("row %d, level %d: %v, row 0 has %v", s, c, a, b)
			}
		}
	}
	acf, ks := meanSimACF(h, f, tg, 20, 1)
	t.Logf("tied pair chain: mean simulated ACF %.3f, KS %.3f", acf, ks)
	if math.Abs(acf[0]-tg.acf[0]) > 0.06 || math.Abs(acf[1]) > 0.015 || math.Abs(acf[2]) > 0.015 {
		t.Errorf("tied pair chain ACF %.3f, want lag 1 within 0.06 of %.3f, |lags 2, 3| ≤ 0.015", acf, tg.acf[0])
	}
	if ks > 0.03 {
		t.Errorf("tied pair chain KS %.3f, want ≤ 0.03", ks)
	}

	rng = rand.New(rand.NewPCG(1, 1))
	h = hmmPairModel(rng, f.z, 1, 4, 3, hmmVarFloor)
	if h == nil || h.k != 16 {
		t.Fatalf("pair model: %v", h)
	}
	checkPairStructure(t, h, 4)
	acf, ks = meanSimACF(h, f, tg, 20, 1)
	t.Logf("counted pair chain: mean simulated ACF %.3f, KS %.3f", acf, ks)
	if math.Abs(acf[0]-tg.acf[0]) > 0.1 || math.Abs(acf[1]) > 0.03 {
		t.Errorf("counted pair chain ACF %.3f, want lag 1 within 0.1 of %.3f, |lag 2| ≤ 0.03", acf, tg.acf[0])
	}
	if ks > 0.04 {
		t.Errorf("counted pair chain KS %.3f, want ≤ 0.04", ks)
	}
}

// FitTemporal finds the jittered clock's memory: its gap chain's ACF error
// is clearly below that of independent draws from the data itself.
func TestFitTemporalJitteredClock(t *testing.T) {
	x := jitteredClock(3000, 0.004, 1)
	size := make([]float64, len(x))
	for i := range size {
		size[i] = 100
	}
	tm, err := FitTemporal(x, size, TemporalOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	s := skypeSeries{IAT: x, Size: size}
	f := hmmJudge(tm, s)
	// The ACF error is the mean of 20 runs: the median of hmmJudge's five
	// moves by ±0.004 with the random stream, as much as the margin.
	acfHMM, acfIID := hmmMeanACFErrIAT(tm, s, 20)
	t.Logf("%s acf_err_iat %.4f (median of 5: %.4f) ks_iat %.4f; independent draws %.4f", describeTemporal(tm), acfHMM, f.acfIAT, f.ksIAT, acfIID)
	if acfHMM > acfIID-0.005 {
		t.Errorf("acf_err_iat %.4f, want below independent draws' %.4f by 0.005", acfHMM, acfIID)
	}
	if f.ksIAT > 0.04 {
		t.Errorf("ks_iat %.4f, want ≤ 0.04", f.ksIAT)
	}
}

func TestHMMPairDegenerate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	if h := hmmPairModel(rng, []float64{1, 1, 1, 1, 1, 1}, 1, 4, 3, hmmVarFloor); h != nil {
		t.Errorf("constant series: got a %d-state pair chain, want none", h.k)
	}
	if h := hmmJitterModel(rng, []float64{1, 1, 1, 1, 1, 1}, nil, 3, 2, 50, hmmVarFloor); h != nil {
		t.Errorf("constant series: got a %d-state jitter chain, want none", h.k)
	}
	// Two distinct values make two groups, whatever L asks.
	x := []float64{0, 1, 0, 0, 1, 1, 0, 1, 0, 1, 1, 0}
	h := hmmPairModel(rng, x, 1, 4, 2, hmmVarFloor)
	if h == nil || h.k != 4 {
		t.Fatalf("two-valued series: %v, want 4 states", h)
	}
	if h := hmmPairModel(rng, make([]float64, 8), 2, 4, 2, hmmVarFloor); h != nil {
		t.Errorf("d = 2: got a chain, want none")
	}
}

// The choice rule: clearly different scores decide; within a tie the ACF
// part decides when it differs by more than hmmACFTie, else BIC; scores
// close to the lowest are checked again (recheck) before the choice.
func TestHMMChoiceBetter(t *testing.T) {
	a := &hmmChoice{score: 0.040, acf: 0.0205, bic: 100}
	b := &hmmChoice{score: 0.039, acf: 0.0222, bic: 0}
	if !a.better(b) || b.better(a) {
		t.Errorf("tie: lower ACF part should win")
	}
	c := &hmmChoice{score: 0.0395, acf: 0.0210, bic: 0}
	if !c.better(a) || a.better(c) {
		t.Errorf("tie in both parts: lower BIC should win")
	}
	d := &hmmChoice{score: 0.030, acf: 0.0300, bic: 1000}
	if !d.better(a) {
		t.Errorf("clearly lower score should win")
	}
	checks := map[string]int{}
	recheck := func(name string, score, acf float64) func(int) (float64, float64) {
		return func(int) (float64, float64) {
			checks[name]++
			return score, acf
		}
	}
	// e looks best on the quick check, f is close behind and better on the
	// precise one; g is far behind and is not checked again.
	e := &hmmChoice{score: 0.034, acf: 0.0220, bic: 0, recheck: recheck("e", 0.0373, 0.0217)}
	f := &hmmChoice{score: 0.038, acf: 0.0200, bic: 100, recheck: recheck("f", 0.0378, 0.0203)}
	g := &hmmChoice{score: 0.080, acf: 0.0500, bic: -100, recheck: recheck("g", 0.0300, 0.0100)}
	if got := hmmBest([]*hmmChoice{e, f, g}); got != f {
		t.Errorf("hmmBest chose the one with score %v, want f (0.0378 after its recheck)", got.score)
	}
	if checks["e"] != 2 || checks["f"] != 2 || checks["g"] != 0 {
		t.Errorf("rechecks %v, want e and f at both stages, g never", checks)
	}
	if e.score != 0.0373 {
		t.Errorf("recheck did not replace the score: %+v", e)
	}
	if hmmBest(nil) != nil {
		t.Errorf("hmmBest(nil) should be nil")
	}
}
