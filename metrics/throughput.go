package metrics

import "math"

// ThroughputWindow is the window of KS of throughput (seconds).
const ThroughputWindow = 1.0

// Throughput appends to dst the throughput, in bytes per second, of each
// window of w seconds: window k covers [t₀ + k·w, t₀ + (k+1)·w), t₀ = times[0],
//
//	T_k = Σ {sizes[i] : times[i] in window k} / w
//
// Only whole windows count: the packets after the last whole window are left
// out, since a partial window would read as a drop in rate. A series shorter
// than one window gives one value, its bytes over its own duration (or
// nothing, if it spans no time). times (seconds, non-decreasing) and sizes
// (bytes) must have equal lengths; Throughput panics otherwise. It allocates
// only by growing dst.
func Throughput(dst, times, sizes []float64, w float64) []float64 {
	if len(times) != len(sizes) {
		panic("metrics: Throughput: len(times) != len(sizes)")
	}
	if len(times) == 0 || !(w > 0) {
		return dst
	}
	// Window indices are computed in whole nanoseconds: a packet stamped
	// exactly on a window edge (a 20 ms RTP stream on 10 ms windows, every
	// packet) must land in the window it starts, which float division
	// (0.03 / 0.01 = 2.9999999999999996) gets wrong for some of them, and
	// a constant-rate stream would read as bursty.
	t0 := times[0]
	span := times[len(times)-1] - t0
	wns := int64(math.Round(w * 1e9))
	whole := int(int64(math.Round(span*1e9)) / max(wns, 1))
	if whole == 0 {
		if span > 0 {
			var b float64
			for _, s := range sizes {
				b += s
			}
			dst = append(dst, b/span)
		}
		return dst
	}
	base := len(dst)
	for range whole {
		dst = append(dst, 0)
	}
	win := dst[base:]
	for i, t := range times {
		k := int(int64(math.Round((t-t0)*1e9)) / max(wns, 1))
		if k >= whole {
			break
		}
		win[max(k, 0)] += sizes[i]
	}
	for k := range win {
		win[k] /= w
	}
	return dst
}
