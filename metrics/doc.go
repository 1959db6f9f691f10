// Package metrics compares two packet series — an original and an imitation —
// with distribution distances (KS, KL, Jensen-Shannon, Wasserstein),
// autocorrelation error and throughput statistics. It takes series, not files.
package metrics
