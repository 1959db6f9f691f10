package pipeline

import (
	"fmt"
	"strings"

	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/trace"
)

// Job is one direction of one object, trimmed and ready to fit.
type Job struct {
	Object    *trace.Object
	Dir       profiles.Dir
	IAT, Size []float64 // the trimmed, aligned series of trace.Trim
	// Resolution is the capture clock's tick in seconds (0: unknown), which
	// the model search rounds generated gaps to before comparing them with
	// the capture's.
	Resolution float64
}

// Series is the job's direction of its object as read.
func (j *Job) Series() *trace.Series {
	if j.Dir == profiles.To {
		return &j.Object.To
	}
	return &j.Object.From
}

// Skipped is an object with at least one direction left out for want of
// packets.
type Skipped struct {
	ID   string
	Dirs []Short
}

// Short is a direction left out: it had fewer than MinPackets (or 3)
// packets, or trimming left it fewer than 2.
type Short struct {
	Dir     profiles.Dir
	Packets int  // before trimming (in the capture, for a sampled direction)
	Trimmed bool // it was trimmed, down to Kept packets
	Kept    int
}

// String is "from 6", or "from 120 (1 after trimming)".
func (d Short) String() string {
	if d.Trimmed {
		return fmt.Sprintf("%s %d (%d after trimming)", d.Dir, d.Packets, d.Kept)
	}
	return fmt.Sprintf("%s %d", d.Dir, d.Packets)
}

// String is "ID: from 6, to 6".
func (s Skipped) String() string {
	parts := make([]string, len(s.Dirs))
	for i, d := range s.Dirs {
		parts[i] = d.String()
	}
	return fmt.Sprintf("%s: %s", s.ID, strings.Join(parts, ", "))
}

// Cut trims every direction of c's objects with enough packets and returns
// them as jobs in capture order (an object's from before its to), with the
// objects that lost a direction. s must be valid (Settings.Validate). A
// sampled direction (trace.Series.Sample) counts as the capture held it and
// is trimmed and fitted on its sample.
func Cut(c *trace.Capture, s Settings) ([]Job, []Skipped) {
	var jobs []Job
	var skipped []Skipped
	for _, o := range c.Objects {
		var short []Short
		for _, d := range []profiles.Dir{profiles.From, profiles.To} {
			series := o.From
			if d == profiles.To {
				series = o.To
			}
			n := series.Packets()
			if n < s.MinPackets || n < 3 {
				short = append(short, Short{Dir: d, Packets: n})
				continue
			}
			t := trace.Trim(series, s.PercentileLo, s.PercentileHi)
			if t.Len() < 2 {
				short = append(short, Short{Dir: d, Packets: n, Trimmed: true, Kept: t.Len()})
				continue
			}
			jobs = append(jobs, Job{Object: o, Dir: d, IAT: t.IAT, Size: t.Size, Resolution: float64(c.Resolution) / 1e9})
		}
		if len(short) > 0 {
			skipped = append(skipped, Skipped{ID: o.ID, Dirs: short})
		}
	}
	return jobs, skipped
}
