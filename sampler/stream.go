package sampler

import (
	"fmt"

	"github.com/gmm2trex/gmm2trex/profiles"
)

// Options control a Stream.
type Options struct {
	Model Model
	Seed  uint64
	// Count limits each direction to this many packets; 0 means no limit.
	Count int
	// Duration limits each direction to packets at or before this time
	// (seconds from 0); 0 means no limit.
	Duration float64
	// Directions to generate; nil means every direction that has a model.
	Directions []profiles.Dir
}

// Packet is one generated packet.
type Packet struct {
	Time float64      // seconds from the start of the stream
	Dir  profiles.Dir // which side sends it
	Size int          // bytes, in the profile's size unit (payload by default)
	Gap  float64      // seconds since the previous packet of this direction; 0 for the first
	// First marks the first packet of its direction, which has no gap.
	First bool
}

// Stream merges the directions of one object on one timeline: each direction
// runs its own clock from t=0, and packets come out ordered by time (From
// first on ties). With neither Count nor Duration it never ends.
type Stream struct {
	opts    Options
	src     [2]*Source
	head    [2]Packet // next packet of each direction, valid when live
	live    [2]bool
	n       [2]int
	skipped []profiles.Dir
}

// New prepares a stream over o's directions. A requested direction without
// a model is skipped (see Skipped); an error is returned only when no
// direction is left or a model cannot be used.
func New(o *profiles.Object, opts Options) (*Stream, error) {
	s := &Stream{opts: opts}
	dirs := opts.Directions
	if dirs == nil {
		dirs = []profiles.Dir{profiles.From, profiles.To}
	}
	for _, d := range dirs {
		dm := o.Dir(d)
		if dm == nil {
			s.skipped = append(s.skipped, d)
			continue
		}
		src, err := NewSource(dm, opts.Model, opts.Seed, uint64(d))
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", o.ID, d, err)
		}
		s.src[d] = src
		s.head[d] = Packet{Dir: d, First: true}
		// The first packet of a direction has no gap: its draw's gap is unused.
		_, s.head[d].Size = src.Next()
		s.live[d] = s.within(d)
	}
	if s.src[0] == nil && s.src[1] == nil {
		return nil, fmt.Errorf("sampler: %s: no direction with a model", o.ID)
	}
	return s, nil
}

func (s *Stream) within(d profiles.Dir) bool {
	if s.opts.Count > 0 && s.n[d] >= s.opts.Count {
		return false
	}
	if s.opts.Duration > 0 && s.head[d].Time > s.opts.Duration {
		return false
	}
	return true
}

// Next stores the next packet in p and reports whether there was one.
func (s *Stream) Next(p *Packet) bool {
	var d profiles.Dir
	switch {
	case s.live[0] && s.live[1]:
		if s.head[1].Time < s.head[0].Time {
			d = 1
		}
	case s.live[0]:
		d = 0
	case s.live[1]:
		d = 1
	default:
		return false
	}
	*p = s.head[d]
	s.n[d]++
	gap, size := s.src[d].Next()
	s.head[d] = Packet{Time: p.Time + gap, Dir: d, Size: size, Gap: gap}
	s.live[d] = s.within(d)
	return true
}

// Skipped lists the requested directions that have no model.
func (s *Stream) Skipped() []profiles.Dir { return s.skipped }

// Clamped is the number of draws clamped to the observed bounds so far.
func (s *Stream) Clamped() int {
	n := 0
	for _, src := range s.src {
		if src != nil {
			n += src.Clamped()
		}
	}
	return n
}
