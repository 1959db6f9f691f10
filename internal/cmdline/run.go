package cmdline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/native"
)

// RunError gives native's errors their exit status: 1 for the peer (none,
// refused, lost), 130 for an interruption, 2 for the rest (bad input,
// missing privileges).
func RunError(err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return ErrInterrupted
	case errors.Is(err, native.ErrNoPeer), errors.Is(err, native.ErrRefused), errors.Is(err, native.ErrPeerLost):
		return WithCode(1, err)
	case errors.Is(err, native.ErrNeedRaw):
		return WithCode(2, fmt.Errorf("%w: run as root or grant it (setcap cap_net_raw+ep gmm2trex)", err))
	}
	return err
}

// EndRun clears the status line of a run, prints its report (when it made
// one) as JSON or as text, and gives the run's error its exit status.
func EndRun[R any](cmd *cli.Command, line func(string), rep *R, text func(io.Writer) error, runErr error) error {
	line("")
	if rep != nil {
		w := cmd.Root().Writer
		if cmd.Bool("json") {
			if err := json.NewEncoder(w).Encode(rep); err != nil {
				return err
			}
		} else if err := text(w); err != nil {
			return err
		}
	}
	if runErr != nil {
		return RunError(runErr)
	}
	return nil
}
