package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// Deterministic fixtures that the scipy reference values below were computed
// on (scipy 1.10.1, numpy 1.24.2):
//
//	a = [((i*7919) % 1000)/100 for i in range(300)]
//	b = [((i*104729) % 997)/90 + 0.3 for i in range(250)]
//	c = [(((i*7919) % 1000)/1000 + 0.001)**3 * 5 for i in range(400)]
//	d = [(((i*6151) % 1009)/1009 + 0.002)**2.5 * 5 for i in range(350)]
func fixtures() (a, b, c, d []float64) {
	for i := range 300 {
		a = append(a, float64((i*7919)%1000)/100)
	}
	for i := range 250 {
		b = append(b, float64((i*104729)%997)/90+0.3)
	}
	for i := range 400 {
		c = append(c, math.Pow(float64((i*7919)%1000)/1000+0.001, 3)*5)
	}
	for i := range 350 {
		d = append(d, math.Pow(float64((i*6151)%1009)/1009+0.002, 2.5)*5)
	}
	return
}

func sorted(x []float64) []float64 { s := slices.Clone(x); slices.Sort(s); return s }

func close(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol || math.IsNaN(got) {
		t.Errorf("%s = %.12g, want %.12g ± %g", name, got, want, tol)
	}
}

func TestAgainstScipy(t *testing.T) {
	a, b, c, d := fixtures()
	sa, sb, sc, sd := sorted(a), sorted(b), sorted(c), sorted(d)
	// stats.ks_2samp(x, y).statistic
	close(t, "KS(a,b)", KS(sa, sb), 0.12533333333333332, 1e-12)
	close(t, "KS(c,d)", KS(sc, sd), 0.07571428571428572, 1e-12)
	// stats.wasserstein_distance
	close(t, "W1(a,b)", Wasserstein(sa, sb), 0.77277777777777801, 1e-12)
	close(t, "W1(c,d)", Wasserstein(sc, sd), 0.18609095598245873, 1e-12)
	// entropy(gaussian_kde(o)(x), gaussian_kde(g)(x)), x = linspace(0, max(o), 100)
	close(t, "KL(a,b)", KL(sa, sb), 0.0057633938338663348, 1e-12)
	close(t, "KL(c,d)", KL(sc, sd), 0.0069268485796578176, 1e-12)
	// np.corrcoef(np.quantile(x, q), np.quantile(y, q)), q = 0.01..0.99
	close(t, "QQ(a,b)", QQCorr(sa, sb), 0.99993262307671404, 1e-12)
	close(t, "QQ(c,d)", QQCorr(sc, sd), 0.99789518231506291, 1e-12)
	// ks_2samp(method='asymp').pvalue: scipy uses a different large-sample
	// approximation than Stephens' correction; they agree to a few 1e-3.
	close(t, "KSPValue(a,b)", KSPValue(KS(sa, sb), len(a), len(b)), 0.025439625176222388, 0.004)
	close(t, "KSPValue(c,d)", KSPValue(KS(sc, sd), len(c), len(d)), 0.2224777511133066, 0.01)
	// ACF by the formula, numpy.
	var r [3]float64
	ACF(r[:], a)
	close(t, "ACF(a)[1]", r[0], 0.54020214, 1e-8)
	close(t, "ACF(a)[2]", r[1], 0.17738776, 1e-8)
	close(t, "ACF(a)[3]", r[2], -0.1079873, 1e-7)
	close(t, "ACFErr(a,b)", ACFErr(a, b, 50), 0.45850034015923896, 1e-12)
	// gaussian_kde(a)([0, 5, 10])
	var f [3]float64
	KDE(f[:], []float64{0, 5, 10}, sa, ScottBandwidth(a))
	close(t, "KDE(a)(0)", f[0], 0.05124501, 1e-8)
	close(t, "KDE(a)(5)", f[1], 0.09878094, 1e-8)
	close(t, "KDE(a)(10)", f[2], 0.05028555, 1e-8)
}

func TestKSCases(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
		want float64
	}{
		{"equal", []float64{1, 2, 3}, []float64{1, 2, 3}, 0},
		{"disjoint", []float64{1, 2}, []float64{3, 4, 5}, 1},
		{"ties", []float64{1, 1, 2, 2}, []float64{1, 2, 2, 2}, 0.25},
		{"shift", []float64{1, 2, 3, 4}, []float64{2, 3, 4, 5}, 0.25},
	}
	for _, tt := range tests {
		if got := KS(tt.x, tt.y); math.Abs(got-tt.want) > 1e-15 {
			t.Errorf("%s: KS = %g, want %g", tt.name, got, tt.want)
		}
		if got := KS(tt.y, tt.x); math.Abs(got-tt.want) > 1e-15 {
			t.Errorf("%s: KS swapped = %g, want %g", tt.name, got, tt.want)
		}
	}
	if !math.IsNaN(KS(nil, []float64{1})) {
		t.Error("KS of an empty sample is not NaN")
	}
	defer func() {
		if recover() == nil {
			t.Error("KS accepted unsorted input")
		}
	}()
	KS([]float64{2, 1}, []float64{1})
}

