package native

import (
	"math"
	"math/bits"
)

// hist is a log-linear histogram of non-negative durations in nanoseconds:
// values below 128 ns are exact, larger ones fall in buckets 1/64 of their
// power of two wide (under 1.6 % relative error). It keeps percentiles of
// runs of any length in fixed memory and records without allocating.
type hist struct {
	counts [(64-subBits)*subCount + subCount]int64
	n      int64
	max    int64
}

const (
	subBits  = 6
	subCount = 1 << subBits
	exact    = 2 * subCount // values below this are their own bucket
)

func bucketOf(v int64) int {
	if v < exact {
		return int(v)
	}
	e := bits.Len64(uint64(v)) - subBits - 1 // shift that leaves subBits+1 significant bits
	return exact + (e-1)*subCount + int(uint64(v)>>e) - subCount
}

// lowerOf is the smallest value of bucket i.
func lowerOf(i int) int64 {
	if i < exact {
		return int64(i)
	}
	i -= exact
	e := i/subCount + 1
	return int64(subCount+i%subCount) << e
}

func (h *hist) add(v int64) {
	if v < 0 {
		v = 0
	}
	h.counts[bucketOf(v)]++
	h.n++
	h.max = max(h.max, v)
}

// quantile returns the value below which a fraction q of the samples lie
// (the middle of the bucket holding it, never above the maximum), or NaN
// when the histogram is empty.
func (h *hist) quantile(q float64) float64 {
	if h.n == 0 {
		return math.NaN()
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo := lowerOf(i)
			hi := lowerOf(i + 1)
			return math.Min(float64(lo+hi-1)/2, float64(h.max))
		}
	}
	return float64(h.max)
}
