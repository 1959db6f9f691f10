package profiles

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"

	"github.com/gmm2trex/gmm2trex/internal/gauss"
)

// ErrInvalid is wrapped by every validation error, so callers can tell a bad
// document from an unreadable file.
var ErrInvalid = errors.New("invalid profile")

// FieldError names the field that is wrong and why.
type FieldError struct {
	Path string // e.g. objects[0].from.iat.mixture[2].std
	Msg  string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }
func (e *FieldError) Unwrap() error { return ErrInvalid }

// weightTol is how far mixture weights, start vectors and transition rows may
// be from summing to 1; YAML round trips keep 17 digits, so this only absorbs
// the fitting code's own rounding.
const weightTol = 1e-6

// Validate checks the document and returns the first problem found as a
// *FieldError (wrapping ErrInvalid), or nil.
func (p *Profile) Validate() error {
	v := validator{}
	v.profile(p)
	return v.err
}

type validator struct{ err error }

func (v *validator) failf(path, format string, a ...any) {
	if v.err == nil {
		v.err = &FieldError{Path: path, Msg: fmt.Sprintf(format, a...)}
	}
}

func (v *validator) profile(p *Profile) {
	if p.Format != Format {
		v.failf("format", "unknown format %q (this build reads %q)", p.Format, Format)
		return
	}
	v.finite("source.duration", p.Source.Duration)
	if p.Source.Duration < 0 || p.Source.Packets < 0 {
		v.failf("source", "duration and packets must be >= 0, got %v s and %d", p.Source.Duration, p.Source.Packets)
	}
	if r := p.Source.Resolution; !(r >= 0 && r <= 1) {
		v.failf("source.resolution", "must be a clock tick in seconds, 0 <= r <= 1, got %v", r)
	}
	if s := p.Settings.Percentiles; len(s) != 0 {
		if len(s) != 2 || !(s[0] >= 0 && s[0] < s[1] && s[1] <= 100) {
			v.failf("settings.percentiles", "must be [lo, hi] with 0 <= lo < hi <= 100, got %v", s)
		}
	}
	if len(p.Objects) == 0 {
		v.failf("objects", "no objects")
	}
	seen := map[string]int{}
	for i := range p.Objects {
		o := &p.Objects[i]
		path := fmt.Sprintf("objects[%d]", i)
		if o.ID == "" {
			v.failf(path+".id", "empty")
		}
		if j, dup := seen[o.ID]; dup {
			v.failf(path+".id", "duplicate of objects[%d]: %q", j, o.ID)
		}
		seen[o.ID] = i
		switch o.Kind {
		case "flow", "ip", "mac":
		default:
			v.failf(path+".kind", "must be flow, ip or mac, got %q", o.Kind)
		}
		switch o.Proto {
		case "", "UDP", "TCP":
		default:
			v.failf(path+".proto", "must be UDP or TCP, got %q", o.Proto)
		}
		v.endpoint(path+".local", o.Local)
		v.endpoint(path+".remote", o.Remote)
		if o.From == nil && o.To == nil {
			v.failf(path, "neither direction has a model")
		}
		if o.From != nil {
			v.direction(path+".from", o.From)
		}
		if o.To != nil {
			v.direction(path+".to", o.To)
		}
	}
}

func (v *validator) endpoint(path string, e Endpoint) {
	if e.IP != "" {
		if _, err := netip.ParseAddr(e.IP); err != nil {
			v.failf(path+".ip", "not an IP address: %q", e.IP)
		}
	}
	if e.Port < 0 || e.Port > 65535 {
		v.failf(path+".port", "must be 0..65535, got %d", e.Port)
	}
	if e.MAC != "" {
		if hw, err := net.ParseMAC(e.MAC); err != nil || len(hw) != 6 {
			v.failf(path+".mac", "not an Ethernet MAC address: %q", e.MAC)
		}
	}
}

