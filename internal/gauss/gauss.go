package gauss

import "math"

// Cholesky writes into l (d×d) the lower-triangular L with L·Lᵀ = a + jitter·I
// and returns log det(a + jitter·I). Only the lower triangle of a is read;
// the upper triangle of l is zeroed. ok is false when the matrix is not
// numerically positive definite (a pivot is not positive, or is infinite or
// NaN); l is then partly written. A caller that must factor whatever it has
// (the HMM's M-step can produce a near-singular covariance) retries with a
// growing jitter.
func Cholesky(a, l []float64, d int, jitter float64) (logdet float64, ok bool) {
	clear(l[:d*d])
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			s := a[i*d+j]
			if i == j {
				s += jitter
			}
			for p := 0; p < j; p++ {
				s -= l[i*d+p] * l[j*d+p]
			}
			if i == j {
				if !(s > 0) || math.IsInf(s, 0) {
					return 0, false
				}
				l[i*d+i] = math.Sqrt(s)
				logdet += math.Log(s)
			} else {
				l[i*d+j] = s / l[j*d+j]
			}
		}
	}
	return logdet, true
}

// CholeskyRows is Cholesky without jitter for a matrix given as d rows of d
// values (the profile's covariances): it returns a new L as rows, and false
// when c is not numerically positive definite. Validation and the samplers
// both use it, so what validates is what can be drawn from.
func CholeskyRows(c [][]float64) ([][]float64, bool) {
	d := len(c)
	a := make([]float64, d*d)
	for i, row := range c {
		copy(a[i*d:i*d+d], row)
	}
	l := make([]float64, d*d)
	if _, ok := Cholesky(a, l, d, 0); !ok {
		return nil, false
	}
	rows := make([][]float64, d)
	for i := range rows {
		rows[i] = l[i*d : i*d+d : i*d+d]
	}
	return rows, true
}

// LogNorm returns log(w·(2π)^(-d/2)·det(Σ)^(-1/2)) given logdet = log det Σ:
// the constant of a weighted component's log-density. It is -Inf when w ≤ 0.
func LogNorm(w float64, d int, logdet float64) float64 {
	if !(w > 0) {
		return math.Inf(-1)
	}
	return math.Log(w) - 0.5*(float64(d)*math.Log(2*math.Pi)+logdet)
}

// LogDensity returns logc − ½‖L⁻¹(x−μ)‖², which is log(w·N(x; μ, L·Lᵀ)) when
// logc = LogNorm(w, d, log det L·Lᵀ). L⁻¹(x−μ) is found by forward
// substitution into z (scratch of length d = len(mean)). LogDensity1 and
// LogDensity2 are the same formula for hot loops in one and two dimensions.
func LogDensity(x, mean, l []float64, logc float64, z []float64) float64 {
	d := len(mean)
	var q float64
	for i := 0; i < d; i++ {
		s := x[i] - mean[i]
		for p := 0; p < i; p++ {
			s -= l[i*d+p] * z[p]
		}
		z[i] = s / l[i*d+i]
		q += z[i] * z[i]
	}
	return logc - 0.5*q
}

// Packed forms: what LogDensity needs of one component in one or two
// dimensions, in one short slice, with the divisions by the diagonal of L
// turned into multiplications. Hot loops over many components keep them side
// by side (a stride of Stride1 or Stride2).
const (
	Stride1 = 3 // logc, μ₀, 1/L₀₀
	Stride2 = 6 // logc, μ₀, μ₁, 1/L₀₀, L₁₀, 1/L₁₁
)

// Pack1 writes the packed form of a 1-D component (mean, factor l) into p.
func Pack1(p []float64, logc float64, mean, l []float64) {
	p = p[:Stride1]
	p[0], p[1], p[2] = logc, mean[0], 1/l[0]
}

// Pack2 writes the packed form of a 2-D component (mean, factor l) into p.
func Pack2(p []float64, logc float64, mean, l []float64) {
	p = p[:Stride2]
	p[0], p[1], p[2] = logc, mean[0], mean[1]
	p[3], p[4], p[5] = 1/l[0], l[2], 1/l[3]
}

// LogDensity1 is LogDensity at x0 for a component packed by Pack1.
func LogDensity1(p []float64, x0 float64) float64 {
	p = p[:Stride1:Stride1]
	y := (x0 - p[1]) * p[2]
	return p[0] - 0.5*y*y
}

// LogDensity2 is LogDensity at (x0, x1) for a component packed by Pack2.
func LogDensity2(p []float64, x0, x1 float64) float64 {
	p = p[:Stride2:Stride2]
	y0 := (x0 - p[1]) * p[3]
	y1 := (x1 - p[2] - p[4]*y0) * p[5]
	return p[0] - 0.5*(y0*y0+y1*y1)
}

// InvertLower writes L⁻¹ (lower triangular, upper triangle zero) into inv for
// the lower-triangular d×d l with a nonzero diagonal (a Cholesky factor).
func InvertLower(l, inv []float64, d int) {
	clear(inv[:d*d])
	for j := 0; j < d; j++ {
		// Column j of L⁻¹ solves L·y = e_j by forward substitution.
		inv[j*d+j] = 1 / l[j*d+j]
		for i := j + 1; i < d; i++ {
			var s float64
			for p := j; p < i; p++ {
				s -= l[i*d+p] * inv[p*d+j]
			}
			inv[i*d+j] = s / l[i*d+i]
		}
	}
}

// Draw sets out = mean + L·z: a draw from N(mean, L·Lᵀ) when z holds
// independent standard normals. out may not alias z.
func Draw(out, mean, l, z []float64) {
	d := len(mean)
	for i := 0; i < d; i++ {
		v := mean[i]
		row := l[i*d : i*d+i+1]
		for j, lij := range row {
			v += lij * z[j]
		}
		out[i] = v
	}
}

// Moments is the M-step of one component from its sufficient statistics
// s0 = Σr, s1 = Σr·x and s2 = Σr·x·xᵀ (only the lower triangle of s2 is
// read): mean = s1/s0 and cov = s2/s0 − mean·meanᵀ, written in full. mean
// may be s1 itself. Statistics taken about a reference point m (x − m in
// place of x) give the mean's offset from m and the same covariance, more
// accurately when m is near the mean. s0 must be positive.
func Moments(s0 float64, s1, s2, mean, cov []float64) {
	d := len(mean)
	for a := 0; a < d; a++ {
		mean[a] = s1[a] / s0
	}
	for a := 0; a < d; a++ {
		for b := 0; b <= a; b++ {
			v := s2[a*d+b]/s0 - mean[a]*mean[b]
			cov[a*d+b] = v
			cov[b*d+a] = v
		}
	}
}

// Constrain bounds a d×d covariance for fitting: each variance is the larger
// of its value and floor (the constrained maximiser, so EM stays monotone),
// and with maxCorr > 0 each correlation is held within ±maxCorr, which keeps
// the matrix well conditioned.
func Constrain(cov []float64, d int, floor, maxCorr float64) {
	for a := 0; a < d; a++ {
		cov[a*d+a] = math.Max(cov[a*d+a], floor)
	}
	if maxCorr <= 0 {
		return
	}
	for a := 0; a < d; a++ {
		for b := 0; b < a; b++ {
			lim := maxCorr * math.Sqrt(cov[a*d+a]*cov[b*d+b])
			v := math.Max(-lim, math.Min(lim, cov[a*d+b]))
			cov[a*d+b] = v
			cov[b*d+a] = v
		}
	}
}
