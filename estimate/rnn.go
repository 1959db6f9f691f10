package estimate

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/gmm2trex/gmm2trex/internal/gauss"
	"github.com/gmm2trex/gmm2trex/internal/seeds"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/rnn"
)

// RNNOptions says how FitRNN fits the recurrent model. Zero values take
// the defaults.
type RNNOptions struct {
	rnn.Options
	// MaxK is the most components of the joint mixture (chosen by BIC over
	// 1..MaxK; DefaultMaxK).
	MaxK int
	// IATTransform is what the gaps are mixed on: "log" (default) or "none".
	IATTransform string
}

// rnnMinObs is the fewest packets FitRNN trains on (a fifth held out).
const rnnMinObs = 50

// FitRNN fits the direction's recurrent model (issue 17; profiles.RNN):
// a joint Gaussian mixture with full covariances over the standardised
// (transformed gap, size) — the joint 2-D mixture, by BIC over 1..MaxK, so
// that one index names a gap and a size together, as the paper encodes the
// feature space — then each packet's most likely component, and a GRU
// trained (rnn.Train) to predict the next index from the ones before. The
// components' weights are the shares of packets labelled with each, which
// the network's long-run draws approach, and the marginal maps carry the
// generated features onto the data's distribution as a chain's do (built
// from the frequencies the network draws the components with when it runs
// free). iat
// (seconds) and size (bytes) are the trimmed, aligned series. Same series
// and options, the same model, bit for bit, on any number of cores.
func FitRNN(iat, size []float64, o RNNOptions) (*profiles.RNN, error) {
	if len(iat) != len(size) {
		return nil, fmt.Errorf("estimate: rnn: %d IATs but %d sizes", len(iat), len(size))
	}
	if len(iat) < rnnMinObs {
		return nil, fmt.Errorf("%w: the rnn needs at least %d packets, got %d", ErrTooFewObservations, rnnMinObs, len(iat))
	}
	for i := range iat {
		if math.IsNaN(iat[i]) || math.IsInf(iat[i], 0) || iat[i] < 0 {
			return nil, fmt.Errorf("estimate: rnn: iat[%d] = %v: must be finite and >= 0", i, iat[i])
		}
		if math.IsNaN(size[i]) || math.IsInf(size[i], 0) || size[i] < 0 {
			return nil, fmt.Errorf("estimate: rnn: size[%d] = %v: must be finite and >= 0", i, size[i])
		}
	}
	tr := o.IATTransform
	if tr == "" {
		tr = DefaultIATTransform
	}
	if tr != TransformNone && tr != TransformLog {
		return nil, fmt.Errorf("estimate: rnn: unknown IAT transform %q (want log or none)", tr)
	}
	o.IATTransform = tr
	fi, fs, mix, labels, err := rnnLabels(iat, size, o)
	if err != nil {
		return nil, err
	}
	n := len(iat)
	k := len(mix.Components)
	res, err := rnn.Train(labels, k, o.Options)
	if err != nil {
		if errors.Is(err, rnn.ErrTooShort) {
			return nil, fmt.Errorf("%w: %w", ErrTooFewObservations, err)
		}
		return nil, fmt.Errorf("estimate: rnn: %w", err)
	}
	share := make([]float64, k)
	for _, c := range labels {
		share[c] += 1 / float64(n)
	}
	var tot float64
	for _, s := range share {
		tot += s
	}
	p := &profiles.RNN{
		Features: []string{profiles.FeatureIAT, profiles.FeatureSize},
		Scale:    profiles.Scale{Mean: []float64{fi.mean, fs.mean}, Std: []float64{fi.std, fs.std}},
		Epochs:   res.Epochs, BestEpoch: res.BestEpoch, HeldOutNLL: res.HeldOutNLL,
	}
	if tr == TransformLog {
		p.Transform = map[string]string{profiles.FeatureIAT: TransformLog}
	}
	for c, g := range mix.Components {
		mc := profiles.MVComponent{Weight: share[c] / tot, Mean: slices.Clone(g.Mean)}
		for _, row := range g.Cov {
			mc.Cov = append(mc.Cov, slices.Clone(row))
		}
		p.Components = append(p.Components, mc)
	}
	res.Net.Fill(p)
	// The maps: each feature's long-run emission is the mixture of the
	// components at the frequencies the network draws them with when it
	// runs free, which drift from the data's shares (on the Skype `to`
	// direction one component's 0.125 became 0.32), as a chain's maps use
	// its stationary distribution.
	freq := longRun(res.Net, max(rnnLongRunMin, 10*n), o.Seed)
	sorted := [][]float64{slices.Sorted(slices.Values(iat)), slices.Sorted(slices.Values(size))}
	for f := range 2 {
		var w, mu, sd []float64
		for c, comp := range p.Components {
			if freq[c] > 0 {
				w, mu, sd = append(w, freq[c]), append(mu, comp.Mean[f]), append(sd, math.Sqrt(comp.Cov[f][f]))
			}
		}
		p.Marginals = append(p.Marginals, marginalOf(w, mu, sd, sorted[f], knotBudget(len(sorted[f]))))
	}
	return p, nil
}

