// Package rnn is the recurrent model over mixture components (issue 17, the
// paper's second model): a one-layer GRU that reads the index of each
// packet's most likely component of the direction's joint (log-gap, size)
// mixture and predicts the distribution of the next index. It holds the
// network, its one-step forward pass (what the sampler runs per packet) and
// its training by truncated backpropagation through time with Adam; it
// imports only profiles and internal packages, so generators can walk a
// network without linking the fitter.
package rnn
