package main

import (
	"context"
	"fmt"
	"math"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/compare"
	"github.com/gmm2trex/gmm2trex/htmlreport"
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
		Description: "ORIGINAL is a capture (or a CSV written by sample). The second argument is told\n" +
			"by its content: a capture or a CSV is compared as it is; a profile (or\n" +
			"builtin:NAME) is sampled, seeded, over the span of each original object it is\n" +
			"compared with; with none, ORIGINAL is estimated at estimate's defaults first.\n" +
			"The page holds compare's table per object (green: within its bound, red:\n" +
			"beyond it) and per object and direction one figure: the size and gap\n" +
			"histograms with the fitted mixture densities over them (when there is a\n" +
			"profile), the autocorrelation of size and gap, the throughput in 1 s windows\n" +
			"and the burstiness over time, original against generated. It needs no\n" +
			"network and no script: figures are embedded PNG. The default bounds are the\n" +
			"models issue's (a negative --max-* checks nothing). Exit 0 once written,\n" +
			"whatever the verdict ('compare --max-*' is the gate), 2 on bad input.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "the HTML `FILE` to write"},
			&cli.StringFlag{Name: "object", Usage: "report only the original's object `ID`"},
			&cli.StringFlag{Name: "model", Value: "auto", Usage: "`MODEL` to sample a profile with: auto (as each direction's profile chose), iid, hmm or rnn"},
			&cli.Uint64Flag{Name: "seed", Value: def.Seed, Usage: "seed `S` of the generated traffic"},
			&cli.IntFlag{Name: "min-packets", Value: def.Compare.MinPackets, Usage: "compare only directions with at least `N` packets"},
			&cli.FloatFlag{Name: "max-ks", Value: def.Bounds.MaxKS, Usage: "bound `X` on ks_size and ks_iat"},
			&cli.FloatFlag{Name: "max-acf-err", Value: def.Bounds.MaxACFErr, Usage: "bound `X` on acf_err_size and acf_err_iat"},
			&cli.FloatFlag{Name: "max-rate-err", Value: def.Bounds.MaxRateErr, Usage: "bound `X` on |rate ratio − 1|, bytes and packets"},
			&cli.FloatFlag{Name: "max-burst-err", Value: def.Bounds.MaxBurstErr, Usage: "bound `X` on |ln burst ratio| at 10 ms, 100 ms and 1 s"},
		},
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
	if err := htmlreport.CheckOutput(out, orig, second); err != nil {
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
	o.Bounds = compare.Bounds{MaxKS: cmd.Float("max-ks"), MaxACFErr: cmd.Float("max-acf-err"),
		MaxRateErr: cmd.Float("max-rate-err"), MaxBurstErr: cmd.Float("max-burst-err")}
	for _, v := range []float64{o.Bounds.MaxKS, o.Bounds.MaxACFErr, o.Bounds.MaxRateErr, o.Bounds.MaxBurstErr} {
		if math.IsNaN(v) {
			return usagef("--max-*: not a number")
		}
	}
	r, err := htmlreport.Build(ctx, orig, second, o)
	if err != nil {
		return interrupted(err)
	}
	if err := htmlreport.WriteFile(ctx, out, r); err != nil {
		return interrupted(err)
	}
	fmt.Fprintf(cmd.Root().ErrWriter, "gmm2trex: wrote %s (%d figures; %s)\n", out, len(r.Figures), r.Verdict())
	return nil
}
