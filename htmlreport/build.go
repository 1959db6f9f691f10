package htmlreport

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/gmm2trex/gmm2trex/compare"
	"github.com/gmm2trex/gmm2trex/pipeline"
	"github.com/gmm2trex/gmm2trex/plots"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/profiles/builtin"
	"github.com/gmm2trex/gmm2trex/sampler"
	"github.com/gmm2trex/gmm2trex/trace"
)

// Kind is what the second argument of a report is.
type Kind int

const (
	None    Kind = iota // no second argument: estimate from the original
	Capture             // traffic: a pcap or pcapng, gzipped too
	CSV                 // traffic: a CSV written by sample
	Profile             // a profile file, or builtin:NAME
)

func (k Kind) String() string {
	return [...]string{"nothing", "capture", "CSV", "profile"}[k]
}

// Detect tells what path holds. Captures and text are told apart by
// content, as compare.Load does (compare.Sniff); text is a CSV when its
// first line is sample's header (or its name ends in .csv, so that the
// CSV reader names a wrong header), else a profile (YAML or JSON), whose
// loader names what is wrong with it. "" is None; builtin:NAME a Profile.
func Detect(path string) (Kind, error) {
	if path == "" {
		return None, nil
	}
	if strings.HasPrefix(path, "builtin:") {
		return Profile, nil
	}
	text, err := compare.Sniff(path)
	if err != nil {
		return None, err
	}
	if !text {
		return Capture, nil
	}
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		return CSV, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return None, err
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	if strings.TrimRight(line, "\r\n") == compare.CSVHeader {
		return CSV, nil
	}
	return Profile, nil
}

// Options say how a report is built.
type Options struct {
	// Compare reads and compares both sides (compare's options). With a
	// profile, the original is cut as the profile was estimated (its
	// object kind, size unit and empty packets) instead of by Trace.
	Compare compare.Options
	// Estimate is used when there is no second argument.
	Estimate pipeline.Settings
	// Model and Seed draw the generated traffic from a profile.
	Model sampler.Model
	Seed  uint64
	// Bounds colour the table: a metric within its bound is green, one
	// beyond it red (compare.Report.Gate). NoBounds colours nothing.
	Bounds compare.Bounds
}

// DefaultBounds are the bounds of the models issue that compare.Bounds
// can express: KS and the ACF error of sizes and gaps at most 0.05, the
// byte and packet rates within 5 %, the burstiness ratios within
// [0.8, 1.25] (|ln ratio| ≤ ln 1.25).
var DefaultBounds = compare.Bounds{MaxKS: 0.05, MaxACFErr: 0.05, MaxRateErr: 0.05, MaxBurstErr: math.Log(1.25)}

// DefaultOptions are the report command's defaults: compare's, estimate's,
// each direction played as its profile chose, seed 1, DefaultBounds.
func DefaultOptions() Options {
	return Options{Compare: compare.DefaultOptions(), Estimate: pipeline.DefaultSettings(),
		Model: sampler.Auto, Seed: 1, Bounds: DefaultBounds}
}

// Report is what the HTML shows.
type Report struct {
	Original, Second string // the arguments; Second "" when there was none
	Kind             Kind   // Second's
	// Generated says how the generated side came about.
	Generated string
	Compare   *compare.Report
	Bounds    compare.Bounds
	Notes     []string // pairing and skipped directions, one line each
	Figures   []Figure // per compared object and direction, in table order
}

// Figure is one object and direction's figure.
type Figure struct {
	ID, Dir string
	PNG     []byte
}

