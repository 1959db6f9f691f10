package fidelity

import (
	"math"
	"strings"

	"github.com/gmm2trex/gmm2trex/metrics"
)

// MinBoundPackets is the fewest packets a direction needs for Failures to
// judge it (the models issue's acceptance: shorter directions are too
// noisy to hold to the bounds).
const MinBoundPackets = 200

// Failures returns the bounds of the models issue that a row misses, by
// name (nil: all held, or the row is too short to judge):
//   - KS of sizes and of gaps ≤ 0.05;
//   - acf_err of sizes and of gaps ≤ max(0.05, half of independent draws');
//   - byte-rate ratio within 1 ± 0.05;
//   - burstiness ratio at 10 ms, 100 ms, 1 s within [0.8, 1.25], or within
//     ± 0.05 of the original's CV where that is below 0.2 (a ratio of two
//     tiny CVs means nothing);
//   - idle share within ± 0.05 of the original's.
func Failures(r Row) []string {
	if r.Packets < MinBoundPackets {
		return nil
	}
	s := r.Scores
	iid := s
	if r.IID != nil {
		iid = *r.IID
	}
	var out []string
	fail := func(name string, ok bool) {
		if !ok {
			out = append(out, name)
		}
	}
	le := func(v Num, b float64) bool { return !math.IsNaN(float64(v)) && float64(v) <= b }
	fail(boundNames[0], le(s.KSSize, metrics.TolKS))
	fail(boundNames[1], le(s.KSIAT, metrics.TolKS))
	fail(boundNames[2], le(s.ACFErrSize, max(metrics.TolACF, float64(iid.ACFErrSize)/2)))
	fail(boundNames[3], le(s.ACFErrIAT, max(metrics.TolACF, float64(iid.ACFErrIAT)/2)))
	fail(boundNames[4], le(Num(math.Abs(float64(s.RateRatio)-1)), metrics.TolRate))
	for i, name := range boundNames[5:8] {
		cvo, ratio := float64(r.CV[i]), float64(s.Burst[i])
		if math.IsNaN(cvo) {
			continue // the original has no burstiness at this scale
		}
		ok := ratio >= 1/metrics.TolBurst && ratio <= metrics.TolBurst
		if cvo < metrics.LowCV {
			ok = ok || math.Abs(float64(s.CV[i])-cvo) <= metrics.TolCV
		}
		fail(name, ok)
	}
	if !math.IsNaN(float64(r.Idle)) {
		fail(boundNames[8], le(Num(math.Abs(float64(s.Idle)-float64(r.Idle))), metrics.TolIdle))
	}
	return out
}

// boundNames are the names Failures gives the bounds, in its order.
var boundNames = []string{"KS size", "KS gap", "acf size", "acf gap", "rate", "burst 10 ms", "burst 100 ms", "burst 1 s", "idle"}

// failuresCell is Failures for the table: "–" for a row too short to
// judge, "ok" when every bound holds.
func failuresCell(r Row) string {
	if r.Packets < MinBoundPackets {
		return "–"
	}
	if f := Failures(r); len(f) > 0 {
		return strings.Join(f, ", ")
	}
	return "ok"
}
