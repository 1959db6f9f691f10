package compare

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gmm2trex/gmm2trex/trace"
)

// Options says how both sides are read and compared.
type Options struct {
	// Trace cuts a capture into objects (kind, size mode, empty packets);
	// its selector applies to the original only.
	Trace trace.Options
	// MinPackets is the fewest packets a direction needs to be compared
	// (at least 2 are always needed).
	MinPackets int
	// PercentileLo and PercentileHi, when they are not 0 and 100, trim
	// both sides alike: each drops the packets whose gap lies outside
	// these percentiles of its own gaps, as estimate does before fitting
	// with --percentiles. By default nothing is trimmed.
	PercentileLo, PercentileHi float64
	// Object, when set, compares only the original's object of this id.
	Object string
}

// DefaultOptions compares untrimmed directions of at least 100 packets.
func DefaultOptions() Options { return Options{PercentileHi: 100, MinPackets: 100} }

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
	// Resolution is the side's clock tick in ns: a capture's from its
	// header, a CSV's from the decimals its times are written with.
	Resolution int64
}

// Object is one object of a side with its directions' packets, times in
// integer nanoseconds as the side holds them (a capture's since the epoch,
// a CSV's since its start), so that no rounding happens before Run puts
// both sides on one clock.
type Object struct {
	ID      string
	Packets [2]int           // per direction (from, to)
	Dirs    [2]*trace.Series // nil: too few packets to compare
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
// pcapng, gzipped too), told apart by content. Both sides go through
// MinPackets; the original also through the selector (the generated
// side's ids are not the original's). A capture whose stamps go backwards
// within a compared direction is refused: its gaps would be negative.
// Cancelling ctx stops the read of a capture or a CSV.
func Load(ctx context.Context, path string, o Options, role Role) (*Side, error) {
	isCSV, err := looksLikeCSV(path)
	if err != nil {
		return nil, err
	}
	side := &Side{Path: path, CSV: isCSV}
	least := max(o.MinPackets, 2)
	if isCSV {
		obj, res, err := readCSVFile(ctx, path)
		if err != nil {
			return nil, err
		}
		side.Resolution = res
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
	c, err := trace.ReadFileContext(ctx, path, topts)
	if err != nil {
		return nil, err
	}
	side.Warnings, side.Resolution = c.Warnings, c.Resolution
	for _, obj := range c.Objects {
		if !obj.Enough(least) {
			continue
		}
		co := Object{ID: obj.ID, Packets: [2]int{obj.From.Len(), obj.To.Len()}}
		for d, s := range []*trace.Series{&obj.From, &obj.To} {
			if s.Len() < least {
				continue
			}
			if !slices.IsSorted(s.Times) {
				return nil, c.DisorderErr()
			}
			co.Dirs[d] = s
		}
		side.Objects = append(side.Objects, co)
	}
	return side, nil
}

// Sniff tells how Load reads path, by content: as a capture (false: pcap,
// pcapng or gzip magic) or as text, which Load takes for a CSV (true). A
// caller that also accepts other text (a profile) tells them apart by the
// CSV's first line, CSVHeader.
func Sniff(path string) (text bool, err error) { return looksLikeCSV(path) }

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
