package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/cmdline"

	"github.com/gmm2trex/gmm2trex/exporters"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

func init() {
	register(&cli.Command{
		Name:  "export",
		Usage: "write a profile as input for TRex, MoonGen, D-ITG, a pcap or CSV",
		UsageText: "gmm2trex export PROFILE --format FORMAT -o OUT|- [--object ID|#N]... [--direction from|to|both] [-c COUNT]\n" +
			"                [--seed S] [--model auto|iid|hmm|rnn] [--max-frame N] [address overrides] [format options] [--json]\n\n" +
			"Formats:\n" + formatList() + "\n" +
			"Examples:\n" +
			"   gmm2trex export call.profile.yaml --format trex-stl -o call.yaml      # call-from.yaml, call-to.yaml\n" +
			"   gmm2trex export call.profile.yaml --format pcap -c 100000 -o call.pcap --remote-mac 02:00:00:00:00:02\n" +
			"   gmm2trex export builtin:skype-call --format pcap -c 1000 -o - | tcpreplay -i eth1 -",
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
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "output `PATH` (formats writing several files derive their names from it; - for standard output)"},
		objectFlag("export only the object `ID` (either orientation, any case) or #N, the Nth of gmm2trex show (repeatable; default: every object)"),
		&cli.StringFlag{Name: "direction", Value: "both", Usage: "`DIR`: from, to or both"},
		// countUnset stands for "not given", so that -c 0 is an error, as sample's -l 0.
		&cli.IntFlag{Name: "count", Aliases: []string{"c"}, Value: countUnset, HideDefault: true, Usage: "`COUNT` packets per direction (default " + strconv.Itoa(exporters.DefaultCount) + ")"},
		&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed `S`: same seed, same output"},
		playModelFlag(),
		&cli.IntFlag{Name: "max-frame", Value: exporters.DefaultMaxFrame, Usage: "largest frame in `BYTES` without FCS (60..9238); larger sizes are clamped"},
		&cli.IntFlag{Name: "flows", HideDefault: true, Usage: "`N` concurrent imitations of each object, each its own draw, start phase and 5-tuple (" + strings.Join(exporters.FlowFormats(), ", ") + "; default 1)"},
		&cli.StringFlag{Name: "local-ip", Usage: "`IP` of the local side (default: the profile's); with --flows also a range A-B or a prefix A/N"},
		&cli.StringFlag{Name: "remote-ip", Usage: "`IP` of the remote side (default: the profile's); with --flows also a range A-B or a prefix A/N"},
		&cli.StringFlag{Name: "local-mac", Usage: "`MAC` of the local side (default: the profile's, else 02:00:00:00:00:01)"},
		&cli.StringFlag{Name: "remote-mac", Usage: "`MAC` of the remote side (default: the profile's, else 02:00:00:00:00:02)"},
		&cli.StringFlag{Name: "local-port", Usage: "`PORT` of the local side (default: the profile's, else 8000); with --flows also a range A-B"},
		&cli.StringFlag{Name: "remote-port", Usage: "`PORT` of the remote side (default: the profile's, else 8000); with --flows also a range A-B"},
		cmdline.MaxOutputFlag(),
		&cli.BoolFlag{Name: "json", Usage: "print what was written, per object and direction, as JSON"},
		quietFlag,
	}
	// Format options: one flag per parameter name, whatever format declares it.
	for _, u := range exporters.Params() {
		fl = append(fl, cmdline.ParamFlag(u))
	}
	return fl
}

func runExport(ctx context.Context, cmd *cli.Command) error {
	req, err := exportRequest(ctx, cmd, cmd.Args().First())
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
	return writeExport(cmd, p, req)
}

// exportReq is an export the flags ask for, before the profile is read.
type exportReq struct {
	format string
	exporters.Options
}

