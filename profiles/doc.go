// Package profiles is the profile document (format gmm2trex/v1): the contract
// between fitting and generating. It holds the Go types, YAML and JSON load and
// save, validation with the path of any bad field, and built-in profiles.
package profiles
