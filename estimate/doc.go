// Package estimate fits the statistical models of a profile: Gaussian mixtures
// by EM (1-D and d-D with full covariance, component count by BIC) and hidden
// Markov models whose states emit Gaussian mixtures (Baum-Welch, Viterbi).
// It takes slices and returns models; it reads no files and prints nothing.
package estimate
