// Package pipeline runs the capture → profile pipeline: read a capture, cut it
// into objects, trim and fit each direction, and assemble a profile. It holds
// the pipeline's defaults as named constants.
package pipeline
