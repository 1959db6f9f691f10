package profiles

import (
	"errors"
	"strings"
	"testing"
)

// Finite but absurd values are refused with their field's path: they gave
// negative sizes in a CSV, +Inf isg in TRex YAML and a negative D-ITG -t.
func TestValidateBounds(t *testing.T) {
	for _, c := range []struct {
		name, path, msg string
		mutate          func(p *Profile)
	}{
		{"size over 65535+headers", "objects[0].from.size.max", "must be <= 65599 bytes", func(p *Profile) { p.Objects[0].From.Size.Max = 1e300 }},
		{"gap that overflows", "objects[0].to.iat.max", "must be <= 1e+06 seconds, got 1e+303", func(p *Profile) { p.Objects[0].To.IAT.Max = 1e303 }},
		{"negative duration", "source", "duration and packets must be >= 0, got -5 s", func(p *Profile) { p.Source.Duration = -5 }},
		{"negative packets", "source", "got 0 s and -1", func(p *Profile) { p.Source.Duration, p.Source.Packets = 0, -1 }},
		{"idle gap", "objects[0].from.bursts.idle.x[2]", "must be <= 1e+06 seconds", func(p *Profile) {
			p.Objects[0].From.Bursts = testBursts()
			p.Objects[0].From.Bursts.Idle.X[2] = 1e300
		}},
		{"marginal size", "objects[0].from.hmm.chains[0].marginals[1].x[1]", "must be <= 65599 bytes", func(p *Profile) {
			c := &p.Objects[0].From.HMM.Chains[0]
			c.Marginals = []Marginal{{Z: []float64{-1, 1}, X: []float64{0.001, 0.002}}, {Z: []float64{-1, 1}, X: []float64{60, 1e12}}}
		}},
		{"marginal gap", "objects[0].from.hmm.chains[0].marginals[0].x[1]", "must be <= 1e+06 seconds", func(p *Profile) {
			c := &p.Objects[0].From.HMM.Chains[0]
			c.Marginals = []Marginal{{Z: []float64{-1, 1}, X: []float64{0.001, 2e6}}, {Z: []float64{-1, 1}, X: []float64{60, 100}}}
		}},
	} {
		p := loadTiny(t)
		if f := p.Objects[0].From.HMM.Chains[0].Features; len(f) != 2 || f[0] != FeatureIAT {
			t.Fatalf("tiny's first chain emits %v, want [iat size]", f)
		}
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
		c.mutate(p)
		err := p.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Path != c.path || !strings.Contains(fe.Msg, c.msg) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want %s: …%s…", c.name, err, c.path, c.msg)
		}
	}
	// At the bounds: valid.
	p := loadTiny(t)
	p.Objects[0].From.Size.Max, p.Objects[0].From.IAT.Max = MaxSize, MaxGap
	if err := p.Validate(); err != nil {
		t.Error(err)
	}
}
