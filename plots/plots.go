// Package plots draws, per object and direction of a profile, one figure
// (PNG and SVG, gonum/plot) that shows how well the models fit: the original's
// histograms under the fitted mixture densities, the BIC curves, the joint
// (IAT, size) scatter with the HMM component ellipses, and autocorrelation,
// throughput and sizes over time of the original against generated traffic.
package plots

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/gmm2trex/gmm2trex/internal/atomicfile"
	"github.com/gmm2trex/gmm2trex/internal/gauss"
	"github.com/gmm2trex/gmm2trex/metrics"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
	"github.com/gmm2trex/gmm2trex/trace"
)

// Options control Profile.
type Options struct {
	// Formats lists the files to write per figure: "png", "svg". nil means
	// both.
	Formats []string
	// Seed seeds the generated traffic drawn for the comparison panels.
	Seed uint64
	// Log receives a line per file written and per note (e.g. a profile
	// without BIC values); nil discards them.
	Log io.Writer
	// Context, when not nil, stops Profile once it is done: no figure is
	// left (they are renamed into place together at the end).
	Context context.Context
}

// Profile writes one figure per object and direction of p into dir (created
// if needed) and returns the paths written. c is the capture the profile was
// fitted on, or nil: objects are matched by id, and each direction is trimmed
// with the profile's percentiles, as estimate did. Without a capture (or for
// an object not in it) the panels show the models and generated traffic only.
// Generated traffic is drawn with both models when the direction has an HMM,
// with iid otherwise; as many packets as the original (at least 1000).
// The figures are written as a set: all of them, or on an error (or
// opts.Context done) none, and dir is removed again if Profile created it.
func Profile(dir string, p *profiles.Profile, c *trace.Capture, opts Options) (files []string, err error) {
	formats := opts.Formats
	if formats == nil {
		formats = []string{"png", "svg"}
	}
	for _, f := range formats {
		if f != "png" && f != "svg" {
			return nil, fmt.Errorf("plots: unknown format %q (png, svg)", f)
		}
	}
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	_, statErr := os.Stat(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	if statErr != nil {
		atomicfile.TrackDir(dir)
		defer atomicfile.UntrackDir(dir)
	}
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	set := atomicfile.NewSet(ctx)
	defer func() {
		if err == nil {
			err = set.Commit()
		}
		if err != nil {
			set.Abort()
			if statErr != nil {
				os.Remove(dir) // created here, and empty
			}
			files = nil
		}
	}()
	lo, hi := 3.0, 97.0
	if len(p.Settings.Percentiles) == 2 {
		lo, hi = p.Settings.Percentiles[0], p.Settings.Percentiles[1]
	}
	var written []string
	for i := range p.Objects {
		obj := &p.Objects[i]
		var tobj *trace.Object
		if c != nil {
			for _, o := range c.Objects {
				if o.ID == obj.ID {
					tobj = o
					break
				}
			}
			if tobj == nil {
				fmt.Fprintf(log, "plots: %s is not in %s: plotting the models only\n", obj.ID, c.Name)
			}
		}
		for _, d := range []profiles.Dir{profiles.From, profiles.To} {
			dm := obj.Dir(d)
			if dm == nil {
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			var series *trace.Series
			if tobj != nil {
				s := tobj.From
				if d == profiles.To {
					s = tobj.To
				}
				series = &s
			}
			data, err := prepare(obj, d, dm, series, lo, hi, opts.Seed)
			if err != nil {
				return written, err
			}
			if len(dm.Size.BIC) == 0 && len(dm.IAT.BIC) == 0 {
				fmt.Fprintf(log, "plots: %s %s: the profile holds no BIC values (k was fixed): the BIC panel says so\n", obj.ID, d)
			}
			base := filepath.Join(dir, fileName(obj.ID, d))
			for _, f := range formats {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				path := base + "." + f
				if err := render(set, path, f, data); err != nil {
					return written, err
				}
				written = append(written, path)
				fmt.Fprintf(log, "plots: wrote %s\n", path)
			}
		}
	}
	return written, nil
}

// fileName makes a file name from an object id and direction:
// "UDP 10.0.0.1:5000 10.0.0.2:6000" from -> "UDP_10.0.0.1-5000_10.0.0.2-6000_from".
func fileName(id string, d profiles.Dir) string {
	var b strings.Builder
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.':
			b.WriteRune(r)
		case r == ':':
			b.WriteByte('-')
		case r == '[' || r == ']':
		default:
			b.WriteByte('_')
		}
	}
	return b.String() + "_" + d.String()
}

