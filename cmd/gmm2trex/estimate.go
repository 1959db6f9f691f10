package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/cmdline"

	"github.com/gmm2trex/gmm2trex/estimate"
	"github.com/gmm2trex/gmm2trex/pipeline"
	"github.com/gmm2trex/gmm2trex/plots"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/report"
	"github.com/gmm2trex/gmm2trex/sampler"
	"github.com/gmm2trex/gmm2trex/trace"
)

func init() {
	register(&cli.Command{
		Name:  "estimate",
		Usage: "fit per object and direction the models of packet sizes and gaps, and save them as a profile",
		UsageText: "gmm2trex estimate [-p CAPTURE|-] [-i flow|ip|mac] [-f IDS] [--object ID|#N]... [-n auto|N] [--max-components N]\n" +
			"                  [--percentiles LO,HI] [--model auto|gmm|hmm|rnn] [--iat-transform none|log]\n" +
			"                  [--min-packets N] [--size payload|ip|frame] [--seed S] [-o PROFILE|-] [--plot DIR] [--json]\n\n" +
			"Examples:\n" +
			"   gmm2trex estimate                                  # the embedded sample -> ffmpeg-rtp.profile.yaml\n" +
			"   gmm2trex estimate -p call.pcap -n auto --model hmm -o call.profile.yaml\n" +
			"   gmm2trex estimate -p call.pcap -n auto --max-components 5 --iat-transform none   # as the original tool\n" +
			"   gmm2trex estimate -p skype.pcap --object '#1' -o - | gmm2trex show -",
		Description: "Reads the capture, cuts it into objects (flows, or devices by IP or MAC), trims\n" +
			"each direction's packets whose gap lies outside the percentiles, and fits Gaussian\n" +
			"mixtures (EM, k-means++ restarts) to the packet sizes and the gaps (on log(gap)\n" +
			"by default), with -n components or, with auto, the count of lowest BIC up to\n" +
			"--max-components. --model hmm adds hidden Markov models that keep bursts and\n" +
			"regimes. Objects are fitted in parallel. A direction with fewer than --min-packets\n" +
			"packets gets no model and is listed as skipped. Without -o the profile is written\n" +
			"to <capture name>.profile.yaml in the working directory.",
		Flags: append(estimateFlags(),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the profile to `FILE` (.json for JSON; - for standard output)"},
			&cli.StringFlag{Name: "plot", Usage: "also draw the fits into `DIR` (see gmm2trex plot)"},
			&cli.BoolFlag{Name: "json", Usage: "print what was written, per object and direction, as JSON"},
		),
		Action: runEstimate,
	}, 0, "the capture is -p FILE")
}

// defaultPercentiles is the --percentiles default of estimate and compare.
var defaultPercentiles = fmt.Sprintf("%v,%v", pipeline.DefaultPercentileLo, pipeline.DefaultPercentileHi)

// parseEstimateFlags checks the flags before the capture is read, so that a
// typo costs no read.
func parseEstimateFlags(cmd *cli.Command) (pipeline.Settings, trace.Options, error) {
	s := pipeline.DefaultSettings()
	var err error
	if s.Components, err = pipeline.ParseComponents(cmd.String("components")); err != nil {
		return s, trace.Options{}, usagef("-n %v", err)
	}
	if s.PercentileLo, s.PercentileHi, err = pipeline.ParsePercentiles(cmd.String("percentiles")); err != nil {
		return s, trace.Options{}, usagef("--percentiles %v", err)
	}
	s.MaxComponents, s.MinPackets, s.Seed = cmd.Int("max-components"), cmd.Int("min-packets"), cmd.Uint64("seed")
	s.Model, s.IATTransform = cmd.String("model"), cmd.String("iat-transform")
	o, err := traceOptions(cmd)
	if err != nil {
		return s, o, err
	}
	s.Kind, s.Size, s.KeepEmpty = o.Kind, o.Size, o.KeepEmpty
	return s, o, flagError(s.Validate())
}

