package plots

import (
	"bytes"
	"image/png"
	"testing"

	"github.com/gmm2trex/gmm2trex/metrics"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// drawn is n packets of the tiny profile's direction as a series.
func drawn(t *testing.T, dm *profiles.Direction, seed uint64, n int) metrics.Series {
	t.Helper()
	src, err := sampler.NewSource(dm, sampler.IID, seed, 0)
	if err != nil {
		t.Fatal(err)
	}
	s := metrics.Series{Size: make([]float64, n), Time: make([]float64, n), IAT: make([]float64, n-1)}
	_, size := src.Next()
	s.Size[0] = float64(size)
	for i := 1; i < n; i++ {
		gap, size := src.Next()
		s.IAT[i-1], s.Size[i], s.Time[i] = gap, float64(size), s.Time[i-1]+gap
	}
	return s
}

func TestFigure(t *testing.T) {
	dm := loadTiny(t).Objects[0].From
	orig, gen := drawn(t, dm, 1, 2000), drawn(t, dm, 2, 2000)
	for _, model := range []*profiles.Direction{dm, nil} {
		var b bytes.Buffer
		if err := Figure(&b, Traffic{Title: "x — from", Model: model, Original: orig, Generated: gen}); err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(&b)
		if err != nil || cfg.Width < 1000 || cfg.Width < cfg.Height {
			t.Errorf("model %v: %v, %dx%d (want a wide PNG of 3×2 panels)", model != nil, err, cfg.Width, cfg.Height)
		}
	}
	short := metrics.Series{Size: []float64{1}, Time: []float64{0}}
	if err := Figure(&bytes.Buffer{}, Traffic{Title: "short", Original: short, Generated: gen}); err == nil {
		t.Error("a one-packet side: no error")
	}
}