// series of one direction, as plotted.
type dirSeries struct {
	name  string
	iat   []float64 // seconds
	size  []float64 // bytes
	times []float64 // seconds from the first packet
	color color.Color
	dash  []vg.Length
}

// dirData is everything one figure shows.
type dirData struct {
	title   string
	dm      *profiles.Direction
	orig    *dirSeries   // trimmed original, nil without a capture
	origRaw *dirSeries   // untrimmed original, for throughput
	gen     []*dirSeries // iid, then hmm when the direction has one
	// overlay draws the last generated series' histograms over the
	// original's (Figure: traffic against traffic, not models).
	overlay bool
}

var (
	colOrig = color.RGBA{R: 80, G: 80, B: 80, A: 255}
	colIID  = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	colHMM  = color.RGBA{R: 214, G: 39, B: 40, A: 255}
	colFit  = color.RGBA{R: 214, G: 39, B: 40, A: 255}
)

func prepare(obj *profiles.Object, d profiles.Dir, dm *profiles.Direction, s *trace.Series, lo, hi float64, seed uint64) (*dirData, error) {
	data := &dirData{dm: dm, title: fmt.Sprintf("%s — %s", obj.ID, d)}
	n := 1000
	if s != nil && s.Len() >= 2 {
		t := trace.Trim(*s, lo, hi)
		data.orig = &dirSeries{name: "original (trimmed)", iat: t.IAT, size: t.Size, color: colOrig}
		raw := &dirSeries{name: "original", size: s.SizesFloat(), times: make([]float64, s.Len()), color: colOrig}
		for i, ns := range s.Times {
			raw.times[i] = float64(ns-s.Times[0]) / 1e9
		}
		data.origRaw = raw
		n = max(n, t.Len())
		data.title += fmt.Sprintf(" (%d packets, %d after trimming)", s.Len(), t.Len())
	} else {
		data.title += fmt.Sprintf(" (model only, %d packets fitted)", dm.Packets)
	}
	models := []sampler.Model{sampler.IID}
	if dm.HMM != nil && len(dm.HMM.Chains) > 0 {
		models = append(models, sampler.HMM)
	}
	for _, m := range models {
		src, err := sampler.NewSource(dm, m, seed, uint64(d))
		if err != nil {
			return nil, fmt.Errorf("plots: %s %s: %w", obj.ID, d, err)
		}
		g := &dirSeries{name: "generated " + m.String(), iat: make([]float64, n), size: make([]float64, n), times: make([]float64, n+1)}
		src.Next() // the first packet has no gap
		var now float64
		for i := range n {
			gap, size := src.Next()
			now += gap
			g.iat[i], g.size[i], g.times[i+1] = gap, float64(size), now
		}
		// g.size[i] belongs to the packet after gap g.iat[i], as in Trimmed;
		// the first packet (at 0, its size not kept) is dropped so that
		// times pair with sizes.
		g.times = g.times[1:]
		g.color, g.dash = colIID, []vg.Length{vg.Points(4), vg.Points(2)}
		if m == sampler.HMM {
			g.color, g.dash = colHMM, nil
		}
		data.gen = append(data.gen, g)
	}
	return data, nil
}

// render draws the figure into path in format f ("png" or "svg").
func render(set *atomicfile.Set, path, f string, data *dirData) error {
	canvas := drawGrid(f, data.title, [][]*plot.Plot{
		{sizePanel(data), iatPanel(data), jointPanel(data), bicPanel(data)},
		{acfPanel(data, "size"), acfPanel(data, "iat"), throughputPanel(data), sizeTimePanel(data)},
	})
	return set.Write(path, 0o644, func(w io.Writer) error { return writeCanvas(w, f, canvas) })
}

