package profiles

import (
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// withRNN is the tiny profile whose from direction has a network of 2
// components, embedding width 1 and 2 hidden units, and plays it.
func withRNN(t *testing.T) *Profile {
	p := loadTiny(t)
	row := func(n, c int) [][]float64 {
		m := make([][]float64, n)
		for i := range m {
			m[i] = make([]float64, c)
			for j := range m[i] {
				m[i][j] = 0.1 * float64(i-j)
			}
		}
		return m
	}
	d := p.Objects[0].From
	d.Model = ModelRNN
	d.RNN = &RNN{
		Features:  []string{FeatureIAT, FeatureSize},
		Transform: map[string]string{FeatureIAT: TransformLog},
		Scale:     Scale{Mean: []float64{-4.6, 175}, Std: []float64{0.3, 75}},
		Components: []MVComponent{
			{Weight: 0.4, Mean: []float64{-0.5, -1}, Cov: [][]float64{{0.5, 0.05}, {0.05, 0.01}}},
			{Weight: 0.6, Mean: []float64{0.5, 1}, Cov: [][]float64{{0.5, 0}, {0, 0.01}}},
		},
		Hidden: 2,
		Embed:  row(3, 1), WX: row(6, 1), WH: row(6, 2), BX: make([]float64, 6), BH: make([]float64, 6),
		WO: row(2, 2), BO: []float64{0.1, -0.1},
		Marginals: []Marginal{{Z: []float64{-1, 1}, X: []float64{0.001, 0.05}}, {Z: []float64{-2, 2}, X: []float64{60, 300}}},
		Epochs:    7, BestEpoch: 3, HeldOutNLL: 0.61,
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("the valid RNN profile: %v", err)
	}
	return p
}

func TestRNNRoundTrip(t *testing.T) {
	p := withRNN(t)
	for _, name := range []string{"p.yaml", "p.json"} {
		path := filepath.Join(t.TempDir(), name)
		if err := Save(path, p); err != nil {
			t.Fatal(err)
		}
		q, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Errorf("%s: round trip changed the profile", name)
		}
	}
}

func TestRNNValidateRejects(t *testing.T) {
	const r = "objects[0].from.rnn"
	cases := []struct {
		name, path string
		mutate     func(d *Direction)
	}{
		{"model rnn without rnn", "objects[0].from.model", func(d *Direction) { d.RNN = nil }},
		{"unknown model", "objects[0].from.model", func(d *Direction) { d.Model = "lstm" }},
		{"one feature", r + ".features", func(d *Direction) { d.RNN.Features = []string{FeatureIAT} }},
		{"transform", r + ".transform.iat", func(d *Direction) { d.RNN.Transform[FeatureIAT] = "sqrt" }},
		{"scale std", r + ".scale.std[1]", func(d *Direction) { d.RNN.Scale.Std[1] = 0 }},
		{"weights sum", r + ".components", func(d *Direction) { d.RNN.Components[0].Weight = 0.5 }},
		{"covariance", r + ".components[1].cov", func(d *Direction) { d.RNN.Components[1].Cov = [][]float64{{1, 2}, {2, 1}} }},
		{"hidden", r + ".hidden", func(d *Direction) { d.RNN.Hidden = 0 }},
		{"embedding rows", r + ".embed", func(d *Direction) { d.RNN.Embed = d.RNN.Embed[:2] }},
		{"wh shape", r + ".wh[3]", func(d *Direction) { d.RNN.WH[3] = []float64{1} }},
		{"wh NaN", r + ".wh[1][0]", func(d *Direction) { d.RNN.WH[1][0] = math.NaN() }},
		{"wx Inf", r + ".wx[5][0]", func(d *Direction) { d.RNN.WX[5][0] = math.Inf(1) }},
		{"bx length", r + ".bx", func(d *Direction) { d.RNN.BX = d.RNN.BX[:5] }},
		{"bh NaN", r + ".bh[2]", func(d *Direction) { d.RNN.BH[2] = math.NaN() }},
		{"wo rows", r + ".wo", func(d *Direction) { d.RNN.WO = append(d.RNN.WO, []float64{0, 0}) }},
		{"bo length", r + ".bo", func(d *Direction) { d.RNN.BO = []float64{0} }},
		{"marginal order", r + ".marginals[0].z[1]", func(d *Direction) { d.RNN.Marginals[0].Z[1] = -2 }},
		{"nll", r + ".held_out_nll", func(d *Direction) { d.RNN.HeldOutNLL = math.Inf(1) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := withRNN(t)
			c.mutate(p.Objects[0].From)
			err := p.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want a field error at %s", err, c.path)
			}
			if fe.Path != c.path {
				t.Errorf("path %q (%v), want %q", fe.Path, err, c.path)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error of more than one line: %q", err)
			}
		})
	}
}
