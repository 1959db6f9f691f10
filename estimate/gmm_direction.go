package estimate

import (
	"errors"
	"fmt"
	"math"

	"github.com/gmm2trex/gmm2trex/profiles"
)

// IAT transforms (the profile's names).
const (
	TransformNone = profiles.TransformNone
	TransformLog  = profiles.TransformLog
)

// DefaultIATTransform is the IAT transform of FitDirection when none is
// given; README ("defaults chosen by evidence") gives the measurements.
const DefaultIATTransform = TransformLog

// DirectionOptions says how FitDirection models one direction.
type DirectionOptions struct {
	GMM GMMOptions
	// IATTransform is "log" (fit the IAT mixture on log(IAT)) or "none";
	// "" means DefaultIATTransform.
	IATTransform string
	// Temporal, when not nil, adds the HMM; its IATTransform, when empty,
	// follows IATTransform.
	Temporal *TemporalOptions
	// RNN, when not nil, adds the recurrent model (FitRNN); its
	// IATTransform, when empty, follows IATTransform, its seed and
	// component cap GMM's. Without Choose the direction plays it.
	RNN *RNNOptions
	// Choose scores the mixtures against the HMM (ChooseModel) and records
	// the winner as the direction's model; without it the direction plays
	// its HMM when it has one, else the mixtures.
	Choose bool
	// Resolution is the capture clock's tick in seconds (0: unknown), for
	// Choose.
	Resolution float64
}

// directionFit is the models of one direction as fitted.
type directionFit struct {
	Size, IAT    *Mixture1D
	IATTransform string    // what IAT was fitted on: "none" or "log"
	Temporal     *Temporal // nil unless asked for
}

// FitDirection fits the 1-D size and IAT mixtures of one direction, and its
// temporal model when o.Temporal is set, and returns them as the profile's
// direction (packet count and observed bounds included). iat (seconds) and
// size (bytes) are the trimmed, aligned series of trace.Trim; they must not
// be empty.
func FitDirection(iat, size []float64, o DirectionOptions) (*profiles.Direction, error) {
	if len(iat) != len(size) {
		return nil, fmt.Errorf("estimate: %d IATs but %d sizes", len(iat), len(size))
	}
	tr := o.IATTransform
	if tr == "" {
		tr = DefaultIATTransform
	}
	if tr != TransformNone && tr != TransformLog {
		return nil, fmt.Errorf("estimate: unknown IAT transform %q (want none or log)", tr)
	}
	if len(size) == 0 {
		return nil, fmt.Errorf("estimate: no packets to fit")
	}
	f := &directionFit{IATTransform: tr}
	var err error
	if f.Size, err = FitMixture1D(size, o.GMM); err != nil {
		return nil, fmt.Errorf("size: %w", err)
	}
	x := iat
	if tr == TransformLog {
		x = LogIAT(iat)
	}
	if f.IAT, err = FitMixture1D(x, o.GMM); err != nil {
		return nil, fmt.Errorf("iat: %w", err)
	}
	var searched *temporalSearches // the chain searches, for the other structure's fit
	// Choosing, a direction whose order carries no evidence (orderless)
	// gets no search: one-state chains, its independent draws.
	orderless := o.Choose && o.Temporal != nil && orderless(iat, size, o.GMM.Seed)
	if o.Temporal != nil {
		to := *o.Temporal
		if to.IATTransform == "" {
			to.IATTransform = tr
		}
		to.orderless = orderless
		if f.Temporal, searched, err = fitTemporal(iat, size, to, nil); err != nil {
			// Choosing, a direction too short for an HMM simply has the
			// mixtures; asked for an HMM, it is an error.
			if !o.Choose || !errors.Is(err, ErrTooFewObservations) {
				return nil, fmt.Errorf("hmm: %w", err)
			}
			f.Temporal = nil
		}
	}
	// Choosing, the structure the HMM's own search preferred (by its
	// per-feature check) is weighed against the other one by the whole
	// direction's score, which sees what separate chains cannot keep: the
	// coupling of sizes and gaps in bursts (bulk TCP, video frames). The
	// other structure's fit takes the separate chains the first one
	// searched rather than searching them again.
	var alt *profiles.HMM
	if o.Choose && f.Temporal != nil && !orderless && (o.Temporal.Structure == "" || o.Temporal.Structure == "auto") {
		to := *o.Temporal
		if to.IATTransform == "" {
			to.IATTransform = tr
		}
		to.Structure = "joint"
		if len(f.Temporal.Chains) == 1 {
			to.Structure = "separate"
		}
		if t, _, err := fitTemporal(iat, size, to, searched); err == nil {
			alt = hmmOf(t)
		}
	}
	d := directionOf(f, iat, size)
	d.Model = profiles.ModelIID
	if d.HMM != nil {
		d.Model = profiles.ModelHMM
	}
	if o.RNN != nil {
		ro := *o.RNN
		if ro.IATTransform == "" {
			ro.IATTransform = tr
		}
		if ro.MaxK == 0 {
			ro.MaxK = o.GMM.MaxK
		}
		if ro.Seed == 0 {
			ro.Seed = o.GMM.Seed
		}
		if d.RNN, err = FitRNN(iat, size, ro); err != nil {
			if !o.Choose || !errors.Is(err, ErrTooFewObservations) {
				return nil, fmt.Errorf("rnn: %w", err)
			}
			d.RNN = nil
		}
		if d.RNN != nil {
			d.Model = profiles.ModelRNN
		}
	}
	if o.Choose {
		if err := ChooseModel(d, iat, size, o.Resolution, o.GMM.Seed, alt); err != nil {
			return nil, fmt.Errorf("choosing the model: %w", err)
		}
	}
	return d, nil
}

// LogIAT returns log(max(iat, floor)), the floor being half the smallest
// positive gap (1e-9 s when every gap is zero): back-to-back packets with a
// zero gap in the capture's resolution stay finite, just below the smallest
// gap seen. The temporal model uses the same floor.
func LogIAT(iat []float64) []float64 {
	floor := math.Inf(1)
	for _, x := range iat {
		if x > 0 && x < floor {
			floor = x
		}
	}
	if math.IsInf(floor, 1) {
		floor = 1e-9
	} else {
		floor /= 2
	}
	out := make([]float64, len(iat))
	for i, x := range iat {
		out[i] = math.Log(math.Max(x, floor))
	}
	return out
}
