package profiles

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Format is the document format this package reads and writes.
const Format = "gmm2trex/v1"

// Profile is one profile document: where it was learned from, how, and the
// models of each object.
type Profile struct {
	Format   string   `yaml:"format" json:"format"`
	Source   Source   `yaml:"source" json:"source"`
	Settings Settings `yaml:"settings" json:"settings"`
	Objects  []Object `yaml:"objects" json:"objects"`
}

// Source describes the capture a profile was fitted on.
type Source struct {
	File     string  `yaml:"file" json:"file"`
	SHA256   string  `yaml:"sha256,omitempty" json:"sha256,omitempty"`
	Packets  int64   `yaml:"packets" json:"packets"`
	Start    string  `yaml:"start,omitempty" json:"start,omitempty"` // RFC 3339, UTC
	Duration float64 `yaml:"duration" json:"duration"`               // seconds
	// Resolution is the capture clock's tick in seconds (1e-06 for
	// microsecond stamps, 1e-09 for nanosecond ones); 0 when unknown (a
	// profile from before it was recorded, or written by hand). The
	// capture's gaps are multiples of it: compare puts both sides on the
	// coarser clock, and a model may place exact mass on its multiples.
	Resolution float64 `yaml:"resolution,omitempty" json:"resolution,omitempty"`
}

// Settings records the options the profile was estimated with, so that it can
// be reproduced and so that compare can trim the original the same way.
type Settings struct {
	Object        string    `yaml:"object" json:"object"`                                     // flow | ip | mac
	Size          string    `yaml:"size" json:"size"`                                         // payload | ip | frame
	KeepEmpty     bool      `yaml:"keep_empty,omitempty" json:"keep_empty,omitempty"`         //
	Percentiles   []float64 `yaml:"percentiles,flow" json:"percentiles"`                      // [lo, hi]
	Components    string    `yaml:"components" json:"components"`                             // auto | N
	MaxComponents int       `yaml:"max_components,omitempty" json:"max_components,omitempty"` //
	IATTransform  string    `yaml:"iat_transform,omitempty" json:"iat_transform,omitempty"`   // none | log
	Model         string    `yaml:"model,omitempty" json:"model,omitempty"`                   // gmm | hmm
	MinPackets    int       `yaml:"min_packets,omitempty" json:"min_packets,omitempty"`       //
	Seed          uint64    `yaml:"seed" json:"seed"`                                         //
}

// Endpoint is one side of an object. Fields absent in the capture are empty.
type Endpoint struct {
	IP   string `yaml:"ip,omitempty" json:"ip,omitempty"`
	Port int    `yaml:"port,omitempty" json:"port,omitempty"`
	MAC  string `yaml:"mac,omitempty" json:"mac,omitempty"`
}

// Object is a flow or a device and the models of its two directions. Local is
// the side whose traffic From describes (DESIGN.md, "Direction").
type Object struct {
	ID     string     `yaml:"id" json:"id"`
	Kind   string     `yaml:"kind" json:"kind"`                       // flow | ip | mac
	Proto  string     `yaml:"proto,omitempty" json:"proto,omitempty"` // UDP | TCP (flows)
	Local  Endpoint   `yaml:"local" json:"local"`
	Remote Endpoint   `yaml:"remote" json:"remote"`
	From   *Direction `yaml:"from,omitempty" json:"from,omitempty"`
	To     *Direction `yaml:"to,omitempty" json:"to,omitempty"`
}

// Dir names a direction of an object.
type Dir uint8

const (
	From Dir = iota // what the local side sends
	To              // what the local side receives
)

func (d Dir) String() string {
	if d == To {
		return "to"
	}
	return "from"
}

// ParseDir accepts "from" and "to".
func ParseDir(s string) (Dir, error) {
	switch s {
	case "from":
		return From, nil
	case "to":
		return To, nil
	}
	return 0, fmt.Errorf("unknown direction %q (valid: from, to)", s)
}

// Dir returns the model of direction d, nil when that direction has none.
func (o *Object) Dir(d Dir) *Direction {
	if d == To {
		return o.To
	}
	return o.From
}

