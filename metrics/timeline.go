package metrics

import "math"

// BurstWindows are the windows (seconds) at which burstiness is measured:
// a packet's scale, a frame's or a talk spurt's, a second.
var BurstWindows = [3]float64{0.01, 0.1, 1}

// IdleWindow is the window (seconds) of the idle share.
const IdleWindow = 1.0

// Timeline is how a direction fills time, as opposed to the distributions
// of its sizes and gaps: the rate, the burstiness at three scales and the
// share of idle seconds. Two imitations with the same marginals can differ
// in all of them (drop the long gaps and the rate rises; shuffle the gaps
// and bursts flatten).
type Timeline struct {
	Bytes, Packets float64    // per second over the series' span (last − first time)
	CV             [3]float64 // coefficient of variation of bytes per window, per BurstWindows
	Idle           float64    // share of IdleWindow windows without a packet
	bytes10ms      []float64  // bytes per 10 ms window, for its autocorrelation
}

// TimelineOf measures s (which needs Time). Windows are whole windows from
// the first packet, as in Throughput; a measure that needs more windows than
// the span holds is NaN.
func TimelineOf(s Series) Timeline {
	nan := math.NaN()
	t := Timeline{Bytes: nan, Packets: nan, CV: [3]float64{nan, nan, nan}, Idle: nan}
	n := len(s.Time)
	if n < 2 || len(s.Size) != n {
		return t
	}
	if span := s.Time[n-1] - s.Time[0]; span > 0 {
		var b float64
		for _, v := range s.Size {
			b += v
		}
		t.Bytes, t.Packets = b/span, float64(n)/span
	}
	var win []float64
	for i, w := range BurstWindows {
		win = Throughput(win[:0], s.Time, s.Size, w)
		if i == 0 {
			t.bytes10ms = append([]float64(nil), win...)
		}
		if len(win) >= 2 && s.Time[n-1]-s.Time[0] >= w {
			t.CV[i] = cv(win)
		}
	}
	counts := make([]float64, n)
	for i := range counts {
		counts[i] = 1
	}
	win = Throughput(win[:0], s.Time, counts, IdleWindow)
	if s.Time[n-1]-s.Time[0] >= IdleWindow {
		idle := 0
		for _, v := range win {
			if v == 0 {
				idle++
			}
		}
		t.Idle = float64(idle) / float64(len(win))
	}
	return t
}

// cv is the coefficient of variation (population standard deviation over
// the mean); NaN for a zero mean.
func cv(x []float64) float64 {
	var mean float64
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	if !(mean > 0) {
		return math.NaN()
	}
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return math.Sqrt(ss/float64(len(x))) / mean
}

// timeline fills r's timeline fields from both sides.
func (r *Result) timeline(orig, gen Series) {
	a, b := TimelineOf(orig), TimelineOf(gen)
	r.RateRatioBytes, r.RateRatioPackets = b.Bytes/a.Bytes, b.Packets/a.Packets
	for i := range BurstWindows {
		r.CVOriginal[i], r.CVGenerated[i] = a.CV[i], b.CV[i]
		r.BurstRatio[i] = b.CV[i] / a.CV[i]
	}
	r.IdleOriginal, r.IdleGenerated = a.Idle, b.Idle
	r.ACFErrBytes10ms = math.NaN()
	if len(a.bytes10ms) > 1 && len(b.bytes10ms) > 1 {
		r.ACFErrBytes10ms = ACFErr(a.bytes10ms, b.bytes10ms, ACFLags)
	}
}
