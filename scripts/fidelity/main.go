// Command fidelity runs the fidelity benchmark (package fidelity) over
// captures and prints one Markdown table, and optionally the rows as JSON:
//
//	go run ./scripts/fidelity [-objects FILE] [-allowed FILE] [-check] [-seeds N] [-model auto|gmm|hmm|rnn] [-models] [-json OUT] [-cut N] CAPTURE_OR_DIR...
//
// A capture with no object to estimate is left out with a note, but with
// -check or -allowed (gating, it fails the run).
//
// -cut N judges each capture cut to its first N packets (fidelity.Cut,
// into a temporary directory, same names), as a short capture: directions
// of a few hundred packets; a capture that then has no object to
// estimate is left out with a note. It takes no -allowed (that list is
// the whole captures').
//
// Every capture is estimated at estimate's defaults (but -model), every
// fitted direction sampled for the original's span with seeds 1..N and
// compared with the untrimmed original. -models prints instead one line
// per direction and model (iid, hmm, rnn) with the paper's measures beside
// ours (fidelity.WriteModels); -model rnn fits all three. The objects file (see
// fidelity.ParseCases) chooses the object kind and objects per capture.
// -allowed FILE (see fidelity.ParseAllowed) exits 1 on a bound missed that
// FILE does not list: the ratchet CI runs it with. Exit status 2 on bad
// input, 1 on a failure while running (or, with -check or -allowed, a
// bound missed).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gmm2trex/gmm2trex/fidelity"
	"github.com/gmm2trex/gmm2trex/internal/atomicfile"
	"github.com/gmm2trex/gmm2trex/pipeline"
)

