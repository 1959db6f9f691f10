// Command gmm2trex learns how a flow or device behaves from a packet capture
// and reproduces that behaviour as traffic. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/atomicfile"
)

// version is set at link time (-ldflags "-X main.version=…").
var version = "dev"

// commands is filled by the init functions of the files beside this one, one
// file per command, so that commands can be added without touching main.go.
var commands []*cli.Command

// register adds c, which takes n positional arguments (any number when n
// is negative): what says which, or for none where the input goes instead.
// Any other count is a usage error before c's action runs.
func register(c *cli.Command, n int, what string) {
	action := c.Action
	c.Action = func(ctx context.Context, cmd *cli.Command) error {
		switch {
		case n < 0 || cmd.NArg() == n:
			return action(ctx, cmd)
		case n == 0:
			return usagef("%s takes no arguments (%s), got %q", cmd.Name, what, cmd.Args().First())
		}
		return usagef("%s needs %s; got %d", cmd.Name, what, cmd.NArg())
	}
	commands = append(commands, c)
}

// commandOrder is the order of the help listing; unknown names go last.
var commandOrder = []string{"flows", "estimate", "show", "sample", "export", "compare", "plot", "send", "replay"}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	done := make(chan int, 1)
	go func() { done <- run(ctx, os.Args, os.Stdout, os.Stderr) }()
	var code int
	select {
	case code = <-done:
	case <-ctx.Done():
		code = afterSignal(done, os.Args, os.Stderr)
	}
	stop()
	os.Exit(code)
}

// interruptGrace is how long a command has to return after SIGINT or
// SIGTERM before the process exits anyway (DESIGN.md: every command stops
// within a second), its temporary files removed.
const interruptGrace = 500 * time.Millisecond

// selfInterrupting are the commands that handle the signal themselves (a
// report and a capture to write on the way out): no grace limit for them.
var selfInterrupting = []string{"send", "replay"}

// afterSignal waits for the command to return, up to interruptGrace unless
// it is selfInterrupting, and then exits 130 without it.
func afterSignal(done <-chan int, args []string, stderr io.Writer) int {
	if len(args) > 1 && slices.Contains(selfInterrupting, args[1]) {
		return <-done
	}
	select {
	case code := <-done:
		return code
	case <-time.After(interruptGrace):
		atomicfile.RemoveTemps()
		fmt.Fprintln(stderr, "gmm2trex: interrupted")
		return 130
	}
}

// run executes the CLI and returns the process exit status: 0 success,
// 1 a check failed, 2 bad input or usage, 130 interrupted (DESIGN.md, "The
// CLI contract"). Once ctx is done, whatever the command returned, the
// status is 130 (not for selfInterrupting commands, which say their own);
// the writers stopped by ctx removed their temporary files.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	err := app.Run(ctx, args)
	if ctx.Err() != nil && !(len(args) > 1 && slices.Contains(selfInterrupting, args[1])) {
		if err == nil || exitCode(err) != 130 {
			err = withCode(130, errors.New("interrupted"))
		}
	}
	if err == nil {
		return 0
	}
	code := exitCode(err)
	fmt.Fprintf(stderr, "gmm2trex: %v\n", err)
	return code
}

func newApp(stdout, stderr io.Writer) *cli.Command {
	cmds := slices.Clone(commands)
	slices.SortStableFunc(cmds, func(a, b *cli.Command) int { return orderOf(a.Name) - orderOf(b.Name) })
	return &cli.Command{
		Name:    "gmm2trex",
		Usage:   "learn traffic from a capture, reproduce it as traffic",
		Version: version,
		Description: "Reads a pcap/pcapng, fits Gaussian mixtures and hidden Markov models of packet\n" +
			"sizes and gaps per flow or device, saves them as a YAML profile, and turns profiles\n" +
			"into traffic (TRex, MoonGen, D-ITG, pcap, CSV, or the native sender).\n\n" +
			"Try it on the embedded sample capture:\n" +
			"   gmm2trex flows\n" +
			"   gmm2trex estimate -o sample.profile.yaml",
		Commands:              cmds,
		Writer:                stdout,
		ErrWriter:             stderr,
		HideHelpCommand:       true,
		Suggest:               true,
		EnableShellCompletion: false,
		// Errors are printed once, by run, with their exit status.
		ExitErrHandler: func(context.Context, *cli.Command, error) {},
		OnUsageError: func(_ context.Context, _ *cli.Command, err error, _ bool) error {
			return withCode(2, err)
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Present() {
				names := make([]string, len(cmds))
				for i, c := range cmds {
					names[i] = c.Name
				}
				return usagef("unknown command %q (commands: %s)", cmd.Args().First(), strings.Join(names, ", "))
			}
			return cli.ShowAppHelp(cmd)
		},
	}
}

// warn prints a reader's warnings on stderr.
func warn(cmd *cli.Command, warnings []string) {
	for _, w := range warnings {
		fmt.Fprintf(cmd.Root().ErrWriter, "gmm2trex: warning: %s\n", w)
	}
}

func orderOf(name string) int {
	if i := slices.Index(commandOrder, name); i >= 0 {
		return i
	}
	return len(commandOrder)
}

// Exit status helpers. Any error that is none of these exits 2 (bad input).

// codeError carries an explicit exit status.
type codeError struct {
	code int
	err  error
}

func (e codeError) Error() string { return e.err.Error() }
func (e codeError) Unwrap() error { return e.err }

// usagef reports a usage error (exit 2).
func usagef(format string, a ...any) error { return codeError{2, fmt.Errorf(format, a...)} }

// checkFailed reports a failed check or a failed run (exit 1).
func checkFailed(format string, a ...any) error { return codeError{1, fmt.Errorf(format, a...)} }

// withCode attaches an exit status to err.
func withCode(code int, err error) error { return codeError{code, err} }

func exitCode(err error) int {
	var ce codeError
	if errors.As(err, &ce) {
		return ce.code
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return 2
}
