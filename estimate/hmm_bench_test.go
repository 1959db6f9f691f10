package estimate

import (
	"math/rand/v2"
	"testing"
)

// hmmBenchData draws n 2-D observations from a k-state Gaussian HMM with
// sticky transitions, so the benchmark sees realistic posteriors.
func hmmBenchData(n, d, k int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, n*d)
	s := 0
	for t := 0; t < n; t++ {
		if rng.Float64() < 0.1 {
			s = rng.IntN(k)
		}
		for a := 0; a < d; a++ {
			x[t*d+a] = float64(s)*0.7*float64(a+1) + rng.NormFloat64()
		}
	}
	return x
}

func benchBaumWelch(b *testing.B, n, d, k, m int) {
	x := hmmBenchData(n, d, k, 1)
	rng := rand.New(rand.NewPCG(1, 2))
	labels := hmmKMeans(rng, x, d, k, 10)
	h := hmmInitFromLabels(rng, x, d, k, m, labels, hmmVarFloor)
	w := newHMMWork(n, d, k, m)
	cfg := hmmFitConfig{maxIter: 1, pseudo: 1e-3, varFloor: hmmVarFloor}
	if _, err := w.iterate(h, x, &cfg); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := w.iterate(h, x, &cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// One Baum-Welch iteration (E- and M-step), K = 10 states, 100k
// observations: the target is ≤ 50 ms.
func BenchmarkBaumWelchK10N100k(b *testing.B)    { benchBaumWelch(b, 100000, 2, 10, 1) }
func BenchmarkBaumWelchK10M3N100k(b *testing.B)  { benchBaumWelch(b, 100000, 2, 10, 3) }
func BenchmarkBaumWelchK6M6N3400D1(b *testing.B) { benchBaumWelch(b, 3400, 1, 6, 6) }

// FitTemporal on one direction of the main Skype flow (~3.4k packets),
// model search included: the budget is about 1.5 s.
func BenchmarkFitTemporalSkype(b *testing.B) {
	from, _ := loadSkypeMain(b)
	for b.Loop() {
		if _, err := FitTemporal(from.IAT, from.Size, TemporalOptions{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// FitDirection with the model search (Choose) on one direction of the main
// Skype flow: what estimate's default spends per direction; the models
// issue's budget is estimate on the whole capture (two such directions,
// fitted in parallel) within 3 s.
func BenchmarkFitDirectionChooseSkype(b *testing.B) {
	from, _ := loadSkypeMain(b)
	o := DirectionOptions{GMM: GMMOptions{Seed: 1}, Temporal: &TemporalOptions{Seed: 1}, Choose: true, Resolution: 1e-6}
	for b.Loop() {
		if _, err := FitDirection(from.IAT, from.Size, o); err != nil {
			b.Fatal(err)
		}
	}
}