func (v *validator) direction(path string, d *Direction) {
	switch d.Model {
	case "", ModelIID:
	case ModelHMM:
		if d.HMM == nil {
			v.failf(path+".model", "is hmm, but the direction has no hmm")
		}
	case ModelRNN:
		if d.RNN == nil {
			v.failf(path+".model", "is rnn, but the direction has no rnn")
		}
	default:
		v.failf(path+".model", "must be iid, hmm or rnn, got %q", d.Model)
	}
	for m, x := range d.Scores {
		v.finite(path+".scores."+m, x)
	}
	if d.Packets < 0 {
		v.failf(path+".packets", "must be >= 0, got %d", d.Packets)
	}
	if sm := d.Sample; sm != nil {
		switch {
		case sm.Kept < 1:
			v.failf(path+".sample.kept", "must be >= 1, got %d", sm.Kept)
		case sm.Of < sm.Kept:
			v.failf(path+".sample.of", "must be >= kept (%d), got %d", sm.Kept, sm.Of)
		case sm.Block < 1 || int64(sm.Block) > sm.Kept:
			v.failf(path+".sample.block", "must be between 1 and kept (%d), got %d", sm.Kept, sm.Block)
		}
	}
	v.param(path+".size", d.Size, false)
	v.param(path+".iat", d.IAT, true)
	if d.Size.Min < 0 {
		v.failf(path+".size.min", "must be >= 0, got %v", d.Size.Min)
	}
	if d.IAT.Min < 0 {
		v.failf(path+".iat.min", "must be >= 0, got %v", d.IAT.Min)
	}
	if d.Bursts != nil {
		v.bursts(path+".bursts", d.Bursts)
	}
	v.bounds(path, d)
	if d.HMM != nil {
		v.hmm(path+".hmm", d.HMM)
	}
	if d.RNN != nil {
		v.rnn(path+".rnn", d.RNN)
	}
}

func (v *validator) param(path string, p Param, logOK bool) {
	v.finite(path+".min", p.Min)
	v.finite(path+".max", p.Max)
	if p.Min > p.Max {
		v.failf(path, "min > max: %v > %v", p.Min, p.Max)
	}
	switch p.Transform {
	case "", TransformNone:
	case TransformLog:
		if !logOK {
			v.failf(path+".transform", "log is only supported for iat")
		}
	default:
		v.failf(path+".transform", "must be none or log, got %q", p.Transform)
	}
	if len(p.Mixture) == 0 {
		v.failf(path+".mixture", "empty")
	}
	sum := 0.0
	for i, c := range p.Mixture {
		cp := fmt.Sprintf("%s.mixture[%d]", path, i)
		v.finite(cp+".weight", c.Weight)
		v.finite(cp+".mean", c.Mean)
		v.finite(cp+".std", c.Std)
		if c.Weight < 0 {
			v.failf(cp+".weight", "must be >= 0, got %v", c.Weight)
		}
		if !(c.Std > 0) {
			v.failf(cp+".std", "must be > 0, got %v", c.Std)
		}
		sum += c.Weight
	}
	if len(p.Mixture) > 0 && math.Abs(sum-1) > weightTol {
		v.failf(path+".mixture", "weights sum to %v, not 1", sum)
	}
	for i, b := range p.BIC {
		v.finite(fmt.Sprintf("%s.bic[%d]", path, i), b)
	}
	if m := p.Marginal; m != nil {
		v.marginal(path+".marginal", m)
		if n := len(m.X); n >= 2 && len(m.Z) == n && (m.X[0] < p.Min || m.X[n-1] > p.Max) {
			v.failf(path+".marginal", "values must lie within [min, max] = [%v, %v], got %v..%v", p.Min, p.Max, m.X[0], m.X[n-1])
		}
	}
}

