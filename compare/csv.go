package compare

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/gmm2trex/gmm2trex/internal/ctxio"
	"github.com/gmm2trex/gmm2trex/trace"
)

// CSVHeader is the header of the CSV that gmm2trex sample writes (the CLI
// contract): time in seconds from 0, direction from or to, size in bytes,
// and the gap since the direction's previous packet (empty for its first).
const CSVHeader = "time,direction,size,iat"

// ReadCSVFile reads a CSV written by sample (see ReadCSV); the object's id
// is the file's base name.
func ReadCSVFile(path string) (*Object, error) {
	obj, _, err := readCSVFile(context.Background(), path)
	return obj, err
}

// readCSVFile reads the CSV at path; its reads fail once ctx is done, and
// then ctx.Err() is the error.
func readCSVFile(ctx context.Context, path string) (*Object, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	obj, res, err := readCSV(ctxio.Reader(ctx, f), path)
	if ctx.Err() != nil {
		return nil, 0, ctx.Err()
	}
	return obj, res, err
}

// ReadCSV reads a CSV written by sample into one object. Times are read as
// exact decimals into nanoseconds (a float would put 0.000003 a hair off
// the 3 µs a capture holds), and gaps come from them, as from a capture's
// stamps, so the same packets give the same gaps in either container; the
// iat column is checked, not used. Errors name name and the line: times
// must not decrease, sizes be whole bytes, every value finite and ≥ 0.
func ReadCSV(r io.Reader, name string) (*Object, error) {
	obj, _, err := readCSV(r, name)
	return obj, err
}

// readCSV is ReadCSV that also returns the clock resolution the times are
// written with: 10^-d s for the most decimals d any time has (1 ns at most).
func readCSV(r io.Reader, name string) (*Object, int64, error) {
	obj := &Object{ID: filepath.Base(name)}
	var ss [2]trace.Series
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	line := 0
	prev := int64(-1)
	decimals := 0
	var fields [4][]byte
	bad := func(format string, a ...any) (*Object, int64, error) {
		return nil, 0, fmt.Errorf("%s: line %d: "+format, append([]any{name, line}, a...)...)
	}
	// Rows are split and parsed in place, without allocating, so a long
	// CSV costs only its series.
	for sc.Scan() {
		line++
		text := bytes.TrimSuffix(sc.Bytes(), []byte("\r"))
		if line == 1 {
			if string(text) != CSVHeader {
				return bad("header %q, want %q", text, CSVHeader)
			}
			continue
		}
		if len(text) == 0 {
			continue
		}
		if n := bytes.Count(text, []byte(",")) + 1; n != 4 {
			return bad("%d fields, want 4 (%s)", n, CSVHeader)
		}
		rest := text
		for i := range fields {
			fields[i], rest, _ = bytes.Cut(rest, []byte(","))
		}
		t, dec, ok := parseSeconds(fields[0])
		if !ok {
			return bad("time %q is not a number of seconds ≥ 0", fields[0])
		}
		if t < prev {
			return bad("time %s is before the previous row's %s (times must not decrease)", fields[0], fmtNS(prev))
		}
		prev, decimals = t, max(decimals, dec)
		var d int
		switch string(fields[1]) {
		case "from":
			d = 0
		case "to":
			d = 1
		default:
			return bad("direction %q, want from or to", fields[1])
		}
		size, err := strconv.ParseFloat(string(fields[2]), 64)
		if err != nil || !(size >= 0) || size > math.MaxInt32 || size != math.Trunc(size) {
			return bad("size %q is not a whole number of bytes ≥ 0", fields[2])
		}
		if len(fields[3]) > 0 {
			if _, _, ok := parseSeconds(fields[3]); !ok {
				return bad("iat %q is not a number of seconds ≥ 0", fields[3])
			}
		}
		s := &ss[d]
		s.Times = append(s.Times, t)
		s.Sizes = append(s.Sizes, int32(size))
	}
	if err := sc.Err(); err != nil {
		line++
		return bad("%w", err)
	}
	if line == 0 {
		return nil, 0, fmt.Errorf("%s: empty file, want the header %q", name, CSVHeader)
	}
	for d := range 2 {
		obj.Packets[d] = ss[d].Len()
		if ss[d].Len() > 0 {
			obj.Dirs[d] = &ss[d]
		}
	}
	return obj, int64(pow10[9-min(decimals, 9)]), nil
}

var pow10 = [...]int64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// parseSeconds reads a time in seconds as integer nanoseconds: a plain
// decimal ("12.000003") exactly, rounded half up past the ninth decimal;
// anything else strconv accepts (an exponent) through a float. It returns
// the decimals written (9 for the float form) and whether the value is a
// finite number ≥ 0 below 2^63 ns.
func parseSeconds(b []byte) (ns int64, decimals int, ok bool) {
	var whole, frac int64
	i, digits := 0, 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if whole > (math.MaxInt64/1_000_000_000-9)/10 {
			return 0, 0, false
		}
		whole = whole*10 + int64(b[i]-'0')
		digits++
	}
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			switch {
			case decimals < 9:
				frac = frac*10 + int64(b[i]-'0')
			case decimals == 9 && b[i] >= '5':
				frac++ // round half up at the nanosecond
			}
			decimals++
			digits++
		}
	}
	if i == len(b) && digits > 0 {
		return whole*1e9 + frac*pow10[9-min(decimals, 9)], decimals, true
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || !(f >= 0) || f >= math.MaxInt64/1e9 {
		return 0, 0, false
	}
	return int64(math.Round(f * 1e9)), 9, true
}

// fmtNS writes ns as seconds with nine decimals.
func fmtNS(ns int64) string { return fmt.Sprintf("%d.%09d", ns/1e9, ns%1e9) }
