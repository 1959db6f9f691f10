package profiles

import "fmt"

// Bounds on a profile's values beyond being finite: a value past them is
// finite but absurd, and would overflow where it is turned into an integer
// or a unit (a size of 1e300 bytes became -9223372036854775808 in a CSV, a
// gap of 1e303 s an isg of +Inf µs in TRex YAML and a negative D-ITG -t).
const (
	// MaxSize is the largest packet size in bytes, in any size unit: an IP
	// datagram's largest total length plus room for link headers.
	MaxSize = 65535 + 64
	// MaxGap is the largest gap in seconds (about 11.6 days): a million
	// packets of it still fit a nanosecond clock in an int64 many times over.
	MaxGap = 1e6
)

// bounds checks a direction's observed bounds, its marginal maps and its
// burst layer's gaps against MaxSize and MaxGap.
func (v *validator) bounds(path string, d *Direction) {
	if d.Size.Max > MaxSize {
		v.failf(path+".size.max", "must be <= %d bytes (an IP datagram plus link headers), got %v", MaxSize, d.Size.Max)
	}
	if d.IAT.Max > MaxGap {
		v.failf(path+".iat.max", "must be <= %g seconds, got %v", MaxGap, d.IAT.Max)
	}
	if b := d.Bursts; b != nil {
		if b.Threshold > MaxGap {
			v.failf(path+".bursts.threshold", "must be <= %g seconds, got %v", MaxGap, b.Threshold)
		}
		for k, x := range b.Idle.X {
			if x > MaxGap {
				v.failf(fmt.Sprintf("%s.bursts.idle.x[%d]", path, k), "must be <= %g seconds, got %v", MaxGap, x)
			}
		}
	}
	if d.HMM == nil {
		return
	}
	for ci, c := range d.HMM.Chains {
		if len(c.Marginals) != len(c.Features) {
			continue // the validator's marginals check says so
		}
		for fi, m := range c.Marginals {
			limit, unit := float64(MaxSize), "bytes"
			if c.Features[fi] == FeatureIAT {
				limit, unit = MaxGap, "seconds"
			}
			for k, x := range m.X {
				if x > limit {
					v.failf(fmt.Sprintf("%s.hmm.chains[%d].marginals[%d].x[%d]", path, ci, fi, k), "must be <= %g %s, got %v", limit, unit, x)
				}
			}
		}
	}
}
