package main

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v3"
	"golang.org/x/term"
)

// quietFlag is shared by commands that do long work.
var quietFlag = &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress bar"}

// progress returns a callback that draws a byte-count progress bar on stderr,
// or nil when stderr is not a terminal or --quiet is set. done must be called
// when the work ends (it is safe to call when the callback is nil).
func progress(cmd *cli.Command, desc string) (update func(done, total int64), finish func()) {
	w := cmd.Root().ErrWriter
	f, ok := w.(*os.File)
	if cmd.Bool("quiet") || !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, func() {}
	}
	var bar *progressbar.ProgressBar
	update = func(done, total int64) {
		if bar == nil {
			bar = progressbar.NewOptions64(total,
				progressbar.OptionSetWriter(io.Writer(f)),
				progressbar.OptionSetDescription(desc),
				progressbar.OptionShowBytes(true),
				progressbar.OptionThrottle(100_000_000),
				progressbar.OptionClearOnFinish())
		}
		_ = bar.Set64(done)
	}
	finish = func() {
		if bar != nil {
			_ = bar.Finish()
		}
	}
	return update, finish
}

// countProgress draws a bar of jobs done on stderr when it is a terminal (and
// not --quiet); progress counts bytes, this counts jobs. The bar appears at
// the first call of update, which says the total.
func countProgress(cmd *cli.Command, desc string) (update func(done, total int), finish func()) {
	f, ok := cmd.Root().ErrWriter.(*os.File)
	if cmd.Bool("quiet") || !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, func() {}
	}
	var bar *progressbar.ProgressBar
	update = func(done, total int) {
		if bar == nil {
			bar = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(f),
				progressbar.OptionSetDescription(desc),
				progressbar.OptionShowCount(),
				progressbar.OptionClearOnFinish())
		}
		_ = bar.Set(done)
	}
	finish = func() {
		if bar != nil {
			_ = bar.Finish()
		}
	}
	return update, finish
}
