package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v3"
	"golang.org/x/term"

	"github.com/gmm2trex/gmm2trex/estimate"
	"github.com/gmm2trex/gmm2trex/plots"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/trace"
)

func init() {
	register(&cli.Command{
		Name:  "estimate",
		Usage: "fit per object and direction the models of packet sizes and gaps, and save them as a profile",
		UsageText: "gmm2trex estimate [-p CAPTURE] [-i flow|ip|mac] [-f IDS] [-n auto|N] [--max-components N]\n" +
			"                  [--percentiles LO,HI] [--model gmm|hmm] [--iat-transform none|log]\n" +
			"                  [--min-packets N] [--size payload|ip|frame] [--seed S] [-o PROFILE] [--plot DIR]\n\n" +
			"Examples:\n" +
			"   gmm2trex estimate                                  # the embedded sample -> ffmpeg-rtp.profile.yaml\n" +
			"   gmm2trex estimate -p call.pcap -n auto --model hmm -o call.profile.yaml\n" +
			"   gmm2trex estimate -p call.pcap -n auto --max-components 5 --iat-transform none   # as the original tool",
		Description: "Reads the capture, cuts it into objects (flows, or devices by IP or MAC), trims\n" +
			"each direction's packets whose gap lies outside the percentiles, and fits Gaussian\n" +
			"mixtures (EM, k-means++ restarts) to the packet sizes and the gaps (on log(gap)\n" +
			"by default), with -n components or, with auto, the count of lowest BIC up to\n" +
			"--max-components. --model hmm adds hidden Markov models that keep bursts and\n" +
			"regimes. Objects are fitted in parallel. A direction with fewer than --min-packets\n" +
			"packets gets no model and is listed as skipped. Without -o the profile is written\n" +
			"to <capture name>.profile.yaml in the working directory.",
		Flags: append(captureFlags(),
			&cli.StringFlag{Name: "components", Aliases: []string{"n"}, Value: "auto", Usage: "mixture components: `N` or auto (BIC)"},
			&cli.IntFlag{Name: "max-components", Value: estimate.DefaultMaxK, Usage: "largest component count `N` tried by -n auto (5 reproduces the original tool)"},
			&cli.StringFlag{Name: "percentiles", Value: "3,97", Usage: "drop packets whose gap lies outside the `LO,HI` percentiles"},
			&cli.StringFlag{Name: "model", Value: "gmm", Usage: "`gmm` (independent mixtures) or hmm (adds the temporal model)"},
			&cli.StringFlag{Name: "iat-transform", Value: estimate.DefaultIATTransform, Usage: "fit the gap mixture on the gap (none) or on its `log`"},
			&cli.IntFlag{Name: "min-packets", Value: 100, Usage: "fit a direction only with at least `N` packets"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed `S` of every random choice"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the profile to `FILE` (.json for JSON)"},
			&cli.StringFlag{Name: "plot", Usage: "also draw the fits into `DIR` (see gmm2trex plot)"},
			quietFlag,
		),
		Action: runEstimate,
	})
}

// estimateSettings are the parsed and checked flags.
type estimateSettings struct {
	k          int // 0: auto
	maxK       int
	lo, hi     float64
	model      string
	transform  string
	minPackets int
	seed       uint64
}

func parseEstimateFlags(cmd *cli.Command) (estimateSettings, error) {
	var s estimateSettings
	if cmd.Args().Len() > 0 {
		return s, usagef("estimate takes no arguments (the capture is -p FILE), got %q", cmd.Args().First())
	}
	switch n := strings.TrimSpace(cmd.String("components")); n {
	case "auto":
	default:
		k, err := strconv.Atoi(n)
		if err != nil {
			return s, usagef("-n %q: want a component count or auto", n)
		}
		if k <= 0 {
			return s, usagef("-n %d: the component count must be at least 1", k)
		}
		s.k = k
	}
	s.maxK = cmd.Int("max-components")
	if s.maxK <= 0 {
		return s, usagef("--max-components %d: must be at least 1", s.maxK)
	}
	var err error
	// parsePercentiles is shared with compare (compare.go).
	if s.lo, s.hi, err = parsePercentiles(cmd.String("percentiles")); err != nil {
		return s, err
	}
	s.model = cmd.String("model")
	if s.model != "gmm" && s.model != "hmm" {
		return s, usagef("--model %q: want gmm or hmm", s.model)
	}
	s.transform = cmd.String("iat-transform")
	if s.transform != estimate.TransformNone && s.transform != estimate.TransformLog {
		return s, usagef("--iat-transform %q: want none or log", s.transform)
	}
	s.minPackets = cmd.Int("min-packets")
	if s.minPackets < 0 {
		return s, usagef("--min-packets %d: must not be negative", s.minPackets)
	}
	s.seed = cmd.Uint64("seed")
	return s, nil
}

