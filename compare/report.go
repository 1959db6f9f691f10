package compare

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/gmm2trex/gmm2trex/metrics"
)

// Report is the outcome of Run. Its JSON form is what compare --json prints
// (the CLI contract's keys per object and direction, then extras).
type Report struct {
	Original  string `json:"original"`
	Generated string `json:"generated"`
	// ClockNS is the clock both sides were put on (the coarser of theirs).
	ClockNS int64 `json:"clock_ns"`
	// Percentiles is the trimming applied to both sides; nil: none.
	Percentiles []float64      `json:"percentiles,omitempty"`
	Objects     []ObjectReport `json:"objects"`
	// Checks lists every bound checked and whether it held, and Passed
	// whether all did (both absent when no bound was set; see Gate).
	Checks []Check `json:"checks,omitempty"`
	Passed *bool   `json:"passed,omitempty"`

	Pairing Pairing   `json:"-"` // how the objects were paired
	Skipped []Skipped `json:"-"` // directions too short in the original
}

// ObjectReport holds one compared object.
type ObjectReport struct {
	ID          string     `json:"id"`
	GeneratedID string     `json:"generated_id"`
	From        *Direction `json:"from,omitempty"` // nil: not compared
	To          *Direction `json:"to,omitempty"`
}

func (o *ObjectReport) dir(d int) **Direction {
	if d == 0 {
		return &o.From
	}
	return &o.To
}

// Direction is the comparison of one direction: metrics' result, which
// encodes in JSON under the contract's keys with NaN and ±Inf (a distance
// undefined or unbounded) as null.
type Direction struct{ metrics.Result }

// A field is one number of a Direction in JSON and text, so that the keys,
// labels and values are listed once.
type field struct {
	key, label string // label "": not in the text table
	f          func(*metrics.Result) *float64
	n          func(*metrics.Result) *int
}

func fl(key, label string, f func(*metrics.Result) *float64) field {
	return field{key: key, label: label, f: f}
}
func in(key string, n func(*metrics.Result) *int) field { return field{key: key, n: n} }

// fields in JSON order: the contract's keys first.
var fields = []field{
	fl("ks_size", "ks_size", func(r *metrics.Result) *float64 { return &r.KSSize }),
	fl("ks_iat", "ks_iat", func(r *metrics.Result) *float64 { return &r.KSIAT }),
	fl("kl_size", "kl_size (nats)", func(r *metrics.Result) *float64 { return &r.KLSize }),
	fl("kl_iat", "kl_iat (nats)", func(r *metrics.Result) *float64 { return &r.KLIAT }),
	fl("wasserstein_size", "wasserstein_size (B)", func(r *metrics.Result) *float64 { return &r.WassersteinSize }),
	fl("wasserstein_iat", "wasserstein_iat (s)", func(r *metrics.Result) *float64 { return &r.WassersteinIAT }),
	fl("acf_err_size", "acf_err_size", func(r *metrics.Result) *float64 { return &r.ACFErrSize }),
	fl("acf_err_iat", "acf_err_iat", func(r *metrics.Result) *float64 { return &r.ACFErrIAT }),
	fl("ks_throughput", "ks_throughput (1 s)", func(r *metrics.Result) *float64 { return &r.KSThroughput }),
	fl("rate_ratio_bytes", "rate_ratio_bytes", func(r *metrics.Result) *float64 { return &r.RateRatioBytes }),
	fl("rate_ratio_packets", "rate_ratio_packets", func(r *metrics.Result) *float64 { return &r.RateRatioPackets }),
	fl("burst_ratio_10ms", "burst_ratio_10ms", func(r *metrics.Result) *float64 { return &r.BurstRatio[0] }),
	fl("burst_ratio_100ms", "burst_ratio_100ms", func(r *metrics.Result) *float64 { return &r.BurstRatio[1] }),
	fl("burst_ratio_1s", "burst_ratio_1s", func(r *metrics.Result) *float64 { return &r.BurstRatio[2] }),
	fl("idle_original", "", func(r *metrics.Result) *float64 { return &r.IdleOriginal }),
	fl("idle_generated", "", func(r *metrics.Result) *float64 { return &r.IdleGenerated }),
	fl("acf_err_bytes_10ms", "acf_err_bytes_10ms", func(r *metrics.Result) *float64 { return &r.ACFErrBytes10ms }),
	in("packets_original", func(r *metrics.Result) *int { return &r.PacketsOriginal }),
	in("packets_generated", func(r *metrics.Result) *int { return &r.PacketsGenerated }),
	fl("ks_pvalue_size", "", func(r *metrics.Result) *float64 { return &r.KSPSize }),
	fl("ks_pvalue_iat", "", func(r *metrics.Result) *float64 { return &r.KSPIAT }),
	fl("js_size", "js_size (bits)", func(r *metrics.Result) *float64 { return &r.JSSize }),
	fl("js_iat", "js_iat (bits)", func(r *metrics.Result) *float64 { return &r.JSIAT }),
	fl("qq_size", "qq_size", func(r *metrics.Result) *float64 { return &r.QQSize }),
	fl("qq_iat", "qq_iat", func(r *metrics.Result) *float64 { return &r.QQIAT }),
	fl("entropy_err_size", "entropy_err_size (bits)", func(r *metrics.Result) *float64 { return &r.EntropyErrSize }),
	fl("entropy_err_iat", "entropy_err_iat (bits)", func(r *metrics.Result) *float64 { return &r.EntropyErrIAT }),
	in("windows_original", func(r *metrics.Result) *int { return &r.WindowsOriginal }),
	in("windows_generated", func(r *metrics.Result) *int { return &r.WindowsGenerated }),
	fl("cv_original_10ms", "", func(r *metrics.Result) *float64 { return &r.CVOriginal[0] }),
	fl("cv_original_100ms", "", func(r *metrics.Result) *float64 { return &r.CVOriginal[1] }),
	fl("cv_original_1s", "", func(r *metrics.Result) *float64 { return &r.CVOriginal[2] }),
	fl("cv_generated_10ms", "", func(r *metrics.Result) *float64 { return &r.CVGenerated[0] }),
	fl("cv_generated_100ms", "", func(r *metrics.Result) *float64 { return &r.CVGenerated[1] }),
	fl("cv_generated_1s", "", func(r *metrics.Result) *float64 { return &r.CVGenerated[2] }),
}

