package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/htmlreport"
	"github.com/gmm2trex/gmm2trex/internal/cmdline"
	"github.com/gmm2trex/gmm2trex/sampler"
)

func init() {
	def := htmlreport.DefaultOptions()
	register(&cli.Command{
		Name:  "report",
		Usage: "write one self-contained HTML page: compare's table coloured by bounds, and figures of original against generated",
		UsageText: "gmm2trex report ORIGINAL [GENERATED | PROFILE] -o REPORT.html [--object ID] [--model auto|iid|hmm|rnn] [--seed S]\n" +
			"                [--min-packets N] [--max-ks X] [--max-acf-err X] [--max-rate-err X] [--max-burst-err X]\n\n" +
			"Examples:\n" +
			"   gmm2trex report call.pcap -o report.html                     # estimate, generate, compare\n" +
			"   gmm2trex report call.pcap call.profile.yaml -o report.html   # generate from a profile\n" +
			"   gmm2trex report call.pcap gen.csv -o report.html             # traffic generated elsewhere",
		Description: "The second argument is told by its content: a capture or a CSV (sample's) is\n" +
			"compared as it is, a profile (or builtin:NAME) is sampled over the original's\n" +
			"span; with none, ORIGINAL is estimated first. The page (no network, no script)\n" +
			"holds compare's table coloured by the bounds and, per object and direction,\n" +
			"histograms over the fitted densities, the ACF, throughput and burstiness over\n" +
			"time. Exit 0 once written whatever the verdict (check is the gate), 2 on bad input.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "the HTML `FILE` to write"},
			&cli.StringFlag{Name: "object", Usage: "report only the original's object `ID`"},
			&cli.StringFlag{Name: "model", Value: "auto", Usage: "`MODEL` to sample a profile with: auto (as each direction's profile chose), iid, hmm or rnn"},
			&cli.Uint64Flag{Name: "seed", Value: def.Seed, Usage: "seed `S` of the generated traffic"},
			&cli.IntFlag{Name: "min-packets", Value: def.Compare.MinPackets, Usage: "compare only directions with at least `N` packets"},
		}, cmdline.BoundFlags(def.Bounds, "colour red where")...),
		Action: runReport,
	}, -1, "ORIGINAL and at most one of GENERATED or PROFILE")
}

func runReport(ctx context.Context, cmd *cli.Command) error {
	if n := cmd.NArg(); n < 1 || n > 2 {
		return usagef("report needs ORIGINAL and at most one of GENERATED or PROFILE; got %d arguments", n)
	}
	orig, second := cmd.Args().Get(0), cmd.Args().Get(1)
	out := cmd.String("output")
	if out == "" {
		return usagef("-o FILE: give the HTML file to write")
	}
	if err := htmlreport.CheckOutput(out, orig, second); out != "-" && err != nil {
		return usagef("-o %v", err)
	}
	o := htmlreport.DefaultOptions()
	var err error
	if o.Model, err = sampler.ParseModel(cmd.String("model")); err != nil {
		return usagef("--model: %v", err)
	}
	o.Seed = cmd.Uint64("seed")
	if o.Compare.MinPackets = int(cmd.Int("min-packets")); o.Compare.MinPackets < 0 {
		return usagef("--min-packets %d: must not be negative", o.Compare.MinPackets)
	}
	o.Compare.Object = cmd.String("object")
	if o.Bounds, err = cmdline.BoundsOf(cmd); err != nil {
		return err
	}
	r, err := htmlreport.Build(ctx, orig, second, o)
	if err != nil {
		return interrupted(err)
	}
	if out == "-" {
		return cmdline.WriteOutput(ctx, cmd, out, r.WriteHTML)
	}
	if err := htmlreport.WriteFile(ctx, out, r); err != nil {
		return interrupted(err)
	}
	fmt.Fprintf(cmd.Root().ErrWriter, "gmm2trex: wrote %s (%d figures; %s)\n", out, len(r.Figures), r.Verdict())
	return nil
}
