package estimate

import "github.com/gmm2trex/gmm2trex/profiles"

// The fitted models. They mirror the profile document (DESIGN.md) but carry
// no YAML concerns; package profiles converts them.

// Component1D is one Gaussian of a 1-D mixture.
type Component1D struct {
	Weight, Mean, Std float64
}

// Mixture1D is a fitted 1-D Gaussian mixture and the evidence for it.
type Mixture1D struct {
	Components []Component1D
	N          int     // samples fitted
	LogLik     float64 // total log-likelihood of the fitted samples
	BIC        float64
	// BICByK holds the BIC of the best fit for each k tried (index k-1), for
	// plots; nil when k was fixed.
	BICByK BICTable
}

// Gaussian is one component of a d-D mixture with full covariance.
type Gaussian struct {
	Weight float64
	Mean   []float64   // length d
	Cov    [][]float64 // d×d, symmetric positive definite
}

// Mixture is a fitted d-D Gaussian mixture.
type Mixture struct {
	Dim        int
	Components []Gaussian
	N          int
	LogLik     float64
	BIC        float64
	// BICByK is as in Mixture1D, over KMin..KMax (entries below KMin
	// are +Inf); nil when k was fixed.
	BICByK BICTable
}

// Chain is one hidden Markov chain over some features of a direction.
// Observations are transformed (Transform, e.g. {"iat": "log"}), then scaled:
// z = (x - ScaleMean) / ScaleStd, and each state emits z from its mixture.
type Chain struct {
	Features  []string          // "iat", "size": the order of the emitted vector
	Transform map[string]string // feature -> "log"; absent means none
	ScaleMean []float64
	ScaleStd  []float64
	Start     []float64   // K
	Trans     [][]float64 // K×K, rows sum to 1
	States    []Mixture   // K emission mixtures over len(Features) dims
	LogLik    float64
	BIC       float64
	// Marginals map the chain's draws onto the data's distribution (see
	// profiles.Chain.Marginals), one per feature.
	Marginals []profiles.Marginal
}

// Temporal is the temporal model of one direction: one or more chains walked
// independently, each feature emitted by exactly one chain.
type Temporal struct {
	Chains []Chain
}
