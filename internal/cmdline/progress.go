package cmdline

import (
	"fmt"
	"os"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v3"
	"golang.org/x/term"
)

// QuietFlag is shared by commands that do long work.
var QuietFlag = &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress bar"}

// terminal returns stderr when progress may be drawn on it: it is a
// terminal and --quiet is not set.
func terminal(cmd *cli.Command) (*os.File, bool) {
	f, ok := cmd.Root().ErrWriter.(*os.File)
	return f, ok && !cmd.Bool("quiet") && term.IsTerminal(int(f.Fd()))
}

// Progress returns a callback that draws a byte-count progress bar on stderr,
// or nil when stderr is not a terminal or --quiet is set. done must be called
// when the work ends (it is safe to call when the callback is nil).
func Progress(cmd *cli.Command, desc string) (update func(done, total int64), finish func()) {
	return bar(cmd, desc, progressbar.OptionShowBytes(true), progressbar.OptionThrottle(100_000_000))
}

// CountProgress is Progress counting jobs instead of bytes.
func CountProgress(cmd *cli.Command, desc string) (update func(done, total int), finish func()) {
	update64, finish := bar(cmd, desc, progressbar.OptionShowCount())
	if update64 == nil {
		return nil, finish
	}
	return func(done, total int) { update64(int64(done), int64(total)) }, finish
}

// bar draws a bar with opts on stderr when it is a terminal (and not
// --quiet). The bar appears at the first call of update, which says the
// total.
func bar(cmd *cli.Command, desc string, opts ...progressbar.Option) (update func(done, total int64), finish func()) {
	f, ok := terminal(cmd)
	if !ok {
		return nil, func() {}
	}
	var b *progressbar.ProgressBar
	update = func(done, total int64) {
		if b == nil {
			b = progressbar.NewOptions64(total, append(opts, progressbar.OptionSetWriter(f),
				progressbar.OptionSetDescription(desc), progressbar.OptionClearOnFinish())...)
		}
		_ = b.Set64(done)
	}
	finish = func() {
		if b != nil {
			_ = b.Finish()
		}
	}
	return update, finish
}

// ProgressLine returns a function that redraws one status line on stderr
// when it is a terminal (and not --quiet); "" clears it.
func ProgressLine(cmd *cli.Command) func(string) {
	f, ok := terminal(cmd)
	if !ok {
		return func(string) {}
	}
	return func(s string) { fmt.Fprintf(f, "\r\033[K%s", s) }
}