func (v *validator) hmm(path string, h *HMM) {
	if len(h.Chains) == 0 {
		v.failf(path+".chains", "empty")
		return
	}
	emitted := map[string]string{}
	for ci := range h.Chains {
		c := &h.Chains[ci]
		cp := fmt.Sprintf("%s.chains[%d]", path, ci)
		d := len(c.Features)
		if d == 0 {
			v.failf(cp+".features", "empty")
			continue
		}
		for fi, f := range c.Features {
			fp := fmt.Sprintf("%s.features[%d]", cp, fi)
			if f != FeatureIAT && f != FeatureSize {
				v.failf(fp, "unknown feature %q (valid: iat, size)", f)
			}
			if prev, dup := emitted[f]; dup {
				v.failf(fp, "feature %q is already emitted by %s", f, prev)
			}
			emitted[f] = cp
		}
		for f, t := range c.Transform {
			if !contains(c.Features, f) {
				v.failf(cp+".transform."+f, "not a feature of this chain")
			}
			if t != TransformNone && t != TransformLog {
				v.failf(cp+".transform."+f, "must be none or log, got %q", t)
			}
		}
		if len(c.Scale.Mean) != d {
			v.failf(cp+".scale.mean", "has %d values for %d features", len(c.Scale.Mean), d)
		}
		if len(c.Scale.Std) != d {
			v.failf(cp+".scale.std", "has %d values for %d features", len(c.Scale.Std), d)
		}
		for i, m := range c.Scale.Mean {
			v.finite(fmt.Sprintf("%s.scale.mean[%d]", cp, i), m)
		}
		for i, s := range c.Scale.Std {
			if !(s > 0) || math.IsInf(s, 0) {
				v.failf(fmt.Sprintf("%s.scale.std[%d]", cp, i), "must be > 0 and finite, got %v", s)
			}
		}
		k := len(c.States)
		if k == 0 {
			v.failf(cp+".states", "empty")
			continue
		}
		v.probVector(cp+".start", c.Start, k)
		if len(c.Transitions) != k {
			v.failf(cp+".transitions", "has %d rows for %d states", len(c.Transitions), k)
		}
		for r, row := range c.Transitions {
			v.probVector(fmt.Sprintf("%s.transitions[%d]", cp, r), row, k)
		}
		for si, s := range c.States {
			sp := fmt.Sprintf("%s.states[%d].mixture", cp, si)
			if len(s.Mixture) == 0 {
				v.failf(sp, "empty")
			}
			sum := 0.0
			for mi, m := range s.Mixture {
				mp := fmt.Sprintf("%s[%d]", sp, mi)
				v.finite(mp+".weight", m.Weight)
				if m.Weight < 0 {
					v.failf(mp+".weight", "must be >= 0, got %v", m.Weight)
				}
				sum += m.Weight
				if len(m.Mean) != d {
					v.failf(mp+".mean", "has %d values for %d features", len(m.Mean), d)
				}
				for i, x := range m.Mean {
					v.finite(fmt.Sprintf("%s.mean[%d]", mp, i), x)
				}
				v.covariance(mp+".cov", m.Cov, d)
			}
			if len(s.Mixture) > 0 && math.Abs(sum-1) > weightTol {
				v.failf(sp, "weights sum to %v, not 1", sum)
			}
		}
		v.marginals(cp+".marginals", c)
		if c.Block != 0 {
			if c.Marginals == nil {
				v.failf(cp+".block", "needs marginals (the block's values are drawn from them)")
			}
			if c.Block < MinBlock || c.Block > MaxBlock {
				v.failf(cp+".block", "must be 0 or between %d and %d steps, got %d", MinBlock, MaxBlock, c.Block)
			}
		}
	}
	for _, f := range []string{FeatureIAT, FeatureSize} {
		if _, ok := emitted[f]; !ok {
			v.failf(path+".chains", "feature %q is emitted by no chain", f)
		}
	}
}

func (v *validator) marginals(path string, c *Chain) {
	if c.Marginals == nil {
		return
	}
	if len(c.Marginals) != len(c.Features) {
		v.failf(path, "has %d maps for %d features", len(c.Marginals), len(c.Features))
		return
	}
	for i := range c.Marginals {
		v.marginal(fmt.Sprintf("%s[%d]", path, i), &c.Marginals[i])
	}
}

