// Package sampler draws seeded packet streams (time, direction, size, gap)
// from a profile: independent mixture draws, or a walk of the profile's hidden
// Markov chains, with both directions of an object merged on one timeline.
package sampler