func main() {
	objects := flag.String("objects", "", "objects `FILE`: lines \"CAPTURE [KIND] [ID]\"")
	seeds := flag.Int("seeds", 5, "sampling seeds 1..`N`")
	model := flag.String("model", pipeline.DefaultSettings().Model, "estimate's --model")
	jsonOut := flag.String("json", "", "also write the rows as JSON to `FILE`")
	perModel := flag.Bool("models", false, "print one line per direction and model, with the paper's KL and rolling-entropy measures")
	check := flag.Bool("check", false, "exit 1 unless every direction of at least fidelity.MinBoundPackets packets holds the models issue's bounds")
	allowedFile := flag.String("allowed", "", "exit 1 on any bound missed that allowed-misses `FILE` does not list (lines \"CAPTURE | OBJECT | DIR | BOUND\")")
	cut := flag.Int("cut", 0, "judge each capture cut to its first `N` packets (0: whole)")
	estSeed := flag.Uint64("estimate-seed", pipeline.DefaultSeed, "estimate's --seed `S`: a hold that another seed loses rests on the search's random streams, not on the model")
	flag.Parse()
	fail := func(code int, err error) {
		fmt.Fprintln(os.Stderr, "fidelity:", err)
		os.Exit(code)
	}
	if flag.NArg() == 0 || *seeds < 1 {
		fail(2, fmt.Errorf("usage: fidelity [-objects FILE] [-seeds N] [-model M] [-models] [-json OUT] CAPTURE_OR_DIR..."))
	}
	if *cut < 0 || *cut > 0 && *allowedFile != "" {
		fail(2, fmt.Errorf("-cut %d: want a positive packet count, and no -allowed (its list is the whole captures')", *cut))
	}
	if *estSeed != pipeline.DefaultSeed && *allowedFile != "" {
		fail(2, fmt.Errorf("-estimate-seed %d: no -allowed (its list is the default seed's)", *estSeed))
	}
	captures, err := fidelity.Captures(flag.Args())
	if err != nil {
		fail(2, err)
	}
	if *cut > 0 {
		dir, err := os.MkdirTemp("", "fidelity-cut-")
		if err != nil {
			fail(1, err)
		}
		defer os.RemoveAll(dir)
		for i, c := range captures {
			// The cut keeps the capture's name (less .gz), so that the
			// objects file still names it: a pcap, which the reader knows
			// by its magic number whatever the name says.
			dst := filepath.Join(dir, strings.TrimSuffix(filepath.Base(c), ".gz"))
			if err := fidelity.Cut(c, dst, *cut); err != nil {
				fail(2, err)
			}
			captures[i] = dst
		}
	}
	var cases []fidelity.Case
	if *objects != "" {
		f, err := os.Open(*objects)
		if err != nil {
			fail(2, err)
		}
		cases, err = fidelity.ParseCases(f, *objects, captures)
		f.Close()
		if err != nil {
			fail(2, err)
		}
	} else if cases, err = fidelity.ParseCases(strings.NewReader(""), "", captures); err != nil {
		fail(2, err)
	}
	var allowed []fidelity.Miss
	if *allowedFile != "" {
		f, err := os.Open(*allowedFile)
		if err != nil {
			fail(2, err)
		}
		allowed, err = fidelity.ParseAllowed(f, *allowedFile)
		f.Close()
		if err != nil {
			fail(2, err)
		}
	}
	cfg := fidelity.DefaultConfig(cases)
	cfg.Settings.Model = *model
	cfg.Settings.Seed = *estSeed
	if err := cfg.Settings.Validate(); err != nil {
		fail(2, err)
	}
	cfg.Seeds = nil
	for s := 1; s <= *seeds; s++ {
		cfg.Seeds = append(cfg.Seeds, uint64(s))
	}
	start := time.Now()
	cfg.Progress = func(c string) {
		fmt.Fprintf(os.Stderr, "fidelity: %s (%.0f s)\n", filepath.Base(c), time.Since(start).Seconds())
	}
	// A capture cut short may have no object, and a directory of captures
	// (the robustness corpus) holds some with none of --min-packets: they
	// are left out. Gating a whole capture, one that stopped giving
	// objects must fail.
	if *cut > 0 || *allowedFile == "" && !*check {
		how := ""
		if *cut > 0 {
			how = fmt.Sprintf(" cut to %d packets", *cut)
		}
		cfg.SkipEmpty = func(c string, err error) {
			fmt.Fprintf(os.Stderr, "fidelity: %s%s left out: %v\n", filepath.Base(c), how, err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rows, err := fidelity.Run(ctx, cfg)
	if err != nil {
		fail(1, err)
	}
	write := fidelity.WriteMarkdown
	if *perModel {
		write = fidelity.WriteModels
	}
	if err := write(os.Stdout, rows); err != nil {
		fail(1, err)
	}
	fmt.Fprintf(os.Stderr, "fidelity: %d directions of %d cases, model %s, %d seeds, in %.1f s\n",
		len(rows), len(cases), *model, *seeds, time.Since(start).Seconds())
	failed := 0
	for _, r := range rows {
		if len(fidelity.Failures(r)) > 0 {
			failed++
		}
	}
	regressed := 0
	if *allowedFile != "" {
		missed, held := fidelity.Regressions(rows, allowed)
		for _, m := range missed {
			fmt.Fprintf(os.Stderr, "fidelity: REGRESSION: %s (not in %s)\n", m, *allowedFile)
		}
		for _, m := range held {
			fmt.Fprintf(os.Stderr, "fidelity: now held, remove it from %s: %s\n", *allowedFile, m)
		}
		regressed = len(missed)
	}
	defer func() {
		if *check && failed > 0 {
			fmt.Fprintf(os.Stderr, "fidelity: %d direction(s) miss a bound\n", failed)
			os.Exit(1)
		}
		if regressed > 0 {
			fmt.Fprintf(os.Stderr, "fidelity: %d bound(s) missed that %s does not allow\n", regressed, *allowedFile)
			os.Exit(1)
		}
	}()
	if *jsonOut != "" {
		b, err := json.MarshalIndent(rows, "", "  ")
		if err != nil {
			fail(1, err)
		}
		if err := atomicfile.WriteBytes(*jsonOut, 0o644, append(b, '\n')); err != nil {
			fail(1, err)
		}
	}
}
