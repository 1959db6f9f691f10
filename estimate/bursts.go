package estimate

import (
	"slices"

	"github.com/gmm2trex/gmm2trex/profiles"
)

// burstThresholds are the gaps (seconds) at which ChooseModel tries to cut
// a direction into bursts: every decade from a millisecond to ten seconds,
// so that the choice is the score's, not a constant's.
var burstThresholds = []float64{0.001, 0.01, 0.1, 1, 10}

// burstMin is the fewest idle gaps a threshold must leave for the burst
// layer to be fitted: the distributions of burst lengths and idle gaps are
// taken from the capture's bursts, and a handful cannot tell a typical
// length from a long one. With 8, Skype `to` got a layer from 9 idle gaps
// whose bursts ran 1 to 3305 packets, and its first 1000 generated packets
// took 37 s against the capture's 20. Measured on the whole fidelity
// benchmark: 8, 16 and 32 held 5, 6 and 6 of 13 directions within every
// bound (21, 20, 20 bounds missed); 16 is the smallest of the best.
const burstMin = 16

// fitBursts cuts the series at the gaps above threshold and returns the
// on/off layer of its bursts (profiles.Bursts) and their count, or nil when the cut leaves
// fewer than burstMin idle gaps or bursts of one packet on average (then
// the "bursts" are the packets themselves, and the model's gaps say all).
// iat[i] is the gap before packet i of the series (the capture's i+1:
// its first packet has no gap); every packet before the first idle
// gap, and every one after the last, counts as a burst too (the capture
// cut them short: their lengths are a lower bound, kept so that the
// capture's packets and span are all accounted for).
func fitBursts(iat []float64, threshold float64) (b *profiles.Bursts, bursts int) {
	var lengths, idle []float64
	n := 0
	for i, g := range iat {
		if g > threshold {
			if i == 0 {
				// The series starts at the capture's second packet: the
				// first one, before this gap, is a burst of its own. Left
				// out, the gap (a page load's first wait, 22 % of one
				// capture's span) went with it, and every run drawn was
				// denser than the capture.
				n = 1
			}
			lengths = append(lengths, float64(n))
			idle = append(idle, g)
			n = 0
		}
		n++
	}
	lengths = append(lengths, float64(n))
	if len(idle) < burstMin || float64(len(iat)) < 2*float64(len(lengths)) {
		return nil, 0
	}
	slices.Sort(lengths)
	slices.Sort(idle)
	return &profiles.Bursts{Threshold: threshold, Packets: normalMap(lengths), Idle: normalMap(idle)}, len(lengths)
}

// blockedBursts returns b drawn in blocks (profiles.Bursts.Block) as long
// as the capture's count of bursts under b's threshold: a run as long as
// the capture then carries the capture's spread of burst lengths and idle
// gaps, not a sample of it.
func blockedBursts(b *profiles.Bursts, n int) *profiles.Bursts {
	v := *b
	v.Block = min(max(n, 2), profiles.MaxBlock)
	return &v
}

// normalMap is the monotone map from a standard normal draw onto the
// distribution of sorted (the knots and steps of marginalOf), a knot a
// value up to marginalKnots, not knotBudget's quarter: the layer is drawn
// in blocks as long as the capture's count of bursts (blockedBursts) so
// that a run carries the capture's bursts and silences themselves, which
// a coarser map does not (the web device's byte rate went 1.014 → 1.056
// with the budget).
func normalMap(sorted []float64) profiles.Marginal {
	return marginalOf([]float64{1}, []float64{0}, []float64{1}, sorted, min(marginalKnots, len(sorted)))
}
