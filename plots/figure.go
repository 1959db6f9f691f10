package plots

import (
	"fmt"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/gmm2trex/gmm2trex/metrics"
	"github.com/gmm2trex/gmm2trex/profiles"
)

// Traffic is one direction of original and generated traffic, for Figure.
type Traffic struct {
	Title string
	// Model, when not nil, is the fitted direction the generated traffic
	// was drawn from: its mixture densities are drawn over the histograms.
	Model *profiles.Direction
	// Original and Generated need Size, IAT and Time (seconds from the
	// first packet), as compare.Series makes them.
	Original, Generated metrics.Series
	GeneratedName       string // the legend's name of Generated; "" is "generated"
}

// Figure draws t as one PNG figure of six panels, original against
// generated: the histograms of size and gap (over the model's densities
// when t.Model is set), the autocorrelation of size and of gap, the
// throughput in 1 s windows and the burstiness over time.
func Figure(w io.Writer, t Traffic) error {
	name := t.GeneratedName
	if name == "" {
		name = "generated"
	}
	side := func(s metrics.Series, name string) *dirSeries {
		return &dirSeries{name: name, size: s.Size, iat: s.IAT, times: s.Time}
	}
	orig, gen := side(t.Original, "original"), side(t.Generated, name)
	orig.color = colOrig
	gen.color, gen.dash = colIID, []vg.Length{vg.Points(4), vg.Points(2)}
	if len(orig.times) != len(orig.size) || len(gen.times) != len(gen.size) || len(orig.times) < 2 || len(gen.times) < 2 {
		return fmt.Errorf("plots: %s: each side needs at least 2 packets with times and sizes", t.Title)
	}
	d := &dirData{title: t.Title, dm: t.Model, orig: orig, origRaw: orig, gen: []*dirSeries{gen}, overlay: true}
	canvas := drawGrid("png", d.title, [][]*plot.Plot{
		{sizePanel(d), iatPanel(d), throughputPanel(d)},
		{acfPanel(d, "size"), acfPanel(d, "iat"), burstPanel(d)},
	})
	return writeCanvas(w, "png", canvas)
}

// burstBlocks is about how many blocks burstPanel cuts the span into.
const burstBlocks = 30

// burstPanel draws the burstiness over time: per block of whole seconds
// (at least 1 s, about burstBlocks of them over the original's span), the
// coefficient of variation of the bytes per 100 ms window, as compare's
// burst_ratio_100ms measures it over the whole span (metrics.TimelineOf).
func burstPanel(d *dirData) *plot.Plot {
	horizon := d.origRaw.times[len(d.origRaw.times)-1]
	block := max(1, math.Ceil(horizon/burstBlocks))
	p := newPlot(fmt.Sprintf("burstiness: CV of bytes per 100 ms, per %g s", block), "time (s)", "coefficient of variation")
	for _, s := range append([]*dirSeries{d.origRaw}, d.gen...) {
		var xy plotter.XYs
		i := 0
		for k := 0; float64(k)*block < horizon; k++ {
			end := float64(k+1) * block
			j := i
			for j < len(s.times) && s.times[j] < end {
				j++
			}
			if cv := metrics.TimelineOf(metrics.Series{Size: s.size[i:j], Time: s.times[i:j]}).CV[1]; !math.IsNaN(cv) {
				xy = append(xy, plotter.XY{X: float64(k) + 0.5, Y: cv})
			}
			i = j
		}
		for k := range xy {
			xy[k].X *= block
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
		tl := metrics.TimelineOf(metrics.Series{Size: s.size, Time: s.times})
		p.Legend.Add(fmt.Sprintf("%s: CV 10 ms %.2f, 100 ms %.2f, 1 s %.2f", s.name, tl.CV[0], tl.CV[1], tl.CV[2]), l)
	}
	p.Y.Min = 0
	return p
}