// rnnLabels standardises the (transformed) features, fits the joint
// mixture and labels each packet with its most likely component.
func rnnLabels(iat, size []float64, o RNNOptions) (fi, fs hmmFeat, mix *Mixture, labels []int, err error) {
	maxK := o.MaxK
	if maxK <= 0 {
		maxK = DefaultMaxK
	}
	fi = hmmFeature(profiles.FeatureIAT, iat, o.IATTransform == TransformLog)
	fs = hmmFeature(profiles.FeatureSize, size, false)
	n := len(iat)
	x := make([]float64, 2*n)
	for i := range n {
		x[2*i], x[2*i+1] = fi.z[i], fs.z[i]
	}
	// One worker: the search's result does not depend on it, and the
	// directions are already fitted in parallel.
	if mix, err = FitMixture(x, 2, MixtureOptions{KMin: 1, KMax: maxK, Seed: o.Seed, Workers: 1}); err != nil {
		return fi, fs, nil, nil, fmt.Errorf("estimate: rnn: joint mixture: %w", err)
	}
	if labels, err = mostLikely(mix, x); err != nil {
		return fi, fs, nil, nil, fmt.Errorf("estimate: rnn: %w", err)
	}
	return fi, fs, mix, labels, nil
}

// rnnLongRunMin is the fewest steps the network is run free to find its
// long-run component frequencies.
const rnnLongRunMin = 50000

// rnnLongRunStream seeds that run apart from any other stream.
const rnnLongRunStream = 0x6c6f6e6772756e // "longrun"

// longRun runs n free from the start of a run for steps packets, as the
// sampler does, and returns the share of each component index drawn.
func longRun(n *rnn.Net, steps int, seed uint64) []float64 {
	r := rnn.NewRunner(n)
	u := seeds.New(seed, rnnLongRunStream)
	f := make([]float64, n.K)
	for range steps {
		f[r.Next(u.Float64())]++
	}
	for i := range f {
		f[i] /= float64(steps)
	}
	return f
}

// mostLikely labels each 2-D row of x with its most likely component of m
// (weight times density; the lower index on a tie).
func mostLikely(m *Mixture, x []float64) ([]int, error) {
	k := len(m.Components)
	packed := make([]float64, k*gauss.Stride2)
	for c, g := range m.Components {
		a := []float64{g.Cov[0][0], g.Cov[0][1], g.Cov[1][0], g.Cov[1][1]}
		l := make([]float64, 4)
		logdet, ok := gauss.Cholesky(a, l, 2, 0)
		if !ok {
			return nil, fmt.Errorf("component %d: covariance not positive definite", c)
		}
		gauss.Pack2(packed[c*gauss.Stride2:], gauss.LogNorm(g.Weight, 2, logdet), g.Mean, l)
	}
	labels := make([]int, len(x)/2)
	for i := range labels {
		best, bl := 0, math.Inf(-1)
		for c := range k {
			if v := gauss.LogDensity2(packed[c*gauss.Stride2:], x[2*i], x[2*i+1]); v > bl {
				best, bl = c, v
			}
		}
		labels[i] = best
	}
	return labels, nil
}
