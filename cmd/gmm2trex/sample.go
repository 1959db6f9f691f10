package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/cmdline"

	"github.com/gmm2trex/gmm2trex/exporters"
	"github.com/gmm2trex/gmm2trex/profiles"
)

func init() {
	register(&cli.Command{
		Name:  "sample",
		Usage: "generate a packet sequence from a profile, as CSV or as a pcap",
		UsageText: "gmm2trex sample PROFILE [--object ID] (-c COUNT | -l SECONDS) [--model auto|iid|hmm|rnn] [--seed S] -o OUT.csv|OUT.pcap|- [--format csv|pcap] [--json]\n\n" +
			"Examples:\n" +
			"   gmm2trex sample call.profile.yaml -c 5000 -o gen.csv\n" +
			"   gmm2trex sample call.profile.yaml -l 60 --model hmm --seed 7 -o gen.pcap\n" +
			"   gmm2trex sample builtin:skype-call -c 100 -o - --format csv | head",
		Description: "Draws packets (time, direction, size, gap) from one object of the profile:\n" +
			"-c COUNT packets per direction, or every packet in the first -l SECONDS. Both\n" +
			"directions share one timeline from t=0. By default each direction plays what its\n" +
			"profile chose (estimate's --model auto); --model iid draws each gap and size\n" +
			"independently from the mixtures; hmm walks the profile's hidden Markov chains,\n" +
			"which keeps bursts and the packet-to-packet correlation.\n\n" +
			"OUT.csv has the header time,direction,size,iat (seconds from 0; from|to; bytes;\n" +
			"the direction's gap, empty for its first packet). OUT.pcap holds Ethernet frames\n" +
			"with the object's addresses, ports and protocol and valid checksums; the payload\n" +
			"is zeros, sized so that the profile's size unit (payload, ip or frame) matches.\n" +
			"A direction without a model is skipped with a message.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "object", Usage: "the object `ID` (either orientation, any case) or #N to sample (default: the profile's first object)"},
			&cli.IntFlag{Name: "count", Aliases: []string{"c"}, HideDefault: true, Usage: "`COUNT` packets per direction"},
			&cli.FloatFlag{Name: "length", Aliases: []string{"l"}, HideDefault: true, Usage: "every packet of the first `SECONDS`"},
			cmdline.PlayModelFlag(),
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed `S`: same seed, same output"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "output `FILE`: .csv or .pcap, or - for standard output (with --format)"},
			&cli.StringFlag{Name: "format", Usage: "`FORMAT` csv or pcap, when -o has no suffix to go by"},
			&cli.BoolFlag{Name: "json", Usage: "print what was written, per object and direction, as JSON"},
			cmdline.MaxOutputFlag(),
		},
		Action: runSample,
	}, 1, "one argument, the PROFILE")
}

func runSample(ctx context.Context, cmd *cli.Command) error {
	out, format := cmd.String("output"), cmd.String("format")
	switch ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(out)), "."); {
	case out == "":
		return usagef("-o OUT: give an output file ending in .csv or .pcap, or - for standard output")
	case format != "" && format != "csv" && format != "pcap":
		return usagef("--format %q: want csv or pcap", format)
	case format == "" && (ext == "csv" || ext == "pcap"):
		format = ext
	case format == "":
		return usagef("-o %q: no .csv or .pcap suffix to go by; give --format csv or pcap", out)
	}
	if out == "-" && cmd.Bool("json") {
		return usagef("-o - writes the packets to standard output: --json cannot go there too")
	}
	count, length := cmd.Int("count"), cmd.Float("length")
	// Values, not cmd.IsSet: IsSet stays true across in-process runs
	// (tests). The export checks the values.
	if (count != 0) == (length != 0) {
		return usagef("give exactly one of -c COUNT or -l SECONDS")
	}
	model, err := cmdline.PlayModel(cmd)
	if err != nil {
		return err
	}
	maxBytes, err := cmdline.MaxOutput(cmd)
	if err != nil {
		return err
	}
	path := cmd.Args().First()
	p, err := cmdline.LoadProfile(path)
	if err != nil {
		return err
	}
	obj, err := cmdline.PickObject(cmd, p, path, "sampling")
	if err != nil {
		return err
	}
	dirs := exporters.Generable(obj, model)
	for _, d := range []profiles.Dir{profiles.From, profiles.To} {
		if obj.Dir(d) == nil {
			cmdline.Note(cmd, "%s %s: no model (too few packets in the capture), skipped", obj.ID, d)
		} else if !slices.Contains(dirs, d) {
			cmdline.Note(cmd, "%s %s: no %s model in the profile (estimate with --model %s), skipped", obj.ID, d, strings.ToUpper(model.String()), model)
		}
	}
	if len(dirs) == 0 {
		return fmt.Errorf("%s: object %q has no direction to generate with --model %s", path, obj.ID, model)
	}
	// The csv and pcap exports write what sample writes; sample adds the
	// duration limit and nanosecond stamps (compare reads them back), and
	// frames large enough for every size (no clamping).
	req := &cmdline.Export{Format: format, Options: exporters.Options{Output: out, Objects: []string{obj.ID}, Dirs: dirs, Count: int(count), Duration: length,
		Seed: cmd.Uint64("seed"), Model: model, Log: cmdline.LogWriter{Cmd: cmd},
		Context: ctx, MaxBytes: maxBytes, Protect: cmdline.Inputs(path)}}
	if format == "pcap" {
		req.Pcap.Nanosecond, req.MaxFrame = true, exporters.FitMaxFrame(obj, dirs)
	}
	return cmdline.WriteExport(cmd, p, req)
}
