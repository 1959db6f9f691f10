package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/cmdline"

	"github.com/gmm2trex/gmm2trex/exporters"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

func init() {
	register(&cli.Command{
		Name:  "sample",
		Usage: "generate a packet sequence from a profile, as CSV or as a pcap",
		UsageText: "gmm2trex sample PROFILE [--object ID] (-c COUNT | -l SECONDS) [--model auto|iid|hmm|rnn] [--seed S] -o OUT.csv|OUT.pcap\n\n" +
			"Examples:\n" +
			"   gmm2trex sample call.profile.yaml -c 5000 -o gen.csv\n" +
			"   gmm2trex sample call.profile.yaml -l 60 --model hmm --seed 7 -o gen.pcap",
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
			&cli.StringFlag{Name: "object", Usage: "the object `ID` to sample (default: the profile's first object)"},
			&cli.IntFlag{Name: "count", Aliases: []string{"c"}, HideDefault: true, Usage: "`COUNT` packets per direction"},
			&cli.FloatFlag{Name: "length", Aliases: []string{"l"}, HideDefault: true, Usage: "every packet of the first `SECONDS`"},
			&cli.StringFlag{Name: "model", Value: "auto", Usage: "`auto` (each direction as its profile chose), iid (independent mixture draws), hmm (the hidden Markov chains) or rnn (the recurrent network)"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed `S`: same seed, same output"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "output `FILE`: .csv or .pcap"},
			cmdline.MaxOutputFlag(),
		},
		Action: runSample,
	}, 1, "one argument, the PROFILE")
}

func runSample(ctx context.Context, cmd *cli.Command) error {
	out := cmd.String("output")
	ext := strings.ToLower(filepath.Ext(out))
	if out == "" || (ext != ".csv" && ext != ".pcap") {
		return usagef("-o %q: give an output file ending in .csv or .pcap", out)
	}
	count, length := cmd.Int("count"), cmd.Float("length")
	// Values, not cmd.IsSet: IsSet stays true across in-process runs
	// (tests). The export checks the values.
	if (count != 0) == (length != 0) {
		return usagef("give exactly one of -c COUNT or -l SECONDS")
	}
	model, err := sampler.ParseModel(cmd.String("model"))
	if err != nil {
		return usagef("--model: %v", err)
	}
	maxBytes, err := cmdline.MaxOutput(cmd)
	if err != nil {
		return err
	}
	p, err := cmdline.LoadProfile(cmd.Args().First())
	if err != nil {
		return err
	}
	errw := cmd.Root().ErrWriter
	obj, err := pickObject(p, cmd.String("object"), "sampling", errw)
	if err != nil {
		return err
	}
	dirs := exporters.Generable(obj, model)
	for _, d := range []profiles.Dir{profiles.From, profiles.To} {
		if obj.Dir(d) == nil {
			fmt.Fprintf(errw, "gmm2trex: %s %s: no model (too few packets in the capture), skipped\n", obj.ID, d)
		} else if !slices.Contains(dirs, d) {
			fmt.Fprintf(errw, "gmm2trex: %s %s: no HMM in the profile (estimate with --model hmm), skipped\n", obj.ID, d)
		}
	}
	if len(dirs) == 0 {
		return fmt.Errorf("sample: %s: object %q has no direction to generate with --model %s", cmd.Args().First(), obj.ID, model)
	}
	// The csv and pcap exports write what sample writes; sample adds the
	// duration limit and nanosecond stamps (compare reads them back), and
	// frames large enough for every size (no clamping).
	format, o := "csv", exporters.Options{Output: out, Objects: []string{obj.ID}, Dirs: dirs, Count: int(count), Duration: length,
		Seed: cmd.Uint64("seed"), Model: model, Log: cmdline.LogWriter{Cmd: cmd},
		Context: ctx, MaxBytes: maxBytes, Protect: cmdline.Inputs(cmd.Args().First())}
	if ext == ".pcap" {
		format, o.Pcap.Nanosecond, o.MaxFrame = "pcap", true, exporters.FitMaxFrame(obj, dirs)
	}
	_, err = exporters.Export(p, format, o)
	return flagError(err)
}

// pickObject returns the object named id, or the profile's first object
// when id is empty, saying on errw that it is "<doing> the first" when there
// were several.
func pickObject(p *profiles.Profile, id, doing string, errw io.Writer) (*profiles.Object, error) {
	obj, err := exporters.PickObject(p, id)
	if err == nil && id == "" && len(p.Objects) > 1 {
		fmt.Fprintf(errw, "gmm2trex: the profile has %d objects; %s the first, %q (choose with --object)\n", len(p.Objects), doing, obj.ID)
	}
	return obj, err
}
