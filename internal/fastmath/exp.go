// Package fastmath holds the few elementary functions that hot loops here
// call per sample, in versions small enough for the compiler to inline,
// where math's assembly versions cost a call and their last bits do not
// matter.
package fastmath

import "math"

// Exp returns e^x with a relative error below 1e-13 for x in [-708, 709]
// (the range where 2^n stays a normal float64); it returns 0 below -708 and
// +Inf above 709, and NaN for NaN. It reduces x to 2^n·e^f with
// |f| ≤ ln2/2 and takes e^f from a degree-11 Taylor polynomial.
func Exp(x float64) float64 {
	if !(x >= -708) {
		if x != x {
			return x
		}
		return 0
	}
	if x > 709 {
		return math.Inf(1)
	}
	n := math.Floor(x*math.Log2E + 0.5)
	// ln2 split in two (Cody and Waite) so that n·ln2 is exact enough at
	// large |x|.
	f := (x - n*ln2Hi) - n*ln2Lo
	p := 1 + f*(1+f*(1.0/2+f*(1.0/6+f*(1.0/24+f*(1.0/120+f*(1.0/720+f*(1.0/5040+f*(1.0/40320+f*(1.0/362880+f*(1.0/3628800+f*(1.0/39916800)))))))))))
	return p * math.Float64frombits(uint64(int64(n)+1023)<<52)
}

const (
	ln2Hi = 6.93147180369123816490e-01
	ln2Lo = 1.90821492927058770002e-10
)
