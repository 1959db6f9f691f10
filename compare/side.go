package compare

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gmm2trex/gmm2trex/metrics"
	"github.com/gmm2trex/gmm2trex/trace"
)

// Options says how both sides are read.
type Options struct {
	// Trace cuts a capture into objects (kind, size mode, empty packets);
	// its selector and progress apply to the original only.
	Trace trace.Options
	// PercentileLo and PercentileHi trim the original's packets whose gap
	// lies outside these percentiles, as estimate does before fitting.
	PercentileLo, PercentileHi float64
	// MinPackets is the fewest packets a direction needs to be compared
	// (at least 2 are always needed).
	MinPackets int
}

// Role is which side of the comparison a file is.
type Role int

const (
	Original  Role = iota // cut into objects, selected, trimmed
	Generated             // taken as it is; only MinPackets applies
)

// Side is one argument of a comparison, cut into objects.
type Side struct {
	Path     string
	CSV      bool     // read as a CSV written by sample
	Objects  []Object // a capture's in trace's order: by packets, descending
	Warnings []string // from reading the capture (e.g. cut short)
}

// Object is one object of a side with its directions' series.
type Object struct {
	ID      string
	Packets [2]int             // per direction (from, to), untrimmed
	Dirs    [2]*metrics.Series // nil: too few packets to compare
}

// Find returns the object with this id, or nil.
func (s *Side) Find(id string) *Object {
	for i := range s.Objects {
		if s.Objects[i].ID == id {
			return &s.Objects[i]
		}
	}
	return nil
}

// describe lists what a side holds, for error messages.
func (s *Side) describe() string {
	if len(s.Objects) == 0 {
		return "no object with enough packets"
	}
	var parts []string
	for _, o := range s.Objects {
		parts = append(parts, fmt.Sprintf("%q (from %d, to %d packets)", o.ID, o.Packets[0], o.Packets[1]))
	}
	return strings.Join(parts, ", ")
}

// Load reads one side: a CSV written by sample, or a capture (pcap or
// pcapng, gzipped too), told apart by content. The original goes through
// selection, MinPackets and trimming; the generated side only through
// MinPackets (its ids are not the original's).
func Load(path string, o Options, role Role) (*Side, error) {
	isCSV, err := looksLikeCSV(path)
	if err != nil {
		return nil, err
	}
	side := &Side{Path: path, CSV: isCSV}
	least := max(o.MinPackets, 2)
	if isCSV {
		obj, err := ReadCSVFile(path)
		if err != nil {
			return nil, err
		}
		for d := range 2 {
			if obj.Packets[d] < least {
				obj.Dirs[d] = nil
			}
		}
		if obj.Dirs[0] != nil || obj.Dirs[1] != nil {
			side.Objects = append(side.Objects, *obj)
		}
		return side, nil
	}
	topts := o.Trace
	if role != Original {
		topts.Select = nil
	}
	c, err := trace.ReadFile(path, topts)
	if err != nil {
		return nil, err
	}
	side.Warnings = c.Warnings
	for _, obj := range c.Objects {
		if !obj.Enough(least) {
			continue
		}
		co := Object{ID: obj.ID, Packets: [2]int{obj.From.Len(), obj.To.Len()}}
		for d, s := range []trace.Series{obj.From, obj.To} {
			if s.Len() < least {
				continue
			}
			if role == Original {
				co.Dirs[d] = trimmedSeries(trace.Trim(s, o.PercentileLo, o.PercentileHi))
			} else {
				co.Dirs[d] = captureSeries(s)
			}
		}
		side.Objects = append(side.Objects, co)
	}
	return side, nil
}

// trimmedSeries turns a trimmed direction into metrics' series. Its timeline
// is rebuilt from the kept gaps: the trimmed original is what the models were
// fitted on, and what generated traffic imitates, long silences excluded.
func trimmedSeries(t trace.Trimmed) *metrics.Series {
	s := &metrics.Series{Size: t.Size, IAT: t.IAT, Time: make([]float64, len(t.IAT))}
	var now float64
	for i, g := range t.IAT {
		now += g
		s.Time[i] = now
	}
	return s
}

func captureSeries(cs trace.Series) *metrics.Series {
	s := &metrics.Series{Size: cs.SizesFloat(), IAT: cs.IATs(), Time: make([]float64, cs.Len())}
	for i, t := range cs.Times {
		s.Time[i] = float64(t-cs.Times[0]) / 1e9
	}
	return s
}

// looksLikeCSV tells a CSV from a capture by content: the capture formats
// start with binary magic numbers (pcap, pcapng, gzip); anything else that
// starts with text is taken for a CSV, whose reader then names what is wrong.
func looksLikeCSV(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	var head [4]byte
	n, _ := io.ReadFull(f, head[:])
	if n < 4 {
		return strings.EqualFold(filepath.Ext(path), ".csv"), nil
	}
	switch string(head[:]) {
	case "\xd4\xc3\xb2\xa1", "\xa1\xb2\xc3\xd4", "\x4d\x3c\xb2\xa1", "\xa1\xb2\x3c\x4d", "\x0a\x0d\x0d\x0a":
		return false, nil
	}
	if head[0] == 0x1f && head[1] == 0x8b {
		return false, nil
	}
	for _, b := range head {
		if b < 0x20 || b > 0x7e {
			return false, nil
		}
	}
	return true, nil
}
