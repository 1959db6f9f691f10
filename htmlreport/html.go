package htmlreport

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/gmm2trex/gmm2trex/compare"
	"github.com/gmm2trex/gmm2trex/internal/atomicfile"
)

// TitlePrefix starts every report's title (and its first heading).
const TitlePrefix = "gmm2trex report"

// WriteFile writes r's HTML to path, whole or not at all (atomicfile),
// never over r's inputs; once ctx is done it fails with ctx.Err() and
// leaves path as it was.
func WriteFile(ctx context.Context, path string, r *Report) error {
	var b bytes.Buffer
	if err := r.WriteHTML(&b); err != nil {
		return err
	}
	set := outputSet(ctx, r.Original, r.Second)
	if err := set.Write(path, 0o644, func(w io.Writer) error {
		_, err := w.Write(b.Bytes())
		return err
	}); err != nil {
		return err
	}
	return set.Commit()
}

// CheckOutput reports whether path may be written with WriteFile for these
// inputs (a regular file or a new name, and none of them), so that a
// caller can refuse it before the work of Build.
func CheckOutput(path string, inputs ...string) error {
	return outputSet(context.Background(), inputs...).Check(path)
}

func outputSet(ctx context.Context, inputs ...string) *atomicfile.Set {
	set := atomicfile.NewSet(ctx)
	for _, in := range inputs {
		if in != "" && !strings.HasPrefix(in, "builtin:") {
			set.Protect(in)
		}
	}
	return set
}

// WriteHTML writes the report as one HTML document that needs nothing
// else: styles inline, figures as data: URLs, no script. The same report
// gives the same bytes.
func (r *Report) WriteHTML(w io.Writer) error {
	return page.Execute(w, r.view())
}

type view struct {
	Title, Original, Generated, Clock string
	Verdict, VerdictClass             string
	Bounds, Notes                     []string
	Objects                           []objView
}

type objView struct {
	ID, GeneratedID string
	Rows            []rowView
	Figures         []figView
}

type rowView struct {
	Label, Bound string
	Cells        [2]cellView
}

type cellView struct{ Text, Class, Title string }

type figView struct {
	Dir, Alt string
	Src      template.URL
}

// bound says in words what a check's bound asks of the metric.
func bound(c compare.Check) string {
	switch c.Bound {
	case "MaxRateErr":
		return fmt.Sprintf("1 ± %g", c.Limit)
	case "MaxBurstErr":
		return fmt.Sprintf("%.3g … %.3g", math.Exp(-c.Limit), math.Exp(c.Limit))
	}
	return fmt.Sprintf("≤ %g", c.Limit)
}

// Verdict is the report's headline: how many checks passed.
func (r *Report) Verdict() string {
	v, _ := r.verdict()
	return v
}

// verdict returns the headline and its CSS class: pass, fail or none.
func (r *Report) verdict() (string, string) {
	checks := r.Compare.Checks
	failed := 0
	for _, c := range checks {
		if !c.Passed {
			failed++
		}
	}
	switch {
	case len(checks) == 0:
		return "no bounds checked", "none"
	case failed == 0:
		return fmt.Sprintf("PASS: all %d checks within their bounds", len(checks)), "pass"
	}
	return fmt.Sprintf("FAIL: %d of %d checks beyond their bounds", failed, len(checks)), "fail"
}

func (r *Report) view() view {
	rep := r.Compare
	v := view{
		Title:     fmt.Sprintf("%s: %s", TitlePrefix, filepath.Base(r.Original)),
		Original:  r.Original,
		Generated: r.Generated,
		Clock:     time.Duration(rep.ClockNS).String(),
		Notes:     r.Notes,
	}
	if r.Second != "" {
		v.Title += " vs " + filepath.Base(r.Second)
	}
	type key struct{ id, dir, metric string }
	checks := map[key]compare.Check{}
	for _, c := range rep.Checks {
		checks[key{c.ID, c.Dir, c.Metric}] = c
	}
	v.Verdict, v.VerdictClass = r.verdict()
	b := r.Bounds
	for _, s := range []struct {
		what  string
		limit float64
		f     string
	}{
		{"KS of sizes and gaps", b.MaxKS, "≤ %g"},
		{"ACF error of sizes and gaps", b.MaxACFErr, "≤ %g"},
		{"byte and packet rate ratios", b.MaxRateErr, "within 1 ± %g"},
	} {
		if s.limit >= 0 {
			v.Bounds = append(v.Bounds, s.what+" "+fmt.Sprintf(s.f, s.limit))
		}
	}
	if b.MaxBurstErr >= 0 {
		v.Bounds = append(v.Bounds, fmt.Sprintf("burstiness ratios (10 ms, 100 ms, 1 s) within %.3g … %.3g", math.Exp(-b.MaxBurstErr), math.Exp(b.MaxBurstErr)))
	}
	for i := range rep.Objects {
		o := &rep.Objects[i]
		ov := objView{ID: o.ID, GeneratedID: o.GeneratedID}
		for _, row := range o.Rows() {
			rv := rowView{Label: row.Label}
			for d, dir := range [2]string{"from", "to"} {
				cell := cellView{Text: row.Cells[d]}
				if c, ok := checks[key{o.ID, dir, row.Key}]; ok {
					rv.Bound = bound(c)
					cell.Class, cell.Title = "fail", "beyond the bound "+rv.Bound
					if c.Passed {
						cell.Class, cell.Title = "pass", "within the bound "+rv.Bound
					}
				}
				rv.Cells[d] = cell
			}
			ov.Rows = append(ov.Rows, rv)
		}
		for _, f := range r.Figures {
			if f.ID == o.ID {
				ov.Figures = append(ov.Figures, figView{Dir: f.Dir,
					Alt: fmt.Sprintf("%s %s: size and gap histograms, autocorrelation, throughput and burstiness, original against generated", f.ID, f.Dir),
					Src: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(f.PNG))})
			}
		}
		v.Objects = append(v.Objects, ov)
	}
	return v
}

