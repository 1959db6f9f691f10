package estimate

import (
	"math"
	"math/rand/v2"
	"testing"
)

// independent draws n log-normal gaps and sizes of a few fixed values,
// each packet on its own.
func independent(seed uint64, n int) (iat, size []float64) {
	r := rand.New(rand.NewPCG(seed, 7))
	for range n {
		iat = append(iat, math.Round(math.Exp(-4+r.NormFloat64())*1e6)/1e6) // on a µs clock
		size = append(size, float64([]int{60, 160, 172, 1200}[r.IntN(4)]))
	}
	return iat, size
}

// TestOrderlessIndependent checks the test's level: of 60 directions of
// independent draws (100 to 2,000 packets), about orderLevel are searched
// all the same; more than three times that would be a test that rejects
// what it should keep.
func TestOrderlessIndependent(t *testing.T) {
	rejected := 0
	const runs = 60
	for i := range runs {
		iat, size := independent(uint64(i), []int{100, 500, 2000}[i%3])
		if !orderless(iat, size, 1) {
			rejected++
		}
	}
	t.Logf("%d of %d independent directions searched", rejected, runs)
	if float64(rejected) > 3*orderLevel*runs {
		t.Errorf("%d of %d independent directions judged to have an order, want about %.0f", rejected, runs, orderLevel*runs)
	}
}

// TestOrderlessStructure checks that order of each kind the models keep is
// seen: correlated gaps, correlated sizes, sizes coupled to their own gap
// only (each series alone independent), and on/off bursts.
func TestOrderlessStructure(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	const n = 300
	ar := func(phi float64) []float64 {
		out, x := make([]float64, n), 0.0
		for i := range out {
			x = phi*x + r.NormFloat64()
			out[i] = math.Exp(x - 4)
		}
		return out
	}
	noise := func() []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = 100 + 1000*r.Float64()
		}
		return out
	}
	gaps := ar(0.5)
	shuffledGaps := noise()
	onIAT, onSize := onOff(2)
	for _, c := range []struct {
		name      string
		iat, size []float64
	}{
		{"correlated gaps", gaps, noise()},
		{"correlated sizes", noise(), ar(0.5)},
		{"sizes coupled to gaps", shuffledGaps, coupledTo(shuffledGaps, r)},
		{"on/off bursts", onIAT, onSize},
	} {
		if orderless(c.iat, c.size, 1) {
			t.Errorf("%s: judged orderless", c.name)
		}
	}
	if !orderless([]float64{1, 2, 3}, []float64{1, 2, 3}, 1) {
		t.Error("a series too short for any lag: not orderless")
	}
	if !orderless(make([]float64, 50), make([]float64, 50), 1) {
		t.Error("constant gaps and sizes: not orderless")
	}
}

// coupledTo returns sizes that fall as the gap before them grows, each
// otherwise independent.
func coupledTo(gaps []float64, r *rand.Rand) []float64 {
	out := make([]float64, len(gaps))
	for i, g := range gaps {
		out[i] = 1500 - g + 100*r.NormFloat64()
	}
	return out
}

// TestFitDirectionOrderless checks what the test decides: a direction of
// independent draws gets chains of one state and no search, one with
// correlated gaps a searched chain of several.
func TestFitDirectionOrderless(t *testing.T) {
	opts := DirectionOptions{GMM: GMMOptions{Seed: 1}, Temporal: &TemporalOptions{Seed: 1}, Choose: true}
	iat, size := independent(1, 500)
	if !orderless(iat, size, 1) {
		t.Skip("this draw is among the few the test rejects")
	}
	d, err := FitDirection(iat, size, opts)
	if err != nil {
		t.Fatal(err)
	}
	if d.HMM == nil {
		t.Fatalf("no chains; scores %v", d.Scores)
	}
	for _, c := range d.HMM.Chains {
		if len(c.States) != 1 {
			t.Errorf("chain %v: %d states, want 1", c.Features, len(c.States))
		}
	}
	if _, ok := d.Scores["hmm-joint"]; ok {
		t.Error("a joint chain was fitted for an orderless direction")
	}
	r := rand.New(rand.NewPCG(5, 5))
	x := 0.0
	for i := range iat {
		x = 0.8*x + r.NormFloat64()
		iat[i] = math.Exp(x - 4)
	}
	if d, err = FitDirection(iat, size, opts); err != nil {
		t.Fatal(err)
	}
	states := 0
	for _, c := range d.HMM.Chains {
		states = max(states, len(c.States))
	}
	if states < 2 {
		t.Errorf("correlated gaps got chains of at most %d state", states)
	}
}

func BenchmarkOrderless500(b *testing.B) {
	iat, size := independent(1, 500)
	for b.Loop() {
		orderless(iat, size, 1)
	}
}
