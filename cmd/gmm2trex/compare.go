package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/compare"
	"github.com/gmm2trex/gmm2trex/trace"
)

func init() {
	flags := []cli.Flag{}
	for _, f := range captureFlags() {
		if f.Names()[0] != "pcap" { // the captures are the two arguments
			flags = append(flags, f)
		}
	}
	flags = append(flags,
		&cli.StringFlag{Name: "percentiles", Value: "3,97", Usage: "trim the original's packets whose IAT lies outside the `LO,HI` percentiles, as estimate does"},
		&cli.IntFlag{Name: "min-packets", Value: 100, Usage: "compare only directions with at least `N` packets (estimate models no others)"},
		&cli.StringFlag{Name: "object", Usage: "compare only the original's object `ID` (the generated side's single object is matched to it)"},
		&cli.BoolFlag{Name: "json", Usage: "print JSON instead of a table"},
		&cli.FloatFlag{Name: "max-ks", Value: -1, Usage: "exit 1 when ks_size or ks_iat of any direction exceeds `X` (negative: no bound)"},
		&cli.FloatFlag{Name: "max-acf-err", Value: -1, Usage: "exit 1 when acf_err_size or acf_err_iat of any direction exceeds `X` (negative: no bound)"},
		quietFlag,
	)
	register(&cli.Command{
		Name:  "compare",
		Usage: "measure how close generated traffic is to the original (KS, KL, Wasserstein, ACF, throughput)",
		UsageText: "gmm2trex compare ORIGINAL GENERATED [-i flow|ip|mac] [-f IDS] [--object ID] [--percentiles LO,HI]\n" +
			"                 [--min-packets N] [--size payload|ip|frame] [--keep-empty] [--json] [--max-ks X] [--max-acf-err X]\n\n" +
			"Examples:\n" +
			"   gmm2trex sample call.profile.yaml -c 5000 -o gen.csv\n" +
			"   gmm2trex compare call.pcap gen.csv\n" +
			"   gmm2trex compare call.pcap gen.pcap --json --max-ks 0.05 --max-acf-err 0.1   # a CI gate",
		Description: "Each side is a capture (pcap/pcapng, gzipped too) or a CSV written by 'sample'\n" +
			"(header time,direction,size,iat). The original is cut into objects and trimmed\n" +
			"like estimate does with the same flags (a CSV original is taken as it is);\n" +
			"the generated side is taken as it is, only --min-packets applies to it.\n\n" +
			"Objects are paired by id. When no id matches and the generated side has a single\n" +
			"object (always so for a CSV), it is paired with --object, or else with the\n" +
			"original's largest object. Per object and direction it prints KS (size, IAT,\n" +
			"1 s throughput), KL, Jensen-Shannon, Wasserstein-1, the mean |ACF difference|\n" +
			"over lags 1..50, Q-Q correlation and rolling-entropy difference.\n" +
			"Exit 1 when a --max-* bound is exceeded (one line per violation on stderr),\n" +
			"2 on bad input.",
		Flags:  flags,
		Action: runCompare,
	})
}

func runCompare(ctx context.Context, cmd *cli.Command) error {
	if cmd.NArg() != 2 {
		return usagef("compare needs two arguments, ORIGINAL and GENERATED; got %d", cmd.NArg())
	}
	opts, err := compareOptions(cmd)
	if err != nil {
		return err
	}
	errw := cmd.Root().ErrWriter
	var sides [2]*compare.Side
	for i, role := range []compare.Role{compare.Original, compare.Generated} {
		path := cmd.Args().Get(i)
		update, finish := progress(cmd, "reading "+filepath.Base(path))
		opts.Trace.Progress = update
		sides[i], err = compare.Load(path, opts, role)
		finish()
		if err != nil {
			return err
		}
		for _, w := range sides[i].Warnings {
			fmt.Fprintf(errw, "gmm2trex: warning: %s\n", w)
		}
	}
	rep, err := compare.Run(sides[0], sides[1], cmd.String("object"))
	if err != nil {
		return err
	}
	if p := rep.Pairing; p.Largest {
		fmt.Fprintf(errw, "gmm2trex: comparing %s with the original's largest object %q (choose another with --object)\n",
			p.Pairs[0].Generated.ID, p.Pairs[0].Original.ID)
	}
	for _, id := range rep.Pairing.Unpaired {
		fmt.Fprintf(errw, "gmm2trex: %q is not in %s, not compared\n", id, sides[1].Path)
	}
	for _, s := range rep.Skipped {
		fmt.Fprintf(errw, "gmm2trex: %s %s: the original has %d packets (below --min-packets %d), not compared\n",
			s.ID, s.Dir, s.Packets, opts.MinPackets)
	}
	w := cmd.Root().Writer
	if cmd.Bool("json") {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := rep.WriteText(w); err != nil {
		return err
	}
	violations := rep.Check(compare.Bounds{MaxKS: cmd.Float("max-ks"), MaxACFErr: cmd.Float("max-acf-err")})
	flag := map[string]string{"MaxKS": "max-ks", "MaxACFErr": "max-acf-err"}
	for _, v := range violations {
		fmt.Fprintf(errw, "gmm2trex: %s %s: %s %s > --%s %g\n", v.ID, v.Dir, v.Metric, compare.Format(v.Value), flag[v.Bound], v.Limit)
	}
	if len(violations) > 0 {
		return checkFailed("compare: %d bound(s) exceeded", len(violations))
	}
	return nil
}

func compareOptions(cmd *cli.Command) (compare.Options, error) {
	var o compare.Options
	kind, err := trace.ParseKind(cmd.String("kind"))
	if err != nil {
		return o, usagef("-i: %v", err)
	}
	size, err := trace.ParseSizeMode(cmd.String("size"))
	if err != nil {
		return o, usagef("--size: %v", err)
	}
	o.Trace = trace.Options{Kind: kind, Size: size, KeepEmpty: cmd.Bool("keep-empty")}
	if f := cmd.String("ids"); f != "" {
		if o.Trace.Select, err = trace.LoadSelectors(f); err != nil {
			return o, err
		}
	}
	o.PercentileLo, o.PercentileHi, err = parsePercentiles(cmd.String("percentiles"))
	if err != nil {
		return o, err
	}
	o.MinPackets = int(cmd.Int("min-packets"))
	if o.MinPackets < 0 {
		return o, usagef("--min-packets %d: must not be negative", o.MinPackets)
	}
	for _, name := range []string{"max-ks", "max-acf-err"} {
		if math.IsNaN(cmd.Float(name)) {
			return o, usagef("--%s: not a number", name)
		}
	}
	return o, nil
}

// parsePercentiles reads "LO,HI" with 0 ≤ LO < HI ≤ 100.
func parsePercentiles(s string) (lo, hi float64, err error) {
	a, b, ok := strings.Cut(s, ",")
	if ok {
		lo, err = strconv.ParseFloat(strings.TrimSpace(a), 64)
		if err == nil {
			hi, err = strconv.ParseFloat(strings.TrimSpace(b), 64)
		}
	}
	if !ok || err != nil || !(lo >= 0 && lo < hi && hi <= 100) {
		return 0, 0, usagef("--percentiles %q: want LO,HI with 0 ≤ LO < HI ≤ 100", s)
	}
	return lo, hi, nil
}
