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
}

// TimelineOf measures s (which needs Time). Windows are whole windows from
// the first packet, as in Throughput; a measure that needs more windows than
// the span holds is NaN.
//
// Its cost grows with the packets, not the span: the model search measures
// every run it scores, and a sparse direction over a minute has 6,000 windows
// of 10 ms for its hundred packets. The figures are those of cv over
// Throughput's windows, bit for bit (sparseWindows).
func TimelineOf(s Series) Timeline {
	nan := math.NaN()
	t := Timeline{Bytes: nan, Packets: nan, CV: [3]float64{nan, nan, nan}, Idle: nan}
	n := len(s.Time)
	if n < 2 || len(s.Size) != n {
		return t
	}
	span := s.Time[n-1] - s.Time[0]
	if span > 0 {
		var b float64
		for _, v := range s.Size {
			b += v
		}
		t.Bytes, t.Packets = b/span, float64(n)/span
	}
	var ws sparse
	for i, w := range BurstWindows {
		switch {
		case span < w:
		case ws.of(s.Time, s.Size, w):
			if ws.whole >= 2 {
				t.CV[i] = ws.cv()
			}
		default:
			if win := Throughput(nil, s.Time, s.Size, w); len(win) >= 2 {
				t.CV[i] = cv(win)
			}
		}
	}
	if span >= IdleWindow {
		if ws.of(s.Time, s.Size, IdleWindow) {
			t.Idle = float64(ws.whole-len(ws.k)) / float64(ws.whole)
		} else {
			counts := make([]float64, n)
			for i := range counts {
				counts[i] = 1
			}
			win := Throughput(nil, s.Time, counts, IdleWindow)
			idle := 0
			for _, v := range win {
				if v == 0 {
					idle++
				}
			}
			t.Idle = float64(idle) / float64(len(win))
		}
	}
	return t
}

// sparse is Throughput's windows with only the non-empty ones held: k their
// indices, ascending, v their bytes per second, of whole windows in all.
type sparse struct {
	whole int
	k     []int
	v     []float64
}

// of fills ws with the windows of w seconds over times and sizes, as
// Throughput makes them (the same window of each packet, the same sums in
// the same order); it reports false, leaving the work to Throughput, where
// the times are not ascending or the span holds no whole window.
func (ws *sparse) of(times, sizes []float64, w float64) bool {
	ws.k, ws.v = ws.k[:0], ws.v[:0]
	t0 := times[0]
	span := times[len(times)-1] - t0
	wns := max(int64(math.Round(w*1e9)), 1)
	ws.whole = int(int64(math.Round(span*1e9)) / wns)
	if ws.whole == 0 {
		return false
	}
	for i, t := range times {
		k := int(int64(math.Round((t-t0)*1e9)) / wns)
		if k >= ws.whole {
			break
		}
		k = max(k, 0)
		switch l := len(ws.k); {
		case l > 0 && k == ws.k[l-1]:
			ws.v[l-1] += sizes[i]
		case l > 0 && k < ws.k[l-1]:
			return false
		default:
			ws.k, ws.v = append(ws.k, k), append(ws.v, 0+sizes[i])
		}
	}
	for j := range ws.v {
		ws.v[j] /= w
	}
	return true
}

// cv is cv of the dense windows: the empty ones add nothing to the mean's
// sum and the square of the mean to the spread's, each in its place.
func (ws *sparse) cv() float64 {
	var mean float64
	for _, v := range ws.v {
		mean += v
	}
	mean /= float64(ws.whole)
	if !(mean > 0) {
		return math.NaN()
	}
	// The same expressions as cv's, so that a compiler that fuses them
	// fuses both alike.
	var ss float64
	next := 0
	for j, k := range ws.k {
		for ; next < k; next++ {
			ss += (0 - mean) * (0 - mean)
		}
		v := ws.v[j]
		ss += (v - mean) * (v - mean)
		next = k + 1
	}
	for ; next < ws.whole; next++ {
		ss += (0 - mean) * (0 - mean)
	}
	return math.Sqrt(ss/float64(ws.whole)) / mean
}

// cv is the coefficient of variation of x (population), NaN when its mean
// is not positive.
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
	wa := Throughput(nil, orig.Time, orig.Size, BurstWindows[0])
	wb := Throughput(nil, gen.Time, gen.Size, BurstWindows[0])
	if len(wa) > 1 && len(wb) > 1 {
		r.ACFErrBytes10ms = ACFErr(wa, wb, ACFLags)
	}
}
