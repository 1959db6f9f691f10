// Package estimate fits the statistical models of a profile: Gaussian mixtures
// by EM (1-D and d-D with full covariance, component count by BIC), hidden
// Markov models whose states emit Gaussian mixtures (Baum-Welch, Viterbi) and
// the recurrent network over the components of a joint mixture (FitRNN,
// trained by package rnn). It takes slices and returns models; it reads no
// files and prints nothing.
package estimate
