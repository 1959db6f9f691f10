// Package pipeline runs the capture → profile pipeline: cut a capture into
// objects, trim and fit each direction (in parallel, deterministically), and
// assemble the profile, with the pipeline's defaults as named constants. It
// prints nothing; progress is a callback.
package pipeline
