package cmdline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/exporters"
	"github.com/gmm2trex/gmm2trex/internal/atomicfile"
)

// Warn prints warnings on stderr, one line each.
func Warn(cmd *cli.Command, warnings []string) {
	for _, w := range warnings {
		fmt.Fprintf(cmd.Root().ErrWriter, "gmm2trex: warning: %s\n", w)
	}
}

// Note prints one message on stderr, prefixed like every other.
func Note(cmd *cli.Command, format string, a ...any) {
	fmt.Fprintf(cmd.Root().ErrWriter, "gmm2trex: "+format+"\n", a...)
}

// MaxOutputFlag is export's and sample's cap on what they write.
func MaxOutputFlag() cli.Flag {
	return &cli.IntFlag{Name: "max-output", Value: int(exporters.DefaultMaxBytes >> 20),
		Usage: "stop with an error, writing nothing, past `MIB` mebibytes of output (all files together); 0 lifts the cap"}
}

// MaxOutput is --max-output as exporters.Options.MaxBytes.
func MaxOutput(cmd *cli.Command) (int64, error) {
	n := cmd.Int("max-output")
	switch {
	case n < 0 || n > 1<<43:
		return 0, Usagef("--max-output %d: give mebibytes, 0 for no cap", n)
	case n == 0:
		return -1, nil
	}
	return int64(n) << 20, nil
}

// Inputs are the files a command reads, which its outputs must not replace
// ("-" and builtin: profiles are no files).
func Inputs(paths ...string) []string {
	var in []string
	for _, p := range paths {
		if p != "" && p != "-" && !strings.HasPrefix(p, BuiltinPrefix) {
			in = append(in, p)
		}
	}
	return in
}

// CheckOutput refuses -o out before any work when it may not be written
// (atomicfile.Check) or is one of the inputs; "" and "-" pass.
func CheckOutput(out string, in ...string) error {
	if out == "" || out == "-" {
		return nil
	}
	set := atomicfile.NewSet(context.Background())
	for _, p := range Inputs(in...) {
		set.Protect(p)
	}
	if err := set.Check(out); err != nil {
		return Usagef("-o %v", err)
	}
	return nil
}

// LogWriter prints a library's notes on stderr, one per line, prefixed
// like every other message of the tool.
type LogWriter struct{ Cmd *cli.Command }

func (w LogWriter) Write(b []byte) (int, error) {
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if line != "" {
			fmt.Fprint(w.Cmd.Root().ErrWriter, "gmm2trex: "+line)
		}
	}
	return len(b), nil
}

// WriteOutput writes what write writes to path, whole or not at all: for
// "-" to standard output once write has finished (nothing partial on a
// failure), else atomically (atomicfile: no partial file, none left on
// an interruption).
func WriteOutput(ctx context.Context, cmd *cli.Command, path string, write func(io.Writer) error) error {
	if path != "-" {
		return atomicfile.WriteContext(ctx, path, 0o644, write)
	}
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return err
	}
	_, err := cmd.Root().Writer.Write(b.Bytes())
	return err
}

// InputPath is path, or for "-" a file holding standard input (Spool)
// until remove is called.
func InputPath(ctx context.Context, path string) (string, func(), error) {
	if path != "-" {
		return path, func() {}, nil
	}
	return Spool(ctx)
}