func TestKSPValue(t *testing.T) {
	if p := KSPValue(0, 100, 100); p != 1 {
		t.Errorf("p(0) = %g, want 1", p)
	}
	if p := KSPValue(1, 1000, 1000); p > 1e-100 {
		t.Errorf("p(1) = %g, want ~0", p)
	}
	// Under the null, P(p < 0.05) ≈ 0.05: check on 400 seeded pairs.
	rng := rand.New(rand.NewPCG(1, 2))
	rejects := 0
	x, y := make([]float64, 300), make([]float64, 200)
	for range 400 {
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		for i := range y {
			y[i] = rng.NormFloat64()
		}
		slices.Sort(x)
		slices.Sort(y)
		if KSPValue(KS(x, y), len(x), len(y)) < 0.05 {
			rejects++
		}
	}
	// Binomial(400, 0.05): mean 20, sd 4.4; the bound is 3 sd.
	if rejects < 7 || rejects > 33 {
		t.Errorf("%d of 400 null pairs rejected at 5%%, want about 20", rejects)
	}
}

func TestWassersteinShift(t *testing.T) {
	x := []float64{0, 1, 2, 3, 4}
	y := []float64{0.5, 1.5, 2.5, 3.5, 4.5}
	close(t, "W1 shift", Wasserstein(x, y), 0.5, 1e-15)
	close(t, "W1 self", Wasserstein(x, x), 0, 0)
	close(t, "W1 point", Wasserstein([]float64{0}, []float64{3}), 3, 0)
}

func TestJS(t *testing.T) {
	x := []float64{1, 2, 3}
	close(t, "JS self", JS(x, x, JSBins), 0, 0)
	close(t, "JS disjoint", JS([]float64{0, 0.1}, []float64{10, 11}, JSBins), 1, 1e-15)
	close(t, "JS constant", JS([]float64{5, 5}, []float64{5}, JSBins), 0, 0)
	a, b, _, _ := fixtures()
	js := JS(sorted(a), sorted(b), JSBins)
	if !(js > 0 && js < 1) {
		t.Errorf("JS(a,b) = %g, want in (0, 1)", js)
	}
	close(t, "JS symmetric", JS(sorted(b), sorted(a), JSBins), js, 1e-15)
}

func TestACFConstantAndShort(t *testing.T) {
	dst := []float64{9, 9}
	ACF(dst, []float64{3, 3, 3, 3})
	if dst[0] != 0 || dst[1] != 0 {
		t.Errorf("ACF of a constant = %v, want zeros", dst)
	}
	close(t, "ACFErr constants", ACFErr([]float64{252, 252, 252}, []float64{252, 252}, 50), 0, 0)
	// A period-2 series has r_1 near −1.
	alt := make([]float64, 1000)
	for i := range alt {
		alt[i] = float64(i % 2)
	}
	ACF(dst, alt)
	close(t, "ACF alternating r1", dst[0], -0.999, 1e-9)
}

func TestThroughput(t *testing.T) {
	times := []float64{10, 10.5, 11.2, 12.9, 13.1}
	sizes := []float64{100, 100, 50, 10, 999}
	got := Throughput(nil, times, sizes, 1)
	// span 3.1 s: windows [10,11) [11,12) [12,13); the packet at 13.1 is in a
	// partial window and left out.
	want := []float64{200, 50, 10}
	if !slices.Equal(got, want) {
		t.Errorf("Throughput = %v, want %v", got, want)
	}
	got = Throughput(nil, []float64{0, 0.5}, []float64{10, 20}, 1)
	if !slices.Equal(got, []float64{60}) {
		t.Errorf("short Throughput = %v, want [60]", got)
	}
}

