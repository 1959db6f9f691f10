package estimate

import "math"

// BIC is the Bayesian information criterion -2·logLik + params·ln(n):
// lower is better.
func BIC(logLik float64, params, n int) float64 {
	return -2*logLik + float64(params)*math.Log(float64(n))
}

// Params1D is the number of free parameters of a k-component 1-D mixture:
// k means, k variances and k-1 weights.
func Params1D(k int) int { return 3*k - 1 }

// ParamsFull is the number of free parameters of a k-component mixture in d
// dimensions with full covariances.
func ParamsFull(k, d int) int { return k - 1 + k*d + k*d*(d+1)/2 }
