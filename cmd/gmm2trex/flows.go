package main

import (
	"context"
	"encoding/json"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/cmdline"
	"github.com/gmm2trex/gmm2trex/report"
	"github.com/gmm2trex/gmm2trex/trace"
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
		Flags: append(captureFlags(),
			&cli.IntFlag{Name: "min-packets", Usage: "list only objects with a direction of at least `N` packets"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON instead of a table"},
			quietFlag),
		Action: runFlows,
	}, 0, "the capture is -p FILE")
}

// captureFlags are the flags that say which capture to read and how to cut
// it into objects; loadCapture reads them. estimate shares them.
func captureFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "pcap", Aliases: []string{"p", "r"}, Usage: "capture `FILE` (pcap or pcapng, gzipped too; - for standard input); default: the embedded sample"},
		&cli.StringFlag{Name: "kind", Aliases: []string{"i"}, Value: "flow", Usage: "objects `KIND`: flow, ip or mac"},
		&cli.StringFlag{Name: "ids", Aliases: []string{"f"}, Usage: "only the objects listed in `FILE` (a MAC, IP or flow id per line; # comments)"},
		objectFlag("only the object `ID` (either orientation, any case) or #N, the Nth row of gmm2trex flows (repeatable)"),
		&cli.StringFlag{Name: "size", Value: "payload", Usage: "packet size `UNIT`: payload (TCP/UDP data), ip (IP total length) or frame"},
		&cli.BoolFlag{Name: "keep-empty", Usage: "keep packets without payload (pure ACKs, SYNs)"},
	}
}

func objectFlag(usage string) cli.Flag { return &cli.StringSliceFlag{Name: "object", Usage: usage} }

// traceOptions reads the captureFlags that say how to cut a capture into
// objects (-i, --size, --keep-empty, -f).
func traceOptions(cmd *cli.Command) (o trace.Options, err error) {
	if o.Kind, err = trace.ParseKind(cmd.String("kind")); err != nil {
		return o, usagef("-i: %v", err)
	}
	if o.Size, err = trace.ParseSizeMode(cmd.String("size")); err != nil {
		return o, usagef("--size: %v", err)
	}
	o.KeepEmpty = cmd.Bool("keep-empty")
	if f := cmd.String("ids"); f != "" {
		o.Select, err = trace.LoadSelectors(f)
	}
	return o, err
}

// loadCapture reads the capture named by -p ("-": standard input; none:
// the embedded sample) with opts and keeps the objects wants names (see
// cmdline.SelectCapture).
func loadCapture(ctx context.Context, cmd *cli.Command, opts trace.Options, wants []string) (*trace.Capture, error) {
	c, err := cmdline.ReadCapture(ctx, cmd, cmd.String("pcap"), opts)
	if err != nil {
		return nil, err
	}
	if len(wants) == 1 && wants[0] == largest && len(c.Objects) > 0 {
		o := c.Objects[0]
		cmdline.Note(cmd, "imitating the capture's largest object, %q (%s; choose with --object)", o.ID, cmdline.Plural(o.Packets(), "packet"))
	}
	return c, cmdline.SelectCapture(c, wants)
}

// largest is what imitate and send -p choose when no --object is given.
const largest = "#1"

func runFlows(ctx context.Context, cmd *cli.Command) error {
	minPackets := cmd.Int("min-packets")
	if minPackets < 0 {
		return usagef("--min-packets %d: must not be negative", minPackets)
	}
	opts, err := traceOptions(cmd)
	if err != nil {
		return err
	}
	opts.SkipHash = true
	c, err := loadCapture(ctx, cmd, opts, cmd.StringSlice("object"))
	if err != nil {
		return err
	}
	w := cmd.Root().Writer
	if cmd.Bool("json") {
		return json.NewEncoder(w).Encode(report.NewFlowsDoc(c, minPackets))
	}
	return report.Flows(w, c, minPackets)
}
