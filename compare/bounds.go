package compare

import "math"

// Bounds are the limits a comparison must stay within; a negative bound is
// not checked.
type Bounds struct {
	MaxKS       float64 // on ks_size and ks_iat
	MaxACFErr   float64 // on acf_err_size and acf_err_iat
	MaxRateErr  float64 // on |ratio − 1| of rate_ratio_bytes and rate_ratio_packets
	MaxBurstErr float64 // on |ln ratio| of each burst_ratio (10 ms, 100 ms, 1 s)
}

// NoBounds checks nothing.
var NoBounds = Bounds{MaxKS: -1, MaxACFErr: -1, MaxRateErr: -1, MaxBurstErr: -1}

// Check is one bound checked on one direction.
type Check struct {
	ID     string  `json:"object"`
	Dir    string  `json:"direction"`
	Metric string  `json:"metric"` // the JSON key, e.g. ks_iat
	Value  jsonNum `json:"value"`  // the metric; NaN when it could not be measured
	Err    jsonNum `json:"error"`  // what the bound limits: the value, |ratio − 1| or |ln ratio|
	Bound  string  `json:"bound"`  // the Bounds field, e.g. MaxKS
	Limit  float64 `json:"limit"`
	Passed bool    `json:"passed"`
}

// jsonNum is a float that encodes NaN and ±Inf as null.
type jsonNum float64

func (n jsonNum) MarshalJSON() ([]byte, error) { return appendNum(nil, float64(n)), nil }

// Check checks every bound set on every compared direction, in report
// order. A NaN distance (too few values to measure) fails any bound set on
// it: a gate must not pass on what it could not see. A burstiness the
// original itself does not have (a span shorter than two windows) is not
// checked.
func (r *Report) Check(b Bounds) []Check {
	var out []Check
	for _, o := range r.Objects {
		for d, dir := range [2]*Direction{o.From, o.To} {
			if dir == nil {
				continue
			}
			name := [2]string{"from", "to"}[d]
			add := func(metric string, v, e float64, bound string, limit float64) {
				if limit < 0 {
					return
				}
				out = append(out, Check{o.ID, name, metric, jsonNum(v), jsonNum(e), bound, limit, !math.IsNaN(e) && e <= limit})
			}
			same := func(v float64) float64 { return v }
			rate := func(v float64) float64 { return math.Abs(v - 1) }
			burst := func(v float64) float64 { return math.Abs(math.Log(v)) }
			for i, c := range []struct {
				metric string
				v      float64
				err    func(float64) float64
				bound  string
				limit  float64
			}{
				{"ks_size", dir.KSSize, same, "MaxKS", b.MaxKS},
				{"ks_iat", dir.KSIAT, same, "MaxKS", b.MaxKS},
				{"acf_err_size", dir.ACFErrSize, same, "MaxACFErr", b.MaxACFErr},
				{"acf_err_iat", dir.ACFErrIAT, same, "MaxACFErr", b.MaxACFErr},
				{"rate_ratio_bytes", dir.RateRatioBytes, rate, "MaxRateErr", b.MaxRateErr},
				{"rate_ratio_packets", dir.RateRatioPackets, rate, "MaxRateErr", b.MaxRateErr},
				{"burst_ratio_10ms", dir.BurstRatio[0], burst, "MaxBurstErr", b.MaxBurstErr},
				{"burst_ratio_100ms", dir.BurstRatio[1], burst, "MaxBurstErr", b.MaxBurstErr},
				{"burst_ratio_1s", dir.BurstRatio[2], burst, "MaxBurstErr", b.MaxBurstErr},
			} {
				if i >= 6 && math.IsNaN(dir.CVOriginal[i-6]) {
					// The original is too short (or silent) to have a
					// burstiness at this scale: there is nothing to judge.
					continue
				}
				add(c.metric, c.v, c.err(c.v), c.bound, c.limit)
			}
		}
	}
	return out
}

// Gate checks b and records the checks and the verdict in the report (and
// so in its JSON); it returns the checks that failed.
func (r *Report) Gate(b Bounds) []Check {
	r.Checks = r.Check(b)
	if len(r.Checks) == 0 {
		r.Checks, r.Passed = nil, nil
		return nil
	}
	var failed []Check
	for _, c := range r.Checks {
		if !c.Passed {
			failed = append(failed, c)
		}
	}
	ok := len(failed) == 0
	r.Passed = &ok
	return failed
}