// fitJob is one direction of one object.
type fitJob struct {
	obj      int // index into the profile's objects
	dir      profiles.Dir
	iat      []float64
	size     []float64
	fit      *profiles.Direction
	err      error
	duration time.Duration
}

func runEstimate(ctx context.Context, cmd *cli.Command) error {
	s, err := parseEstimateFlags(cmd)
	if err != nil {
		return err
	}
	c, err := loadCapture(cmd, true)
	if err != nil {
		return err
	}
	errw := cmd.Root().ErrWriter
	prof := &profiles.Profile{
		Format: profiles.Format,
		Source: profiles.Source{File: c.Name, SHA256: c.SHA256, Packets: c.Packets, Duration: c.Duration},
		Settings: profiles.Settings{
			Object: cmd.String("kind"), Size: cmd.String("size"), KeepEmpty: cmd.Bool("keep-empty"),
			Percentiles: []float64{s.lo, s.hi}, Components: "auto", MaxComponents: s.maxK,
			IATTransform: s.transform, Model: s.model, MinPackets: s.minPackets, Seed: s.seed,
		},
	}
	if kind, err := trace.ParseKind(prof.Settings.Object); err == nil {
		prof.Settings.Object = kind.String()
	}
	if size, err := trace.ParseSizeMode(prof.Settings.Size); err == nil {
		prof.Settings.Size = size.String()
	}
	if s.k > 0 {
		prof.Settings.Components = strconv.Itoa(s.k)
		prof.Settings.MaxComponents = 0
	}
	if c.Packets > 0 {
		prof.Source.Start = c.Start.UTC().Format(time.RFC3339Nano)
	}

	var jobs []*fitJob
	var skipped []string // "ID: from N, to M" of objects or directions left out
	for _, o := range c.Objects {
		var dirs []*fitJob
		var short []string
		for _, d := range []profiles.Dir{profiles.From, profiles.To} {
			series := o.From
			if d == profiles.To {
				series = o.To
			}
			n := series.Len()
			if n < s.minPackets || n < 3 {
				short = append(short, fmt.Sprintf("%s %d", d, n))
				continue
			}
			t := trace.Trim(series, s.lo, s.hi)
			if t.Len() < 2 {
				short = append(short, fmt.Sprintf("%s %d (%d after trimming)", d, n, t.Len()))
				continue
			}
			dirs = append(dirs, &fitJob{dir: d, iat: t.IAT, size: t.Size})
		}
		if len(short) > 0 {
			skipped = append(skipped, fmt.Sprintf("%s: %s", o.ID, strings.Join(short, ", ")))
		}
		if len(dirs) == 0 {
			continue
		}
		po := profiles.Object{ID: o.ID, Kind: o.Kind.String(), Proto: o.Proto, Local: endpointOf(o.Local), Remote: endpointOf(o.Remote)}
		prof.Objects = append(prof.Objects, po)
		for _, j := range dirs {
			j.obj = len(prof.Objects) - 1
			jobs = append(jobs, j)
		}
	}
	if len(jobs) == 0 {
		return noObjectError(c, s.minPackets)
	}

	gmm := estimate.GMMOptions{K: s.k, MaxK: s.maxK, Seed: s.seed}
	dopts := estimate.DirectionOptions{GMM: gmm, IATTransform: s.transform}
	if s.model == "hmm" {
		dopts.Temporal = &estimate.TemporalOptions{Seed: s.seed}
	}
	if err := fitAll(ctx, cmd, jobs, dopts); err != nil {
		return err
	}
	for _, j := range jobs {
		if j.err != nil {
			return fmt.Errorf("%s: %s: %w", prof.Objects[j.obj].ID, j.dir, j.err)
		}
		if j.dir == profiles.From {
			prof.Objects[j.obj].From = j.fit
		} else {
			prof.Objects[j.obj].To = j.fit
		}
	}

	out := cmd.String("output")
	if out == "" {
		out = defaultProfileName(c.Name)
	}
	if err := profiles.Save(out, prof); err != nil {
		return err
	}
	w := cmd.Root().Writer
	printEstimate(w, prof, jobs, skipped, s.minPackets)
	fmt.Fprintf(w, "wrote %s (%d objects)\n", absOr(out), len(prof.Objects))
	if dir := cmd.String("plot"); dir != "" {
		files, err := plots.Profile(dir, prof, c, plots.Options{Seed: s.seed, Log: io.Discard})
		if err != nil {
			return fmt.Errorf("--plot %s: %w", dir, err)
		}
		fmt.Fprintf(errw, "gmm2trex: %d plot files in %s\n", len(files), dir)
	}
	return nil
}

