package main

import (
	"context"
	"slices"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/cmdline"
	"github.com/gmm2trex/gmm2trex/sampler"
)

func init() {
	flags := cmdline.EstimateFlags()
	for _, f := range cmdline.ExportFlags() {
		// --model, --seed and --object are estimate's: the export plays
		// what the profile chose, from the same seed and objects.
		if !slices.ContainsFunc(flags, func(g cli.Flag) bool { return g.Names()[0] == f.Names()[0] }) {
			flags = append(flags, f)
		}
	}
	flags = append(flags, &cli.StringFlag{Name: "profile", Usage: "also save the estimated profile to `FILE`"})
	register(&cli.Command{
		Name:  "imitate",
		Usage: "capture to traffic in one step: estimate a profile and export it",
		UsageText: "gmm2trex imitate -p CAPTURE|- [--object ID|#N]... --format FORMAT -o OUT|- [--profile FILE] [--json]\n" +
			"                 [estimate options] [export options]\n\n" +
			"Examples:\n" +
			"   gmm2trex imitate -p call.pcap --format trex-stl -o call.yaml           # call-from.yaml, call-to.yaml\n" +
			"   gmm2trex imitate -p call.pcap --object '#2' --format pcap -c 10000 -o - | tcpreplay -i eth1 -",
		Description: "Estimates the capture's objects as 'estimate' does (same options and defaults) and\n" +
			"exports the profile as 'export' does, each direction playing the model its\n" +
			"estimate chose. Without --object it imitates the capture's largest object (#1\n" +
			"in gmm2trex flows) and says so on stderr. --profile keeps the profile, to\n" +
			"'show', 'check' or 'send' it later. To send it with the native sender instead,\n" +
			"use gmm2trex send -p CAPTURE.",
		Flags:  flags,
		Action: runImitate,
	}, 0, "the capture is -p FILE")
}

func runImitate(ctx context.Context, cmd *cli.Command) error {
	s, opts, err := cmdline.EstimateSettings(cmd)
	if err != nil {
		return err
	}
	req, err := cmdline.NewExport(ctx, cmd, cmd.String("pcap"))
	if err != nil {
		return err
	}
	req.Model = sampler.Auto
	keep := cmd.String("profile")
	if keep == "-" {
		return usagef("--profile -: give a file (standard output is -o's)")
	}
	if err := cmdline.CheckOutput(keep, cmd.String("pcap")); err != nil {
		return usagef("--profile %v", cmdline.Message(err))
	}
	wants := cmd.StringSlice("object")
	if len(wants) == 0 {
		wants = []string{cmdline.Largest}
	}
	res, err := cmdline.Estimate(ctx, cmd, s, opts, wants)
	if err != nil {
		return err
	}
	if keep != "" {
		if err := cmdline.SaveProfile(cmd, keep, res.Profile); err != nil {
			return err
		}
		cmdline.Note(cmd, "wrote the profile %s", cmdline.Abs(keep))
	}
	return cmdline.WriteExport(cmd, res.Profile, req)
}
