package fastmath

import "math"

// ExpNeg returns e^x for x ≤ 0 with a relative error below 1e-14 for
// x ≥ -40 (below 1e-13 down to -708), and e^-708 ≈ 3e-308 for anything
// below (-Inf included); the EM loops call it for every value,
// component and step. x must not be NaN or positive (the callers pass
// exponents of Gaussian terms relative to a peak).
//
// It reduces x to 2^(k/64)·e^r with |r| ≤ ln2/128, takes 2^(k/64) as a
// table entry times a power of two put straight into the exponent bits, and
// e^r from a degree-5 Taylor polynomial (remainder below 4e-17). Exp's
// reduction to |f| ≤ ln2/2 needs twice the degree, and the polynomial's
// chain of dependent multiply-adds is what the loops wait on.
func ExpNeg(x float64) float64 {
	x = max(x, -708) // keeps 2^k normal; e^-708 is as good as 0 to callers
	// Adding 1.5·2^52 rounds t to an integer held in the low mantissa
	// bits (round to nearest even); subtracting it again gives that
	// integer as a float.
	kf := x*(64/math.Ln2) + 0x1.8p52
	k := math.Float64bits(kf)
	kf -= 0x1.8p52
	r := x - kf*(math.Ln2/64)
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
	// The low 51 bits of k hold the integer in two's complement: k&63
	// indexes the table and k>>6 the power of two, added to the exponent
	// field by <<52, which shifts every bit above those out (mod 2^64).
	return p * math.Float64frombits(exp2Tab[k&63]+k>>6<<52)
}

// exp2Tab[j] holds the bits of 2^(j/64).
var exp2Tab = func() (t [64]uint64) {
	for j := range t {
		t[j] = math.Float64bits(math.Exp2(float64(j) / 64))
	}
	return
}()
