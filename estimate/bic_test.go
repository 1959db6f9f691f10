package estimate

import (
	"math"
	"testing"
)

func TestBICTableBest(t *testing.T) {
	inf := math.Inf(1)
	for _, tc := range []struct {
		t    BICTable
		want int
	}{
		{nil, 0},
		{BICTable{inf, inf}, 0},
		{BICTable{3, 1, 2}, 2},
		{BICTable{inf, 5, 5, 7}, 2}, // a tie goes to the smaller k
		{BICTable{math.NaN(), 4}, 2},
	} {
		if got := tc.t.Best(); got != tc.want {
			t.Errorf("%v.Best() = %d, want %d", tc.t, got, tc.want)
		}
	}
}

// A fake fit: its log-likelihood is all the search looks at.
type fakeFit struct {
	ll       float64
	finished bool
}

// kSearch repairs a k that fits worse than k-1 by split, drops a candidate
// refine fails, chooses by BIC and finishes only the chosen fit.
func TestKSearch(t *testing.T) {
	lls := map[int]float64{1: -1000, 2: -900, 3: -950, 4: -899}
	s := kSearch[fakeFit]{
		lo: 1, hi: 5, workers: 2, n: 100,
		params: Params1D,
		fit: func(k int) *fakeFit {
			if ll, ok := lls[k]; ok {
				return &fakeFit{ll: ll}
			}
			return nil // k = 5: no fit
		},
		ll:    func(g *fakeFit) float64 { return g.ll },
		split: func(prev *fakeFit) *fakeFit { return &fakeFit{ll: prev.ll + 5} },
		finish: func(g *fakeFit) error {
			g.finished = true
			g.ll += 1
			return nil
		},
	}
	g, table, err := s.run()
	if err != nil {
		t.Fatal(err)
	}
	// k = 3 (-950) is repaired from k = 2 to -895, then k = 4 (-899) from
	// k = 3 to -890 and the unfitted k = 5 from k = 4 to -885; none gains
	// enough for its 3·ln(100) more penalty, so k = 2 wins.
	if !g.finished || g.ll != -899 || table.Best() != 2 {
		t.Fatalf("chose ll %v finished %v, table %v (best %d), want k = 2", g.ll, g.finished, table, table.Best())
	}
	for k, ll := range map[int]float64{2: -899, 3: -895, 4: -890, 5: -885} {
		if want := BIC(ll, Params1D(k), 100); table[k-1] != want {
			t.Errorf("table[%d] = %v, want %v (ll %v)", k-1, table[k-1], want, ll)
		}
	}

	s.split = nil
	s.refine = func(g *fakeFit) bool { return g.ll != -900 } // k = 2 fails
	s.lo = 2
	g, table, err = s.run()
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(table[0], 1) || !math.IsInf(table[1], 1) || !math.IsInf(table[4], 1) {
		t.Errorf("table %v: k = 1 below lo, k = 2 refused, k = 5 unfitted should be +Inf", table)
	}
	if table.Best() != 4 || g.ll != -898 {
		t.Errorf("chose ll %v (best %d), want k = 4", g.ll, table.Best())
	}
}

// TestMixtureSizeBoundedByData: an automatic search tries no more
// components than the data pays for (affordableK), and the whole default
// range once it does.
func TestMixtureSizeBoundedByData(t *testing.T) {
	// Twelve well separated values, every one repeated: a sample that
	// would take all twelve components if it could pay for them.
	sample := func(n int) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(100*(i%12)) + float64(i%5)
		}
		return x
	}
	for _, c := range []struct{ n, wantK int }{{40, 3}, {100, 8}, {139, 11}, {140, 12}, {1000, 12}} {
		m, err := FitMixture1D(sample(c.n), GMMOptions{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.BICByK) != c.wantK {
			t.Errorf("n=%d: searched k up to %d, want %d", c.n, len(m.BICByK), c.wantK)
		}
		if p := Params1D(len(m.Components)); float64(p)*hmmObsPerParam > float64(c.n) && len(m.Components) > 1 {
			t.Errorf("n=%d: %d components (%d parameters) exceed the data's budget", c.n, len(m.Components), p)
		}
	}
	rows := make([][]float64, 100)
	for i := range rows {
		rows[i] = []float64{float64(100 * (i % 12)), float64(i % 7)}
	}
	if hi := affordableK(len(rows), 12, func(k int) int { return ParamsFull(k, 2) }); hi != 4 {
		t.Errorf("2-D, 100 rows: up to %d components, want 4 (ParamsFull(4, 2) = 23)", hi)
	}
}
