package pipeline

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gmm2trex/gmm2trex/estimate"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/trace"
)

// Models a profile can hold (Settings.Model).
const (
	ModelGMM  = "gmm"  // independent mixtures of size and gap
	ModelHMM  = "hmm"  // the mixtures plus hidden Markov chains, played by default
	ModelRNN  = "rnn"  // the mixtures, the hidden Markov chains and the recurrent model (issue 17), which plays by default
	ModelAuto = "auto" // both, and per direction the one that imitates the capture best (estimate.ChooseModel)
)

// Settings say how a capture becomes a profile; the profile records them.
type Settings struct {
	// Kind, Size and KeepEmpty say how the capture is cut into objects.
	// Estimate only records them: they must be the options the capture
	// was read with. EstimateFile reads with them.
	Kind      trace.Kind
	Size      trace.SizeMode
	KeepEmpty bool
	// Components is the mixture component count, or 0 for the count of
	// lowest BIC in 1..MaxComponents.
	Components    int
	MaxComponents int
	// PercentileLo and PercentileHi trim each direction's packets whose
	// gap lies outside these percentiles (0 ≤ lo < hi ≤ 100).
	PercentileLo, PercentileHi float64
	Model                      string // ModelAuto, ModelGMM, ModelHMM or ModelRNN
	IATTransform               string // estimate.TransformNone or estimate.TransformLog
	// MinPackets is the fewest packets a direction needs to be fitted
	// (and never fewer than 3).
	MinPackets int
	// MaxPackets is the most packets kept per direction for fitting, 0
	// for no limit: a longer direction is read as a sample
	// (trace.Options.MaxPackets), which the profile records.
	MaxPackets int
	Seed       uint64
	// Progress, when not nil, is called with (0, total) before the first
	// fit and with the count done after each; calls do not overlap, and
	// none comes after Estimate or Fit returns.
	Progress func(done, total int)
}

// DefaultSettings are the settings of `gmm2trex estimate` without flags.
func DefaultSettings() Settings {
	return Settings{
		Kind: trace.Flow, Size: trace.SizePayload,
		MaxComponents: estimate.DefaultMaxK,
		PercentileLo:  DefaultPercentileLo, PercentileHi: DefaultPercentileHi,
		Model: ModelAuto, IATTransform: estimate.DefaultIATTransform,
		MinPackets: DefaultMinPackets, MaxPackets: DefaultMaxPackets, Seed: DefaultSeed,
	}
}

// TraceOptions are the options to read a capture with for s.
func (s Settings) TraceOptions() trace.Options {
	return trace.Options{Kind: s.Kind, Size: s.Size, KeepEmpty: s.KeepEmpty, MaxPackets: s.MaxPackets, Seed: s.Seed}
}

// FieldError is a setting out of range, so that a front end can name its
// own spelling of the field (a flag, a configuration key) instead: the
// message is "pipeline: ", Field, a space, then Msg.
type FieldError struct {
	Field string // e.g. "MinPackets"
	Msg   string // e.g. "-1: must not be negative"
}

func (e *FieldError) Error() string { return "pipeline: " + e.Field + " " + e.Msg }

func fieldf(field, format string, a ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// Validate reports the first setting out of range, as a *FieldError.
func (s Settings) Validate() error {
	switch {
	case s.Kind < trace.Flow || s.Kind > trace.MAC:
		return fieldf("Kind", "%v: want flow, ip or mac", s.Kind)
	case s.Size < trace.SizePayload || s.Size > trace.SizeFrame:
		return fieldf("Size", "%v: want payload, ip or frame", s.Size)
	case s.Components < 0:
		return fieldf("Components", "%d: want a count ≥ 1, or 0 for automatic", s.Components)
	case s.Components == 0 && s.MaxComponents < 1:
		return fieldf("MaxComponents", "%d: must be at least 1", s.MaxComponents)
	case !(s.PercentileLo >= 0 && s.PercentileLo < s.PercentileHi && s.PercentileHi <= 100):
		return fieldf("PercentileLo", "%g, PercentileHi %g: want 0 ≤ lo < hi ≤ 100", s.PercentileLo, s.PercentileHi)
	case s.Model != ModelGMM && s.Model != ModelHMM && s.Model != ModelRNN && s.Model != ModelAuto:
		return fieldf("Model", "%q: want %s, %s, %s or %s", s.Model, ModelAuto, ModelGMM, ModelHMM, ModelRNN)
	case s.IATTransform != estimate.TransformNone && s.IATTransform != estimate.TransformLog:
		return fieldf("IATTransform", "%q: want %s or %s", s.IATTransform, estimate.TransformNone, estimate.TransformLog)
	case s.MinPackets < 0:
		return fieldf("MinPackets", "%d: must not be negative", s.MinPackets)
	case s.MaxPackets < 0 || s.MaxPackets > 0 && s.MaxPackets < max(s.MinPackets, 3):
		return fieldf("MaxPackets", "%d: want 0 (no limit) or at least MinPackets (%d) and 3", s.MaxPackets, s.MinPackets)
	}
	return nil
}

// ParseComponents reads a Components setting as a command line or a
// configuration writes it: "auto" (0) or a count of at least 1.
func ParseComponents(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "auto" {
		return 0, nil
	}
	k, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q: want a component count or auto", s)
	}
	if k < 1 { // 0 would read as auto
		return 0, fmt.Errorf("%d: the component count must be at least 1", k)
	}
	return k, nil
}

// ParsePercentiles reads "LO,HI" with 0 ≤ LO < HI ≤ 100, the
// PercentileLo and PercentileHi settings (and compare's trimming).
func ParsePercentiles(s string) (lo, hi float64, err error) {
	a, b, ok := strings.Cut(s, ",")
	if ok {
		lo, err = strconv.ParseFloat(strings.TrimSpace(a), 64)
		if err == nil {
			hi, err = strconv.ParseFloat(strings.TrimSpace(b), 64)
		}
	}
	if !ok || err != nil || !(lo >= 0 && lo < hi && hi <= 100) {
		return 0, 0, fmt.Errorf("%q: want LO,HI with 0 ≤ LO < HI ≤ 100", s)
	}
	return lo, hi, nil
}

// DirectionOptions are the estimate options that fit one direction under s.
func (s Settings) DirectionOptions() estimate.DirectionOptions {
	o := estimate.DirectionOptions{
		GMM:          estimate.GMMOptions{K: s.Components, MaxK: s.MaxComponents, Seed: s.Seed},
		IATTransform: s.IATTransform,
	}
	switch s.Model {
	case ModelHMM:
		o.Temporal = &estimate.TemporalOptions{Seed: s.Seed}
	case ModelRNN:
		o.Temporal = &estimate.TemporalOptions{Seed: s.Seed}
		o.RNN = &estimate.RNNOptions{}
	case ModelAuto:
		o.Temporal = &estimate.TemporalOptions{Seed: s.Seed}
		o.Choose = true
	}
	return o
}

// profileSettings is how a profile records s.
func (s Settings) profileSettings() profiles.Settings {
	p := profiles.Settings{
		Object: s.Kind.String(), Size: s.Size.String(), KeepEmpty: s.KeepEmpty,
		Percentiles: []float64{s.PercentileLo, s.PercentileHi}, Components: "auto", MaxComponents: s.MaxComponents,
		IATTransform: s.IATTransform, Model: s.Model, MinPackets: s.MinPackets, Seed: s.Seed,
	}
	if s.Components > 0 {
		p.Components = strconv.Itoa(s.Components)
		p.MaxComponents = 0
	}
	return p
}