// marginal checks one monotone map: as many z as x, at least two, z
// strictly increasing, x not decreasing and not negative.
func (v *validator) marginal(mp string, m *Marginal) {
	if len(m.Z) < 2 || len(m.Z) != len(m.X) {
		v.failf(mp, "needs as many z as x, at least 2 (has %d and %d)", len(m.Z), len(m.X))
		return
	}
	for k := range m.Z {
		v.finite(fmt.Sprintf("%s.z[%d]", mp, k), m.Z[k])
		v.finite(fmt.Sprintf("%s.x[%d]", mp, k), m.X[k])
		if k > 0 && !(m.Z[k] > m.Z[k-1]) {
			v.failf(fmt.Sprintf("%s.z[%d]", mp, k), "must be above z[%d] (%v), got %v", k-1, m.Z[k-1], m.Z[k])
		}
		if k > 0 && m.X[k] < m.X[k-1] {
			v.failf(fmt.Sprintf("%s.x[%d]", mp, k), "must not be below x[%d] (%v), got %v", k-1, m.X[k-1], m.X[k])
		}
		if m.X[k] < 0 {
			v.failf(fmt.Sprintf("%s.x[%d]", mp, k), "must be >= 0 (seconds or bytes), got %v", m.X[k])
		}
	}
}

// bursts checks a direction's on/off layer: a positive finite threshold,
// valid maps, idle gaps above the threshold and at least one packet per
// burst, so that a burst always ends and an idle gap is idle.
func (v *validator) bursts(path string, b *Bursts) {
	v.finite(path+".threshold", b.Threshold)
	if !(b.Threshold > 0) {
		v.failf(path+".threshold", "must be > 0 seconds, got %v", b.Threshold)
	}
	v.marginal(path+".packets", &b.Packets)
	v.marginal(path+".idle", &b.Idle)
	if b.Block != 0 && (b.Block < 2 || b.Block > MaxBlock) {
		v.failf(path+".block", "must be 0 or between 2 and %d bursts, got %d", MaxBlock, b.Block)
	}
	if n := len(b.Packets.X); n >= 2 && len(b.Packets.Z) == n {
		if b.Packets.X[0] < 1 {
			v.failf(path+".packets.x[0]", "must be >= 1 (packets per burst), got %v", b.Packets.X[0])
		}
		if b.Packets.X[n-1] > maxBurstPackets {
			v.failf(fmt.Sprintf("%s.packets.x[%d]", path, n-1), "must be <= %g packets per burst, got %v", maxBurstPackets, b.Packets.X[n-1])
		}
	}
	if n := len(b.Idle.X); n >= 2 && len(b.Idle.Z) == n && b.Idle.X[0] < b.Threshold {
		v.failf(path+".idle.x[0]", "must be >= the threshold (%v s), got %v", b.Threshold, b.Idle.X[0])
	}
}

// maxBurstPackets bounds a burst's length: a billion packets is no burst.
const maxBurstPackets = 1e9

func (v *validator) probVector(path string, p []float64, n int) {
	if len(p) != n {
		v.failf(path, "has %d values, want %d", len(p), n)
		return
	}
	sum := 0.0
	for i, x := range p {
		if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 || x > 1 {
			v.failf(fmt.Sprintf("%s[%d]", path, i), "must be a probability, got %v", x)
		}
		sum += x
	}
	if math.Abs(sum-1) > weightTol {
		v.failf(path, "sums to %v, not 1", sum)
	}
}

// covariance checks that c is a finite, symmetric, positive definite d×d
// matrix, by attempting a Cholesky factorisation.
func (v *validator) covariance(path string, c [][]float64, d int) {
	if len(c) != d {
		v.failf(path, "has %d rows for %d features", len(c), d)
		return
	}
	for i, row := range c {
		if len(row) != d {
			v.failf(fmt.Sprintf("%s[%d]", path, i), "has %d values for %d features", len(row), d)
			return
		}
		for j, x := range row {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				v.failf(fmt.Sprintf("%s[%d][%d]", path, i, j), "must be finite, got %v", x)
				return
			}
		}
	}
	for i := 0; i < d; i++ {
		for j := 0; j < i; j++ {
			if a, b := c[i][j], c[j][i]; math.Abs(a-b) > 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b))) {
				v.failf(path, "not symmetric: [%d][%d]=%v, [%d][%d]=%v", i, j, a, j, i, b)
				return
			}
		}
	}
	// The samplers factor covariances with the same function, so what
	// validates is what can be drawn from.
	if _, ok := gauss.CholeskyRows(c); !ok {
		v.failf(path, "not positive definite")
	}
}

func (v *validator) finite(path string, x float64) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		v.failf(path, "must be finite, got %v", x)
	}
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}
