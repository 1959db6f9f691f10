package compare

import (
	"fmt"
	"io"
	"strings"
)

// Verdict is the outcome of the checks Gate recorded on one object and
// direction.
type Verdict struct {
	ID, Dir  string
	Checks   int
	Failures []Check
}

// Verdicts groups the recorded checks by object and direction, in report
// order.
func (r *Report) Verdicts() []Verdict {
	var out []Verdict
	for _, c := range r.Checks {
		if n := len(out); n == 0 || out[n-1].ID != c.ID || out[n-1].Dir != c.Dir {
			out = append(out, Verdict{ID: c.ID, Dir: c.Dir})
		}
		v := &out[len(out)-1]
		v.Checks++
		if !c.Passed {
			v.Failures = append(v.Failures, c)
		}
	}
	return out
}

// Describe says what failed: "ks_iat 0.12 > 0.05", with the error the
// bound limits when it is not the value ("rate_ratio_bytes 0.8 (error 0.2) > 0.05").
func (c Check) Describe() string {
	what := Format(float64(c.Value))
	if c.Err != c.Value {
		what += " (error " + Format(float64(c.Err)) + ")"
	}
	return fmt.Sprintf("%s %s > %g", c.Metric, what, c.Limit)
}

// WriteVerdict writes a line per object and direction, PASS or FAIL with
// what failed, then the count.
func (r *Report) WriteVerdict(w io.Writer) error {
	vs := r.Verdicts()
	idw, failed, checks, failures := 0, 0, 0, 0
	for _, v := range vs {
		idw = max(idw, len(v.ID))
	}
	for _, v := range vs {
		word, why := "PASS", fmt.Sprintf("%d checks", v.Checks)
		if len(v.Failures) > 0 {
			var f []string
			for _, c := range v.Failures {
				f = append(f, c.Describe())
			}
			word, why = "FAIL", strings.Join(f, "; ")
			failed++
		}
		checks, failures = checks+v.Checks, failures+len(v.Failures)
		if _, err := fmt.Fprintf(w, "%s  %-*s  %-4s  %s\n", word, idw, v.ID, v.Dir, why); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%d of %d directions passed (%d of %d checks failed)\n", len(vs)-failed, len(vs), failures, checks)
	return err
}