// drawGrid draws the panels, rows of equal length, under title on a canvas
// of format f ("png" or "svg").
func drawGrid(f, title string, grid [][]*plot.Plot) vg.CanvasWriterTo {
	rows, cols := len(grid), len(grid[0])
	w, h := 4.3*vg.Inch*vg.Length(cols), 3.3*vg.Inch*vg.Length(rows)+0.45*vg.Inch
	var canvas vg.CanvasWriterTo
	if f == "png" {
		canvas = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(100))}
	} else {
		canvas = vgsvg.New(w, h)
	}
	dc := draw.New(canvas)
	// A white background: PNG viewers with dark themes make transparent
	// figures unreadable.
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	style := plot.New().Title.TextStyle
	style.Font.Size = vg.Points(15)
	style.Font.Variant = "Sans"
	style.XAlign, style.YAlign = draw.XCenter, draw.YTop
	dc.FillText(style, vg.Point{X: w / 2, Y: h - vg.Points(6)}, title)
	body := draw.Crop(dc, 0, 0, 0, -0.45*vg.Inch)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(14), PadY: vg.Points(14),
		PadLeft: vg.Points(6), PadRight: vg.Points(10), PadBottom: vg.Points(6)}
	for _, row := range grid {
		for _, p := range row {
			headroom(p)
		}
	}
	cs := plot.Align(grid, tiles, body)
	for j := range grid {
		for i := range grid[j] {
			grid[j][i].Draw(cs[j][i])
		}
	}
	return canvas
}

// writeCanvas writes a canvas of drawGrid in format f.
func writeCanvas(w io.Writer, f string, canvas vg.CanvasWriterTo) error {
	if f == "svg" {
		var buf bytes.Buffer
		if _, err := canvas.WriteTo(&buf); err != nil {
			return err
		}
		_, err := svgFonts.WriteString(w, buf.String())
		return err
	}
	_, err := canvas.WriteTo(w)
	return err
}

// svgFonts adds fallbacks to the font names gonum/plot writes in SVG: text was
// laid out with the Liberation fonts' metrics, and a viewer without them would
// substitute a wider default font and make labels overlap; Times New Roman
// and Arial have the same metrics and are everywhere else.
var svgFonts = strings.NewReplacer(
	"font-family:Liberation Serif;", "font-family:'Liberation Serif','Times New Roman',Times,serif;",
	"font-family:Liberation Sans;", "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;",
	"font-family:Liberation Mono;", "font-family:'Liberation Mono','Courier New',Courier,monospace;",
)

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(12)
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.Add(plotter.NewGrid())
	return p
}

// headroom raises the top of a panel's y range so that its legend, drawn in
// the top right corner, sits above the data rather than on it.
func headroom(p *plot.Plot) {
	if p.Y.Max > p.Y.Min && p.X.Max > p.X.Min && p.Legend.Top {
		p.Y.Max += (p.Y.Max - p.Y.Min) * 0.3
	}
}

// note writes a message in the middle of an empty panel.
func note(p *plot.Plot, msg string) {
	p.HideAxes()
	p.X.Label.Text, p.Y.Label.Text = "", ""
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: 0.5, Y: 0.5}}, Labels: []string{msg}})
	if err == nil {
		l.TextStyle[0].XAlign = draw.XCenter
		l.TextStyle[0].Font.Size = vg.Points(11)
		p.Add(l)
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	p.Legend.Top = false
}

// mixtureDensity returns the density, over the feature's own values, of a
// 1-D mixture fitted on the feature or on its log.
func mixtureDensity(pm profiles.Param) func(x float64) float64 {
	return func(x float64) float64 {
		v, jac := x, 1.0
		if pm.Transform == profiles.TransformLog {
			if x <= 0 {
				return 0
			}
			v, jac = math.Log(x), 1/x
		}
		var f float64
		for _, c := range pm.Mixture {
			z := (v - c.Mean) / c.Std
			f += c.Weight * math.Exp(-z*z/2) / (c.Std * math.Sqrt(2*math.Pi))
		}
		return f * jac
	}
}