// textOrder is the text table's rows after the packet counts: the
// distances of each kind side by side.
var textOrder = []string{"ks_size", "ks_iat", "kl_size", "kl_iat", "js_size", "js_iat",
	"wasserstein_size", "wasserstein_iat", "acf_err_size", "acf_err_iat", "ks_throughput",
	"qq_size", "qq_iat", "entropy_err_size", "entropy_err_iat",
	"rate_ratio_bytes", "rate_ratio_packets", "burst_ratio_10ms", "burst_ratio_100ms", "burst_ratio_1s",
	"idle", "acf_err_bytes_10ms"}

func fieldOf(key string) field {
	for _, f := range fields {
		if f.key == key {
			return f
		}
	}
	panic("compare: no field " + key)
}

// MarshalJSON writes the fields in order, NaN and ±Inf as null (JSON has
// no number for them), floats with 6 significant digits.
func (d Direction) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, f.key)
		b = append(b, ':')
		if f.n != nil {
			b = strconv.AppendInt(b, int64(*f.n(&d.Result)), 10)
			continue
		}
		b = appendNum(b, *f.f(&d.Result))
	}
	return append(b, '}'), nil
}

// appendNum writes v with 6 significant digits, NaN and ±Inf as null.
func appendNum(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'g', 6, 64)
}

// UnmarshalJSON reads what MarshalJSON writes (null as NaN); unknown keys
// are ignored, as encoding/json does.
func (d *Direction) UnmarshalJSON(b []byte) error {
	var m map[string]*float64
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	for _, f := range fields {
		v, ok := m[f.key]
		if !ok {
			continue
		}
		switch {
		case f.n != nil && v != nil:
			*f.n(&d.Result) = int(*v)
		case f.f != nil && v == nil:
			*f.f(&d.Result) = math.NaN()
		case f.f != nil:
			*f.f(&d.Result) = *v
		}
	}
	return nil
}

// Format writes v as the text table does: 4 significant digits, "-" for
// NaN (not measurable), "inf" for +Inf.
func Format(v float64) string { return fmtNum(v, 4) }

func fmtNum(v float64, prec int) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case math.IsInf(v, 1):
		return "inf"
	}
	return strconv.FormatFloat(v, 'g', prec, 64)
}

// Row is one line of an object's table, as WriteText prints it: the
// metric's JSON key ("packets" and "idle" for the two rows that pair the
// sides' values), its label, and a cell per direction (from, to), "(not
// compared)" for a direction without a comparison.
type Row struct {
	Key, Label string
	Cells      [2]string
}

// Rows lists o's table in WriteText's order: the packet counts, then the
// distances of each kind side by side.
func (o *ObjectReport) Rows() []Row {
	var rows []Row
	row := func(key, label string, cell func(*Direction) string) {
		r := Row{Key: key, Label: label}
		for d, dir := range [2]*Direction{o.From, o.To} {
			r.Cells[d] = "(not compared)"
			if dir != nil {
				r.Cells[d] = cell(dir)
			}
		}
		rows = append(rows, r)
	}
	row("packets", "packets (orig / gen)", func(d *Direction) string {
		return fmt.Sprintf("%d / %d", d.PacketsOriginal, d.PacketsGenerated)
	})
	for _, key := range textOrder {
		if key == "idle" {
			row(key, "idle (orig / gen)", func(d *Direction) string {
				return Format(d.IdleOriginal) + " / " + Format(d.IdleGenerated)
			})
			continue
		}
		f := fieldOf(key)
		row(key, f.label, func(d *Direction) string { return Format(*f.f(&d.Result)) })
	}
	return rows
}

// WriteText writes the report as a table per object: one row per distance,
// one column per direction.
func (r *Report) WriteText(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "clock %s", time.Duration(r.ClockNS))
	if r.Percentiles != nil {
		fmt.Fprintf(&b, ", both sides trimmed to the %g..%g percentiles of their gaps", r.Percentiles[0], r.Percentiles[1])
	}
	fmt.Fprintf(&b, "\n\n")
	for i, o := range r.Objects {
		if i > 0 {
			fmt.Fprintln(&b)
		}
		fmt.Fprintf(&b, "%s", o.ID)
		if o.GeneratedID != o.ID {
			fmt.Fprintf(&b, "  (generated: %s)", o.GeneratedID)
		}
		fmt.Fprintln(&b)
		fmt.Fprintf(&b, "  %-24s %18s %18s\n", "", "from", "to")
		for _, row := range o.Rows() {
			fmt.Fprintf(&b, "  %-24s %18s %18s\n", row.Label, row.Cells[0], row.Cells[1])
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}
