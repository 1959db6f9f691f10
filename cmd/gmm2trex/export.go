package main

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/cmdline"

	"github.com/gmm2trex/gmm2trex/exporters"
	"github.com/gmm2trex/gmm2trex/sampler"
)

func init() {
	register(&cli.Command{
		Name:  "export",
		Usage: "write a profile as input for TRex, MoonGen, D-ITG, a pcap or CSV",
		UsageText: "gmm2trex export PROFILE --format FORMAT -o OUT [--object ID]... [--direction from|to|both] [-c COUNT]\n" +
			"                [--seed S] [--model auto|iid|hmm|rnn] [--max-frame N] [address overrides] [format options]\n\n" +
			"Formats:\n" + formatList() + "\n" +
			"Examples:\n" +
			"   gmm2trex export call.profile.yaml --format trex-stl -o call.yaml      # call-from.yaml, call-to.yaml\n" +
			"   gmm2trex export call.profile.yaml --format pcap -c 100000 -o call.pcap --remote-mac 02:00:00:00:00:02",
		Description: "Samples each selected object and direction (-c packets each, seeded) and writes the\n" +
			"target's files atomically. Frames are Ethernet / IPv4 or IPv6 / UDP or TCP with correct\n" +
			"lengths and checksums, the sampled size as payload, padded to 60 bytes; sizes above\n" +
			"--max-frame are clamped and counted in a warning. Notes go to stderr, the paths written\n" +
			"to stdout, one per line.",
		Flags:  exportFlags(),
		Action: runExport,
	}, 1, "one argument, the PROFILE")
}

func formatList() string {
	var b strings.Builder
	for _, f := range exporters.Formats() {
		fmt.Fprintf(&b, "   %-10s %s\n", f.Name, f.Summary)
	}
	return b.String()
}

func exportFlags() []cli.Flag {
	fl := []cli.Flag{
		&cli.StringFlag{Name: "format", Usage: "`FORMAT`: " + strings.Join(exporters.Names(), ", ")},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "output `PATH` (formats writing several files derive their names from it)"},
		&cli.StringSliceFlag{Name: "object", Usage: "export only the object with this `ID` (repeatable; default: every object)"},
		&cli.StringFlag{Name: "direction", Value: "both", Usage: "`from`, to or both"},
		// countUnset stands for "not given", so that -c 0 is an error, as sample's -l 0.
		&cli.IntFlag{Name: "count", Aliases: []string{"c"}, Value: countUnset, HideDefault: true, Usage: "`COUNT` packets per direction (default " + strconv.Itoa(exporters.DefaultCount) + ")"},
		&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed `S`: same seed, same output"},
		&cli.StringFlag{Name: "model", Usage: "`auto` (each direction as its profile chose; the default), iid (independent mixture draws), hmm (keeps bursts) or rnn (the recurrent network; not for moongen)"},
		&cli.IntFlag{Name: "max-frame", Value: exporters.DefaultMaxFrame, Usage: "largest frame in `BYTES` without FCS (60..9238); larger sizes are clamped"},
		&cli.IntFlag{Name: "flows", HideDefault: true, Usage: "`N` concurrent imitations of each object, each its own draw, start phase and 5-tuple (" + strings.Join(exporters.FlowFormats(), ", ") + "; default 1)"},
		&cli.StringFlag{Name: "local-ip", Usage: "`IP` of the local side (default: the profile's); with --flows also a range A-B or a prefix A/N"},
		&cli.StringFlag{Name: "remote-ip", Usage: "`IP` of the remote side (default: the profile's); with --flows also a range A-B or a prefix A/N"},
		&cli.StringFlag{Name: "local-mac", Usage: "`MAC` of the local side (default: the profile's, else 02:00:00:00:00:01)"},
		&cli.StringFlag{Name: "remote-mac", Usage: "`MAC` of the remote side (default: the profile's, else 02:00:00:00:00:02)"},
		&cli.StringFlag{Name: "local-port", Usage: "`PORT` of the local side (default: the profile's, else 8000); with --flows also a range A-B"},
		&cli.StringFlag{Name: "remote-port", Usage: "`PORT` of the remote side (default: the profile's, else 8000); with --flows also a range A-B"},
		cmdline.MaxOutputFlag(),
		quietFlag,
	}
	// Format options: one flag per parameter name, whatever format declares it.
	for _, u := range exporters.Params() {
		// Values arrive as text for Format.Set: an empty string means "not
		// given" (cmd.IsSet stays true across in-process runs, so it cannot tell).
		if u.Switch {
			fl = append(fl, &cli.BoolFlag{Name: u.Name, Usage: u.Help()})
		} else {
			fl = append(fl, &cli.StringFlag{Name: u.Name, Usage: u.Help()})
		}
	}
	return fl
}

func runExport(ctx context.Context, cmd *cli.Command) error {
	format := cmd.String("format")
	if format == "" {
		return usagef("--format is required (valid: %s)", strings.Join(exporters.Names(), ", "))
	}
	f, err := exporters.Lookup(format)
	if err != nil {
		return usagef("--format: %v", err)
	}
	if cmd.String("output") == "" {
		return usagef("-o OUT is required")
	}
	dirs, err := exporters.ParseDirection(cmd.String("direction"))
	if err != nil {
		return usagef("--direction: %v", err)
	}
	count := cmd.Int("count")
	switch {
	case count == 0:
		return usagef("-c 0: give a count of at least 1 packet per direction (default %d)", exporters.DefaultCount)
	case count == countUnset:
		count = 0 // the default
	}
	maxBytes, err := cmdline.MaxOutput(cmd)
	if err != nil {
		return err
	}
	p, err := cmdline.LoadProfile(cmd.Args().First())
	if err != nil {
		return err
	}
	o := exporters.Options{
		Output:   cmd.String("output"),
		Objects:  cmd.StringSlice("object"),
		Dirs:     dirs,
		Count:    int(count),
		Seed:     cmd.Uint64("seed"),
		MaxFrame: int(cmd.Int("max-frame")),
		Flows:    int(cmd.Int("flows")),
		Log:      cmdline.LogWriter{Cmd: cmd},
		Context:  ctx,
		MaxBytes: maxBytes,
		Protect:  cmdline.Inputs(cmd.Args().First()),
	}
	if len(o.Objects) == 0 {
		o.Objects = nil
	}
	if m := cmd.String("model"); m != "" {
		if o.Model, err = sampler.ParseModel(m); err != nil {
			return usagef("--model: %v", err)
		}
	} else {
		o.Model = exporters.DefaultModel(p, o)
		fmt.Fprintf(cmd.Root().ErrWriter, "gmm2trex: model %s (choose with --model)\n", exporters.DescribeModel(p, o))
	}
	for _, a := range cmdline.AddrFlags {
		if err := o.Addr.Set(a[0], cmd.String(a[1])); err != nil {
			return flagError(err)
		}
	}
	for _, u := range exporters.Params() {
		v := cmd.String(u.Name)
		if u.Switch {
			v = map[bool]string{true: "true"}[cmd.Bool(u.Name)]
		}
		if _, ok := f.Param(u.Name); v != "" && !ok {
			return usagef("--%s applies to --format %s, not %s", u.Name, u.Formats[0], format)
		} else if v != "" {
			if err := f.Set(&o, u.Name, v); err != nil {
				return flagError(err)
			}
		}
	}
	files, err := exporters.Export(p, format, o)
	for _, path := range files {
		fmt.Fprintln(cmd.Root().Writer, path)
	}
	return flagError(err)
}

// countUnset is export's -c when it is not given.
const countUnset = math.MinInt64
