package cmdline

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/compare"
	"github.com/gmm2trex/gmm2trex/exporters"
	"github.com/gmm2trex/gmm2trex/internal/atomicfile"
	"github.com/gmm2trex/gmm2trex/internal/ctxio"
	"github.com/gmm2trex/gmm2trex/pipeline"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// CompareFlags are compare's flags; check's bounds have defaults, and
// it writes JUnit.
func CompareFlags(check bool) []cli.Flag {
	flags := []cli.Flag{}
	for _, f := range CaptureFlags() {
		if n := f.Names()[0]; n != "pcap" && n != "object" { // the captures are the two arguments
			flags = append(flags, f)
		}
	}
	b := compare.NoBounds
	if check {
		b = CheckBounds
	}
	flags = append(flags,
		&cli.StringFlag{Name: "percentiles", Value: "0,100", Usage: "trim both sides alike: drop each side's packets whose gap lies outside the `LO,HI` percentiles of its gaps (0,100: none)"},
		&cli.IntFlag{Name: "min-packets", Value: pipeline.DefaultMinPackets, Usage: "compare only directions with at least `N` packets (estimate models no others)"},
		&cli.StringFlag{Name: "object", Usage: "compare only the original's object `ID` (the generated side's single object is matched to it)"},
		&cli.BoolFlag{Name: "json", Usage: "print JSON instead of a table"},
	)
	flags = append(flags, BoundFlags(b, "exit 1 when")...)
	flags = append(flags,
		QuietFlag,
	)
	if check {
		flags = append(flags, &cli.StringFlag{Name: "junit", Usage: "also write the checks as JUnit XML to `FILE` (one test case per object, direction and bound)"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed `S` of the traffic generated when GENERATED is a profile"})
	}
	return flags
}

// CheckBounds are check's default bounds: what an imitation of the shared
// captures by the default estimate meets with room to spare (README,
// "check").
var CheckBounds = compare.Bounds{MaxKS: 0.05, MaxACFErr: 0.1, MaxRateErr: 0.05, MaxBurstErr: 0.5}

// CompareOptions reads the comparison flags of compare and check.
func CompareOptions(cmd *cli.Command) (o compare.Options, err error) {
	if o.Trace, err = TraceOptions(cmd); err != nil {
		return o, err
	}
	if o.PercentileLo, o.PercentileHi, err = pipeline.ParsePercentiles(cmd.String("percentiles")); err != nil {
		return o, Usagef("--percentiles %v", err)
	}
	if o.MinPackets = int(cmd.Int("min-packets")); o.MinPackets < 0 {
		return o, Usagef("--min-packets %d: must not be negative", o.MinPackets)
	}
	_, err = BoundsOf(cmd)
	return o, err
}

// BoundFlags are the --max-* flags of compare.Bounds, defaulting to b;
// each one's usage starts with what (what happens when the bound is
// exceeded: "exit 1 when").
func BoundFlags(b compare.Bounds, what string) []cli.Flag {
	unless := " (negative: no bound)"
	return []cli.Flag{
		&cli.FloatFlag{Name: "max-ks", Value: b.MaxKS, Usage: what + " ks_size or ks_iat of any direction exceeds `X`" + unless},
		&cli.FloatFlag{Name: "max-acf-err", Value: b.MaxACFErr, Usage: what + " acf_err_size or acf_err_iat of any direction exceeds `X`" + unless},
		&cli.FloatFlag{Name: "max-rate-err", Value: b.MaxRateErr, Usage: what + " the byte or packet rate ratio of any direction is off 1 by more than `X`" + unless},
		&cli.FloatFlag{Name: "max-burst-err", Value: b.MaxBurstErr, Usage: what + " |ln burst_ratio| at 10 ms, 100 ms or 1 s of any direction exceeds `X`" + unless},
	}
}

// BoundsOf reads the BoundFlags.
func BoundsOf(cmd *cli.Command) (compare.Bounds, error) {
	for _, name := range []string{"max-ks", "max-acf-err", "max-rate-err", "max-burst-err"} {
		if math.IsNaN(cmd.Float(name)) {
			return compare.Bounds{}, Usagef("--%s: not a number", name)
		}
	}
	return compare.Bounds{MaxKS: cmd.Float("max-ks"), MaxACFErr: cmd.Float("max-acf-err"),
		MaxRateErr: cmd.Float("max-rate-err"), MaxBurstErr: cmd.Float("max-burst-err")}, nil
}

// IsProfile says whether check's GENERATED argument is a profile to
// generate from (builtin:NAME, or a .yaml, .yml or .json file) rather
// than traffic.
func IsProfile(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return strings.HasPrefix(path, BuiltinPrefix)
}

// Generate samples the profile at path, each direction playing its
// choice, over the span of orig's compared directions, into a
// nanosecond pcap in a temporary directory: the traffic the profile
// stands for, as `sample -l` writes it. remove deletes the directory.
func Generate(ctx context.Context, cmd *cli.Command, path string, orig *compare.Side, seed uint64) (gen string, remove func(), err error) {
	p, err := LoadProfile(path)
	if err != nil {
		return "", nil, err
	}
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	for _, o := range orig.Objects {
		for _, s := range o.Dirs {
			if s != nil && s.Len() > 0 {
				first, last = min(first, s.Times[0]), max(last, s.Times[s.Len()-1])
			}
		}
	}
	if last <= first {
		return "", nil, fmt.Errorf("%s: no direction to compare, so no span to generate %s over", orig.Path, path)
	}
	dir, err := os.MkdirTemp("", "gmm2trex-check-")
	if err != nil {
		return "", nil, err
	}
	generated.Store(dir, nil)
	remove = func() { generated.Delete(dir); os.RemoveAll(dir) }
	o := exporters.Options{Output: filepath.Join(dir, "generated.pcap"), Duration: float64(last-first) / 1e9,
		Seed: seed, Model: sampler.Auto, Context: ctx, MaxFrame: 60}
	o.Pcap.Nanosecond = true
	for i := range p.Objects {
		o.MaxFrame = max(o.MaxFrame, exporters.FitMaxFrame(&p.Objects[i], exporters.Generable(&p.Objects[i], sampler.Auto)))
	}
	o.MaxFrame = min(o.MaxFrame, 9238)
	if _, err := exporters.Export(p, "pcap", o); err != nil {
		remove()
		return "", nil, err
	}
	Note(cmd, "generated %s from %s over the original's %.1f s (seed %d)", filepath.Base(o.Output), path, o.Duration, seed)
	return o.Output, remove, nil
}

// generated holds the directories of Generate not yet removed, for
// RemoveTemps.
var generated sync.Map

// RemoveTemps removes what the running command has not yet renamed into
// place (atomicfile.RemoveTemps) and the traffic Generate wrote: for a
// program about to exit on a signal without waiting for the command.
func RemoveTemps() {
	atomicfile.RemoveTemps()
	generated.Range(func(dir, _ any) bool {
		os.RemoveAll(dir.(string))
		return true
	})
}

// Spool copies standard input to a file in a temporary directory, for
// readers that take a path (compare's sides, which tell a capture from a
// CSV by its content); remove deletes it.
func Spool(ctx context.Context) (path string, remove func(), err error) {
	dir, err := os.MkdirTemp("", "gmm2trex-stdin-")
	if err != nil {
		return "", nil, err
	}
	generated.Store(dir, nil)
	remove = func() { generated.Delete(dir); os.RemoveAll(dir) }
	path = filepath.Join(dir, "stdin")
	f, err := os.Create(path)
	if err == nil {
		_, err = io.Copy(f, ctxio.Reader(ctx, Stdin))
		err = cmp.Or(err, f.Close())
	}
	if err != nil {
		remove()
		return "", nil, Interrupt(fmt.Errorf("stdin: %w", err))
	}
	return path, remove, nil
}
