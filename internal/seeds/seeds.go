// Package seeds turns a user's seed and a stream number into a random
// source, the same way in every package, so that "same seed, same output"
// holds across the fitter and the generators.
package seeds

import "math/rand/v2"

// mix is xored into the stream number: the golden-ratio constant spreads
// small stream numbers (0, 1, 2 …) over PCG's increment space.
const mix = 0x9e3779b97f4a7c15

// New returns a PCG source for (seed, stream). Distinct streams of one seed
// give independent sequences.
func New(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, mix^stream))
}
