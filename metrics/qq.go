package metrics

import "math"

// QQCorr returns the percentile (Q-Q) correlation of x and y: the Pearson
// correlation of their percentiles 1..99,
//
//	a_k = Q_x(k/100),  b_k = Q_y(k/100),  k = 1..99
//	QQ  = Σ (a_k − ā)(b_k − b̄) / √(Σ (a_k − ā)² Σ (b_k − b̄)²)
//
// with Q the linearly interpolated quantile (numpy's default, "type 7"). It is
// 1 when the Q-Q plot is a straight line: it judges shape, not location or
// scale (Wasserstein and KS see those). When both percentile vectors are
// constant it is 1 if they are equal and 0 otherwise; when only one is, 0.
// Both slices must be sorted ascending (it panics otherwise); NaN when either
// is empty. It allocates nothing.
func QQCorr(x, y []float64) float64 {
	mustSorted("QQCorr", x)
	mustSorted("QQCorr", y)
	if len(x) == 0 || len(y) == 0 {
		return math.NaN()
	}
	const k = 99
	var ma, mb float64
	for i := 1; i <= k; i++ {
		ma += quantile(x, float64(i)/100)
		mb += quantile(y, float64(i)/100)
	}
	ma /= k
	mb /= k
	var sab, saa, sbb float64
	for i := 1; i <= k; i++ {
		a := quantile(x, float64(i)/100) - ma
		b := quantile(y, float64(i)/100) - mb
		sab += a * b
		saa += a * a
		sbb += b * b
	}
	switch {
	case saa == 0 && sbb == 0:
		if ma == mb {
			return 1
		}
		return 0
	case saa == 0 || sbb == 0:
		return 0
	}
	return sab / math.Sqrt(saa*sbb)
}

// quantile is the type-7 quantile of sorted x at probability p in [0, 1].
func quantile(x []float64, p float64) float64 {
	pos := p * float64(len(x)-1)
	i := int(pos)
	if i >= len(x)-1 {
		return x[len(x)-1]
	}
	f := pos - float64(i)
	return x[i] + f*(x[i+1]-x[i])
}
