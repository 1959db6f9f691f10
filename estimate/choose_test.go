package estimate

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestChooseBoundIsLower: the early stop's bound over the first k of a
// model's runs is never above the score of all of them, whatever the
// runs (ties, zeros, NaN rates and burstiness), for every k it is asked at.
func TestChooseBoundIsLower(t *testing.T) {
	iat, size := seriesOf(1, 300, func(rng *rand.Rand, i int) (float64, float64) {
		return 0.01 * rng.ExpFloat64(), float64(100 + rng.IntN(50))
	})
	ref := newChooseRef(iat, size, 0)
	ref.acfTol = [2]float64{0.05, 0.05}
	rng := rand.New(rand.NewPCG(2, 2))
	pick := func(x float64) float64 {
		switch rng.IntN(8) {
		case 0:
			return 0
		case 1:
			return math.NaN()
		case 2:
			return 0.25 // a tie
		}
		return x
	}
	tight := 0
	for trial := range 2000 {
		runs := make([]runMeasures, chooseSegments)
		for i := range runs {
			m := &runs[i]
			m.ksIAT, m.ksSize = pick(rng.Float64()), pick(rng.Float64())
			m.acfIAT, m.acfSize = pick(rng.Float64()/5), pick(rng.Float64()/5)
			m.tl.Bytes = ref.tl.Bytes * math.Exp(rng.NormFloat64()/10)
			if rng.IntN(6) == 0 {
				m.tl.Bytes = 0 // rate NaN
			}
			m.tl.Idle = pick(rng.Float64())
			for k := range m.tl.CV {
				m.tl.CV[k] = pick(ref.tl.CV[k] * math.Exp(rng.NormFloat64()/4))
			}
		}
		all := ref.score(ref.mediansOf(runs))
		for k := chooseSegments / 2; k <= chooseSegments; k++ {
			b := ref.bound(runs[:k], chooseSegments)
			if b > all {
				t.Fatalf("trial %d: bound over %d runs %v above the score of all %v", trial, k, b, all)
			}
			if k == chooseSegments && b != all {
				t.Fatalf("trial %d: bound over every run %v, score %v", trial, b, all)
			}
			if k == chooseSegments-2 && b > all/2 {
				tight++
			}
		}
	}
	if tight == 0 {
		t.Error("the bound two runs short was never above half the score: it stops nothing")
	}
}

// TestChooseEarlyStopChangesNothing: directions fitted with ChooseModel's
// early stop and without it get the same model, chains, layer and scores,
// and the stop did stop some candidates.
func TestChooseEarlyStopChangesNothing(t *testing.T) {
	defer func(v int) { chooseBoundFrom = v }(chooseBoundFrom)
	defer func(v float64) { chooseGiveUp = v }(chooseGiveUp)
	chooseGiveUp = 0 // the exact stop alone
	lost0 := chooseLost.Load()
	for i, f := range chooseSeries {
		iat, size := seriesOf(uint64(10+i), 400, f)
		opts := DirectionOptions{GMM: GMMOptions{Seed: 1}, Temporal: &TemporalOptions{Seed: 1}, Choose: true}
		chooseBoundFrom = chooseSegments / 2
		fast, err := FitDirection(iat, size, opts)
		if err != nil {
			t.Fatal(err)
		}
		chooseBoundFrom = 0
		full, err := FitDirection(iat, size, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fast, full) {
			t.Errorf("series %d: with the early stop model %s scores %v; without %s %v", i, fast.Model, fast.Scores, full.Model, full.Scores)
		}
	}
	if chooseLost.Load() == lost0 {
		t.Error("no candidate was stopped early")
	}
}

// chooseSeries are directions of 400 packets whose candidates score
// apart: talk spurts, a slow regime in the sizes, frames and fragments.
var chooseSeries = []func(rng *rand.Rand, i int) (float64, float64){
	// talk spurts: 20 ms packets in bursts, seconds of silence between
	func(rng *rand.Rand, i int) (float64, float64) {
		if i%40 == 0 {
			return 0.5 + 2*rng.ExpFloat64(), 60
		}
		return 0.02 + 0.001*rng.NormFloat64(), float64(160 + 4*rng.IntN(3))
	},
	// a slow regime in the sizes
	func(rng *rand.Rand, i int) (float64, float64) {
		return 0.02 + 0.005*rng.ExpFloat64(), math.Round(200 + 50*math.Sin(float64(i)/20) + 5*rng.NormFloat64())
	},
	// frames: a large packet and its fragments
	func(rng *rand.Rand, i int) (float64, float64) {
		if i%5 == 0 {
			return 0.033 + 0.003*rng.NormFloat64(), 1200
		}
		return 1e-5 * (1 + rng.ExpFloat64()), float64(300 + rng.IntN(900))
	},
}

// TestChooseGiveUpKeepsTheChoice: with chooseGiveUp, ChooseModel gives up
// some candidates after half their runs, and the direction keeps the
// model, chains, layer and marginals it gets without it; a score that
// differs is a given-up candidate's, at least chooseGiveUp times the
// chosen one.
func TestChooseGiveUpKeepsTheChoice(t *testing.T) {
	defer func(v float64) { chooseGiveUp = v }(chooseGiveUp)
	given0 := chooseGivenUp.Load()
	for i, f := range chooseSeries {
		iat, size := seriesOf(uint64(10+i), 400, f)
		opts := DirectionOptions{GMM: GMMOptions{Seed: 1}, Temporal: &TemporalOptions{Seed: 1}, Choose: true}
		chooseGiveUp = 2
		fast, err := FitDirection(iat, size, opts)
		if err != nil {
			t.Fatal(err)
		}
		chooseGiveUp = 0
		full, err := FitDirection(iat, size, opts)
		if err != nil {
			t.Fatal(err)
		}
		chosen := full.Scores[full.Model]
		if full.Bursts != nil {
			chosen = full.Scores[full.Model+"+bursts"]
		}
		for k, v := range full.Scores {
			if w := fast.Scores[k]; w != v && !(w >= 2*chosen && v > chosen) {
				t.Errorf("series %d: score %s %v given up, %v scored to the end, the chosen %v", i, k, w, v, chosen)
			}
		}
		fast.Scores, full.Scores = nil, nil
		if !reflect.DeepEqual(fast, full) {
			t.Errorf("series %d: given up, the model is %s; scored to the end, %s (or their chains, layers, maps differ)", i, fast.Model, full.Model)
		}
	}
	if chooseGivenUp.Load() == given0 {
		t.Error("no candidate was given up")
	}
}
