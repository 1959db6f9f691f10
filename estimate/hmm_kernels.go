package estimate

import "github.com/gmm2trex/gmm2trex/internal/fastmath"

// Small numeric kernels of the recursions, written for their dependency
// chains (see each).

// hmmExpRel is exp(v) for v ≤ 0, taken as 0 below e^-30 (1e-13 of the best
// component's density: below what any posterior or sum here can resolve
// usefully), which skips most exponentials when components are well apart.
func hmmExpRel(v float64) float64 {
	if v < -30 {
		return 0
	}
	return fastmath.ExpNeg(v)
}

// hmmSum adds v pairwise in four lanes: a shorter chain of dependent
// additions than one running sum.
func hmmSum(v []float64) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(v); i += 4 {
		s0 += v[i]
		s1 += v[i+1]
		s2 += v[i+2]
		s3 += v[i+3]
	}
	for ; i < len(v); i++ {
		s0 += v[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// hmmMatVec sets out = scale·A·u for the k×k row-major A and returns out.
// Two rows at a time with four partial sums each: eight independent
// chains of multiply-adds, which is what the recursions wait on.
func hmmMatVec(a, u, out []float64, scale float64) []float64 {
	k := len(u)
	i := 0
	for ; i+2 <= k; i += 2 {
		r0 := a[i*k : (i+1)*k]
		r1 := a[(i+1)*k : (i+2)*k]
		r0, r1 = r0[:len(u)], r1[:len(u)]
		var a0, a1, a2, a3, b0, b1, b2, b3 float64
		j := 0
		for ; j+4 <= len(u); j += 4 {
			u0, u1, u2, u3 := u[j], u[j+1], u[j+2], u[j+3]
			a0 += r0[j] * u0
			a1 += r0[j+1] * u1
			a2 += r0[j+2] * u2
			a3 += r0[j+3] * u3
			b0 += r1[j] * u0
			b1 += r1[j+1] * u1
			b2 += r1[j+2] * u2
			b3 += r1[j+3] * u3
		}
		for ; j < len(u); j++ {
			a0 += r0[j] * u[j]
			b0 += r1[j] * u[j]
		}
		out[i] = ((a0 + a1) + (a2 + a3)) * scale
		out[i+1] = ((b0 + b1) + (b2 + b3)) * scale
	}
	if i < k {
		row := a[i*k : (i+1)*k]
		row = row[:len(u)]
		var s float64
		for j, v := range u {
			s += row[j] * v
		}
		out[i] = s * scale
	}
	return out[:k]
}
