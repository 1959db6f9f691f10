package estimate

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// TemporalOptions steers FitTemporal. The zero value gives the defaults.
type TemporalOptions struct {
	Seed uint64
	// IATTransform is "log" (default) or "none": the IAT is modelled as
	// log(max(iat, floor)), floor being half the smallest positive gap.
	IATTransform string
	// Structure is "auto" (default: chosen by BIC), "joint" (one chain
	// over [iat, size]) or "separate" (one chain for each).
	Structure string
	// MaxStates and MaxComponents bound the states per chain and the
	// mixture components per state (defaults 8 and 6).
	MaxStates, MaxComponents int
	// Sticky is κ, the extra Dirichlet mass on each self-transition of the
	// size chain; 0 gives the default 200, a negative value disables it.
	Sticky float64
	// MaxIter caps Baum-Welch iterations per fit (default 100).
	MaxIter int
	// Budget bounds the wall time of the model search (default 1 s); the
	// best model found so far is returned when it runs out.
	Budget time.Duration
}

func (o TemporalOptions) withDefaults() TemporalOptions {
	if o.IATTransform == "" {
		o.IATTransform = "log"
	}
	if o.Structure == "" {
		o.Structure = "auto"
	}
	if o.MaxStates <= 0 {
		o.MaxStates = 8
	}
	if o.MaxComponents <= 0 {
		o.MaxComponents = 6
	}
	if o.Sticky == 0 {
		o.Sticky = 200
	} else if o.Sticky < 0 {
		o.Sticky = 0
	}
	if o.MaxIter <= 0 {
		o.MaxIter = 100
	}
	if o.Budget <= 0 {
		o.Budget = time.Second
	}
	return o
}

// ErrTooFewObservations is returned when a series is too short for any HMM.
var ErrTooFewObservations = errors.New("estimate: too few observations")

// hmmVarFloor is the variance floor in standardised units: a state
// component never gets narrower than 3 % of the feature's spread.
const hmmVarFloor = 1e-3

// hmmMinObs is the shortest series FitTemporal accepts.
const hmmMinObs = 20

// FitTemporal fits the temporal model of one direction from its aligned
// trimmed series iat[i] (seconds) and size[i] (bytes). It returns an error
// when the lengths differ, a value is NaN, Inf or negative, or there are fewer
// than 20 observations. The result is deterministic for opts.Seed.
func FitTemporal(iat, size []float64, opts TemporalOptions) (*Temporal, error) {
	o := opts.withDefaults()
	if len(iat) != len(size) {
		return nil, fmt.Errorf("estimate: temporal: %d IATs but %d sizes", len(iat), len(size))
	}
	if len(iat) < hmmMinObs {
		return nil, fmt.Errorf("%w: temporal model needs at least %d packets, got %d", ErrTooFewObservations, hmmMinObs, len(iat))
	}
	for i := range iat {
		if math.IsNaN(iat[i]) || math.IsInf(iat[i], 0) || iat[i] < 0 {
			return nil, fmt.Errorf("estimate: temporal: iat[%d] = %v: must be finite and >= 0", i, iat[i])
		}
		if math.IsNaN(size[i]) || math.IsInf(size[i], 0) || size[i] < 0 {
			return nil, fmt.Errorf("estimate: temporal: size[%d] = %v: must be finite and >= 0", i, size[i])
		}
	}
	switch o.IATTransform {
	case "log", "none":
	default:
		return nil, fmt.Errorf("estimate: temporal: unknown IAT transform %q (want log or none)", o.IATTransform)
	}
	switch o.Structure {
	case "auto", "joint", "separate":
	default:
		return nil, fmt.Errorf("estimate: temporal: unknown structure %q (want auto, joint or separate)", o.Structure)
	}
	fi := hmmFeature("iat", iat, o.IATTransform == "log")
	fs := hmmFeature("size", size, false)
	deadline := time.Now().Add(o.Budget)
	rng := rand.New(rand.NewPCG(o.Seed, 0x484d4d))

	var best *Temporal
	consider := func(t *Temporal) {
		if t != nil && (best == nil || temporalBIC(t) < temporalBIC(best)) {
			best = t
		}
	}
	if o.Structure != "joint" {
		ci := fitChainSearch(rng, []hmmFeat{fi}, o, 0, deadline)
		cs := fitChainSearch(rng, []hmmFeat{fs}, o, o.Sticky, deadline)
		if ci != nil && cs != nil {
			consider(&Temporal{Chains: []Chain{*ci, *cs}})
		}
	}
	if o.Structure != "separate" {
		if cj := fitChainSearch(rng, []hmmFeat{fi, fs}, o, 0, deadline); cj != nil {
			consider(&Temporal{Chains: []Chain{*cj}})
		}
	}
	if best == nil {
		return nil, fmt.Errorf("estimate: temporal: no HMM could be fitted to %d observations", len(iat))
	}
	return best, nil
}

