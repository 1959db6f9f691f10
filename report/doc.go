// Package report renders profiles, captures and estimates as the text and
// JSON documents the gmm2trex command prints, for any program (and the HTML
// report) that shows them; it computes no statistics of its own. Texts that
// mention a setting name it as the command's flag (--min-packets).
package report
