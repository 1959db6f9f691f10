package cmdline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/estimate"
	"github.com/gmm2trex/gmm2trex/pipeline"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/trace"
)

// DefaultPercentiles is the --percentiles default of estimate and compare.
var DefaultPercentiles = fmt.Sprintf("%v,%v", pipeline.DefaultPercentileLo, pipeline.DefaultPercentileHi)

// EstimateSettings checks the flags before the capture is read, so that a
// typo costs no read.
func EstimateSettings(cmd *cli.Command) (pipeline.Settings, trace.Options, error) {
	s := pipeline.DefaultSettings()
	var err error
	if s.Components, err = pipeline.ParseComponents(cmd.String("components")); err != nil {
		return s, trace.Options{}, Usagef("-n %v", err)
	}
	if s.PercentileLo, s.PercentileHi, err = pipeline.ParsePercentiles(cmd.String("percentiles")); err != nil {
		return s, trace.Options{}, Usagef("--percentiles %v", err)
	}
	s.MaxComponents, s.MinPackets, s.Seed = cmd.Int("max-components"), cmd.Int("min-packets"), cmd.Uint64("seed")
	s.MaxPackets = cmd.Int("max-packets")
	s.Model, s.IATTransform = cmd.String("model"), cmd.String("iat-transform")
	o, err := TraceOptions(cmd)
	if err != nil {
		return s, o, err
	}
	s.Kind, s.Size, s.KeepEmpty = o.Kind, o.Size, o.KeepEmpty
	o.MaxPackets, o.Seed = s.MaxPackets, s.Seed
	return s, o, FlagError(s.Validate())
}

// EstimateFlags are estimate's flags without -o and --plot; imitate
// shares them.
func EstimateFlags() []cli.Flag {
	return append(CaptureFlags(),
		&cli.StringFlag{Name: "components", Aliases: []string{"n"}, Value: "auto", Usage: "mixture components: `N` or auto (BIC)"},
		&cli.IntFlag{Name: "max-components", Value: estimate.DefaultMaxK, Usage: "largest component count `N` tried by -n auto (5 reproduces the original tool)"},
		&cli.StringFlag{Name: "percentiles", Value: DefaultPercentiles, Usage: "drop packets whose gap lies outside the `LO,HI` percentiles of the direction's gaps (0,100: none; 3,97: the original tool)"},
		&cli.StringFlag{Name: "model", Value: pipeline.ModelAuto, Usage: "`MODEL` to fit: auto (fit both, each direction plays the one that imitates it best), gmm (independent mixtures), hmm (adds the temporal model) or rnn (adds the HMM and a recurrent network over mixture components, and plays the network)"},
		&cli.StringFlag{Name: "iat-transform", Value: estimate.DefaultIATTransform, Usage: "fit the gap mixture on the gap (none) or on its log: `T`"},
		&cli.IntFlag{Name: "min-packets", Value: pipeline.DefaultMinPackets, Usage: "fit a direction only with at least `N` packets"},
		&cli.IntFlag{Name: "max-packets", Value: pipeline.DefaultMaxPackets, Usage: "fit a longer direction on a sample of `N` of its packets, in blocks of consecutive packets spread over the whole capture (0: every packet)"},
		&cli.Uint64Flag{Name: "seed", Value: pipeline.DefaultSeed, Usage: "seed `S` of every random choice"},
		QuietFlag,
	)
}

// Estimate reads the capture and estimates its profile, as the
// flags say, from the objects wants names (all when none).
func Estimate(ctx context.Context, cmd *cli.Command, s pipeline.Settings, opts trace.Options, wants []string) (*pipeline.Result, error) {
	c, err := LoadCapture(ctx, cmd, opts, wants)
	if err != nil {
		return nil, err
	}
	update, finish := CountProgress(cmd, "fitting")
	s.Progress = update
	res, err := pipeline.Estimate(ctx, c, s)
	finish()
	var noObj *pipeline.NoObjectError
	switch {
	case errors.Is(err, context.Canceled):
		return nil, ErrInterrupted
	case errors.As(err, &noObj) && len(noObj.Objects) > 0:
		// Worded for the command line: the user sets --min-packets.
		return nil, fmt.Errorf("no direction of %s has --min-packets %d packets (at least 3 are needed): %s",
			noObj.Capture, noObj.MinPackets, noObj.Counts(10))
	case errors.As(err, &noObj) && opts.Select != nil:
		return nil, fmt.Errorf("-f %s: the selection matched no object of %s (%s read; gmm2trex flows lists them)",
			cmd.String("ids"), noObj.Capture, Plural(int(noObj.Packets), "packet"))
	case err != nil:
		return nil, err
	}
	Warn(cmd, res.Warnings)
	return res, nil
}

// SaveProfile writes p to path, or to standard output for "-" (YAML).
func SaveProfile(cmd *cli.Command, path string, p *profiles.Profile) error {
	if path != "-" {
		return profiles.Save(path, p)
	}
	var b bytes.Buffer
	if err := profiles.Encode(&b, p, profiles.YAML); err != nil {
		return err
	}
	_, err := cmd.Root().Writer.Write(b.Bytes())
	return err
}

// Abs is p made absolute, for messages; p itself when that fails.
func Abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
