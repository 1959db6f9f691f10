package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/cmdline"

	"github.com/gmm2trex/gmm2trex/plots"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/trace"
)

func init() {
	register(&cli.Command{
		Name:  "plot",
		Usage: "draw the fitted models against the original and generated traffic (PNG and SVG)",
		UsageText: "gmm2trex plot PROFILE [-p CAPTURE] [--object ID|#N]... -o DIR [--seed S] [--format png,svg]\n\n" +
			"Examples:\n" +
			"   gmm2trex plot call.profile.yaml -p call.pcap -o plots/\n" +
			"   gmm2trex plot call.profile.yaml -o plots/ --format svg     # models and generated traffic only",
		Description: "Writes one figure per object and direction, named after the object id and\n" +
			"direction (UDP_10.0.0.1-5000_10.0.0.2-6000_from.png): histograms of the trimmed\n" +
			"original under the fitted mixture densities (size; IAT on a log axis), the BIC\n" +
			"curve by component count, the joint (IAT, size) scatter with the 2σ ellipses of\n" +
			"the HMM state components, the autocorrelation of size and IAT, throughput in\n" +
			"1 s windows and the first packet sizes in sequence, original against traffic\n" +
			"generated with iid draws and, when the profile has one, the HMM.\n" +
			"The capture is read with the profile's settings (object kind, size unit) and\n" +
			"trimmed with its percentiles; without -p the panels show the models only.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "pcap", Aliases: []string{"p", "r"}, Usage: "the capture `FILE` the profile was estimated from (- for standard input)"},
			cmdline.ObjectFlag("draw only the object `ID` (either orientation, any case) or #N, the Nth of gmm2trex show (repeatable)"),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "directory `DIR` for the figures (created if needed)"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed `S` of the generated traffic"},
			&cli.StringFlag{Name: "format", Value: "png,svg", Usage: "`FORMATS` to write: png, svg or both"},
			quietFlag,
		},
		Action: runPlot,
	}, 1, "one argument, the PROFILE")
}

func runPlot(ctx context.Context, cmd *cli.Command) error {
	dir := cmd.String("output")
	if dir == "" {
		return usagef("-o DIR: give the directory for the figures")
	}
	formats, err := plots.ParseFormats(cmd.String("format"))
	if err != nil {
		return usagef("--format %q: want png, svg or png,svg", cmd.String("format"))
	}
	p, err := cmdline.LoadProfile(cmd.Args().First())
	if err != nil {
		return err
	}
	if ids, err := cmdline.ProfileObjects(p, cmd.Args().First(), cmd.StringSlice("object")); err != nil {
		return err
	} else if ids != nil {
		only := *p
		only.Objects = slices.DeleteFunc(slices.Clone(p.Objects), func(o profiles.Object) bool { return !slices.Contains(ids, o.ID) })
		p = &only
	}
	var c *trace.Capture
	if path := cmd.String("pcap"); path != "" {
		opts, err := plots.TraceOptions(p)
		if err != nil {
			return fmt.Errorf("%s: %w", cmd.Args().First(), err)
		}
		if c, err = cmdline.ReadCapture(ctx, cmd, path, opts); err != nil {
			return err
		}
	}
	files, err := plots.Profile(dir, p, c, plots.Options{Formats: formats, Seed: cmd.Uint64("seed"), Log: cmd.Root().ErrWriter, Context: ctx})
	if err != nil {
		return err
	}
	cmdline.Note(cmd, "%s in %s", cmdline.Plural(len(files), "file"), dir)
	return nil
}
