package cmdline

import (
	"context"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/ctxio"
	"github.com/gmm2trex/gmm2trex/internal/samplecap"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/profiles/builtin"
	"github.com/gmm2trex/gmm2trex/trace"
)

// Stdin is what "-" reads; tests replace it.
var Stdin io.Reader = os.Stdin

// BuiltinPrefix names a built-in profile where a profile path is taken:
// builtin:skype-call.
const BuiltinPrefix = "builtin:"

// LoadProfile reads the profile at path: a file, "-" for standard input,
// or builtin:NAME.
func LoadProfile(path string) (*profiles.Profile, error) {
	switch {
	case path == "-":
		return profiles.Decode(Stdin, "stdin")
	case strings.HasPrefix(path, BuiltinPrefix):
		return builtin.Load(strings.TrimPrefix(path, BuiltinPrefix))
	}
	return profiles.Load(path)
}

// ReadCapture reads the capture at path ("-": standard input; "": the
// embedded sample) with opts, with a progress bar on a terminal, and
// prints its warnings.
func ReadCapture(ctx context.Context, cmd *cli.Command, path string, opts trace.Options) (*trace.Capture, error) {
	var c *trace.Capture
	var err error
	switch path {
	case "":
		c, err = samplecap.Open(opts)
	case "-":
		c, err = trace.Read(ctxio.Reader(ctx, Stdin), "stdin", 0, opts)
		if ctx.Err() != nil {
			err = ctx.Err()
		}
	default:
		update, finish := Progress(cmd, "reading")
		opts.Progress = update
		c, err = trace.ReadFileContext(ctx, path, opts)
		finish()
	}
	if err != nil {
		return nil, Interrupt(err)
	}
	Warn(cmd, c.Warnings)
	return c, nil
}