// Build reads the original and the second argument (Detect says what it
// is), generates traffic when that is a profile or nothing (for each
// object, over the span of the original object it is compared with), runs
// compare and draws the figures. Errors name the file at fault.
func Build(ctx context.Context, original, second string, o Options) (*Report, error) {
	kind, err := Detect(second)
	if err != nil {
		return nil, err
	}
	r := &Report{Original: original, Second: second, Kind: kind, Bounds: o.Bounds}
	copts := o.Compare
	var prof *profiles.Profile
	switch kind {
	case None:
		res, err := pipeline.EstimateFile(ctx, original, o.Estimate)
		if err != nil {
			return nil, err
		}
		prof = res.Profile
		r.Generated = fmt.Sprintf("a profile estimated from %s at estimate's defaults", filepath.Base(original))
	case Profile:
		if prof, err = loadProfile(second); err != nil {
			return nil, err
		}
		r.Generated = second
	}
	if prof != nil {
		topts, err := plots.TraceOptions(prof)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", second, err)
		}
		copts.Trace.Kind, copts.Trace.Size, copts.Trace.KeepEmpty = topts.Kind, topts.Size, topts.KeepEmpty
	}
	orig, err := compare.Load(ctx, original, copts, compare.Original)
	if err != nil {
		return nil, err
	}
	var gen *compare.Side
	if prof != nil {
		gen, err = generate(prof, orig, copts, o)
		if err != nil {
			return nil, err
		}
		r.Generated = fmt.Sprintf("drawn from %s with model %s, seed %d, over the original's span", r.Generated, o.Model, o.Seed)
	} else {
		if gen, err = compare.Load(ctx, second, copts, compare.Generated); err != nil {
			return nil, err
		}
		r.Generated = fmt.Sprintf("the %s %s", kind, second)
	}
	rep, err := compare.RunContext(ctx, orig, gen, copts)
	if err != nil {
		return nil, err
	}
	rep.Gate(o.Bounds)
	r.Compare = rep
	if p := rep.Pairing; p.Largest {
		r.Notes = append(r.Notes, fmt.Sprintf("%s is compared with the original's largest object, %s", p.Pairs[0].Generated.ID, p.Pairs[0].Original.ID))
	}
	for _, id := range rep.Pairing.Unpaired {
		r.Notes = append(r.Notes, fmt.Sprintf("%s is not on the generated side: not compared", id))
	}
	for _, s := range rep.Skipped {
		r.Notes = append(r.Notes, fmt.Sprintf("%s %s: the original has %d packets (fewer than %d): not compared", s.ID, s.Dir, s.Packets, copts.MinPackets))
	}
	for _, p := range rep.Pairing.Pairs {
		for d, dir := range []profiles.Dir{profiles.From, profiles.To} {
			od, gd := p.Original.Dirs[d], p.Generated.Dirs[d]
			if od == nil || gd == nil {
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			t := plots.Traffic{
				Title:         fmt.Sprintf("%s — %s", p.Original.ID, dir),
				Original:      compare.Series(*od, rep.ClockNS, copts),
				Generated:     compare.Series(*gd, rep.ClockNS, copts),
				GeneratedName: "generated",
			}
			if prof != nil {
				if po := prof.Object(p.Generated.ID); po != nil {
					t.Model = po.Dir(dir)
				}
			}
			var b bytes.Buffer
			if err := plots.Figure(&b, t); err != nil {
				return nil, err
			}
			r.Figures = append(r.Figures, Figure{ID: p.Original.ID, Dir: dir.String(), PNG: b.Bytes()})
		}
	}
	return r, nil
}

func loadProfile(arg string) (*profiles.Profile, error) {
	if name, ok := strings.CutPrefix(arg, "builtin:"); ok {
		return builtin.Load(name)
	}
	return profiles.Load(arg)
}

// generate draws, for each object of p that the original has (or p's
// single object, which compare pairs with the original's largest), every
// packet over the span of the original object it is compared with, as
// `sample -l` would. Directions with fewer than the compared minimum of
// packets are left out, as compare.Load leaves them out of a file.
func generate(p *profiles.Profile, orig *compare.Side, copts compare.Options, o Options) (*compare.Side, error) {
	side := &compare.Side{Path: "generated", Resolution: 1}
	var objs []*profiles.Object
	for i := range p.Objects {
		if orig.Find(p.Objects[i].ID) != nil && (copts.Object == "" || copts.Object == p.Objects[i].ID) {
			objs = append(objs, &p.Objects[i])
		}
	}
	if len(objs) == 0 && len(p.Objects) == 1 {
		objs = append(objs, &p.Objects[0])
	}
	if len(objs) == 0 || len(orig.Objects) == 0 {
		// compare says what is missing on which side.
		return side, nil
	}
	least := max(copts.MinPackets, 2)
	for _, po := range objs {
		target := orig.Find(po.ID)
		if target == nil {
			target = &orig.Objects[0]
			if copts.Object != "" {
				if t := orig.Find(copts.Object); t != nil {
					target = t
				}
			}
		}
		so := sampler.Options{Model: o.Model, Seed: o.Seed, Duration: span(target)}
		if !(so.Duration > 0) {
			// All stamped alike: no span to fill (and 0 would be no limit).
			so.Count = max(target.Packets[0], target.Packets[1])
		}
		st, err := sampler.New(po, so)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", po.ID, err)
		}
		var ss [2]trace.Series
		var pk sampler.Packet
		for st.Next(&pk) {
			s := &ss[pk.Dir]
			s.Times = append(s.Times, int64(math.Round(pk.Time*1e9)))
			s.Sizes = append(s.Sizes, int32(pk.Size))
		}
		obj := compare.Object{ID: po.ID}
		for d := range ss {
			obj.Packets[d] = ss[d].Len()
			if ss[d].Len() >= least {
				obj.Dirs[d] = &ss[d]
			}
		}
		side.Objects = append(side.Objects, obj)
	}
	return side, nil
}

// span is the seconds from an object's first compared packet to its last.
func span(o *compare.Object) float64 {
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	for _, s := range o.Dirs {
		if s != nil && s.Len() > 0 {
			first, last = min(first, s.Times[0]), max(last, s.Times[s.Len()-1])
		}
	}
	if last < first {
		return 0
	}
	return float64(last-first) / 1e9
}