func TestRollingEntropy(t *testing.T) {
	constant := make([]float64, 100)
	for _, h := range RollingEntropy(nil, constant, 50, 0, 1, 16) {
		if h != 0 {
			t.Fatalf("entropy of a constant window = %g, want 0", h)
		}
	}
	// Alternating between two bins: every window of even length holds each
	// value equally often, 1 bit.
	alt := make([]float64, 200)
	for i := range alt {
		alt[i] = float64(i % 2)
	}
	out := RollingEntropy(nil, alt, 50, 0, 1, 16)
	if len(out) != 151 {
		t.Fatalf("len = %d, want 151", len(out))
	}
	for _, h := range out {
		close(t, "alternating entropy", h, 1, 1e-12)
	}
	// The incremental update matches a direct count.
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, 500)
	for i := range x {
		x[i] = rng.Float64() * 10
	}
	inc := RollingEntropy(nil, x, 50, 0, 10, 16)
	for t0 := 0; t0+50 <= len(x); t0 += 37 {
		var c [16]int
		for _, v := range x[t0 : t0+50] {
			c[min(int(v/10*16), 15)]++
		}
		var h float64
		for _, n := range c {
			if n > 0 {
				p := float64(n) / 50
				h -= p * math.Log2(p)
			}
		}
		close(t, "incremental entropy", inc[t0], h, 1e-9)
	}
	var sum float64
	for _, h := range inc {
		sum += h
	}
	close(t, "MeanRollingEntropy", MeanRollingEntropy(x, 50, 0, 10, 16), sum/float64(len(inc)), 1e-12)
}

// TestKDEBinnedMatchesExact measures the error of the binned KDE path against
// the exact sum, on samples long enough to take it.
func TestKDEBinnedMatchesExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct {
		name string
		draw func() float64
	}{
		{"normal", func() float64 { return 500 + 100*rng.NormFloat64() }},
		{"bimodal", func() float64 {
			if rng.IntN(2) == 0 {
				return 60 + 3*rng.NormFloat64()
			}
			return 160 + 30*rng.NormFloat64()
		}},
		{"lognormal", func() float64 { return math.Exp(-4 + 1.5*rng.NormFloat64()) }},
	} {
		x := make([]float64, 200_000)
		for i := range x {
			x[i] = tc.draw()
		}
		slices.Sort(x)
		h := ScottBandwidth(x)
		grid := make([]float64, KLGridPoints)
		for i := range grid {
			grid[i] = float64(i) * x[len(x)-1] / (KLGridPoints - 1)
		}
		binned := make([]float64, len(grid))
		KDE(binned, grid, x, h) // takes the binned path: cost far above the budget
		norm := 1 / (float64(len(x)) * h * math.Sqrt(2*math.Pi))
		var worst float64
		peak := slices.Max(binned)
		for i, g := range grid {
			exact := kdeAt(x, g, h) * norm
			// Relative to the peak: far tails are tiny in both.
			worst = max(worst, math.Abs(binned[i]-exact)/peak)
		}
		if worst > 1e-3 {
			t.Errorf("%s: binned KDE error %.2g of the peak, want ≤ 1e-3", tc.name, worst)
		}
		t.Logf("%s: binned KDE max error %.2g of the peak", tc.name, worst)
	}
}

func TestKLProperties(t *testing.T) {
	a, b, _, _ := fixtures()
	sa := sorted(a)
	close(t, "KL self", KL(sa, sa), 0, 1e-15)
	// Constant samples (RTP sizes): scipy fails; we give 0 for equal ones and
	// a positive value for different ones.
	c1 := []float64{252, 252, 252}
	close(t, "KL constants", KL(c1, c1), 0, 1e-15)
	if kl := KL(c1, []float64{240, 240}); !(kl > 0) {
		t.Errorf("KL of different constants = %g, want > 0", kl)
	}
	if kl := KL(sa, sorted(b)); !(kl > 0) || math.IsInf(kl, 0) {
		t.Errorf("KL(a,b) = %g", kl)
	}
	if !math.IsNaN(KL([]float64{0, 0}, []float64{1})) {
		t.Error("KL with max(orig) = 0 is not NaN")
	}
}

func TestCompareSelf(t *testing.T) {
	a, b, _, _ := fixtures()
	times := make([]float64, len(a))
	for i := range times {
		times[i] = float64(i) * 0.05
	}
	s := Series{Size: a, IAT: b, Time: times}
	r := Compare(s, s)
	for name, v := range map[string]float64{
		"ks_size": r.KSSize, "ks_iat": r.KSIAT, "kl_size": r.KLSize, "kl_iat": r.KLIAT,
		"js_size": r.JSSize, "wasserstein_size": r.WassersteinSize, "acf_err_size": r.ACFErrSize,
		"acf_err_iat": r.ACFErrIAT, "ks_throughput": r.KSThroughput, "entropy": r.EntropyErrSize,
	} {
		if math.Abs(v) > 1e-12 {
			t.Errorf("self-compare %s = %g, want 0", name, v)
		}
	}
	close(t, "qq self", r.QQSize, 1, 1e-12)
	if r.PacketsOriginal != 300 || r.IATsGenerated != 250 || r.WindowsOriginal != 14 {
		t.Errorf("counts = %d %d %d", r.PacketsOriginal, r.IATsGenerated, r.WindowsOriginal)
	}
	if !slices.Equal(a, fixturesA()) {
		t.Error("Compare modified its input")
	}
}