func temporalBIC(t *Temporal) float64 {
	var b float64
	for _, c := range t.Chains {
		b += c.BIC
	}
	return b
}

// hmmFeat is one feature transformed and standardised for fitting.
type hmmFeat struct {
	name      string
	log       bool
	mean, std float64
	z         []float64
}

func hmmFeature(name string, v []float64, logT bool) hmmFeat {
	f := hmmFeat{name: name, log: logT, z: make([]float64, len(v))}
	floor := math.Inf(1)
	if logT {
		for _, x := range v {
			if x > 0 && x < floor {
				floor = x
			}
		}
		if math.IsInf(floor, 1) {
			floor = 1e-9 // every gap is zero: any positive floor will do
		} else {
			floor /= 2
		}
	}
	for i, x := range v {
		if logT {
			x = math.Log(math.Max(x, floor))
		}
		f.z[i] = x
		f.mean += x
	}
	f.mean /= float64(len(v))
	for _, x := range f.z {
		f.std += (x - f.mean) * (x - f.mean)
	}
	f.std = math.Sqrt(f.std / float64(len(v)))
	if !(f.std > 0) {
		f.std = 1 // a constant feature: nothing to scale
	}
	for i := range f.z {
		f.z[i] = (f.z[i] - f.mean) / f.std
	}
	return f
}

// fitChainSearch fits a chain over feats, choosing its state count and
// components per state by BIC, and returns it with ScaleMean etc. filled.
func fitChainSearch(rng *rand.Rand, feats []hmmFeat, o TemporalOptions, sticky float64, deadline time.Time) *Chain {
	d := len(feats)
	n := len(feats[0].z)
	x := make([]float64, n*d)
	for a, f := range feats {
		for t, v := range f.z {
			x[t*d+a] = v
		}
	}
	cfg := hmmFitConfig{maxIter: o.MaxIter, tol: 1e-5, sticky: sticky, pseudo: 1e-3, varFloor: hmmVarFloor}
	k, m := min(6, o.MaxStates), min(6, o.MaxComponents)
	h, ll, err := fitHMM(rng, x, d, k, m, hmmInitSpec{}, &cfg)
	if err != nil {
		return nil
	}
	ch := h.chainFrom()
	ch.LogLik = ll
	ch.BIC = -2*ll + float64(h.params())*math.Log(float64(n))
	for _, f := range feats {
		ch.Features = append(ch.Features, f.name)
		ch.ScaleMean = append(ch.ScaleMean, f.mean)
		ch.ScaleStd = append(ch.ScaleStd, f.std)
		if f.log {
			if ch.Transform == nil {
				ch.Transform = map[string]string{}
			}
			ch.Transform[f.name] = "log"
		}
	}
	return &ch
}

// hmmInitSpec says how the initial state labels are found: by k-means on
// windows of embed consecutive observations (embed ≤ 1: single
// observations), or, when smooth > 1, on the centred moving average over
// smooth observations, which makes states slow regimes rather than values.
type hmmInitSpec struct {
	embed, smooth int
}

// fitHMM initialises a model from clustered labels and runs Baum-Welch. It
// returns the model and its log-likelihood in the scaled space.
func fitHMM(rng *rand.Rand, x []float64, d, k, m int, init hmmInitSpec, cfg *hmmFitConfig) (*hmmModel, float64, error) {
	n := len(x) / d
	pts, pd := x, d
	switch {
	case init.smooth > 1:
		pts = hmmSmooth(x, d, init.smooth)
	case init.embed > 1:
		pts = hmmEmbed(x, d, init.embed)
		pd = d * init.embed
	}
	labels := hmmKMeans(rng, pts, pd, k, 50)
	h := hmmInitFromLabels(rng, x, d, k, m, labels, cfg.varFloor)
	w := newHMMWork(n, d, k, m)
	ll, _, err := w.baumWelch(h, x, cfg)
	if err != nil {
		return nil, ll, err
	}
	return h, ll, nil
}

// hmmSmooth is the centred moving average of each dimension over win
// observations (shorter at the ends).
func hmmSmooth(x []float64, d, win int) []float64 {
	n := len(x) / d
	out := make([]float64, len(x))
	half := win / 2
	for a := 0; a < d; a++ {
		var sum float64
		lo, hi := 0, 0 // window [lo, hi)
		for t := 0; t < n; t++ {
			for hi < n && hi <= t+half {
				sum += x[hi*d+a]
				hi++
			}
			for lo < t-half {
				sum -= x[lo*d+a]
				lo++
			}
			out[t*d+a] = sum / float64(hi-lo)
		}
	}
	return out
}
