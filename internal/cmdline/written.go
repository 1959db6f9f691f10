package cmdline

import (
	"encoding/json"
	"io"
	"slices"

	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// Written is the --json document of a command that writes files
// (estimate, export, sample, imitate): the files, and per object and
// direction what went into them.
type Written struct {
	Files   []string        `json:"files"`
	Objects []WrittenObject `json:"objects"`
}

// WrittenObject is one object of a Written; a direction not written is
// absent.
type WrittenObject struct {
	ID   string      `json:"id"`
	From *WrittenDir `json:"from,omitempty"`
	To   *WrittenDir `json:"to,omitempty"`
}

// WrittenDir says what one direction wrote: the model it plays, and for
// a profile the packets fitted, for traffic the packets asked for (0 when
// -l bounds it by Seconds instead).
type WrittenDir struct {
	Model   string  `json:"model"`
	Packets int     `json:"packets,omitempty"`
	Seconds float64 `json:"seconds,omitempty"`
}

// NewWritten describes files written from p: the objects ids (nil: all)
// and directions dirs (nil: both) that model plays; count and seconds
// are per direction. A count below 0 records the profile's packets, as
// estimate writes them.
func NewWritten(files []string, p *profiles.Profile, ids []string, dirs []profiles.Dir, model sampler.Model, count int, seconds float64) *Written {
	doc := &Written{Files: files, Objects: []WrittenObject{}}
	if doc.Files == nil {
		doc.Files = []string{}
	}
	for i := range p.Objects {
		o := &p.Objects[i]
		if ids != nil && !slices.Contains(ids, o.ID) {
			continue
		}
		wo := WrittenObject{ID: o.ID}
		for _, d := range []profiles.Dir{profiles.From, profiles.To} {
			dm := o.Dir(d)
			if dm == nil || dirs != nil && !slices.Contains(dirs, d) {
				continue
			}
			wd := &WrittenDir{Model: model.For(dm).String(), Packets: count, Seconds: seconds}
			if count < 0 {
				wd.Packets = dm.Packets
			}
			if d == profiles.From {
				wo.From = wd
			} else {
				wo.To = wd
			}
		}
		doc.Objects = append(doc.Objects, wo)
	}
	return doc
}

// Encode writes doc as indented JSON.
func (doc *Written) Encode(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
