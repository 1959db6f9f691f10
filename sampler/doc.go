// Package sampler draws seeded packet streams (time, direction, size, gap)
// from a profile: independent mixture draws, a walk of the profile's hidden
// Markov chains or of its recurrent network over mixture components, with
// both directions of an object merged on one timeline.
package sampler
