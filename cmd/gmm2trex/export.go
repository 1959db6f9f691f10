package main

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/cmdline"
)

func init() {
	register(&cli.Command{
		Name:  "export",
		Usage: "write a profile as input for TRex, MoonGen, D-ITG, a pcap or CSV",
		UsageText: "gmm2trex export PROFILE --format FORMAT -o OUT|- [--object ID|#N]... [--direction from|to|both] [-c COUNT]\n" +
			"                [--seed S] [--model auto|iid|hmm|rnn] [--max-frame N] [address overrides] [format options] [--json]\n\n" +
			"Formats:\n" + cmdline.FormatList() + "\n" +
			"Examples:\n" +
			"   gmm2trex export call.profile.yaml --format trex-stl -o call.yaml      # call-from.yaml, call-to.yaml\n" +
			"   gmm2trex export call.profile.yaml --format pcap -c 100000 -o call.pcap --remote-mac 02:00:00:00:00:02\n" +
			"   gmm2trex export builtin:skype-call --format pcap -c 1000 -o - | tcpreplay -i eth1 -",
		Description: "Samples each selected object and direction (-c packets each, seeded) and writes the\n" +
			"target's files atomically. Frames are Ethernet / IPv4 or IPv6 / UDP or TCP with correct\n" +
			"lengths and checksums, the sampled size as payload, padded to 60 bytes; sizes above\n" +
			"--max-frame are clamped and counted in a warning. Notes go to stderr, the paths written\n" +
			"to stdout, one per line.",
		Flags:  cmdline.ExportFlags(),
		Action: runExport,
	}, 1, "one argument, the PROFILE")
}

func runExport(ctx context.Context, cmd *cli.Command) error {
	req, err := cmdline.NewExport(ctx, cmd, cmd.Args().First())
	if err != nil {
		return err
	}
	p, err := cmdline.LoadProfile(cmd.Args().First())
	if err != nil {
		return err
	}
	if req.Objects, err = cmdline.ProfileObjects(p, cmd.Args().First(), cmd.StringSlice("object")); err != nil {
		return err
	}
	return cmdline.WriteExport(cmd, p, req)
}
