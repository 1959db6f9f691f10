package sampler

import (
	"math"
	"slices"
	"testing"

	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/profiles/builtin"
)

func TestStationary(t *testing.T) {
	for _, tc := range []struct {
		name  string
		trans [][]float64
		want  []float64
	}{
		// Two states leaving with a and b: the shares are b/(a+b), a/(a+b).
		{"two states", [][]float64{{0.9, 0.1}, {0.3, 0.7}}, []float64{0.75, 0.25}},
		{"one state", [][]float64{{1}}, []float64{1}},
		// Not ergodic: the uniform start is already a fixed point.
		{"identity", [][]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, []float64{1. / 3, 1. / 3, 1. / 3}},
		{"cycle", [][]float64{{0, 1, 0}, {0, 0, 1}, {1, 0, 0}}, []float64{1. / 3, 1. / 3, 1. / 3}},
	} {
		got := Stationary(tc.trans)
		for i := range tc.want {
			if math.Abs(got[i]-tc.want[i]) > 1e-9 {
				t.Errorf("%s: %v, want %v (±1e-9)", tc.name, got, tc.want)
				break
			}
		}
	}
}

// On a fitted chain the shares are a fixed point of the transitions.
func TestStationaryFixedPoint(t *testing.T) {
	p, err := builtin.Load("skype-call")
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range p.Objects[0].From.HMM.Chains {
		pi := Stationary(ch.Transitions)
		sum := 0.0
		for j := range pi {
			q := 0.0
			for i := range pi {
				q += pi[i] * ch.Transitions[i][j]
			}
			if math.Abs(q-pi[j]) > 1e-9 {
				t.Errorf("state %d: share %g, after a step %g (±1e-9)", j, pi[j], q)
			}
			sum += pi[j]
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("shares sum to %g", sum)
		}
	}
}

func TestStateTypical(t *testing.T) {
	ch := &profiles.Chain{
		Features:  []string{profiles.FeatureIAT, profiles.FeatureSize},
		Transform: map[string]string{profiles.FeatureIAT: profiles.TransformLog},
		Scale:     profiles.Scale{Mean: []float64{-4, 100}, Std: []float64{2, 10}},
		States: []profiles.State{{Mixture: []profiles.MVComponent{
			{Weight: 0.25, Mean: []float64{1, -1}},
			{Weight: 0.75, Mean: []float64{-1, 3}},
		}}},
	}
	// Scaled means: iat 0.25-0.75 = -0.5, size -0.25+2.25 = 2.
	if got, want := StateTypical(ch, 0, 0), math.Exp(-0.5*2-4); math.Abs(got-want) > 1e-12 {
		t.Errorf("iat: %g, want %g", got, want)
	}
	if got, want := StateTypical(ch, 0, 1), 2*10+100.; math.Abs(got-want) > 1e-12 {
		t.Errorf("size: %g, want %g", got, want)
	}
	ch.Scale = profiles.Scale{}
	if got := StateTypical(ch, 0, 1); math.Abs(got-2) > 1e-12 {
		t.Errorf("size without scale: %g, want 2", got)
	}
}

func TestLikelyNext(t *testing.T) {
	for _, tc := range []struct {
		row     []float64
		self, n int
		minP    float64
		want    []int
		name    string
	}{
		{[]float64{0.5, 0.1, 0.3, 0.1}, 0, 3, 0.005, []int{2, 1, 3}, "most likely first, ties in state order"},
		{[]float64{0.5, 0.1, 0.3, 0.1}, 0, 2, 0.005, []int{2, 1}, "at most n"},
		{[]float64{0.004, 0.996}, 1, 3, 0.005, []int{}, "below minP"},
		{[]float64{0.2, 0.2, 0.6}, 2, 3, 0.005, []int{0, 1}, "self left out"},
	} {
		if got := LikelyNext(tc.row, tc.self, tc.n, tc.minP); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
