package estimate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gmm2trex/gmm2trex/metrics"
)

// refACF is the ACF by its definition, as hmmACFInto was first written.
func refACF(x, out []float64) {
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	var den float64
	for _, v := range x {
		den += (v - m) * (v - m)
	}
	for k := range out {
		out[k] = 0
		lag := k + 1
		if den == 0 || lag >= len(x) {
			continue
		}
		var s float64
		for t := 0; t+lag < len(x); t++ {
			s += (x[t] - m) * (x[t+lag] - m)
		}
		out[k] = s / den
	}
}

// The four-lag ACF gives the direct computation's result to the last bit,
// at every length and lag count (including lags ≥ n).
func TestHMMACFMatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 4, 5, 6, 7, 9, 49, 50, 51, 52, 53, 55, 100, 3477} {
		for _, lags := range []int{1, 3, 4, 5, 50, 53} {
			x := make([]float64, n)
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			a, b := make([]float64, lags), make([]float64, lags)
			refACF(x, a)
			hmmACFInto(x, b)
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("n %d lags %d: lag %d: %v != %v", n, lags, i+1, a[i], b[i])
				}
			}
		}
	}
}

// A check extended from 16 to 32 segments equals a check of 32 from the
// start: the choice does not depend on which candidates were sharpened when.
func TestHMMCheckerExtends(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	x := jitteredClock(500, 0.004, 2)
	f := hmmFeature("iat", x, true)
	tg := newHMMTarget(x, false)
	h := hmmPairModel(rng, f.z, 1, 3, 2, hmmVarFloor)
	a := newHMMChecker(9, h, []hmmFeat{f}, []*hmmTarget{tg})
	s16, _ := a.run(16)
	s32, a32 := a.run(32)
	b := newHMMChecker(9, h, []hmmFeat{f}, []*hmmTarget{tg})
	t32, b32 := b.run(32)
	if s32 != t32 || a32 != b32 {
		t.Errorf("extended check %v/%v, fresh %v/%v", s32, a32, t32, b32)
	}
	if s, _ := a.run(16); s != s32 {
		t.Errorf("run(16) after run(32) = %v, want the 32-segment score %v (16 gave %v)", s, s32, s16)
	}
}

// Model size is paid for by the data: a short series is offered only
// candidates with at most n / hmmObsPerParam parameters, falling back to
// the small ones.
func TestAffordable(t *testing.T) {
	for _, n := range []int{40, 191, 1000, 3622} {
		for _, c := range affordable(hmmIATCands, 1, n) {
			if p := candParams(c, 1); float64(p) > float64(n)/hmmObsPerParam && len(affordable(hmmIATCands, 1, n)) > 1 {
				t.Errorf("n %d: candidate k=%d m=%d has %d parameters", n, c.k, c.m, p)
			}
		}
	}
	if got := affordable(hmmIATCands, 1, 3622); len(got) != len(hmmIATCands) {
		t.Errorf("a long series lost candidates: %d of %d", len(got), len(hmmIATCands))
	}
	if got := affordable(hmmIATCands, 1, 191); len(got) == len(hmmIATCands) || len(got) == 0 {
		t.Errorf("191 observations: %d candidates", len(got))
	}
}

// hmmACFPlain is hmmACFInto one lag at a time, each sum in order of t: the
// estimator the check's scores are defined by.
func hmmACFPlain(x []float64, lags int) []float64 {
	n := len(x)
	c := make([]float64, n)
	den := hmmCentre(x, c)
	out := make([]float64, lags)
	if den == 0 {
		return out
	}
	for k := range out {
		if k+1 >= n {
			continue
		}
		var s float64
		for t := 0; t+k+1 < n; t++ {
			s += c[t] * c[t+k+1]
		}
		out[k] = s / den
	}
	return out
}

// The check's ACF, eight lags a pass, is the plain estimator to the last
// bit, for series shorter and longer than the lags.
func TestHMMACFBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 2, 3, 7, 8, 9, 15, 49, 50, 51, 52, 57, 58, 59, 100, 1001} {
		for _, lags := range []int{1, 5, 8, 50} {
			x := make([]float64, n)
			for i := range x {
				x[i] = r.NormFloat64() * math.Exp(r.NormFloat64())
				if i%7 == 3 {
					x[i] = x[max(0, i-1)] // ties
				}
			}
			got := make([]float64, lags)
			hmmACFInto(x, got)
			want := hmmACFPlain(x, lags)
			for k := range want {
				if math.Float64bits(got[k]) != math.Float64bits(want[k]) {
					t.Fatalf("n=%d lags=%d: lag %d is %v, the plain sum %v", n, lags, k+1, got[k], want[k])
				}
			}
		}
	}
}

// The check's ACF of one simulated segment, 50 lags (every segment of
// every candidate pays it).
func BenchmarkHMMACF(b *testing.B) {
	for _, n := range []int{100, 500, 4000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			x := make([]float64, n)
			for i := range x {
				x[i] = r.NormFloat64()
			}
			c, out := make([]float64, n), make([]float64, hmmCheckLags)
			for b.Loop() {
				hmmACFScratch(x, c, out)
			}
		})
	}
}

// TestCountTimeline: the check's one-pass timeline of gaps is
// metrics.TimelineOf's of packets counting one each, at every window, and
// with sizes as weights its timeline of bytes.
func TestCountTimeline(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, n := range []int{2, 50, 3000} {
		for _, mean := range []float64{0.0003, 0.004, 0.05, 0.7} {
			gaps := make([]float64, n)
			for i := range gaps {
				gaps[i] = mean * rng.ExpFloat64()
			}
			s := metrics.Series{Time: make([]float64, n), Size: make([]float64, n)}
			now := 0.0
			for i, g := range gaps {
				if i > 0 {
					now += g
				}
				s.Time[i], s.Size[i] = now, 1
			}
			sizes := make([]float64, n)
			for i := range sizes {
				sizes[i] = float64(40 + rng.IntN(1460))
			}
			ws := metrics.Series{Time: s.Time, Size: sizes}
			wantB, gotB := metrics.TimelineOf(ws), weightTimeline(gaps, sizes)
			for k := range wantB.CV {
				if d := math.Abs(wantB.CV[k] - gotB.CV[k]); !(math.IsNaN(wantB.CV[k]) && math.IsNaN(gotB.CV[k])) && !(d <= 1e-9*max(1, wantB.CV[k])) {
					t.Errorf("n %d, mean gap %v: bytes CV at %v s %v, want %v", n, mean, metrics.BurstWindows[k], gotB.CV[k], wantB.CV[k])
				}
			}
			want, got := metrics.TimelineOf(s), countTimeline(gaps)
			same := func(a, b float64) bool {
				return math.IsNaN(a) && math.IsNaN(b) || math.Abs(a-b) <= 1e-9*max(1, math.Abs(a))
			}
			for k := range want.CV {
				if !same(want.CV[k], got.CV[k]) {
					t.Errorf("n %d, mean gap %v: CV at %v s %v, want %v", n, mean, metrics.BurstWindows[k], got.CV[k], want.CV[k])
				}
			}
			if !same(want.Idle, got.Idle) {
				t.Errorf("n %d, mean gap %v: idle %v, want %v", n, mean, got.Idle, want.Idle)
			}
		}
	}
}

func BenchmarkCountTimeline(b *testing.B) {
	rng := rand.New(rand.NewPCG(4, 4))
	gaps := make([]float64, 500)
	for i := range gaps {
		gaps[i] = 0.02 * rng.ExpFloat64()
	}
	for b.Loop() {
		countTimeline(gaps)
	}
}
