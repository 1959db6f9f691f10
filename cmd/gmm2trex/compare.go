package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/cmdline"

	"github.com/gmm2trex/gmm2trex/compare"
)

func init() {
	register(&cli.Command{
		Name:  "check",
		Usage: "the CI verdict: compare generated traffic with the original and fail on drift (JUnit XML too)",
		UsageText: "gmm2trex check ORIGINAL GENERATED|PROFILE [--max-ks X] [--max-acf-err X] [--max-rate-err X] [--max-burst-err X]\n" +
			"               [--junit FILE] [--json] [compare options]\n\n" +
			"Examples:\n" +
			"   gmm2trex sample call.profile.yaml -l 300 -o gen.pcap\n" +
			"   gmm2trex check call.pcap gen.pcap --junit check.xml      # exit 1 when a bound is exceeded\n" +
			"   gmm2trex check call.pcap call.profile.yaml --junit check.xml   # generates from the profile first",
		Description: fmt.Sprintf("Compares as 'compare' does and checks every bound on every object and direction.\n"+
			"GENERATED is traffic (a capture or sample's CSV), or a PROFILE (a .yaml/.json file or\n"+
			"builtin:NAME), which check samples first over the original's span, with --seed, each\n"+
			"direction playing its profile's choice: the generator is what the gate judges.\n"+
			"Bounds:\n"+
			"by default --max-ks %g --max-acf-err %g --max-rate-err %g --max-burst-err %g (a negative\n"+
			"value drops a bound). Prints PASS or FAIL per object and direction with what failed;\n"+
			"--json prints compare's document with every check and the verdict; --junit writes\n"+
			"JUnit XML that GitLab, Jenkins and GitHub test reporters read. Exit 0 when every\n"+
			"check passed, 1 when one failed, 2 on bad input.", cmdline.CheckBounds.MaxKS, cmdline.CheckBounds.MaxACFErr, cmdline.CheckBounds.MaxRateErr, cmdline.CheckBounds.MaxBurstErr),
		Flags:  cmdline.CompareFlags(true),
		Action: runCompare,
	}, 2, "two arguments, ORIGINAL and GENERATED")
	register(&cli.Command{
		Name:  "compare",
		Usage: "measure how close generated traffic is to the original (distributions, correlation, timeline)",
		UsageText: "gmm2trex compare ORIGINAL GENERATED [-i flow|ip|mac] [-f IDS] [--object ID] [--percentiles LO,HI]\n" +
			"                 [--min-packets N] [--size payload|ip|frame] [--keep-empty] [--json]\n" +
			"                 [--max-ks X] [--max-acf-err X] [--max-rate-err X] [--max-burst-err X]\n\n" +
			"Examples:\n" +
			"   gmm2trex sample call.profile.yaml -l 60 -o gen.csv\n" +
			"   gmm2trex compare call.pcap gen.csv\n" +
			"   gmm2trex compare call.pcap gen.pcap --json --max-ks 0.05 --max-acf-err 0.1 --max-rate-err 0.05   # a CI gate",
		Description: "Each side is a capture (pcap/pcapng, gzipped too) or a CSV written by 'sample'\n" +
			"(header time,direction,size,iat), cut into objects alike. Both sides are put on\n" +
			"the coarser of their two clocks (a capture's from its header, a CSV's from its\n" +
			"decimals) so that the same packets give the same numbers in any container, and\n" +
			"by default nothing is trimmed: --percentiles trims both sides alike.\n\n" +
			"Objects are paired by id. When no id matches and the generated side has a single\n" +
			"object (always so for a CSV), it is paired with --object, or else with the\n" +
			"original's largest object. Per object and direction it prints KS (size, gap,\n" +
			"1 s throughput), KL, Jensen-Shannon, Wasserstein-1, the mean |ACF difference|\n" +
			"over lags 1..50, Q-Q correlation, rolling-entropy difference, and the timeline:\n" +
			"byte and packet rate ratios (generated / original over each side's span), the\n" +
			"burstiness ratio (CV of bytes per 10 ms, 100 ms, 1 s window), the idle share (1 s\n" +
			"windows without a packet) and the ACF error of the bytes per 10 ms.\n" +
			"Exit 1 when a --max-* bound is exceeded (one line per violation on stderr; with\n" +
			"--json every check and the verdict are in the output), 2 on bad input.",
		Flags:  cmdline.CompareFlags(false),
		Action: runCompare,
	}, 2, "two arguments, ORIGINAL and GENERATED")
}

func runCompare(ctx context.Context, cmd *cli.Command) error {
	opts, err := cmdline.CompareOptions(cmd)
	if err != nil {
		return err
	}
	errw := cmd.Root().ErrWriter
	var sides [2]*compare.Side
	for i, role := range []compare.Role{compare.Original, compare.Generated} {
		if i == 1 && cmd.Args().Get(0) == "-" && cmd.Args().Get(1) == "-" {
			return usagef("only one side can be standard input (-)")
		}
		path, remove, err := cmdline.InputPath(ctx, cmd.Args().Get(i))
		if err != nil {
			return err
		}
		defer remove()
		if role == compare.Generated && cmd.Name == "check" && cmdline.IsProfile(path) {
			gen, remove, err := cmdline.Generate(ctx, cmd, path, sides[0], cmd.Uint64("seed"))
			if err != nil {
				return interrupted(err)
			}
			defer remove()
			path = gen
		}
		update, finish := cmdline.Progress(cmd, "reading "+filepath.Base(path))
		opts.Trace.Progress = update
		sides[i], err = compare.Load(ctx, path, opts, role)
		finish()
		if err != nil {
			return interrupted(err)
		}
		warn(cmd, sides[i].Warnings)
		if cmd.Args().Get(i) == "-" {
			sides[i].Path = "stdin"
		}
	}
	opts.Object = cmd.String("object")
	rep, err := compare.RunContext(ctx, sides[0], sides[1], opts)
	if err != nil {
		return interrupted(err)
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
	bounds, _ := cmdline.BoundsOf(cmd) // checked by CompareOptions
	failed := rep.Gate(bounds)
	w, check := cmd.Root().Writer, cmd.Name == "check"
	junit := cmd.String("junit")
	if check && junit == "-" {
		if cmd.Bool("json") {
			return usagef("--junit - and --json: only one of them can be standard output")
		}
		w = cmd.Root().ErrWriter // stdout is the XML's
	}
	switch {
	case cmd.Bool("json"):
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	case check:
		err = rep.WriteVerdict(w)
	default:
		err = rep.WriteText(w)
	}
	if err != nil {
		return err
	}
	if check && junit != "" {
		if err := cmdline.WriteOutput(ctx, cmd, junit, func(w io.Writer) error { return rep.WriteJUnit(w, "gmm2trex check") }); err != nil {
			return interrupted(fmt.Errorf("--junit %w", err))
		}
	}
	flag := map[string]string{"MaxKS": "max-ks", "MaxACFErr": "max-acf-err", "MaxRateErr": "max-rate-err", "MaxBurstErr": "max-burst-err"}
	for _, c := range failed {
		if !check { // check's verdict says it on stdout
			cmdline.Note(cmd, "%s %s: %s (--%s)", c.ID, c.Dir, c.Describe(), flag[c.Bound])
		}
	}
	if len(failed) > 0 {
		return checkFailed("%s: %s exceeded", cmd.Name, cmdline.Plural(len(failed), "bound"))
	}
	return nil
}
