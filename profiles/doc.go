// Package profiles is the profile document (format gmm2trex/v1): the contract
// between fitting and generating. It holds the Go types, YAML and JSON load and
// save (YAML written as it walks the document, read object by object when
// large, both within MaxDocument), validation with the path of any bad field,
// and built-in profiles; profile.schema.json is the document's JSON Schema.
package profiles
