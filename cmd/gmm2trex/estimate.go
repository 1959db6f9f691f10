package main

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/cmdline"

	"github.com/gmm2trex/gmm2trex/pipeline"
	"github.com/gmm2trex/gmm2trex/plots"
	"github.com/gmm2trex/gmm2trex/report"
	"github.com/gmm2trex/gmm2trex/sampler"
)

func init() {
	register(&cli.Command{
		Name:  "estimate",
		Usage: "fit per object and direction the models of packet sizes and gaps, and save them as a profile",
		UsageText: "gmm2trex estimate [-p CAPTURE|-] [-i flow|ip|mac] [-f IDS] [--object ID|#N]... [-n auto|N] [--max-components N]\n" +
			"                  [--percentiles LO,HI] [--model auto|gmm|hmm|rnn] [--iat-transform none|log]\n" +
			"                  [--min-packets N] [--max-packets N] [--size payload|ip|frame] [--seed S] [-o PROFILE|-] [--plot DIR] [--json]\n\n" +
			"Examples:\n" +
			"   gmm2trex estimate                                  # the embedded sample -> ffmpeg-rtp.profile.yaml\n" +
			"   gmm2trex estimate -p call.pcap -n auto --model hmm -o call.profile.yaml\n" +
			"   gmm2trex estimate -p call.pcap --model gmm --max-components 5 --iat-transform none --percentiles 3,97   # as the original tool\n" +
			"   gmm2trex estimate -p skype.pcap --object '#1' -o - | gmm2trex show -",
		Description: "Reads the capture, cuts it into objects (flows, or devices by IP or MAC), and\n" +
			"fits per direction Gaussian mixtures (EM, k-means++ restarts) to the packet sizes\n" +
			"and the gaps (on log(gap) by default), with -n components or, with auto, the count\n" +
			"of lowest BIC up to --max-components. --model auto (the default) also fits hidden\n" +
			"Markov models that keep bursts and regimes and an on/off layer, samples each\n" +
			"candidate and keeps the one nearest the capture in marginals, correlation and\n" +
			"timeline (the profile records the choice and the scores); gmm, hmm and rnn ask for\n" +
			"one model. Nothing is trimmed by default: --percentiles 3,97 drops the packets whose\n" +
			"gap lies outside those percentiles, as the original tool did. Objects are fitted\n" +
			"in parallel. A direction with fewer than --min-packets packets gets no model and is\n" +
			"listed as skipped. Without -o the profile is written to <capture name>.profile.yaml\n" +
			"in the working directory.",
		Flags: append(cmdline.EstimateFlags(),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the profile to `FILE` (.json for JSON; - for standard output)"},
			&cli.StringFlag{Name: "plot", Usage: "also draw the fits into `DIR` (see gmm2trex plot)"},
			&cli.BoolFlag{Name: "json", Usage: "print what was written, per object and direction, as JSON"},
		),
		Action: runEstimate,
	}, 0, "the capture is -p FILE")
}

func runEstimate(ctx context.Context, cmd *cli.Command) error {
	s, opts, err := cmdline.EstimateSettings(cmd)
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
	res, err := cmdline.Estimate(ctx, cmd, s, opts, cmd.StringSlice("object"))
	if err != nil {
		return err
	}
	if out == "" {
		out = pipeline.ProfileName(res.Capture.Name)
		if err := cmdline.CheckOutput(out, cmd.String("pcap")); err != nil {
			return err
		}
	}
	if err := cmdline.SaveProfile(cmd, out, res.Profile); err != nil {
		return err
	}
	w := cmd.Root().Writer
	switch {
	case cmd.Bool("json"):
		err = cmdline.NewWritten([]string{cmdline.Abs(out)}, res.Profile, nil, nil, sampler.Auto, -1, 0).Encode(w)
	case out == "-":
		report.Estimate(cmd.Root().ErrWriter, res)
	default:
		report.Estimate(w, res)
		fmt.Fprintf(w, "wrote %s (%s)\n", cmdline.Abs(out), cmdline.Plural(len(res.Profile.Objects), "object"))
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
