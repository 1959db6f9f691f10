package estimate

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/gmm2trex/gmm2trex/internal/gauss"
)

// hmmTruth is a known GMM-HMM to draw from in tests.
type hmmTruth struct {
	d     int
	start []float64
	trans [][]float64
	// per state, per component: weight, mean (d), std per dim (diagonal)
	w    [][]float64
	mean [][][]float64
	std  [][][]float64
}

func (tr hmmTruth) draw(n int, seed uint64) (x []float64, states []int) {
	rng := rand.New(rand.NewPCG(seed, 3))
	s := pickIndex(rng, tr.start)
	for t := 0; t < n; t++ {
		if t > 0 {
			s = pickIndex(rng, tr.trans[s])
		}
		j := pickIndex(rng, tr.w[s])
		for a := 0; a < tr.d; a++ {
			x = append(x, tr.mean[s][j][a]+tr.std[s][j][a]*rng.NormFloat64())
		}
		states = append(states, s)
	}
	return x, states
}

// pickIndex draws an index with probability proportional to p.
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

// model converts the truth into an hmmModel.
func (tr hmmTruth) model() *hmmModel {
	k, m := len(tr.start), len(tr.w[0])
	h := newHMMModel(tr.d, k, m)
	copy(h.start, tr.start)
	for i := range tr.trans {
		copy(h.trans[i*k:], tr.trans[i])
	}
	for s := 0; s < k; s++ {
		for j := 0; j < m; j++ {
			g := &h.g[s*m+j]
			g.w = tr.w[s][j]
			copy(g.mean, tr.mean[s][j])
			for a := 0; a < tr.d; a++ {
				g.cov[a*tr.d+a] = tr.std[s][j][a] * tr.std[s][j][a]
			}
		}
	}
	return h
}

var truth3 = hmmTruth{
	d:     1,
	start: []float64{1, 0, 0},
	trans: [][]float64{{0.95, 0.04, 0.01}, {0.05, 0.9, 0.05}, {0.02, 0.08, 0.9}},
	w:     [][]float64{{1}, {1}, {1}},
	mean:  [][][]float64{{{-2}}, {{0}}, {{2.5}}},
	std:   [][][]float64{{{0.5}}, {{0.4}}, {{0.6}}},
}

// Brute force over every path of a tiny series: the scaled forward pass
// must give the exact log-likelihood and Viterbi the best path.
func TestHMMForwardViterbiBruteForce(t *testing.T) {
	tr := hmmTruth{
		d:     2,
		start: []float64{0.6, 0.4},
		trans: [][]float64{{0.7, 0.3}, {0.2, 0.8}},
		w:     [][]float64{{0.3, 0.7}, {0.5, 0.5}},
		mean:  [][][]float64{{{0, 0}, {1, -1}}, {{2, 1}, {-1, 3}}},
		std:   [][][]float64{{{1, 0.5}, {0.7, 1}}, {{0.5, 0.5}, {1.5, 1}}},
	}
	x, _ := tr.draw(6, 1)
	h := tr.model()
	h.g[1].cov[1], h.g[1].cov[2] = 0.2, 0.2 // one correlated component
	if err := h.prepare(); err != nil {
		t.Fatal(err)
	}
	n, k := 6, 2
	dens := func(t, s int) float64 {
		var p float64
		for j := 0; j < h.m; j++ {
			p += math.Exp(h.g[s*h.m+j].logDens(x[t*2:t*2+2], make([]float64, 2), 2))
		}
		return p
	}
	var total float64
	best, bestPath := -1.0, []int(nil)
	path := make([]int, n)
	var rec func(t int, p float64)
	rec = func(t int, p float64) {
		if t == n {
			total += p
			if p > best {
				best, bestPath = p, slices.Clone(path)
			}
			return
		}
		for s := 0; s < k; s++ {
			path[t] = s
			q := p * dens(t, s)
			if t == 0 {
				q *= h.start[s]
			} else {
				q *= h.trans[path[t-1]*k+s]
			}
			rec(t+1, q)
		}
	}
	rec(0, 1)
	w := newHMMWork(n, 2, k, h.m)
	ll, err := w.logLik(h, x)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(ll-math.Log(total)) > 1e-9 {
		t.Errorf("forward log-likelihood %.12f, brute force %.12f", ll, math.Log(total))
	}
	vp, err := h.viterbi(x)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(vp, bestPath) {
		t.Errorf("viterbi %v, brute force %v", vp, bestPath)
	}
	// The E-step's posteriors must sum to n, and the expected transitions
	// to n-1.
	if err := w.backward(h, x); err != nil {
		t.Fatal(err)
	}
	var occ, xi float64
	for _, v := range w.occ {
		occ += v
	}
	for i := range w.xi {
		xi += w.xi[i] * h.trans[i]
	}
	if math.Abs(occ-float64(n)) > 1e-9 || math.Abs(xi-float64(n-1)) > 1e-9 {
		t.Errorf("posterior mass %.12f (want %d), transitions %.12f (want %d)", occ, n, xi, n-1)
	}
}

