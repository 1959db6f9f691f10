package fidelity

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Miss is one bound one direction misses: the key of an allowed-misses
// file's line.
type Miss struct {
	Capture, Object, Dir, Bound string
}

func (m Miss) String() string {
	return m.Capture + " | " + m.Object + " | " + m.Dir + " | " + m.Bound
}

// Misses lists every bound the rows miss (Failures), in row order.
func Misses(rows []Row) []Miss {
	var out []Miss
	for _, r := range rows {
		for _, b := range Failures(r) {
			out = append(out, Miss{r.Capture, r.Object, r.Dir, b})
		}
	}
	return out
}

// ParseAllowed reads an allowed-misses file: one miss per line, as
// "CAPTURE | OBJECT | DIR | BOUND" (the benchmark table's capture, object
// and dir cells and one name of its "bounds missed" cell); '#' starts a
// comment. It is the ratchet CI holds the benchmark to: a bound missed
// that is not listed fails (Regressions), a listed one now held is
// reported, so that the list only shrinks.
func ParseAllowed(r io.Reader, name string) ([]Miss, error) {
	var out []Miss
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(strings.SplitN(sc.Text(), "#", 2)[0])
		if text == "" {
			continue
		}
		f := strings.Split(text, "|")
		if len(f) != 4 {
			return nil, fmt.Errorf("%s: line %d: want CAPTURE | OBJECT | DIR | BOUND, got %q", name, line, text)
		}
		m := Miss{strings.TrimSpace(f[0]), strings.TrimSpace(f[1]), strings.TrimSpace(f[2]), strings.TrimSpace(f[3])}
		if m.Dir != "from" && m.Dir != "to" {
			return nil, fmt.Errorf("%s: line %d: direction %q (want from or to)", name, line, m.Dir)
		}
		if !slices.Contains(boundNames, m.Bound) {
			return nil, fmt.Errorf("%s: line %d: unknown bound %q (known: %s)", name, line, m.Bound, strings.Join(boundNames, ", "))
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// Regressions compares the rows' misses with the allowed ones: missed are
// the misses not allowed, held the allowed ones the rows no longer miss.
func Regressions(rows []Row, allowed []Miss) (missed, held []Miss) {
	got := Misses(rows)
	for _, m := range got {
		if !slices.Contains(allowed, m) {
			missed = append(missed, m)
		}
	}
	for _, m := range allowed {
		if !slices.Contains(got, m) {
			held = append(held, m)
		}
	}
	return missed, held
}
