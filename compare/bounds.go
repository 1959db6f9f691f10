package compare

import "math"

// Bounds are the limits a comparison must stay within; a negative bound is
// not checked.
type Bounds struct {
	MaxKS     float64 // on ks_size and ks_iat
	MaxACFErr float64 // on acf_err_size and acf_err_iat
}

// NoBounds checks nothing.
var NoBounds = Bounds{MaxKS: -1, MaxACFErr: -1}

// Violation is one distance beyond its bound.
type Violation struct {
	ID, Dir string  // object and direction
	Metric  string  // the JSON key, e.g. ks_iat
	Value   float64 // NaN when the distance could not be measured
	Bound   string  // the Bounds field, e.g. MaxKS
	Limit   float64
}

// Check returns the violated bounds, in report order. A NaN distance (too
// few values to measure) violates any bound set on it: a gate must not pass
// on what it could not see.
func (r *Report) Check(b Bounds) []Violation {
	var out []Violation
	for _, o := range r.Objects {
		for d, dir := range [2]*Direction{o.From, o.To} {
			if dir == nil {
				continue
			}
			name := [2]string{"from", "to"}[d]
			for _, c := range []struct {
				metric string
				v      float64
				bound  string
				limit  float64
			}{
				{"ks_size", dir.KSSize, "MaxKS", b.MaxKS},
				{"ks_iat", dir.KSIAT, "MaxKS", b.MaxKS},
				{"acf_err_size", dir.ACFErrSize, "MaxACFErr", b.MaxACFErr},
				{"acf_err_iat", dir.ACFErrIAT, "MaxACFErr", b.MaxACFErr},
			} {
				if c.limit >= 0 && (math.IsNaN(c.v) || c.v > c.limit) {
					out = append(out, Violation{o.ID, name, c.metric, c.v, c.bound, c.limit})
				}
			}
		}
	}
	return out
}