func histogram(vals []float64, bins int, lo, hi float64) (*plotter.Histogram, error) {
	v := make(plotter.Values, 0, len(vals))
	for _, x := range vals {
		if x >= lo && x <= hi {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return nil, fmt.Errorf("no values")
	}
	h, err := plotter.NewHist(v, bins)
	if err != nil {
		return nil, err
	}
	h.Normalize(1)
	h.FillColor = color.RGBA{R: 190, G: 190, B: 190, A: 255}
	h.LineStyle.Color = color.RGBA{R: 150, G: 150, B: 150, A: 255}
	h.LineStyle.Width = vg.Points(0.3)
	return h, nil
}

// sizeHistogram bins whole-byte sizes on edges at half bytes, so that each
// bar is centred on the sizes it counts (a constant size is one bar on it),
// with at most about 60 bars.
func sizeHistogram(vals []float64, lo, hi float64) (*plotter.Histogram, error) {
	width := max(1, math.Ceil((hi-lo)/60))
	start := math.Floor(lo) - 0.5
	nb := int(math.Ceil((hi-start)/width)) + 1
	bins := make([]plotter.HistogramBin, nb)
	for i := range bins {
		bins[i].Min = start + float64(i)*width
		bins[i].Max = bins[i].Min + width
	}
	n := 0
	for _, v := range vals {
		if v < lo || v > hi {
			continue
		}
		i := int((v - start) / width)
		if i >= 0 && i < nb {
			bins[i].Weight++
			n++
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("no values")
	}
	h := &plotter.Histogram{Bins: bins, Width: width, FillColor: color.RGBA{R: 190, G: 190, B: 190, A: 255}, LineStyle: plotter.DefaultLineStyle}
	h.LineStyle.Color = color.RGBA{R: 150, G: 150, B: 150, A: 255}
	h.LineStyle.Width = vg.Points(0.3)
	h.Normalize(1)
	return h, nil
}

func sizePanel(d *dirData) *plot.Plot {
	p := newPlot("packet size", "packet size (bytes)", "density (1/byte)")
	var lo, hi float64
	if d.dm != nil {
		pm := d.dm.Size
		p.Title.Text = fmt.Sprintf("packet size: %d-component mixture", len(pm.Mixture))
		lo, hi = pm.Min, pm.Max
	} else {
		lo, hi = d.span(func(s *dirSeries) []float64 { return s.size })
	}
	if hi <= lo {
		lo, hi = lo-5, hi+5
	}
	// A margin keeps narrow components at the bounds off the axes.
	lo, hi = lo-(hi-lo)*0.03, hi+(hi-lo)*0.03
	bar := d.histograms(p, func(s *dirSeries) (*plotter.Histogram, error) { return sizeHistogram(s.size, lo, hi) })
	if d.dm == nil {
		setAxes(p, bar, lo, hi)
		return p
	}
	pm := d.dm.Size
	addDensity(p, bar, mixtureDensity(pm), lo, hi, pm, func(v float64) float64 {
		if pm.Transform == profiles.TransformLog {
			return math.Exp(v)
		}
		return v
	})
	return p
}

// histograms adds the original's histogram (made by hist) to p and, with
// d.overlay, the last generated series' as an outline over it; it returns
// the tallest bar (0 when there is none).
func (d *dirData) histograms(p *plot.Plot, hist func(*dirSeries) (*plotter.Histogram, error)) float64 {
	var bar float64
	add := func(s *dirSeries, outline bool) {
		h, err := hist(s)
		if err != nil {
			return
		}
		if outline {
			h.FillColor = nil
			h.LineStyle.Color, h.LineStyle.Width = s.color, vg.Points(1.2)
		}
		for _, b := range h.Bins {
			bar = max(bar, b.Weight)
		}
		p.Add(h)
		p.Legend.Add(s.name, h)
	}
	if d.orig != nil {
		add(d.orig, false)
	}
	if d.overlay && len(d.gen) > 0 {
		add(d.gen[len(d.gen)-1], true)
	}
	return bar
}

// span is the range of a feature over the original and the generated
// series, for axes without a model's bounds.
func (d *dirData) span(feature func(*dirSeries) []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range append([]*dirSeries{d.orig}, d.gen...) {
		if s == nil {
			continue
		}
		for _, v := range feature(s) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if lo > hi {
		return 0, 1
	}
	return lo, hi
}

// setAxes fits the axes to histograms alone: x over [lo, hi], y from 0 to
// just above the tallest bar.
func setAxes(p *plot.Plot, bar, lo, hi float64) {
	if !(bar > 0) {
		bar = 1
	}
	p.X.Min, p.X.Max = lo, hi
	p.Y.Min, p.Y.Max = 0, bar*1.05
}

// addDensity draws a fitted density over [lo, hi] and sets the axes, which a
// function alone does not: y from 0 to the taller of the histograms' tallest
// bar (bar, 0 for none) and the curve, but at most 1.5 times bar, so that a very
// narrow component (a constant size) does not flatten the histogram; its
// peak is clipped instead.
//
// The curve is sampled on a uniform grid plus, for each component, points
// around its mean (toX maps the component's space to the axis), so that a
// component narrower than the grid step still shows as a spike.
func addDensity(p *plot.Plot, bar float64, f func(float64) float64, lo, hi float64, pm profiles.Param, toX func(float64) float64) {
	const samples = 800
	xs := make([]float64, 0, samples+1+len(pm.Mixture)*17)
	for i := 0; i <= samples; i++ {
		xs = append(xs, lo+(hi-lo)*float64(i)/samples)
	}
	for _, c := range pm.Mixture {
		for k := -8; k <= 8; k++ {
			if x := toX(c.Mean + float64(k)/2*c.Std); x >= lo && x <= hi {
				xs = append(xs, x)
			}
		}
	}
	slices.Sort(xs)
	xy := make(plotter.XYs, len(xs))
	var top float64
	for i, x := range xs {
		xy[i] = plotter.XY{X: x, Y: f(x)}
		top = max(top, xy[i].Y)
	}
	if l, err := plotter.NewLine(xy); err == nil {
		l.Color, l.Width = colFit, vg.Points(1.5)
		p.Add(l)
		p.Legend.Add("fitted mixture", l)
	}
	if bar > 0 {
		top = min(max(top, bar), 1.5*bar)
	}
	if !(top > 0) || math.IsInf(top, 0) {
		top = 1
	}
	p.X.Min, p.X.Max = lo, hi
	p.Y.Min, p.Y.Max = 0, top*1.05
}

// iatFloor keeps zero gaps (packets stamped alike) on the log axis.
const iatFloor = 1e-7

func iatPanel(d *dirData) *plot.Plot {
	p := newPlot("inter-arrival time", "inter-arrival time (s, log scale)", "density per decade")
	p.X.Tick.Marker = secondsTicks{}
	var lo, hi float64
	if d.dm != nil {
		lo, hi = d.dm.IAT.Min, d.dm.IAT.Max
	} else {
		lo, hi = d.span(func(s *dirSeries) []float64 { return s.iat })
	}
	lo, hi = math.Log10(max(lo, iatFloor)), math.Log10(max(hi, iatFloor))
	if hi <= lo {
		lo, hi = lo-0.5, hi+0.5
	}
	lo, hi = lo-(hi-lo)*0.03, hi+(hi-lo)*0.03
	bar := d.histograms(p, func(s *dirSeries) (*plotter.Histogram, error) { return histogram(log10s(s.iat), 60, lo, hi) })
	if d.dm == nil {
		setAxes(p, bar, lo, hi)
		return p
	}
	pm := d.dm.IAT
	tr := pm.Transform
	if tr == "" {
		tr = profiles.TransformNone
	}
	p.Title.Text = fmt.Sprintf("inter-arrival time: %d-component mixture (on %s IAT)", len(pm.Mixture), map[bool]string{true: "log", false: "plain"}[tr == profiles.TransformLog])
	f := mixtureDensity(pm)
	// Density of y = log10(x): f(10^y) · 10^y · ln 10.
	addDensity(p, bar, func(y float64) float64 {
		x := math.Pow(10, y)
		return f(x) * x * math.Ln10
	}, lo, hi, pm, func(v float64) float64 {
		if tr == profiles.TransformLog {
			return v / math.Ln10
		}
		return math.Log10(max(v, iatFloor))
	})
	return p
}

func log10s(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = math.Log10(max(v, iatFloor))
	}
	return out
}

// secondsTicks labels a log10(seconds) axis at whole decades in readable
// units (1µs, 100µs, 10ms, 1s).
type secondsTicks struct{}

func (secondsTicks) Ticks(lo, hi float64) []plot.Tick {
	if hi-lo < 1 {
		// Within a decade: ordinary ticks in seconds, placed on the log axis.
		var ticks []plot.Tick
		for _, t := range (plot.DefaultTicks{}).Ticks(math.Pow(10, lo), math.Pow(10, hi)) {
			if t.Value <= 0 {
				continue
			}
			tk := plot.Tick{Value: math.Log10(t.Value)}
			if t.Label != "" {
				tk.Label = fmtSeconds(t.Value)
			}
			ticks = append(ticks, tk)
		}
		if hasLabel(ticks) {
			return ticks
		}
	}
	var ticks []plot.Tick
	// Over less than three decades, 2× and 5× get labels too.
	few := hi-lo < 3
	for e := math.Floor(lo); e <= math.Ceil(hi); e++ {
		if e >= lo-1e-9 && e <= hi+1e-9 {
			ticks = append(ticks, plot.Tick{Value: e, Label: fmtSeconds(math.Pow(10, e))})
		}
		for m := 2.0; m < 10; m++ {
			v := e + math.Log10(m)
			if v >= lo && v <= hi {
				t := plot.Tick{Value: v}
				if few && (m == 2 || m == 5) {
					t.Label = fmtSeconds(m * math.Pow(10, e))
				}
				ticks = append(ticks, t)
			}
		}
	}
	if len(ticks) == 0 || !hasLabel(ticks) {
		// Less than a decade: label the ends.
		ticks = append(ticks, plot.Tick{Value: lo, Label: fmtSeconds(math.Pow(10, lo))}, plot.Tick{Value: hi, Label: fmtSeconds(math.Pow(10, hi))})
	}
	return ticks
}

func hasLabel(ts []plot.Tick) bool {
	for _, t := range ts {
		if t.Label != "" {
			return true
		}
	}
	return false
}

func fmtSeconds(s float64) string {
	switch {
	case s >= 1:
		return trimG(s) + "s"
	case s >= 1e-3:
		return trimG(s*1e3) + "ms"
	case s >= 1e-6:
		return trimG(s*1e6) + "µs"
	}
	return trimG(s*1e9) + "ns"
}

func trimG(v float64) string { return fmt.Sprintf("%.3g", v) }

func jointPanel(d *dirData) *plot.Plot {
	p := newPlot("joint (IAT, size)", "inter-arrival time (s, log scale)", "packet size (bytes)")
	p.X.Tick.Marker = secondsTicks{}
	add := func(s *dirSeries, radius vg.Length, alpha uint8) {
		if s == nil {
			return
		}
		xy := make(plotter.XYs, 0, min(len(s.iat), 4000))
		step := max(1, len(s.iat)/4000)
		for i := 0; i < len(s.iat); i += step {
			xy = append(xy, plotter.XY{X: math.Log10(max(s.iat[i], iatFloor)), Y: s.size[i]})
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return
		}
		r, g, b, _ := s.color.RGBA()
		sc.GlyphStyle.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: alpha}
		sc.GlyphStyle.Radius = radius
		sc.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(sc)
		p.Legend.Add(s.name, sc)
	}
	add(d.orig, vg.Points(1.6), 110)
	gen := d.gen[len(d.gen)-1]
	add(gen, vg.Points(1.1), 90)
	drawn := 0
	if d.dm.HMM != nil {
		for _, ch := range d.dm.HMM.Chains {
			ix, is := index(ch.Features, profiles.FeatureIAT), index(ch.Features, profiles.FeatureSize)
			if ix < 0 || is < 0 {
				continue
			}
			for s, st := range ch.States {
				col := palette[s%len(palette)]
				for _, c := range st.Mixture {
					if l := ellipse(ch, c, ix, is); l != nil {
						l.Color, l.Width = col, vg.Points(1.2)
						p.Add(l)
						drawn++
					}
				}
			}
		}
	}
	if drawn > 0 {
		p.Title.Text = "joint (IAT, size): HMM state components, 2σ ellipses"
	} else {
		p.Title.Text = "joint (IAT, size): no joint HMM chain to draw"
	}
	return p
}

var palette = []color.Color{
	color.RGBA{R: 228, G: 26, B: 28, A: 255}, color.RGBA{R: 55, G: 126, B: 184, A: 255},
	color.RGBA{R: 77, G: 175, B: 74, A: 255}, color.RGBA{R: 152, G: 78, B: 163, A: 255},
	color.RGBA{R: 255, G: 127, B: 0, A: 255}, color.RGBA{R: 166, G: 86, B: 40, A: 255},
	color.RGBA{R: 247, G: 129, B: 191, A: 255}, color.RGBA{R: 0, G: 150, B: 150, A: 255},
}

func index(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// ellipse traces the 2σ contour of a chain's component in (log10 IAT, size)
// coordinates: in the scaled space z = μ + L·2(cos θ, sin θ) with L the
// Cholesky factor of the component's (iat, size) covariance, then unscaled and
// the transforms undone.
func ellipse(ch profiles.Chain, c profiles.MVComponent, ix, is int) *plotter.Line {
	cov := [][]float64{{c.Cov[ix][ix], c.Cov[ix][is]}, {c.Cov[is][ix], c.Cov[is][is]}}
	L, ok := gauss.CholeskyRows(cov)
	if !ok {
		return nil
	}
	undo := func(f int, z float64, name string) float64 {
		v := z*ch.Scale.Std[f] + ch.Scale.Mean[f]
		if ch.Transform[name] == profiles.TransformLog {
			v = math.Exp(v)
		}
		return v
	}
	xy := make(plotter.XYs, 0, 65)
	for k := 0; k <= 64; k++ {
		th := 2 * math.Pi * float64(k) / 64
		u, v := 2*math.Cos(th), 2*math.Sin(th)
		zi := c.Mean[ix] + L[0][0]*u
		zs := c.Mean[is] + L[1][0]*u + L[1][1]*v
		xy = append(xy, plotter.XY{X: math.Log10(max(undo(ix, zi, profiles.FeatureIAT), iatFloor)), Y: undo(is, zs, profiles.FeatureSize)})
	}
	l, err := plotter.NewLine(xy)
	if err != nil {
		return nil
	}
	return l
}

func bicPanel(d *dirData) *plot.Plot {
	p := newPlot("BIC by component count (lower is better)", "components k", "BIC − min BIC")
	any := false
	for _, c := range []struct {
		name string
		pm   profiles.Param
		col  color.Color
	}{{"size", d.dm.Size, colIID}, {"IAT", d.dm.IAT, colHMM}} {
		if len(c.pm.BIC) == 0 {
			continue
		}
		best := math.Inf(1)
		for _, b := range c.pm.BIC {
			best = min(best, b)
		}
		xy := make(plotter.XYs, 0, len(c.pm.BIC))
		for k, b := range c.pm.BIC {
			if !math.IsNaN(b) && !math.IsInf(b, 0) {
				xy = append(xy, plotter.XY{X: float64(k + 1), Y: b - best})
			}
		}
		l, sc, err := plotter.NewLinePoints(xy)
		if err != nil {
			continue
		}
		l.Color, sc.Color = c.col, c.col
		p.Add(l, sc)
		p.Legend.Add(fmt.Sprintf("%s (chosen k = %d)", c.name, len(c.pm.Mixture)), l, sc)
		any = true
	}
	if !any {
		note(p, fmt.Sprintf("no BIC values in the profile (k fixed: size %d, IAT %d)", len(d.dm.Size.Mixture), len(d.dm.IAT.Mixture)))
		p.Title.Text = "BIC by component count"
	}
	return p
}

func acfPanel(d *dirData, feature string) *plot.Plot {
	unit := map[string]string{"size": "packet size", "iat": "inter-arrival time"}[feature]
	p := newPlot("autocorrelation of "+unit, "lag (packets)", "autocorrelation")
	pick := func(s *dirSeries) []float64 {
		if feature == "size" {
			return s.size
		}
		return s.iat
	}
	all := append([]*dirSeries{}, d.gen...)
	if d.orig != nil {
		all = append([]*dirSeries{d.orig}, all...)
	}
	var r [metrics.ACFLags]float64
	for _, s := range all {
		metrics.ACF(r[:], pick(s))
		xy := make(plotter.XYs, len(r))
		for k := range r {
			xy[k] = plotter.XY{X: float64(k + 1), Y: r[k]}
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			continue
		}
		l.Color, l.Width, l.Dashes = s.color, vg.Points(1.5), s.dash
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	p.Y.Min, p.Y.Max = min(p.Y.Min, -0.1), max(p.Y.Max, 0.5)
	return p
}

func throughputPanel(d *dirData) *plot.Plot {
	p := newPlot("throughput in 1 s windows", "time (s)", "throughput (kbit/s)")
	horizon := math.Inf(1)
	all := []*dirSeries{}
	if d.origRaw != nil {
		all = append(all, d.origRaw)
		horizon = d.origRaw.times[len(d.origRaw.times)-1]
	}
	all = append(all, d.gen...)
	for _, s := range all {
		n := len(s.times)
		for n > 0 && s.times[n-1] > horizon {
			n--
		}
		w := metrics.Throughput(nil, s.times[:n], s.size[:n], metrics.ThroughputWindow)
		xy := make(plotter.XYs, len(w))
		for i, v := range w {
			xy[i] = plotter.XY{X: float64(i) + 0.5, Y: v * 8 / 1000}
		}
		if len(xy) == 0 {
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			continue
		}
		l.Color, l.Width, l.Dashes = s.color, vg.Points(1.2), s.dash
		p.Add(l)
		// The legend carries the timeline compare reports: mean rate over
		// the series' span, burstiness at 100 ms and the idle share.
		tl := metrics.TimelineOf(metrics.Series{Size: s.size[:n], Time: s.times[:n]})
		p.Legend.Add(fmt.Sprintf("%s: %.3g kbit/s, CV(100 ms) %.2f, idle %.0f%%", s.name, tl.Bytes*8/1000, tl.CV[1], 100*tl.Idle), l)
	}
	p.Y.Min = 0
	return p
}

func sizeTimePanel(d *dirData) *plot.Plot {
	const n = 300
	p := newPlot(fmt.Sprintf("packet sizes in sequence (first %d)", n), "packet number", "packet size (bytes)")
	all := append([]*dirSeries{}, d.gen...)
	if d.orig != nil {
		all = append([]*dirSeries{d.orig}, all...)
	}
	for _, s := range all {
		m := min(n, len(s.size))
		xy := make(plotter.XYs, m)
		for i := range m {
			xy[i] = plotter.XY{X: float64(i + 1), Y: s.size[i]}
		}
		if m == 0 {
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			continue
		}
		l.Color, l.Width, l.Dashes = s.color, vg.Points(0.9), nil
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	return p
}