func fixturesA() []float64 { a, _, _, _ := fixtures(); return a }

func TestNoAllocs(t *testing.T) {
	a, b, _, _ := fixtures()
	sa, sb := sorted(a), sorted(b)
	var r [ACFLags]float64
	var dst = make([]float64, 0, 400)
	allocs := testing.AllocsPerRun(10, func() {
		KS(sa, sb)
		Wasserstein(sa, sb)
		KL(sa, sb)
		JS(sa, sb, JSBins)
		QQCorr(sa, sb)
		ACF(r[:], a)
		ACFErr(a, b, ACFLags)
		RollingEntropy(dst[:0], a, 50, 0, 10, 16)
		MeanRollingEntropy(a, 50, 0, 10, 16)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
}

// series1M builds a 1M-packet direction with bursty sizes and lognormal gaps.
func series1M(seed uint64) Series {
	rng := rand.New(rand.NewPCG(seed, 7))
	const n = 1_000_000
	s := Series{Size: make([]float64, n), IAT: make([]float64, n-1), Time: make([]float64, n)}
	var t float64
	for i := range n {
		if rng.IntN(3) == 0 {
			s.Size[i] = float64(60 + rng.IntN(40))
		} else {
			s.Size[i] = math.Round(max(1, 900+150*rng.NormFloat64()))
		}
		if i > 0 {
			g := math.Exp(-6 + 1.2*rng.NormFloat64())
			s.IAT[i-1] = g
			t += g
		}
		s.Time[i] = t
	}
	return s
}

func BenchmarkCompare(b *testing.B) {
	x, y := series1M(1), series1M(2)
	b.ResetTimer()
	start := cpuTime()
	for b.Loop() {
		Compare(x, y)
	}
	// CPU time per compare (both cores summed): on a shared machine the wall
	// time says more about the neighbours than about Compare.
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
}

func TestACFErrMatchesACF(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	x, y := make([]float64, 5000), make([]float64, 3000)
	v := 0.0
	for i := range x {
		v = 0.8*v + rng.NormFloat64()
		x[i] = v
	}
	for i := range y {
		y[i] = rng.NormFloat64()
	}
	for _, lags := range []int{1, 50, 100} {
		rx, ry := make([]float64, lags), make([]float64, lags)
		ACF(rx, x)
		ACF(ry, y)
		var want float64
		for k := range rx {
			want += math.Abs(rx[k] - ry[k])
		}
		want /= float64(lags)
		close(t, "ACFErr", ACFErr(x, y, lags), want, 1e-12)
	}
	// The AR(1) series has r_1 ≈ 0.8.
	r := make([]float64, 1)
	ACF(r, x)
	close(t, "AR(1) r1", r[0], 0.8, 0.03)
}

// Where scipy's densities underflow (it returns inf), KL stays finite and
// still grows with the distance between the samples.
func TestKLFarApart(t *testing.T) {
	a, _, _, _ := fixtures()
	sa := sorted(a)
	var prev float64
	for _, width := range []float64{0.5, 0.05, 0.005} {
		gen := make([]float64, 200)
		for i := range gen {
			gen[i] = 9.9 + width*float64(i)/200
		}
		kl := KL(sa, gen)
		if math.IsInf(kl, 0) || math.IsNaN(kl) || !(kl > prev) {
			t.Errorf("gen width %g: KL = %g, want finite and above %g", width, kl, prev)
		}
		prev = kl
	}
}

// KS of a sample holding a NaN is NaN, at once: the merge never passes a
// NaN, so it looped for ever.
func TestKSNaN(t *testing.T) {
	nan := math.NaN()
	for _, c := range [][2][]float64{
		{{nan}, {1}},
		{{1}, {nan}},
		{{nan, 1, 2}, {1, 2, 3}},
		{{1, 2, nan}, {1, 2, 3}},
	} {
		done := make(chan float64, 1)
		go func() { done <- KS(c[0], c[1]) }()
		select {
		case d := <-done:
			if !math.IsNaN(d) {
				t.Errorf("KS(%v, %v) = %v, want NaN", c[0], c[1], d)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("KS(%v, %v) did not return", c[0], c[1])
		}
	}
}