// Direction holds the models of one direction of an object.
type Direction struct {
	Packets int   `yaml:"packets" json:"packets"` // after trimming
	Size    Param `yaml:"size" json:"size"`
	IAT     Param `yaml:"iat" json:"iat"`
	HMM     *HMM  `yaml:"hmm,omitempty" json:"hmm,omitempty"`
	RNN     *RNN  `yaml:"rnn,omitempty" json:"rnn,omitempty"` // see RNN
	// Model is what this direction plays by default: "iid" (the 1-D
	// mixtures), "hmm" or "rnn"; empty in profiles from before it was recorded,
	// where generators choose by what the profile holds. Scores, when
	// present, are the model search's (lower is better; see
	// estimate.ChooseModel), by model name.
	Model  string             `yaml:"model,omitempty" json:"model,omitempty"`
	Scores map[string]float64 `yaml:"scores,omitempty,flow" json:"scores,omitempty"`
	// Bursts, when present, plays the direction as bursts of packets
	// separated by idle gaps, whatever the model: see Bursts.
	Bursts *Bursts `yaml:"bursts,omitempty" json:"bursts,omitempty"`
	// Sample, when present, says that the direction held more packets than
	// estimate's budget (--max-packets) and was fitted on a sample of them:
	// Packets counts the sample's packets fitted, Sample the whole direction.
	Sample *Sample `yaml:"sample,omitempty,flow" json:"sample,omitempty"`
}

// Sample is how a direction was sampled for fitting: Kept packets of the Of
// the capture held, in blocks of Block consecutive packets chosen uniformly
// over the whole direction and kept in time order.
type Sample struct {
	Kept  int64 `yaml:"kept" json:"kept"`
	Of    int64 `yaml:"of" json:"of"`
	Block int   `yaml:"block" json:"block"`
}

// Bursts is a direction's on/off timeline: the packets come in bursts, a
// burst ends where a gap exceeds Threshold (seconds), and the number of
// packets per burst and the idle gaps between bursts have the capture's
// distributions. A Markov chain gives bursts a geometric length, which a
// web client's page loads (a dozen packets typically, several hundred now
// and then) or a terminal session's typing do not have; this layer draws
// each burst's length and the idle gap before it from the capture, and
// leaves the packets within a burst to the model, whose gaps above
// Threshold are drawn again (up to MaxRedraw times, then held at
// Threshold). Packets and Idle map a standard normal draw onto the
// capture's distribution (as a chain's Marginals map its draws): the
// number of packets (rounded, at least 1) and the idle gap.
type Bursts struct {
	Threshold float64  `yaml:"threshold" json:"threshold"`
	Packets   Marginal `yaml:"packets" json:"packets"`
	Idle      Marginal `yaml:"idle" json:"idle"`
	// Block, when not 0, draws the bursts Block at a time (between 2 and
	// MaxBlock): the block's lengths, and its idle gaps, are a stratified
	// sample of their distributions (one draw in each 1/Block slice of
	// probability), each shuffled. Bursts are few and their lengths and
	// idle gaps heavy-tailed (one 10 s pause among a second's worth), so a
	// run as long as the capture drawn burst by burst carries a byte rate
	// and an idle share that swing widely around the capture's; a block as
	// long as the capture's count of bursts carries them to within a slice.
	Block int `yaml:"block,omitempty" json:"block,omitempty"`
}

// MaxRedraw is how many times a burst's packet whose gap exceeds the
// threshold is drawn again before its gap is held at the threshold.
const MaxRedraw = 16

// Model names of Direction.Model.
const (
	ModelIID = "iid"
	ModelHMM = "hmm"
)

// Param is the 1-D model of one feature: a Gaussian mixture over the feature
// (or over its transform) and the observed bounds in the feature's own units
// (bytes, seconds), which generated values never leave.
type Param struct {
	Min       float64     `yaml:"min" json:"min"`
	Max       float64     `yaml:"max" json:"max"`
	Transform string      `yaml:"transform,omitempty" json:"transform,omitempty"` // none | log
	Mixture   []Component `yaml:"mixture" json:"mixture"`
	// BIC by component count k (index k-1), when the count was chosen by BIC.
	BIC []float64 `yaml:"bic,omitempty,flow" json:"bic,omitempty"`
	// Marginal, when present, carries each draw of the mixture (in its own
	// domain: log seconds for a log transform) onto the direction's
	// observed distribution, as a chain's Marginals do: Z the mixture's
	// quantiles, X the data's at the same probabilities, so independent
	// draws have the capture's distribution, exact repeated values
	// included. Its values lie within [Min, Max].
	Marginal *Marginal `yaml:"marginal,omitempty" json:"marginal,omitempty"`
}