// exportRequest checks export's flags; profile is the input the output
// must not replace.
func exportRequest(ctx context.Context, cmd *cli.Command, profile string) (*exportReq, error) {
	req := &exportReq{format: cmd.String("format")}
	if req.format == "" {
		return nil, usagef("--format is required (valid: %s)", strings.Join(exporters.Names(), ", "))
	}
	f, err := exporters.Lookup(req.format)
	if err != nil {
		return nil, usagef("--format: %v", err)
	}
	o := &req.Options
	if o.Output = cmd.String("output"); o.Output == "" {
		return nil, usagef("-o OUT is required (- for standard output)")
	}
	if o.Output == "-" && cmd.Bool("json") {
		return nil, usagef("-o - writes the traffic to standard output: --json cannot go there too")
	}
	if o.Dirs, err = exporters.ParseDirection(cmd.String("direction")); err != nil {
		return nil, usagef("--direction: %v", err)
	}
	switch count := cmd.Int("count"); count {
	case 0:
		return nil, usagef("-c 0: give a count of at least 1 packet per direction (default %d)", exporters.DefaultCount)
	case countUnset:
	default:
		o.Count = int(count)
	}
	if o.MaxBytes, err = cmdline.MaxOutput(cmd); err != nil {
		return nil, err
	}
	o.Seed, o.MaxFrame, o.Flows = cmd.Uint64("seed"), int(cmd.Int("max-frame")), int(cmd.Int("flows"))
	o.Log, o.Context, o.Protect = cmdline.LogWriter{Cmd: cmd}, ctx, cmdline.Inputs(profile)
	if o.Model, err = playModel(cmd); err != nil {
		return nil, err
	}
	for _, a := range cmdline.AddrFlags {
		if err := o.Addr.Set(a[0], cmd.String(a[1])); err != nil {
			return nil, flagError(err)
		}
	}
	for _, u := range exporters.Params() {
		v := cmd.String(u.Name)
		if u.Switch {
			v = map[bool]string{true: "true"}[cmd.Bool(u.Name)]
		}
		if _, ok := f.Param(u.Name); v != "" && !ok {
			return nil, usagef("--%s applies to --format %s, not %s", u.Name, u.Formats[0], req.format)
		} else if v != "" {
			if err := f.Set(o, u.Name, v); err != nil {
				return nil, flagError(err)
			}
		}
	}
	return req, nil
}

// writeExport writes req's files from p (or its stream to standard output
// for -o -, whole once it is complete) and prints their paths, or with
// --json what went into them.
func writeExport(cmd *cli.Command, p *profiles.Profile, req *exportReq) error {
	modelNote(cmd, p, req.Options)
	w := cmd.Root().Writer
	if req.Output == "-" {
		var b bytes.Buffer
		if err := exporters.Write(&b, p, req.format, req.Options); err != nil {
			return flagError(err)
		}
		_, err := w.Write(b.Bytes())
		return err
	}
	files, err := exporters.Export(p, req.format, req.Options)
	if err != nil {
		return flagError(err)
	}
	if cmd.Bool("json") {
		return cmdline.NewWritten(files, p, req.Objects, req.Dirs, req.Model, cmp.Or(req.Count, exporters.DefaultCount), 0).Encode(w)
	}
	for _, path := range files {
		if cmd.Name != "sample" { // whose note says it, as before
			fmt.Fprintln(w, path)
		}
	}
	return nil
}

// playModel is --model of the commands that play a profile (export,
// sample, send, imitate): auto, the default, plays what the profile chose
// for each direction.
func playModel(cmd *cli.Command) (sampler.Model, error) {
	m, err := sampler.ParseModel(cmd.String("model"))
	if err != nil {
		return m, usagef("--model %q: %v", cmd.String("model"), cmdline.Message(err))
	}
	return m, nil
}

// modelNote says on stderr which model each direction plays, when it
// matters: --model auto and the selected directions do not all play one.
func modelNote(cmd *cli.Command, p *profiles.Profile, o exporters.Options) {
	if d := exporters.DescribeModel(p, o); o.Model == sampler.Auto && strings.HasPrefix(d, "auto:") {
		cmdline.Note(cmd, "model %s (choose with --model)", d)
	}
}

// playModelFlag is --model of the commands that play a profile.
func playModelFlag() cli.Flag {
	return &cli.StringFlag{Name: "model", Value: "auto", Usage: "`MODEL` to play: auto (each direction as its profile chose), iid (independent mixture draws), hmm (the hidden Markov chains; keeps bursts) or rnn (the recurrent network; not for moongen)"}
}

// countUnset is export's -c when it is not given.
const countUnset = math.MinInt64
