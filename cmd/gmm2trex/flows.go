package main

import (
	"context"
	"encoding/json"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/cmdline"
	"github.com/gmm2trex/gmm2trex/report"
)

func init() {
	register(&cli.Command{
		Name:  "flows",
		Usage: "list the flows or devices of a capture with their packet counts",
		UsageText: "gmm2trex flows [-p CAPTURE|-] [-i flow|ip|mac] [-f IDS] [--object ID|#N]... [--min-packets N]\n" +
			"               [--size payload|ip|frame] [--keep-empty] [--json]\n\n" +
			"Examples:\n" +
			"   gmm2trex flows                         # the embedded sample capture\n" +
			"   gmm2trex flows -p call.pcapng -i ip --json\n" +
			"   tcpdump -i eth0 -c 1000 -w - | gmm2trex flows -r -",
		Description: "Reads a pcap or pcapng (gzipped too) in one pass and prints its objects —\n" +
			"bidirectional flows, or devices by IP or MAC — sorted by packet count and numbered\n" +
			"(--object '#2' elsewhere picks the second), with what was read and skipped. 'from'\n" +
			"is what the flow's first sender (or the device) sends, 'to' what it receives.\n" +
			"Without -p it reads the embedded sample; -p - reads standard input.",
		Flags: append(cmdline.CaptureFlags(),
			&cli.IntFlag{Name: "min-packets", Usage: "list only objects with a direction of at least `N` packets"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON instead of a table"},
			quietFlag),
		Action: runFlows,
	}, 0, "the capture is -p FILE")
}

func runFlows(ctx context.Context, cmd *cli.Command) error {
	minPackets := cmd.Int("min-packets")
	if minPackets < 0 {
		return usagef("--min-packets %d: must not be negative", minPackets)
	}
	opts, err := cmdline.TraceOptions(cmd)
	if err != nil {
		return err
	}
	opts.SkipHash = true
	c, err := cmdline.LoadCapture(ctx, cmd, opts, cmd.StringSlice("object"))
	if err != nil {
		return err
	}
	w := cmd.Root().Writer
	if cmd.Bool("json") {
		return json.NewEncoder(w).Encode(report.NewFlowsDoc(c, minPackets))
	}
	return report.Flows(w, c, minPackets)
}
