package sampler

import "math/bits"

// alias is Walker's alias table: a draw from a discrete distribution in
// constant time (one random word, one compare), whatever the number of
// outcomes — mixtures here have up to a dozen components and chains a few
// dozen states, where a linear scan of cumulative weights dominated the
// per-packet cost.
type alias struct {
	prob  []float64 // chance of keeping column i
	other []int32   // the outcome otherwise
}

// newAlias builds the table for weights w (non-negative, not all zero; they
// need not sum to 1), by Vose's method.
func newAlias(n int, w func(int) float64) alias {
	a := alias{prob: make([]float64, n), other: make([]int32, n)}
	sum := 0.0
	for i := range n {
		sum += w(i)
	}
	scaled := make([]float64, n)
	var small, large []int32
	for i := range n {
		scaled[i] = w(i) / sum * float64(n)
		if scaled[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		a.prob[s], a.other[s] = scaled[s], l
		scaled[l] -= 1 - scaled[s]
		if scaled[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	// What is left is 1 up to rounding.
	for _, i := range append(small, large...) {
		a.prob[i], a.other[i] = 1, i
	}
	return a
}

// pick maps one uniform 64-bit word to an outcome: the high half of
// u·n chooses the column, the low half is the uniform fraction compared
// with the column's keep chance.
func (a *alias) pick(u uint64) int {
	col, frac := bits.Mul64(u, uint64(len(a.prob)))
	if float64(frac>>11)*(1.0/(1<<53)) < a.prob[col] {
		return int(col)
	}
	return int(a.other[col])
}
