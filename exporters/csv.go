package exporters

import (
	"fmt"
	"io"
	"strconv"

	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

func init() {
	Register(&Format{
		Name:    "csv",
		Timed:   true,
		Summary: "the sampled packets as CSV: time,direction,size,iat (one file per object)",
		Export:  exportCSV,
		Write:   writeCSVStream,
	})
}

// exportCSV writes DESIGN.md's CSV, as `sample` does: time in seconds from 0
// (nanosecond precision), direction from
// or to, size in the profile's unit, iat of that direction (empty for its
// first packet). The columns name no object, so several objects give one
// file each, OUT-N.csv with N the object's position in the profile.
func exportCSV(p *profiles.Profile, o Options) ([]string, error) {
	ts, err := selectTargets(p, o)
	if err != nil {
		return nil, err
	}
	var files []string
	for i := range ts {
		t := &ts[i]
		path := o.Output
		if len(ts) > 1 {
			path = suffixed(o.Output, "-"+strconv.Itoa(t.index))
		}
		s, err := stream(t, o)
		if err != nil {
			return files, err
		}
		n := 0
		err = o.writeFile(path, func(w io.Writer) error {
			var err error
			n, err = writeCSV(w, s)
			return err
		})
		if err != nil {
			return files, fmt.Errorf("csv: %w", err)
		}
		o.notef("wrote %s: %d packets of object %q", path, n, t.obj.ID)
		files = append(files, path)
	}
	return files, nil
}

// writeCSVStream is csv's Write: one object, since the columns name none.
func writeCSVStream(w io.Writer, p *profiles.Profile, o Options) error {
	ts, err := selectTargets(p, o)
	if err != nil {
		return err
	}
	if len(ts) != 1 {
		return fieldf("Options.Objects", "selects %d objects with a model: a CSV stream holds one (Export writes one file each)", len(ts))
	}
	s, err := stream(&ts[0], o)
	if err != nil {
		return err
	}
	_, err = writeCSV(w, s)
	return err
}

func writeCSV(w io.Writer, s *sampler.Stream) (int, error) {
	b := []byte("time,direction,size,iat\n")
	var pk sampler.Packet
	n := 0
	for s.Next(&pk) {
		b = strconv.AppendFloat(b, pk.Time, 'f', 9, 64)
		b = append(b, ',')
		b = append(b, pk.Dir.String()...)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(pk.Size), 10)
		b = append(b, ',')
		if !pk.First {
			b = strconv.AppendFloat(b, pk.Gap, 'f', 9, 64)
		}
		b = append(b, '\n')
		n++
		if len(b) > 64<<10 {
			if _, err := w.Write(b); err != nil {
				return n, err
			}
			b = b[:0]
		}
	}
	_, err := w.Write(b)
	return n, err
}
