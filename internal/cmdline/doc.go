// Package cmdline is the plumbing of the gmm2trex command line that is not
// one command's: exit statuses, usage errors worded with flags, progress on
// a terminal, "-" and "builtin:NAME" as inputs and outputs, choosing
// objects, and the JSON document of what a command wrote.
package cmdline
