package compare

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/gmm2trex/gmm2trex/metrics"
	"github.com/gmm2trex/gmm2trex/trace"
)

// Pair is an original object and the generated object compared with it.
type Pair struct{ Original, Generated *Object }

// Pairing is the outcome of PairObjects.
type Pairing struct {
	Pairs []Pair
	// Largest is set when the generated side's single object matched no
	// id and was paired with the original's largest object.
	Largest bool
	// Unpaired lists the original's objects the generated side lacks (not
	// compared).
	Unpaired []string
}

// PairObjects decides which generated object is compared with which
// original one. Objects pair by id. With want set, only that original
// object is compared, with the generated object of the same id or else the
// generated side's single object. Without it, when no id matches and the
// generated side has a single object (always so for a CSV), that object is
// paired with the original's largest; a generated object missing from the
// original is an error.
func PairObjects(orig, gen *Side, want string) (Pairing, error) {
	missing := func(why string) error {
		return fmt.Errorf("compare: %s; %s has %s; %s has %s", why, orig.Path, orig.describe(), gen.Path, gen.describe())
	}
	var p Pairing
	if len(gen.Objects) == 0 || len(orig.Objects) == 0 {
		return p, missing("nothing to compare")
	}
	if want != "" {
		o := orig.Find(want)
		if o == nil {
			return p, missing(fmt.Sprintf("object %q is not in the original (after selection and the packet minimum)", want))
		}
		g := gen.Find(want)
		if g == nil {
			if len(gen.Objects) != 1 {
				return p, missing(fmt.Sprintf("object %q is not in the generated side, which has several objects", want))
			}
			g = &gen.Objects[0]
		}
		p.Pairs = []Pair{{o, g}}
		return p, nil
	}
	var unmatched []string
	for i := range gen.Objects {
		g := &gen.Objects[i]
		if o := orig.Find(g.ID); o != nil {
			p.Pairs = append(p.Pairs, Pair{o, g})
		} else {
			unmatched = append(unmatched, strconv.Quote(g.ID))
		}
	}
	switch {
	case len(p.Pairs) == 0 && len(gen.Objects) == 1:
		p.Pairs = []Pair{{&orig.Objects[0], &gen.Objects[0]}} // the largest: trace sorts by packets
		p.Largest = len(orig.Objects) > 1
		return p, nil
	case len(unmatched) > 0:
		return p, missing("generated object(s) " + strings.Join(unmatched, ", ") + " not in the original")
	}
	for _, o := range orig.Objects {
		if gen.Find(o.ID) == nil {
			p.Unpaired = append(p.Unpaired, o.ID)
		}
	}
	return p, nil
}

// Skipped is a direction the original has too few packets of to compare.
type Skipped struct {
	ID      string
	Dir     string // from or to
	Packets int
}

// Run pairs the objects of both sides (o.Object, see PairObjects) and
// compares each paired direction. Both sides are put on the coarser of
// their two clocks first — every time rounded to a multiple of that tick,
// counted from the direction's first packet — so that a capture with
// microsecond stamps and a CSV with nanosecond ones give the same gaps for
// the same packets; then, if o asks for it, both are trimmed alike. A
// direction the original lacks is listed in Report.Skipped; one the
// original has and the generated side lacks is an error.
func Run(orig, gen *Side, o Options) (*Report, error) {
	return RunContext(context.Background(), orig, gen, o)
}

// RunContext is Run that returns ctx.Err() once ctx is done, checked before
// each direction's metrics.
func RunContext(ctx context.Context, orig, gen *Side, o Options) (*Report, error) {
	pairing, err := PairObjects(orig, gen, o.Object)
	if err != nil {
		return nil, err
	}
	clock := max(orig.Resolution, gen.Resolution, 1)
	rep := &Report{Original: orig.Path, Generated: gen.Path, ClockNS: clock, Pairing: pairing}
	if trims(o) {
		rep.Percentiles = []float64{o.PercentileLo, o.PercentileHi}
	}
	for _, p := range pairing.Pairs {
		obj := ObjectReport{ID: p.Original.ID, GeneratedID: p.Generated.ID}
		for d, name := range [2]string{"from", "to"} {
			od, gd := p.Original.Dirs[d], p.Generated.Dirs[d]
			switch {
			case od == nil && gd == nil:
				continue
			case od == nil:
				rep.Skipped = append(rep.Skipped, Skipped{p.Original.ID, name, p.Original.Packets[d]})
				continue
			case gd == nil:
				return nil, fmt.Errorf("compare: object %q direction %s: the original has %d packets, %s has %d (at least 2 needed)",
					p.Original.ID, name, p.Original.Packets[d], gen.Path, p.Generated.Packets[d])
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			a, b := series(*od, clock, o), series(*gd, clock, o)
			*obj.dir(d) = &Direction{metrics.Compare(a, b)}
		}
		rep.Objects = append(rep.Objects, obj)
	}
	return rep, nil
}

func trims(o Options) bool { return o.PercentileLo > 0 || o.PercentileHi < 100 }

// Series is a direction as Run compares it: on the clock of clock ns,
// trimmed as o says, in seconds. A report's figures draw these, so that
// they show the numbers of its table.
func Series(s trace.Series, clock int64, o Options) metrics.Series { return series(s, clock, o) }

// series puts a direction on the clock (ns) and trims it as o says, and
// turns it into seconds for metrics, the only place floats enter.
func series(s trace.Series, clock int64, o Options) metrics.Series {
	q := trace.Series{Times: make([]int64, s.Len()), Sizes: s.Sizes}
	for i, t := range s.Times {
		q.Times[i] = (t - s.Times[0] + clock/2) / clock * clock
	}
	if trims(o) {
		// The trimmed timeline is rebuilt from the kept gaps, as a model
		// fitted on them would play it.
		t := trace.Trim(q, o.PercentileLo, o.PercentileHi)
		m := metrics.Series{Size: t.Size, IAT: t.IAT, Time: make([]float64, len(t.IAT))}
		var now float64
		for i, g := range t.IAT {
			now += g
			m.Time[i] = now
		}
		return m
	}
	m := metrics.Series{Size: s.SizesFloat(), IAT: q.IATs(), Time: make([]float64, q.Len())}
	for i, t := range q.Times {
		m.Time[i] = float64(t) * 1e-9
	}
	return m
}
