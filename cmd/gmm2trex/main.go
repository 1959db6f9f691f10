// Command gmm2trex learns how a flow or device behaves from a packet capture
// and reproduces that behaviour as traffic. See README.md.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/cmdline"
)

// version is set at link time (-ldflags "-X main.version=…"); otherwise
// the build info's module version says it.
var version = "dev"

// commands is filled by the init functions of the files beside this one, one
// file per command, so that commands can be added without touching main.go.
var commands []*cli.Command

// register adds c, which takes n positional arguments (any number when n
// is negative): what says which, or for none where the input goes instead. Any other count is a usage error before
// c's action runs. Flag errors are one line, without the help.
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
	cmdline.ShowDefaults(c.Flags)
	c.OnUsageError = func(_ context.Context, cmd *cli.Command, err error, _ bool) error {
		return cmdline.UsageError(cmd.Name, err)
	}
	commands = append(commands, c)
}

// commandOrder is the order of the help listing; unknown names go last.
var commandOrder = []string{"imitate", "check", "flows", "estimate", "show", "sample", "export", "compare", "report", "plot", "send", "replay", "help", "completion"}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	done := make(chan int, 1)
	go func() { done <- run(ctx, os.Args, os.Stdout, os.Stderr) }()
	var code int
	select {
	case code = <-done:
	case <-ctx.Done():
		code = cmdline.AfterSignal(done, len(os.Args) > 1 && slices.Contains(selfInterrupting, os.Args[1]), os.Stderr)
	}
	stop()
	os.Exit(code)
}

// selfInterrupting are the commands that handle the signal themselves (a
// report and a capture to write on the way out): no grace limit for them.
var selfInterrupting = []string{"send", "replay"}

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
			err = cmdline.ErrInterrupted
		}
	}
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "gmm2trex: %s\n", cmdline.Message(err))
	return exitCode(err)
}

func newApp(stdout, stderr io.Writer) *cli.Command {
	cmds := slices.Clone(commands)
	slices.SortStableFunc(cmds, func(a, b *cli.Command) int { return orderOf(a.Name) - orderOf(b.Name) })
	names := make([]string, len(cmds))
	for i, c := range cmds {
		names[i] = c.Name
	}
	return &cli.Command{
		Name:    "gmm2trex",
		Usage:   "learn traffic from a capture, reproduce it as traffic",
		Version: cmdline.Version(version),
		Description: "Reads a pcap/pcapng, fits Gaussian mixtures and hidden Markov models of packet\n" +
			"sizes and gaps per flow or device, saves them as a YAML profile, and turns profiles\n" +
			"into traffic (TRex, MoonGen, D-ITG, pcap, CSV, or the native sender).\n\n" +
			"Capture to TRex in one step, and a CI gate on the generated traffic:\n" +
			"   gmm2trex imitate -p call.pcap --format trex-stl -o call.yaml\n" +
			"   gmm2trex check call.pcap gen.pcap --junit check.xml\n\n" +
			"Try it on the embedded sample capture:\n" +
			"   gmm2trex flows\n" +
			"   gmm2trex estimate -o sample.profile.yaml\n\n" +
			"gmm2trex help COMMAND (or COMMAND --help) says more; gmm2trex completion bash|zsh\n" +
			"prints a shell completion script.",
		Commands:              cmds,
		Writer:                stdout,
		ErrWriter:             stderr,
		HideHelpCommand:       true,
		EnableShellCompletion: true,
		ConfigureShellCompletionCommand: func(c *cli.Command) {
			c.Hidden, c.Usage = false, "print the shell completion script: gmm2trex completion bash|zsh"
		},
		// Errors are printed once, by run, with their exit status.
		ExitErrHandler: func(context.Context, *cli.Command, error) {},
		OnUsageError: func(_ context.Context, _ *cli.Command, err error, _ bool) error {
			return cmdline.UsageError("", err)
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if !cmd.Args().Present() {
				return cli.ShowAppHelp(cmd)
			}
			name := cmd.Args().First()
			if near := cmdline.Closest(name, append(names, "completion")); near != "" {
				return usagef("unknown command %q; did you mean %q? (gmm2trex --help lists them)", name, near)
			}
			return usagef("unknown command %q (gmm2trex --help lists them)", name)
		},
	}
}

func init() {
	register(&cli.Command{
		Name:      "help",
		Usage:     "show the help of a command, or the list of commands",
		UsageText: "gmm2trex help [COMMAND]\n\nExample:\n   gmm2trex help imitate",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if !cmd.Args().Present() {
				return cli.ShowAppHelp(cmd.Root())
			}
			name := cmd.Args().First()
			if cmd.Root().Command(name) == nil {
				return usagef("help %q: no such command (gmm2trex --help lists them)", name)
			}
			return cli.ShowCommandHelp(ctx, cmd.Root(), name)
		},
	}, -1, "")
}

func orderOf(name string) int {
	if i := slices.Index(commandOrder, name); i >= 0 {
		return i
	}
	return len(commandOrder)
}

// Short names for what every command file uses.
var (
	usagef      = cmdline.Usagef
	checkFailed = cmdline.CheckFailed
	withCode    = cmdline.WithCode
	exitCode    = cmdline.ExitCode
	interrupted = cmdline.Interrupt
	flagError   = cmdline.FlagError
	warn        = cmdline.Warn
	quietFlag   = cmdline.QuietFlag
)