// Component is one Gaussian of a 1-D mixture.
type Component struct {
	Weight float64 `yaml:"weight" json:"weight"`
	Mean   float64 `yaml:"mean" json:"mean"`
	Std    float64 `yaml:"std" json:"std"`
}

// Transform names.
const (
	TransformNone = "none"
	TransformLog  = "log"
)

// Feature names.
const (
	FeatureIAT  = "iat"
	FeatureSize = "size"
)

// HMM is the temporal model of a direction: chains walked independently, each
// feature emitted by exactly one chain.
type HMM struct {
	Chains []Chain `yaml:"chains" json:"chains"`
}

// Chain is one hidden Markov chain. An observation x of its features is
// transformed (Transform), then scaled, z = (x - Scale.Mean) / Scale.Std, and
// each state emits z from its Gaussian mixture.
type Chain struct {
	Features    []string          `yaml:"features,flow" json:"features"`
	Transform   map[string]string `yaml:"transform,omitempty,flow" json:"transform,omitempty"`
	Scale       Scale             `yaml:"scale" json:"scale"`
	Start       []float64         `yaml:"start,flow" json:"start"`
	Transitions [][]float64       `yaml:"transitions" json:"transitions"`
	States      []State           `yaml:"states" json:"states"`
	// Marginals, when present, hold one map per feature (in Features
	// order) that carries a draw of the chain onto the direction's
	// observed distribution: the draw v (in the scaled space) becomes the
	// piecewise-linear interpolation of X over Z at v, held at the ends.
	// The Z are the chain's own quantiles (of its stationary emission), the
	// X the data's at the same probabilities, so a generated feature has
	// the capture's distribution, exact repeated values included (a run of
	// equal X is a value the capture repeats), while the chain gives the
	// order: states, bursts and correlation.
	Marginals []Marginal `yaml:"marginals,omitempty" json:"marginals,omitempty"`
	// Block, when not 0 (it needs Marginals), walks the chain Block steps
	// at a time: each feature's values in a block are Block fresh draws of
	// the direction's distribution (the maps read as quantile functions),
	// handed out in the order of the ranks of the chain's own draws. A
	// short run then has the capture's distribution whatever states the
	// chain happened to visit (a slow regime that stays high for most of
	// it no longer skews it), while the chain keeps the order: regimes,
	// correlation. Between MinBlock and MaxBlock.
	Block int `yaml:"block,omitempty" json:"block,omitempty"`
}

// The bounds of Chain.Block: a block must be long against the lags the
// correlation is kept at (50), and its buffers small.
const (
	MinBlock = 64
	MaxBlock = 1 << 16
)

// Marginal is a monotone map from a chain's scaled space to a feature's
// units (seconds, bytes): knots Z strictly increasing, values X not
// decreasing, as many of each, at least two.
type Marginal struct {
	Z []float64 `yaml:"z,flow" json:"z"`
	X []float64 `yaml:"x,flow" json:"x"`
}

// Scale is the standardisation applied before fitting.
type Scale struct {
	Mean []float64 `yaml:"mean,flow" json:"mean"`
	Std  []float64 `yaml:"std,flow" json:"std"`
}

// State is one hidden state: a Gaussian mixture in the chain's scaled space.
type State struct {
	Mixture []MVComponent `yaml:"mixture" json:"mixture"`
}

// MVComponent is one multivariate Gaussian with full covariance.
type MVComponent struct {
	Weight float64     `yaml:"weight" json:"weight"`
	Mean   []float64   `yaml:"mean,flow" json:"mean"`
	Cov    [][]float64 `yaml:"cov,flow" json:"cov"`
}

// Object returns the object with the given id, or nil.
func (p *Profile) Object(id string) *Object {
	for i := range p.Objects {
		if p.Objects[i].ID == id {
			return &p.Objects[i]
		}
	}
	return nil
}

// IDs lists the object ids in document order.
func (p *Profile) IDs() []string {
	ids := make([]string, len(p.Objects))
	for i := range p.Objects {
		ids[i] = p.Objects[i].ID
	}
	return ids
}

// Hash is a stable digest of the document's content (its canonical JSON), so
// that two processes can check they hold the same profile.
func (p *Profile) Hash() string {
	b, err := json.Marshal(p)
	if err != nil {
		// Only NaN/Inf can make Marshal fail; Validate rejects those.
		b = []byte(fmt.Sprintf("%#v", p))
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
