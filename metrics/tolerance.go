package metrics

import "math"

// The fidelity tolerances of the models issue: how far generated traffic
// may be from its capture and still count as its imitation. The fidelity
// benchmark judges by them (fidelity.Failures) and estimate's model search
// weighs each measure by its tolerance, so that the model chosen is the one
// nearest the capture in the units the imitation is judged in.
const (
	TolKS   = 0.05 // KS of sizes and of gaps
	TolACF  = 0.05 // acf_err of sizes and of gaps: the floor of the bound, max(TolACF, half of independent draws')
	TolRate = 0.05 // |byte-rate ratio − 1|
	// Burstiness (CV of bytes per window): the ratio within
	// [1/TolBurst, TolBurst], or, where the original's CV is below
	// LowCV (a constant-rate flow, where a ratio of two tiny CVs means
	// nothing), the CVs within TolCV of each other.
	TolBurst = 1.25
	LowCV    = 0.2
	TolCV    = 0.05
	TolIdle  = 0.05 // idle share, absolute
)

// BurstErr is how far a generated CV (gen) is from the original's (orig)
// in units of its tolerance: |ln ratio| / ln TolBurst, or, where orig is
// below LowCV, the smaller of that and |gen − orig| / TolCV. 1 is the edge
// of the bound; NaN when orig is.
func BurstErr(orig, gen float64) float64 {
	e := math.Abs(math.Log(gen/orig)) / math.Log(TolBurst)
	if orig < LowCV {
		e = min(e, math.Abs(gen-orig)/TolCV)
	}
	if math.IsNaN(e) && !math.IsNaN(orig) && !math.IsNaN(gen) {
		e = math.Abs(gen-orig) / TolCV // 0/0: both CVs zero
	}
	return e
}
