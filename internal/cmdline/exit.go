package cmdline

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/urfave/cli/v3"
)

// Exit statuses (DESIGN.md, "The CLI contract"). Any error that carries
// none exits BadInput.
const (
	OK          = 0
	Failed      = 1 // a check failed, or a run (no peer, peer lost)
	BadInput    = 2 // bad input or usage
	Interrupted = 130
)

// codeError carries an explicit exit status.
type codeError struct {
	code int
	err  error
}

func (e codeError) Error() string { return e.err.Error() }
func (e codeError) Unwrap() error { return e.err }

// Usagef reports a usage error (exit 2).
func Usagef(format string, a ...any) error { return codeError{BadInput, fmt.Errorf(format, a...)} }

// CheckFailed reports a failed check or a failed run (exit 1).
func CheckFailed(format string, a ...any) error { return codeError{Failed, fmt.Errorf(format, a...)} }

// WithCode attaches an exit status to err.
func WithCode(code int, err error) error { return codeError{code, err} }

// ErrInterrupted is what a command returns once SIGINT or SIGTERM stopped it.
var ErrInterrupted = WithCode(Interrupted, errors.New("interrupted"))

// ExitCode is err's exit status: its own, else 2.
func ExitCode(err error) int {
	var ce codeError
	if errors.As(err, &ce) {
		return ce.code
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return BadInput
}

// Interrupt gives an error caused by SIGINT or SIGTERM (a cancelled
// context) its exit status, 130; other errors pass unchanged.
func Interrupt(err error) error {
	if errors.Is(err, context.Canceled) {
		return ErrInterrupted
	}
	return err
}

// goPrefix matches the package names the libraries put before their
// errors ("trace: ", "profiles: "), which say nothing to a user: at the
// start of the message or of a wrapped one.
var goPrefix = regexp.MustCompile(`(^|: )(trace|profiles|pipeline|exporters|compare|sampler|estimate|native|metrics|plots|report|builtin|atomicfile): `)

// Message is err worded for the user: without the libraries' package
// prefixes.
func Message(err error) string {
	m := err.Error()
	for {
		n := goPrefix.ReplaceAllString(m, "$1")
		if n == m {
			return m
		}
		m = n
	}
}

// Plural is "1 object", "2 objects".
func Plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
