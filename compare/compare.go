package compare

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gmm2trex/gmm2trex/metrics"
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

// Run pairs the objects of both sides and compares each paired direction.
// A direction the original lacks is listed in Report.Skipped; one the
// original has and the generated side lacks is an error.
func Run(orig, gen *Side, want string) (*Report, error) {
	pairing, err := PairObjects(orig, gen, want)
	if err != nil {
		return nil, err
	}
	rep := &Report{Original: orig.Path, Generated: gen.Path, Pairing: pairing}
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
			*obj.dir(d) = &Direction{metrics.Compare(*od, *gd)}
		}
		rep.Objects = append(rep.Objects, obj)
	}
	return rep, nil
}