// fitAll fits the jobs on all cores, longest first.
func fitAll(ctx context.Context, cmd *cli.Command, jobs []*fitJob, o estimate.DirectionOptions) error {
	update, finish := countProgress(cmd, "fitting", len(jobs))
	defer finish()
	order := make(chan *fitJob)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range min(runtime.GOMAXPROCS(0), len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range order {
				t0 := time.Now()
				j.fit, j.err = estimate.FitDirection(j.iat, j.size, o)
				j.duration = time.Since(t0)
				mu.Lock()
				done++
				update(done)
				mu.Unlock()
			}
		}()
	}
	// Jobs are in capture order, largest objects first: a natural
	// longest-first schedule.
	var err error
	for _, j := range jobs {
		if err = ctx.Err(); err != nil {
			break
		}
		order <- j
	}
	close(order)
	wg.Wait()
	return err
}

// countProgress draws a bar of directions fitted on stderr when it is a
// terminal (and not --quiet); progress() counts bytes, this counts jobs.
func countProgress(cmd *cli.Command, desc string, total int) (update func(done int), finish func()) {
	f, ok := cmd.Root().ErrWriter.(*os.File)
	if cmd.Bool("quiet") || !ok || !term.IsTerminal(int(f.Fd())) {
		return func(int) {}, func() {}
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionClearOnFinish())
	return func(done int) { _ = bar.Set(done) }, func() { _ = bar.Finish() }
}

func endpointOf(e trace.Endpoint) profiles.Endpoint {
	p := profiles.Endpoint{Port: int(e.Port)}
	if e.IP.IsValid() {
		p.IP = e.IP.String()
	}
	if len(e.MAC) > 0 {
		p.MAC = e.MAC.String()
	}
	return p
}

// defaultProfileName is "<capture name>.profile.yaml" in the working
// directory, the capture name without directory, .gz and .pcap/.pcapng.
func defaultProfileName(capture string) string {
	base := filepath.Base(capture)
	base = strings.TrimSuffix(base, ".gz")
	for _, ext := range []string{".pcapng", ".pcap", ".cap"} {
		base = strings.TrimSuffix(base, ext)
	}
	if base == "" || base == "." {
		base = "capture"
	}
	return base + ".profile.yaml"
}

func absOr(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

var errNoObject = errors.New("no object to estimate")

// noObjectError says how many packets each candidate had (the largest
// first), so the user can pick --min-packets.
func noObjectError(c *trace.Capture, minPackets int) error {
	if len(c.Objects) == 0 {
		return fmt.Errorf("%w: %s has no %s objects (read %d packets)", errNoObject, c.Name, "TCP/UDP", c.Packets)
	}
	var b strings.Builder
	const show = 10
	for i, o := range c.Objects {
		if i == show {
			fmt.Fprintf(&b, "; and %d more", len(c.Objects)-show)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: from %d, to %d", o.ID, o.From.Len(), o.To.Len())
	}
	return fmt.Errorf("%w: no direction of %s has --min-packets %d packets (at least 3 are needed): %s",
		errNoObject, c.Name, minPackets, b.String())
}

func printEstimate(w io.Writer, p *profiles.Profile, jobs []*fitJob, skipped []string, minPackets int) {
	idw := len("OBJECT")
	for _, o := range p.Objects {
		idw = max(idw, len(o.ID))
	}
	fmt.Fprintf(w, "%-*s  %-4s  %7s  %6s  %5s  %s\n", idw, "OBJECT", "DIR", "PACKETS", "SIZE k", "IAT k", "HMM")
	for _, j := range jobs {
		o := &p.Objects[j.obj]
		d := o.Dir(j.dir)
		hmm := "-"
		if d.HMM != nil {
			var parts []string
			for _, ch := range d.HMM.Chains {
				parts = append(parts, fmt.Sprintf("%s:%d", strings.Join(ch.Features, "+"), len(ch.States)))
			}
			hmm = strings.Join(parts, " ")
		}
		fmt.Fprintf(w, "%-*s  %-4s  %7d  %6d  %5d  %s\n", idw, o.ID, j.dir, d.Packets, len(d.Size.Mixture), len(d.IAT.Mixture), hmm)
	}
	if len(skipped) > 0 {
		const show = 20
		fmt.Fprintf(w, "skipped (fewer than --min-packets %d packets), with their packet counts:\n", minPackets)
		for i, s := range skipped {
			if i == show {
				fmt.Fprintf(w, "  … and %d more\n", len(skipped)-show)
				break
			}
			fmt.Fprintf(w, "  %s\n", s)
		}
	}
}
