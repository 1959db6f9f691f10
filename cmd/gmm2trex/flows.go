package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/samplecap"
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
	})
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

// captureOptions reads the captureFlags that say how to cut a capture into
// objects (-i, --size, --keep-empty).
func captureOptions(cmd *cli.Command) (trace.Options, error) {
	kind, err := trace.ParseKind(cmd.String("kind"))
	if err != nil {
		return trace.Options{}, usagef("-i: %v", err)
	}
	size, err := trace.ParseSizeMode(cmd.String("size"))
	if err != nil {
		return trace.Options{}, usagef("--size: %v", err)
	}
	return trace.Options{Kind: kind, Size: size, KeepEmpty: cmd.Bool("keep-empty")}, nil
}

// loadCapture reads the capture named by captureFlags (or the embedded
// sample), with a progress bar on a terminal, and prints its warnings.
// hash asks for Capture.SHA256 (profiles record it; hashing takes longer
// than the rest of the read, see BenchmarkRead).
func loadCapture(cmd *cli.Command, hash bool) (*trace.Capture, error) {
	opts, err := captureOptions(cmd)
	if err != nil {
		return nil, err
	}
	opts.SkipHash = !hash
	if f := cmd.String("ids"); f != "" {
		if opts.Select, err = trace.LoadSelectors(f); err != nil {
			return nil, err
		}
	}
	var c *trace.Capture
	if p := cmd.String("pcap"); p != "" {
		update, finish := progress(cmd, "reading")
		opts.Progress = update
		c, err = trace.ReadFile(p, opts)
		finish()
	} else {
		c, err = samplecap.Open(opts)
	}
	if err != nil {
		return nil, err
	}
	for _, w := range c.Warnings {
		fmt.Fprintf(cmd.Root().ErrWriter, "gmm2trex: warning: %s\n", w)
	}
	return c, nil
}

// The JSON document of DESIGN.md's CLI contract; field order is part of it.
type flowsJSON struct {
	Objects []flowsObject `json:"objects"`
	Read    flowsRead     `json:"read"`
}

type flowsObject struct {
	ID   string     `json:"id"`
	Kind string     `json:"kind"`
	From flowsCount `json:"from"`
	To   flowsCount `json:"to"`
}

type flowsCount struct {
	Packets int `json:"packets"`
}

type flowsRead struct {
	Packets int64            `json:"packets"`
	Skipped map[string]int64 `json:"skipped"`
}

func runFlows(_ context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() > 0 {
		return usagef("flows takes no arguments (the capture is -p FILE), got %q", cmd.Args().First())
	}
	minPackets := cmd.Int("min-packets")
	if minPackets < 0 {
		return usagef("--min-packets %d: must not be negative", minPackets)
	}
	c, err := loadCapture(cmd, false)
	if err != nil {
		return err
	}
	var shown []*trace.Object
	for _, o := range c.Objects {
		if o.Enough(minPackets) {
			shown = append(shown, o)
		}
	}
	w := cmd.Root().Writer
	if cmd.Bool("json") {
		doc := flowsJSON{Objects: []flowsObject{}, Read: flowsRead{Packets: c.Packets, Skipped: c.Skipped}}
		for _, o := range shown {
			doc.Objects = append(doc.Objects, flowsObject{o.ID, o.Kind.String(), flowsCount{o.From.Len()}, flowsCount{o.To.Len()}})
		}
		return json.NewEncoder(w).Encode(doc)
	}
	return printFlows(w, c, shown, minPackets)
}

func printFlows(w io.Writer, c *trace.Capture, shown []*trace.Object, minPackets int) error {
	idw := len("OBJECT")
	for _, o := range shown {
		idw = max(idw, len(o.ID))
	}
	fmt.Fprintf(w, "%-*s  %-4s  %8s  %8s  %9s\n", idw, "OBJECT", "KIND", "FROM", "TO", "TOTAL")
	for _, o := range shown {
		fmt.Fprintf(w, "%-*s  %-4s  %8d  %8d  %9d\n", idw, o.ID, o.Kind, o.From.Len(), o.To.Len(), o.Packets())
	}
	fmt.Fprintln(w)
	var start string
	if c.Packets > 0 {
		start = " from " + c.Start.Format(time.RFC3339Nano)
	}
	fmt.Fprintf(w, "read %d packets from %s (%.3f s%s): %d used in %d objects", c.Packets, c.Name, c.Duration, start, c.Used, len(c.Objects))
	if hidden := len(c.Objects) - len(shown); hidden > 0 {
		fmt.Fprintf(w, ", %d listed (%d below --min-packets %d)", len(shown), hidden, minPackets)
	}
	fmt.Fprintln(w)
	var skipped []string
	for _, r := range slices.Sorted(maps.Keys(c.Skipped)) {
		skipped = append(skipped, fmt.Sprintf("%s %d", r, c.Skipped[r]))
	}
	if len(skipped) == 0 {
		skipped = []string{"none"}
	}
	_, err := fmt.Fprintf(w, "skipped: %s\n", strings.Join(skipped, ", "))
	return err
}
