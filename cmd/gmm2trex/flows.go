package main

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/samplecap"
	"github.com/gmm2trex/gmm2trex/report"
	"github.com/gmm2trex/gmm2trex/trace"
)

func init() {
	register(&cli.Command{
		Name:  "flows",
		Usage: "list the flows or devices of a capture with their packet counts",
		UsageText: "gmm2trex flows [-p CAPTURE] [-i flow|ip|mac] [-f IDS] [--min-packets N] [--size payload|ip|frame] [--keep-empty] [--json]\n\n" +
			"Examples:\n" +
			"   gmm2trex flows                         # the embedded sample capture\n" +
			"   gmm2trex flows -p call.pcapng -i ip --json",
		Description: "Reads a pcap or pcapng (gzipped too) in one pass and prints its objects —\n" +
			"bidirectional flows, or devices by IP or MAC — sorted by packet count, with\n" +
			"what was read and skipped. 'from' is what the flow's first sender (or the\n" +
			"device) sends, 'to' what it receives. Without -p it reads the embedded sample.",
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
		&cli.StringFlag{Name: "pcap", Aliases: []string{"p"}, Usage: "capture `FILE` (pcap or pcapng, gzipped too); default: the embedded sample"},
		&cli.StringFlag{Name: "kind", Aliases: []string{"i"}, Value: "flow", Usage: "objects: `flow`, ip or mac"},
		&cli.StringFlag{Name: "ids", Aliases: []string{"f"}, Usage: "only the objects listed in `FILE` (a MAC, IP or flow id per line; # comments)"},
		&cli.StringFlag{Name: "size", Value: "payload", Usage: "packet size: `payload` (TCP/UDP data), ip (IP total length) or frame"},
		&cli.BoolFlag{Name: "keep-empty", Usage: "keep packets without payload (pure ACKs, SYNs)"},
	}
}

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

// loadCapture reads the capture named by -p (or the embedded sample) with
// opts, with a progress bar on a terminal, and prints its warnings.
// opts.SkipHash leaves Capture.SHA256 out (profiles record it; hashing
// takes longer than the rest of the read, see BenchmarkRead).
func loadCapture(ctx context.Context, cmd *cli.Command, opts trace.Options) (*trace.Capture, error) {
	if p := cmd.String("pcap"); p != "" {
		return readCapture(ctx, cmd, p, opts)
	}
	c, err := samplecap.Open(opts)
	if err != nil {
		return nil, err
	}
	warn(cmd, c.Warnings)
	return c, nil
}

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
	c, err := loadCapture(ctx, cmd, opts)
	if err != nil {
		return err
	}
	w := cmd.Root().Writer
	if cmd.Bool("json") {
		return json.NewEncoder(w).Encode(report.NewFlowsDoc(c, minPackets))
	}
	return report.Flows(w, c, minPackets)
}

// readCapture reads the capture at path with opts, with a progress bar on a
// terminal, and prints its warnings.
func readCapture(ctx context.Context, cmd *cli.Command, path string, opts trace.Options) (*trace.Capture, error) {
	update, finish := progress(cmd, "reading")
	opts.Progress = update
	c, err := trace.ReadFileContext(ctx, path, opts)
	finish()
	if err != nil {
		return nil, interrupted(err)
	}
	warn(cmd, c.Warnings)
	return c, nil
}

// interrupted gives an error caused by SIGINT or SIGTERM (a cancelled
// context) its exit status, 130.
func interrupted(err error) error {
	if errors.Is(err, context.Canceled) {
		return withCode(130, errors.New("interrupted"))
	}
	return err
}