var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; color: #222; background: #fff; margin: 0 auto; padding: 16px 24px 40px; max-width: 1320px; font-size: 15px; line-height: 1.4; }
h1 { font-size: 26px; margin: 4px 0 8px; }
h2 { font-size: 20px; margin: 28px 0 8px; border-bottom: 2px solid #ddd; padding-bottom: 4px; word-break: break-all; }
h3 { font-size: 16px; margin: 18px 0 6px; }
.verdict { display: inline-block; font-size: 20px; font-weight: bold; padding: 8px 16px; border-radius: 6px; margin: 6px 0 10px; }
.verdict.pass { background: #d4f4d4; color: #14591d; border: 2px solid #3c9a48; }
.verdict.fail { background: #fbd5d5; color: #8a1010; border: 2px solid #c83232; }
.verdict.none { background: #eee; color: #444; border: 2px solid #aaa; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: 2px 14px; margin: 6px 0; }
dl.summary dt { font-weight: bold; }
dl.summary dd { margin: 0; word-break: break-all; }
ul.notes { color: #7a4b00; margin: 6px 0; }
table.compare { border-collapse: collapse; font-size: 14px; margin: 6px 0 12px; }
table.compare th, table.compare td { border: 1px solid #ccc; padding: 3px 10px; }
table.compare th { background: #f0f0f0; text-align: left; }
table.compare td.num { text-align: right; font-variant-numeric: tabular-nums; font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; }
table.compare td.bound { color: #555; white-space: nowrap; }
table.compare td.pass { background: #d4f4d4; color: #14591d; }
table.compare td.fail { background: #fbd5d5; color: #8a1010; font-weight: bold; }
.key span { display: inline-block; padding: 0 8px; margin-right: 6px; border-radius: 3px; }
.key .pass { background: #d4f4d4; color: #14591d; }
.key .fail { background: #fbd5d5; color: #8a1010; }
figure { margin: 8px 0 18px; }
figure img { width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 13px; color: #555; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<div id="verdict" class="verdict {{.VerdictClass}}">{{.Verdict}}</div>
<dl class="summary">
<dt>original</dt><dd>{{.Original}}</dd>
<dt>generated</dt><dd>{{.Generated}}</dd>
<dt>clock</dt><dd>both sides on {{.Clock}}</dd>
{{- if .Bounds}}
<dt>bounds</dt><dd>{{range $i, $b := .Bounds}}{{if $i}}; {{end}}{{$b}}{{end}}</dd>
{{- end}}
</dl>
{{- if .Notes}}
<ul class="notes">{{range .Notes}}<li>{{.}}</li>{{end}}</ul>
{{- end}}
<p class="key"><span class="pass">within the bound</span><span class="fail">beyond it, or not measurable</span>other rows are not bounded</p>
{{- range .Objects}}
<h2>{{.ID}}{{if ne .GeneratedID .ID}} <small>(generated: {{.GeneratedID}})</small>{{end}}</h2>
<table class="compare">
<thead><tr><th>metric</th><th>from</th><th>to</th><th>bound</th></tr></thead>
<tbody>
{{- range .Rows}}
<tr><th>{{.Label}}</th>{{range .Cells}}<td class="num{{if .Class}} {{.Class}}{{end}}"{{if .Title}} title="{{.Title}}"{{end}}>{{.Text}}</td>{{end}}<td class="bound">{{.Bound}}</td></tr>
{{- end}}
</tbody>
</table>
{{- range .Figures}}
<h3>direction {{.Dir}}</h3>
<figure><img src="{{.Src}}" alt="{{.Alt}}"><figcaption>Grey: original; blue: generated; red: the fitted mixture densities (when there is a model). Sizes and gaps as compared above.</figcaption></figure>
{{- end}}
{{- end}}
</body>
</html>
`))
