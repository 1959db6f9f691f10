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

// Derive returns the seed of the n-th of several independent copies of one
// seeded run (the flows of an export): seed itself for n = 0, so that copy 0
// is the run as it would be alone, and a splitmix64 mix of (seed, n)
// otherwise, so that nearby n give unrelated seeds.
func Derive(seed, n uint64) uint64 {
	if n == 0 {
		return seed
	}
	z := seed + n*mix
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
