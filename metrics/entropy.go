package metrics

import "math"

// EntropyWindow is the window of the rolling entropy (packets).
const EntropyWindow = 50

// EntropyBins is the number of value bins of the rolling entropy.
const EntropyBins = 16

const clogTable = 257

// maxEntropyBins bounds bins so the counters live on the stack.
const maxEntropyBins = 1024

// RollingEntropy appends to dst the Shannon entropy, in bits, of the values of
// x within each window of w consecutive packets (positions 0..len(x)−w), the
// values discretised into bins equal-width bins over [lo, hi] (values outside
// are counted in the end bins):
//
//	H_t = −Σ_b (c_b/w) log₂(c_b/w),  c_b = #{x_s in bin b : t ≤ s < t+w}
//
// A steady source gives a flat, low curve; bursts of varied values raise it.
// Comparing the mean of the curves of an original and an imitation tells
// whether the imitation mixes values at the original's pace (independent draws
// mix too fast). The update is O(1) per packet. It returns dst unchanged when
// len(x) < w or w < 1, and panics for bins outside 1..1024 (a programming
// error). It allocates only by growing dst.
func RollingEntropy(dst, x []float64, w int, lo, hi float64, bins int) []float64 {
	if bins < 1 || bins > maxEntropyBins {
		panic("metrics: RollingEntropy: bins outside 1..1024")
	}
	if w < 1 || len(x) < w {
		return dst
	}
	var counts [maxEntropyBins]int32
	scale := 0.0
	if hi > lo {
		scale = float64(bins) / (hi - lo)
	}
	bin := func(v float64) int {
		b := int((v - lo) * scale)
		return min(max(b, 0), bins-1)
	}
	// S = Σ c log₂ c, so that H = log₂ w − S/w.
	// c log₂ c from a table for the usual small windows.
	var table [clogTable]float64
	for c := 2; c < clogTable && c <= w; c++ {
		table[c] = float64(c) * math.Log2(float64(c))
	}
	clog := func(c int32) float64 {
		if c < clogTable {
			return table[c]
		}
		return float64(c) * math.Log2(float64(c))
	}
	var s float64
	for _, v := range x[:w] {
		b := bin(v)
		s += clog(counts[b]+1) - clog(counts[b])
		counts[b]++
	}
	lw, fw := math.Log2(float64(w)), float64(w)
	dst = append(dst, max(lw-s/fw, 0))
	for t := w; t < len(x); t++ {
		out, in := bin(x[t-w]), bin(x[t])
		if out != in {
			s += clog(counts[out]-1) - clog(counts[out])
			counts[out]--
			s += clog(counts[in]+1) - clog(counts[in])
			counts[in]++
		}
		dst = append(dst, max(lw-s/fw, 0))
	}
	return dst
}

// MeanRollingEntropy returns the mean of RollingEntropy(x, w, lo, hi, bins)
// without storing the curve, or NaN when len(x) < w. It allocates nothing.
func MeanRollingEntropy(x []float64, w int, lo, hi float64, bins int) float64 {
	if w < 1 || len(x) < w {
		return math.NaN()
	}
	var buf [256]float64
	var sum float64
	var n int
	for start := 0; start+w <= len(x); {
		// Chunks of windows, overlapping by w−1 values, keep the buffer small.
		end := min(start+len(buf)+w-1, len(x))
		out := RollingEntropy(buf[:0], x[start:end], w, lo, hi, bins)
		for _, h := range out {
			sum += h
		}
		n += len(out)
		start += len(out)
	}
	return sum / float64(n)
}
