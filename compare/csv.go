package compare

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/gmm2trex/gmm2trex/metrics"
)

// CSVHeader is the header of the CSV that gmm2trex sample writes (the CLI
// contract): time in seconds from 0, direction from or to, size in bytes,
// and the gap since the direction's previous packet (empty for its first).
const CSVHeader = "time,direction,size,iat"

// ReadCSVFile reads a CSV written by sample (see ReadCSV); the object's id
// is the file's base name.
func ReadCSVFile(path string) (*Object, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadCSV(f, path)
}

// ReadCSV reads a CSV written by sample into one object. Each direction's
// gaps come from the iat column, or from the time column when a row leaves
// iat empty; a direction's first packet has none. Errors name name and the
// line; times must not decrease and every value must be finite and ≥ 0.
func ReadCSV(r io.Reader, name string) (*Object, error) {
	obj := &Object{ID: filepath.Base(name)}
	var ss [2]metrics.Series
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	line := 0
	prev := math.Inf(-1)
	var fields [4][]byte
	// Rows are split and parsed in place: strconv.ParseFloat(string(b))
	// does not allocate, so a long CSV costs only its series.
	for sc.Scan() {
		line++
		text := bytes.TrimSuffix(sc.Bytes(), []byte("\r"))
		if line == 1 {
			if string(text) != CSVHeader {
				return nil, fmt.Errorf("%s: line 1: header %q, want %q", name, text, CSVHeader)
			}
			continue
		}
		if len(text) == 0 {
			continue
		}
		if n := bytes.Count(text, []byte(",")) + 1; n != 4 {
			return nil, fmt.Errorf("%s: line %d: %d fields, want 4 (%s)", name, line, n, CSVHeader)
		}
		rest := text
		for i := range fields {
			fields[i], rest, _ = bytes.Cut(rest, []byte(","))
		}
		t, err := strconv.ParseFloat(string(fields[0]), 64)
		if err != nil || math.IsNaN(t) || math.IsInf(t, 0) || t < 0 {
			return nil, fmt.Errorf("%s: line %d: time %q is not a number of seconds ≥ 0", name, line, fields[0])
		}
		if t < prev {
			return nil, fmt.Errorf("%s: line %d: time %s is before the previous row's %v (times must not decrease)", name, line, fields[0], prev)
		}
		prev = t
		var d int
		switch string(fields[1]) {
		case "from":
			d = 0
		case "to":
			d = 1
		default:
			return nil, fmt.Errorf("%s: line %d: direction %q, want from or to", name, line, fields[1])
		}
		size, err := strconv.ParseFloat(string(fields[2]), 64)
		if err != nil || !(size >= 0) || math.IsInf(size, 0) {
			return nil, fmt.Errorf("%s: line %d: size %q is not a number of bytes ≥ 0", name, line, fields[2])
		}
		s := &ss[d]
		if len(s.Time) > 0 {
			gap := t - s.Time[len(s.Time)-1]
			if len(fields[3]) > 0 {
				gap, err = strconv.ParseFloat(string(fields[3]), 64)
				if err != nil || !(gap >= 0) || math.IsInf(gap, 0) {
					return nil, fmt.Errorf("%s: line %d: iat %q is not a number of seconds ≥ 0", name, line, fields[3])
				}
			}
			s.IAT = append(s.IAT, gap)
		}
		s.Time = append(s.Time, t)
		s.Size = append(s.Size, size)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: line %d: %w", name, line+1, err)
	}
	if line == 0 {
		return nil, fmt.Errorf("%s: empty file, want the header %q", name, CSVHeader)
	}
	for d := range 2 {
		obj.Packets[d] = len(ss[d].Size)
		if len(ss[d].Size) > 0 {
			obj.Dirs[d] = &ss[d]
		}
	}
	return obj, nil
}