// estimateFlags are estimate's flags without -o and --plot; imitate
// shares them.
func estimateFlags() []cli.Flag {
	return append(captureFlags(),
		&cli.StringFlag{Name: "components", Aliases: []string{"n"}, Value: "auto", Usage: "mixture components: `N` or auto (BIC)"},
		&cli.IntFlag{Name: "max-components", Value: estimate.DefaultMaxK, Usage: "largest component count `N` tried by -n auto (5 reproduces the original tool)"},
		&cli.StringFlag{Name: "percentiles", Value: defaultPercentiles, Usage: "drop packets whose gap lies outside the `LO,HI` percentiles"},
		&cli.StringFlag{Name: "model", Value: pipeline.ModelAuto, Usage: "`MODEL` to fit: auto (fit both, each direction plays the one that imitates it best), gmm (independent mixtures), hmm (adds the temporal model) or rnn (adds the HMM and a recurrent network over mixture components, and plays the network)"},
		&cli.StringFlag{Name: "iat-transform", Value: estimate.DefaultIATTransform, Usage: "fit the gap mixture on the gap (none) or on its log: `T`"},
		&cli.IntFlag{Name: "min-packets", Value: pipeline.DefaultMinPackets, Usage: "fit a direction only with at least `N` packets"},
		&cli.Uint64Flag{Name: "seed", Value: pipeline.DefaultSeed, Usage: "seed `S` of every random choice"},
		quietFlag,
	)
}

// estimateCapture reads the capture and estimates its profile, as the
// flags say, from the objects wants names (all when none).
func estimateCapture(ctx context.Context, cmd *cli.Command, s pipeline.Settings, opts trace.Options, wants []string) (*pipeline.Result, error) {
	c, err := loadCapture(ctx, cmd, opts, wants)
	if err != nil {
		return nil, err
	}
	update, finish := cmdline.CountProgress(cmd, "fitting")
	s.Progress = update
	res, err := pipeline.Estimate(ctx, c, s)
	finish()
	var noObj *pipeline.NoObjectError
	switch {
	case errors.Is(err, context.Canceled):
		return nil, cmdline.ErrInterrupted
	case errors.As(err, &noObj) && len(noObj.Objects) > 0:
		// Worded for the command line: the user sets --min-packets.
		return nil, fmt.Errorf("no direction of %s has --min-packets %d packets (at least 3 are needed): %s",
			noObj.Capture, noObj.MinPackets, noObj.Counts(10))
	case errors.As(err, &noObj) && opts.Select != nil:
		return nil, fmt.Errorf("-f %s: the selection matched no object of %s (%s read; gmm2trex flows lists them)",
			cmd.String("ids"), noObj.Capture, cmdline.Plural(int(noObj.Packets), "packet"))
	case err != nil:
		return nil, err
	}
	cmdline.Warn(cmd, res.Warnings)
	return res, nil
}

func runEstimate(ctx context.Context, cmd *cli.Command) error {
	s, opts, err := parseEstimateFlags(cmd)
	if err != nil {
		return err
	}
	out := cmd.String("output")
	if err := cmdline.CheckOutput(out, cmd.String("pcap")); err != nil {
		return err
	}
	if out == "-" && cmd.Bool("json") {
		return usagef("-o - writes the profile to standard output: --json cannot go there too")
	}
	res, err := estimateCapture(ctx, cmd, s, opts, cmd.StringSlice("object"))
	if err != nil {
		return err
	}
	if out == "" {
		out = pipeline.ProfileName(res.Capture.Name)
		if err := cmdline.CheckOutput(out, cmd.String("pcap")); err != nil {
			return err
		}
	}
	if err := saveProfile(cmd, out, res.Profile); err != nil {
		return err
	}
	w := cmd.Root().Writer
	switch {
	case cmd.Bool("json"):
		err = cmdline.NewWritten([]string{absOr(out)}, res.Profile, nil, nil, sampler.Auto, -1, 0).Encode(w)
	case out == "-":
		report.Estimate(cmd.Root().ErrWriter, res)
	default:
		report.Estimate(w, res)
		fmt.Fprintf(w, "wrote %s (%s)\n", absOr(out), cmdline.Plural(len(res.Profile.Objects), "object"))
	}
	if dir := cmd.String("plot"); dir != "" && err == nil {
		files, err := plots.Profile(dir, res.Profile, res.Capture, plots.Options{Seed: s.Seed, Log: io.Discard, Context: ctx})
		if err != nil {
			return fmt.Errorf("--plot %s: %w", dir, err)
		}
		cmdline.Note(cmd, "%s in %s", cmdline.Plural(len(files), "plot file"), dir)
	}
	return err
}

// saveProfile writes p to path, or to standard output for "-" (YAML).
func saveProfile(cmd *cli.Command, path string, p *profiles.Profile) error {
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

func absOr(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
