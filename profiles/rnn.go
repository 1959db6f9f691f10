package profiles

import (
	"fmt"
	"math"
)

// RNN is the recurrent model of a direction (issue 17): each packet is the
// index of its most likely component of a joint mixture over the scaled
// (transformed) features, a one-layer GRU predicts the next index from the
// ones before, and a packet is drawn from its index's Gaussian. An
// observation x is transformed (Transform), then scaled, z = (x −
// Scale.Mean) / Scale.Std, as in a Chain. The GRU: an embedding of
// len(Components)+1 rows (the last is the input before a run's first
// packet), WX (3·Hidden × embedding width) and WH (3·Hidden × Hidden) with
// biases BX and BH, gates in the order update, reset, candidate:
//
//	z = σ(WXz·e + BXz + WHz·h + BHz), r = σ(WXr·e + BXr + WHr·h + BHr)
//	n = tanh(WXn·e + BXn + r ⊙ (WHn·h + BHn)), h' = (1 − z) ⊙ n + z ⊙ h
//
// and the next index is drawn from softmax(WO·h' + BO).
type RNN struct {
	Features   []string          `yaml:"features,flow" json:"features"`
	Transform  map[string]string `yaml:"transform,omitempty,flow" json:"transform,omitempty"`
	Scale      Scale             `yaml:"scale" json:"scale"`
	Components []MVComponent     `yaml:"components" json:"components"`
	Hidden     int               `yaml:"hidden" json:"hidden"`
	Embed      [][]float64       `yaml:"embed,flow" json:"embed"`
	WX         [][]float64       `yaml:"wx,flow" json:"wx"`
	WH         [][]float64       `yaml:"wh,flow" json:"wh"`
	BX         []float64         `yaml:"bx,flow" json:"bx"`
	BH         []float64         `yaml:"bh,flow" json:"bh"`
	WO         [][]float64       `yaml:"wo,flow" json:"wo"`
	BO         []float64         `yaml:"bo,flow" json:"bo"`
	// Marginals, when present, map each feature (Features order) onto
	// the direction's observed distribution, as a Chain's do.
	Marginals []Marginal `yaml:"marginals,omitempty" json:"marginals,omitempty"`
	// Training record: epochs run, the epoch kept (lowest held-out loss)
	// and that loss per packet (nats), for show and for judging the fit.
	Epochs     int     `yaml:"epochs,omitempty" json:"epochs,omitempty"`
	BestEpoch  int     `yaml:"best_epoch,omitempty" json:"best_epoch,omitempty"`
	HeldOutNLL float64 `yaml:"held_out_nll,omitempty" json:"held_out_nll,omitempty"`
}

// ModelRNN names the recurrent model in Direction.Model.
const ModelRNN = "rnn"

// maxRNNSize bounds the network's dimensions, so that a hostile document
// cannot make a sampler allocate without limit.
const maxRNNSize = 1024

func (v *validator) rnn(path string, r *RNN) {
	d := len(r.Features)
	if d != 2 || !contains(r.Features, FeatureIAT) || !contains(r.Features, FeatureSize) {
		v.failf(path+".features", "must be [iat, size] in some order, got %v", r.Features)
		return
	}
	for f, t := range r.Transform {
		if !contains(r.Features, f) {
			v.failf(path+".transform."+f, "not a feature of this model")
		}
		if t != TransformNone && t != TransformLog {
			v.failf(path+".transform."+f, "must be none or log, got %q", t)
		}
	}
	if len(r.Scale.Mean) != d || len(r.Scale.Std) != d {
		v.failf(path+".scale", "needs %d means and stds, has %d and %d", d, len(r.Scale.Mean), len(r.Scale.Std))
		return
	}
	for i := range d {
		v.finite(fmt.Sprintf("%s.scale.mean[%d]", path, i), r.Scale.Mean[i])
		if s := r.Scale.Std[i]; !(s > 0) || math.IsInf(s, 0) {
			v.failf(fmt.Sprintf("%s.scale.std[%d]", path, i), "must be > 0 and finite, got %v", s)
		}
	}
	k := len(r.Components)
	if k == 0 || k > maxRNNSize {
		v.failf(path+".components", "must hold 1..%d components, has %d", maxRNNSize, k)
		return
	}
	sum := 0.0
	for i, c := range r.Components {
		cp := fmt.Sprintf("%s.components[%d]", path, i)
		v.finite(cp+".weight", c.Weight)
		if c.Weight < 0 {
			v.failf(cp+".weight", "must be >= 0, got %v", c.Weight)
		}
		sum += c.Weight
		if len(c.Mean) != d {
			v.failf(cp+".mean", "has %d values for %d features", len(c.Mean), d)
		}
		for j, x := range c.Mean {
			v.finite(fmt.Sprintf("%s.mean[%d]", cp, j), x)
		}
		v.covariance(cp+".cov", c.Cov, d)
	}
	if math.Abs(sum-1) > weightTol {
		v.failf(path+".components", "weights sum to %v, not 1", sum)
	}
	h := r.Hidden
	if h < 1 || h > maxRNNSize {
		v.failf(path+".hidden", "must be 1..%d, got %d", maxRNNSize, h)
		return
	}
	e := 0
	if len(r.Embed) > 0 {
		e = len(r.Embed[0])
	}
	if e < 1 || e > maxRNNSize {
		v.failf(path+".embed", "rows must hold 1..%d values, the first has %d", maxRNNSize, e)
		return
	}
	v.matrix(path+".embed", r.Embed, k+1, e)
	v.matrix(path+".wx", r.WX, 3*h, e)
	v.matrix(path+".wh", r.WH, 3*h, h)
	v.vector(path+".bx", r.BX, 3*h)
	v.vector(path+".bh", r.BH, 3*h)
	v.matrix(path+".wo", r.WO, k, h)
	v.vector(path+".bo", r.BO, k)
	v.finite(path+".held_out_nll", r.HeldOutNLL)
	if r.Marginals != nil {
		// The same maps as a chain's, checked by the same rules.
		v.marginals(path+".marginals", &Chain{Features: r.Features, Marginals: r.Marginals})
	}
}

// matrix checks that m is rows × cols of finite values.
func (v *validator) matrix(path string, m [][]float64, rows, cols int) {
	if len(m) != rows {
		v.failf(path, "has %d rows, want %d", len(m), rows)
		return
	}
	for i, row := range m {
		v.vector(fmt.Sprintf("%s[%d]", path, i), row, cols)
	}
}

// vector checks that x holds n finite values.
func (v *validator) vector(path string, x []float64, n int) {
	if len(x) != n {
		v.failf(path, "has %d values, want %d", len(x), n)
		return
	}
	for i, y := range x {
		if math.IsNaN(y) || math.IsInf(y, 0) {
			v.failf(fmt.Sprintf("%s[%d]", path, i), "must be finite, got %v", y)
			return
		}
	}
}