// Recovery: Baum-Welch from a k-means start finds a known 3-state HMM's
// parameters from 20k draws (tolerances: means 0.05, stds 0.05,
// transitions 0.02), each EM step never lowers the likelihood, and BIC
// prefers 3 states to 2 or 4.
func TestHMMRecovery(t *testing.T) {
	x, states := truth3.draw(20000, 1)
	bic := map[int]float64{}
	var h3 *hmmModel
	for _, k := range []int{2, 3, 4} {
		rng := rand.New(rand.NewPCG(1, 1))
		labels := hmmKMeans(rng, x, 1, k, 50)
		h := hmmInitFromLabels(rng, x, 1, k, 1, labels, hmmVarFloor)
		w := newHMMWork(len(x), 1, k, 1)
		cfg := hmmFitConfig{maxIter: 1, pseudo: 1e-3, varFloor: hmmVarFloor}
		prev := math.Inf(-1)
		var ll float64
		for it := 0; it < 100; it++ {
			var err error
			ll, err = w.iterate(h, x, &cfg)
			if err != nil {
				t.Fatal(err)
			}
			if ll < prev-1e-6*float64(len(x)) {
				t.Fatalf("k=%d: log-likelihood fell from %.6f to %.6f at iteration %d", k, prev, ll, it)
			}
			if ll-prev < 1e-7*float64(len(x)) {
				break
			}
			prev = ll
		}
		ll, _ = w.logLik(h, x)
		bic[k] = -2*ll + float64(h.params())*math.Log(float64(len(x)))
		if k == 3 {
			h3 = h
		}
	}
	if !(bic[3] < bic[2] && bic[3] < bic[4]) {
		t.Errorf("BIC by k = %v: want the minimum at 3", bic)
	}
	// Match fitted states to true ones by mean.
	order := []int{0, 1, 2}
	slices.SortFunc(order, func(a, b int) int { return cmpFloat(h3.g[a].mean[0], h3.g[b].mean[0]) })
	for i, s := range order {
		g := h3.g[s]
		if d := math.Abs(g.mean[0] - truth3.mean[i][0][0]); d > 0.05 {
			t.Errorf("state %d mean %.3f, true %.3f", i, g.mean[0], truth3.mean[i][0][0])
		}
		if d := math.Abs(math.Sqrt(g.cov[0]) - truth3.std[i][0][0]); d > 0.05 {
			t.Errorf("state %d std %.3f, true %.3f", i, math.Sqrt(g.cov[0]), truth3.std[i][0][0])
		}
		for j, s2 := range order {
			if d := math.Abs(h3.trans[s*3+s2] - truth3.trans[i][j]); d > 0.02 {
				t.Errorf("transition %d->%d %.3f, true %.3f", i, j, h3.trans[s*3+s2], truth3.trans[i][j])
			}
		}
	}
	// Viterbi decodes the true states almost everywhere.
	path, err := h3.viterbi(x)
	if err != nil {
		t.Fatal(err)
	}
	rank := make([]int, 3)
	for i, s := range order {
		rank[s] = i
	}
	var wrong int
	for i, s := range path {
		if rank[s] != states[i] {
			wrong++
		}
	}
	if frac := float64(wrong) / float64(len(path)); frac > 0.05 {
		t.Errorf("viterbi wrong on %.1f%% of steps, want <= 5%%", 100*frac)
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// A GMM-HMM whose states share a component location but differ in weights
// and in their second component: the fit recovers each state's mixture.
func TestHMMRecoveryMixtureStates(t *testing.T) {
	tr := hmmTruth{
		d:     2,
		start: []float64{0.5, 0.5},
		trans: [][]float64{{0.97, 0.03}, {0.05, 0.95}},
		w:     [][]float64{{0.7, 0.3}, {0.4, 0.6}},
		mean:  [][][]float64{{{-2, 0}, {0, 2}}, {{2, 0}, {0, -2}}},
		std:   [][][]float64{{{0.3, 0.3}, {0.3, 0.3}}, {{0.3, 0.3}, {0.3, 0.3}}},
	}
	x, _ := tr.draw(20000, 2)
	rng := rand.New(rand.NewPCG(2, 2))
	cfg := hmmFitConfig{maxIter: 200, tol: 1e-7, pseudo: 1e-3, varFloor: hmmVarFloor}
	h, _, _, err := fitHMM(rng, x, nil, 2, 2, 2, hmmInitSpec{smooth: 50}, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	ch := h.chainFrom()
	// Identify the fitted state holding the component near (-2, 0).
	find := func(mx, my float64) (state int, w float64) {
		for s, st := range ch.States {
			for _, g := range st.Components {
				if math.Hypot(g.Mean[0]-mx, g.Mean[1]-my) < 0.1 {
					return s, g.Weight
				}
			}
		}
		t.Fatalf("no fitted component near (%g, %g): %+v", mx, my, ch.States)
		return
	}
	for s := range tr.w {
		for j := range tr.w[s] {
			_, w := find(tr.mean[s][j][0], tr.mean[s][j][1])
			if math.Abs(w-tr.w[s][j]) > 0.03 {
				t.Errorf("component at %v: weight %.3f, true %.3f", tr.mean[s][j], w, tr.w[s][j])
			}
		}
	}
	s0, _ := find(-2, 0)
	if p := ch.Trans[s0][s0]; math.Abs(p-0.97) > 0.01 {
		t.Errorf("self-transition %.3f, true 0.97", p)
	}
}

// 200k observations with far outliers: finite likelihood, no NaN anywhere,
// valid probability rows and positive definite covariances.
func TestHMMStableLong(t *testing.T) {
	if testing.Short() {
		t.Skip("long series")
	}
	x, _ := truth3.draw(200000, 4)
	for i := 0; i < len(x); i += 9973 {
		x[i] = 1e3 * float64(i%7-3) // outliers hundreds of std away
	}
	rng := rand.New(rand.NewPCG(4, 4))
	cfg := hmmFitConfig{maxIter: 5, tol: 0, pseudo: 1e-3, varFloor: hmmVarFloor}
	h, ll, _, err := fitHMM(rng, x, nil, 1, 4, 2, hmmInitSpec{}, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if math.IsNaN(ll) || math.IsInf(ll, 0) {
		t.Fatalf("log-likelihood %v", ll)
	}
	checkChain(t, h.chainFrom())
}

// checkChain verifies what profile validation will demand of a chain.
func checkChain(t *testing.T, c Chain) {
	t.Helper()
	probs := func(name string, p []float64) {
		var s float64
		for _, v := range p {
			if !(v >= 0) || math.IsInf(v, 0) {
				t.Errorf("%s: bad probability %v", name, v)
			}
			s += v
		}
		if math.Abs(s-1) > 1e-6 {
			t.Errorf("%s: sums to %v", name, s)
		}
	}
	probs("start", c.Start)
	for i, r := range c.Trans {
		probs("transition row "+string(rune('0'+i%10)), r)
	}
	for s, st := range c.States {
		if len(st.Components) == 0 {
			t.Errorf("state %d has no components", s)
		}
		var w []float64
		for _, g := range st.Components {
			w = append(w, g.Weight)
			d := len(g.Mean)
			flat := make([]float64, d*d)
			for a := range g.Cov {
				copy(flat[a*d:], g.Cov[a])
				for b := range g.Cov[a] {
					if g.Cov[a][b] != g.Cov[b][a] || math.IsNaN(g.Cov[a][b]) {
						t.Errorf("state %d: covariance not symmetric: %v", s, g.Cov)
					}
				}
			}
			if _, ok := gauss.Cholesky(flat, make([]float64, d*d), d, 0); !ok {
				t.Errorf("state %d: covariance not positive definite: %v", s, g.Cov)
			}
			for _, m := range g.Mean {
				if math.IsNaN(m) || math.IsInf(m, 0) {
					t.Errorf("state %d: mean %v", s, g.Mean)
				}
			}
		}
		probs("state weights", w)
	}
}

func TestFitTemporalDeterministicAndValid(t *testing.T) {
	// A synthetic direction: talk/silence regimes in size, periodic gaps
	// with back-to-back bursts, some exact zero gaps.
	rng := rand.New(rand.NewPCG(5, 5))
	n := 600
	iat, size := make([]float64, n), make([]float64, n)
	talk := true
	for i := range iat {
		if rng.Float64() < 0.01 {
			talk = !talk
		}
		switch {
		case i%4 == 3:
			iat[i] = 0
		case talk:
			iat[i] = 0.02 + 0.001*rng.NormFloat64()
		default:
			iat[i] = 0.06 * rng.ExpFloat64()
		}
		if talk {
			size[i] = math.Round(120 + 10*rng.NormFloat64())
		} else {
			size[i] = 42
		}
	}
	for _, st := range []string{"auto", "joint", "separate"} {
		a, err := FitTemporal(iat, size, TemporalOptions{Seed: 7, Structure: st})
		if err != nil {
			t.Fatal(err)
		}
		if st == "auto" {
			b, err := FitTemporal(iat, size, TemporalOptions{Seed: 7, Structure: st})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s: two fits with the same seed differ", st)
			}
		}
		seen := map[string]int{}
		for _, c := range a.Chains {
			checkChain(t, c)
			for _, f := range c.Features {
				seen[f]++
			}
			if len(c.ScaleMean) != len(c.Features) || len(c.ScaleStd) != len(c.Features) {
				t.Errorf("%s: scale has %d/%d entries for %d features", st, len(c.ScaleMean), len(c.ScaleStd), len(c.Features))
			}
			if c.Transform["iat"] != "log" && slices.Contains(c.Features, "iat") {
				t.Errorf("%s: iat transform %q, want log by default", st, c.Transform["iat"])
			}
			if math.IsNaN(c.BIC) || math.IsInf(c.BIC, 0) {
				t.Errorf("%s: BIC %v", st, c.BIC)
			}
		}
		if seen["iat"] != 1 || seen["size"] != 1 {
			t.Errorf("%s: features emitted %v, want iat and size once each", st, seen)
		}
		if want := map[string]int{"joint": 1, "separate": 2}[st]; want != 0 && len(a.Chains) != want {
			t.Errorf("%s: %d chains, want %d", st, len(a.Chains), want)
		}
	}
}

// seriesOf is n packets of gap and size drawn by f from a seeded source.
func seriesOf(seed uint64, n int, f func(rng *rand.Rand, i int) (iat, size float64)) (iat, size []float64) {
	rng := rand.New(rand.NewPCG(seed, seed))
	iat, size = make([]float64, n), make([]float64, n)
	for i := range iat {
		iat[i], size[i] = f(rng, i)
	}
	return iat, size
}

// TestFitTemporalReusesSearches: a "separate" fit given an "auto" fit's
// searches (as FitDirection weighs the other structure) is the fit it
// would have been on its own, and the searches it was given are kept.
func TestFitTemporalReusesSearches(t *testing.T) {
	iat, size := seriesOf(8, 400, func(rng *rand.Rand, i int) (float64, float64) {
		return 0.02 + 0.005*rng.ExpFloat64(), math.Round(200 + 50*math.Sin(float64(i)/20) + 5*rng.NormFloat64())
	})
	o := TemporalOptions{Seed: 3}
	_, searched, err := fitTemporal(iat, size, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !searched.separate || searched.iat == nil || searched.size == nil {
		t.Fatalf("auto fit: searches %+v, want both separate chains", searched)
	}
	o.Structure = "separate"
	alone, err := FitTemporal(iat, size, o)
	if err != nil {
		t.Fatal(err)
	}
	reused, again, err := fitTemporal(iat, size, o, searched)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(alone, reused) {
		t.Error("separate fit from the auto fit's searches differs from one of its own")
	}
	if again.iat != searched.iat || again.size != searched.size {
		t.Error("the searches given were not the ones used")
	}
	// The joint structure: the auto fit's joint search, restarted, where
	// the series affords the same candidates (400 packets afford none of
	// the joint list: the small ones stand in for both).
	o.Structure = "joint"
	alone, err = FitTemporal(iat, size, o)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(searched.joint.candsFor(hmmJointCands), searched.joint.cands) {
		t.Fatal("400 packets: the joint list and its first candidate leave different candidates")
	}
	if reused, _, err = fitTemporal(iat, size, o, searched); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(alone, reused) {
		t.Error("joint fit from the auto fit's joint search differs from one of its own")
	}
}

// TestChainSearchResumes: restarts run in steps, with results taken
// between them, give the search that ran them at once.
func TestChainSearchResumes(t *testing.T) {
	n := 300
	_, size := seriesOf(9, n, func(rng *rand.Rand, _ int) (float64, float64) {
		return 0.01 + 0.01*rng.ExpFloat64(), math.Round(100 + 30*rng.NormFloat64())
	})
	o := TemporalOptions{Seed: 2}.withDefaults()
	fs := hmmFeatureHead("size", size, false, n)
	ts := newHMMTarget(size, true)
	search := func() *chainSearch {
		return newChainSearch(o, 2, []hmmFeat{fs}, nil, []*hmmTarget{ts}, hmmSizeCands, nil)
	}
	once := search()
	once.restart(3)
	steps := search()
	steps.result()
	steps.restart(1)
	steps.result()
	steps.restart(3)
	a, b := once.result(), steps.result()
	if a.score != b.score || a.bic != b.bic || !reflect.DeepEqual(a.chain, b.chain) {
		t.Errorf("restarted in steps: score %v bic %v, at once: score %v bic %v", b.score, b.bic, a.score, a.bic)
	}
}

func TestFitTemporalNoTransform(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	n := 300
	iat, size := make([]float64, n), make([]float64, n)
	for i := range iat {
		iat[i] = 0.02 + 0.002*rng.NormFloat64()
		size[i] = float64(60 + rng.IntN(40))
	}
	tm, err := FitTemporal(iat, size, TemporalOptions{Seed: 1, IATTransform: "none", Structure: "separate"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tm.Chains {
		checkChain(t, c)
		if len(c.Transform) != 0 {
			t.Errorf("%v: transform %v, want none", c.Features, c.Transform)
		}
	}
}

// Constant sizes (every RTP packet 252 bytes) and constant gaps must give a
// valid, narrow model, not NaN.
func TestFitTemporalConstant(t *testing.T) {
	n := 300
	iat, size := make([]float64, n), make([]float64, n)
	for i := range iat {
		iat[i], size[i] = 0.02, 252
	}
	tm, err := FitTemporal(iat, size, TemporalOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tm.Chains {
		checkChain(t, c)
	}
}

func TestFitTemporalBadInput(t *testing.T) {
	ok := make([]float64, 50)
	for i := range ok {
		ok[i] = float64(i + 1)
	}
	bad := func(i int, v float64) []float64 {
		s := slices.Clone(ok)
		s[i] = v
		return s
	}
	cases := []struct {
		name      string
		iat, size []float64
		opts      TemporalOptions
		tooFew    bool
	}{
		{"length mismatch", ok, ok[:49], TemporalOptions{}, false},
		{"too few", ok[:10], ok[:10], TemporalOptions{}, true},
		{"NaN iat", bad(3, math.NaN()), ok, TemporalOptions{}, false},
		{"negative iat", bad(3, -1), ok, TemporalOptions{}, false},
		{"Inf size", ok, bad(7, math.Inf(1)), TemporalOptions{}, false},
		{"unknown transform", ok, ok, TemporalOptions{IATTransform: "sqrt"}, false},
		{"unknown structure", ok, ok, TemporalOptions{Structure: "tree"}, false},
	}
	for _, c := range cases {
		_, err := FitTemporal(c.iat, c.size, c.opts)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if errors.Is(err, ErrTooFewObservations) != c.tooFew {
			t.Errorf("%s: %v (ErrTooFewObservations: want %v)", c.name, err, c.tooFew)
		}
	}
}

// A series longer than the search window: the search runs on its first
// hmmSearchMax packets, the winner is refined on all of them, and the
// evidence (BIC) counts every packet.
func TestFitTemporalLongSeries(t *testing.T) {
	n := hmmSearchMax + 5000
	rng := rand.New(rand.NewPCG(8, 8))
	iat, size := make([]float64, n), make([]float64, n)
	for i := range iat {
		iat[i] = 0.02 * rng.ExpFloat64()
		size[i] = math.Round(100 + 20*rng.NormFloat64())
		if i > n/2 {
			size[i] += 50 // a regime the search window never sees
		}
	}
	tm, err := FitTemporal(iat, size, TemporalOptions{Seed: 1, MaxIter: 5, Restarts: -1, Structure: "separate"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tm.Chains {
		checkChain(t, c)
		// BIC = -2 LL + p log n with n the whole series: p comes out positive
		// and whole only with the right n.
		p := (c.BIC + 2*c.LogLik) / math.Log(float64(n))
		if p < 1 || math.Abs(p-math.Round(p)) > 1e-6 {
			t.Errorf("%v: BIC %v and log-likelihood %v imply %v parameters at n=%d", c.Features, c.BIC, c.LogLik, p, n)
		}
	}
}

func TestHMMExpRel(t *testing.T) {
	for i := 0; i <= 300000; i++ {
		x := -float64(i) * 1e-4
		if e, f := math.Exp(x), hmmExpRel(x); math.Abs(f-e) > 1e-12*e {
			t.Fatalf("hmmExpRel(%v) = %v, exp = %v", x, f, e)
		}
	}
	if v := hmmExpRel(-30.5); v != 0 {
		t.Errorf("hmmExpRel(-30.5) = %v, want 0", v)
	}
}

// The E-step's statistics (occupancies, expected transitions, per-component
// moments) against a plain log-space forward-backward that sums them step by
// step. 5,000 steps: long enough for the two-half split of posteriors and
// the transition pair that straddles it; the same through iterate, where
// the backward recursion runs beside the forward one.
func TestHMMEStepMatchesLogSpace(t *testing.T) {
	tr := hmmTruth{
		d:     2,
		start: []float64{0.5, 0.3, 0.2},
		trans: [][]float64{{0.8, 0.15, 0.05}, {0.1, 0.7, 0.2}, {0.3, 0.1, 0.6}},
		w:     [][]float64{{0.3, 0.7}, {0.5, 0.5}, {0.9, 0.1}},
		mean:  [][][]float64{{{0, 0}, {1, -1}}, {{2, 1}, {-1, 3}}, {{4, 4}, {3, 0}}},
		std:   [][][]float64{{{1, 0.5}, {0.7, 1}}, {{0.5, 0.5}, {1.5, 1}}, {{1, 1}, {0.3, 2}}},
	}
	const n, k, m, d = 5000, 3, 2, 2
	x, _ := tr.draw(n, 3)
	h := tr.model()
	if err := h.prepare(); err != nil {
		t.Fatal(err)
	}
	// Reference: log α, log β, then sums over t.
	z := make([]float64, d)
	logB := make([]float64, n*k*m) // log(w·N) per component
	for i := 0; i < n; i++ {
		for c := 0; c < k*m; c++ {
			logB[i*k*m+c] = h.g[c].logDens(x[i*d:(i+1)*d], z, d)
		}
	}
	lse := func(v []float64) float64 {
		mx := math.Inf(-1)
		for _, a := range v {
			mx = max(mx, a)
		}
		var s float64
		for _, a := range v {
			s += math.Exp(a - mx)
		}
		return mx + math.Log(s)
	}
	state := func(i, s int) float64 { return lse(logB[(i*k+s)*m : (i*k+s+1)*m]) }
	la, lb := make([]float64, n*k), make([]float64, n*k)
	tmp := make([]float64, k)
	for s := 0; s < k; s++ {
		la[s] = math.Log(h.start[s]) + state(0, s)
	}
	for i := 1; i < n; i++ {
		for j := 0; j < k; j++ {
			for s := 0; s < k; s++ {
				tmp[s] = la[(i-1)*k+s] + math.Log(h.trans[s*k+j])
			}
			la[i*k+j] = lse(tmp) + state(i, j)
		}
	}
	for i := n - 2; i >= 0; i-- {
		for s := 0; s < k; s++ {
			for j := 0; j < k; j++ {
				tmp[j] = math.Log(h.trans[s*k+j]) + state(i+1, j) + lb[(i+1)*k+j]
			}
			lb[i*k+s] = lse(tmp)
		}
	}
	ll := lse(la[(n-1)*k:])
	occ := make([]float64, k)
	xi := make([]float64, k*k) // expected transitions
	s0 := make([]float64, k*m)
	s1 := make([]float64, k*m*d)
	s2 := make([]float64, k*m*d*d)
	for i := 0; i < n; i++ {
		xt := x[i*d : (i+1)*d]
		for s := 0; s < k; s++ {
			g := math.Exp(la[i*k+s] + lb[i*k+s] - ll)
			occ[s] += g
			for j := 0; j < m; j++ {
				c := s*m + j
				r := g * math.Exp(logB[i*k*m+c]-state(i, s))
				s0[c] += r
				for a := 0; a < d; a++ {
					s1[c*d+a] += r * xt[a]
					for b := 0; b <= a; b++ {
						s2[c*d*d+a*d+b] += r * xt[a] * xt[b]
					}
				}
			}
			if i > 0 {
				for p := 0; p < k; p++ {
					xi[p*k+s] += math.Exp(la[(i-1)*k+p] + math.Log(h.trans[p*k+s]) + state(i, s) + lb[i*k+s] - ll)
				}
			}
		}
	}
	near := func(what string, got, want []float64) {
		t.Helper()
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-8*max(1, math.Abs(want[i])) {
				t.Errorf("%s[%d] = %.12g, log-space reference %.12g", what, i, got[i], want[i])
				return
			}
		}
	}
	check := func(w *hmmWork, gotLL float64) {
		t.Helper()
		if math.Abs(gotLL-ll) > 1e-8*math.Abs(ll) {
			t.Errorf("log-likelihood %.10f, reference %.10f", gotLL, ll)
		}
		trans := make([]float64, k*k) // xi times A: expected transitions
		for i := range trans {
			trans[i] = w.xi[i] * h.trans[i]
		}
		near("occupancy", w.occ, occ)
		near("transitions", trans, xi)
		near("s0", w.s0, s0)
		near("s1", w.s1, s1)
		for c := 0; c < k*m; c++ { // lower triangles only
			for a := 0; a < d; a++ {
				for b := 0; b <= a; b++ {
					i := c*d*d + a*d + b
					near("s2", w.s2[i:i+1], s2[i:i+1])
				}
			}
		}
	}
	w := newHMMWork(n, d, k, m)
	got, err := w.logLik(h, x)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.backward(h, x); err != nil {
		t.Fatal(err)
	}
	check(w, got)
	w2 := newHMMWork(n, d, k, m)
	cfg := hmmFitConfig{maxIter: 1, fixTrans: true, varFloor: hmmVarFloor}
	h2 := tr.model()
	got, err = w2.iterate(h2, x, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	check(w2, got)
}
