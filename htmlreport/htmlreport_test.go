package htmlreport

import (
	"bytes"
	"context"
	"encoding/base64"
	stdhtml "html"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/compare"
	"github.com/gmm2trex/gmm2trex/exporters"
	"github.com/gmm2trex/gmm2trex/internal/samplecap"
	"github.com/gmm2trex/gmm2trex/profiles/builtin"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// sampleFiles writes the embedded sample capture, a CSV sampled from the
// built-in profile estimated from it, and that profile, into a temporary
// directory.
func sampleFiles(t *testing.T) (capture, csv, profile string) {
	t.Helper()
	dir := t.TempDir()
	capture = filepath.Join(dir, samplecap.Name)
	if err := os.WriteFile(capture, samplecap.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := builtin.Bytes("sample-rtp")
	if err != nil {
		t.Fatal(err)
	}
	profile = filepath.Join(dir, "sample.profile.yaml")
	if err := os.WriteFile(profile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := builtin.Load("sample-rtp")
	if err != nil {
		t.Fatal(err)
	}
	csv = filepath.Join(dir, "gen.csv")
	if _, err := exporters.Export(p, "csv", exporters.Options{Output: csv, Objects: []string{p.Objects[0].ID},
		Duration: 30, Seed: 3, Model: sampler.Auto}); err != nil {
		t.Fatal(err)
	}
	return capture, csv, profile
}

func TestDetect(t *testing.T) {
	capture, csv, profile := sampleFiles(t)
	dir := t.TempDir()
	badCSV := filepath.Join(dir, "bad.csv")
	os.WriteFile(badCSV, []byte("when,size\n1,2\n"), 0o644)
	for _, c := range []struct {
		path string
		want Kind
	}{
		{"", None},
		{"builtin:sample-rtp", Profile},
		{capture, Capture},
		{csv, CSV},
		{badCSV, CSV}, // by its name: the CSV reader names the bad header
		{profile, Profile},
	} {
		got, err := Detect(c.path)
		if err != nil || got != c.want {
			t.Errorf("Detect(%q) = %v, %v; want %v", c.path, got, err, c.want)
		}
	}
	if _, err := Detect(filepath.Join(dir, "missing.pcap")); err == nil {
		t.Error("Detect of a missing file: no error")
	}
}

// pageChecks are what every report must hold: the title, the table with
// a row per metric, one embedded PNG per figure, and nothing fetched.
func pageChecks(t *testing.T, html string, r *Report) {
	t.Helper()
	if !strings.Contains(html, "<title>"+TitlePrefix) {
		t.Error("no title")
	}
	if n := strings.Count(html, `<table class="compare">`); n != len(r.Compare.Objects) {
		t.Errorf("%d tables, want one per object (%d)", n, len(r.Compare.Objects))
	}
	for _, label := range []string{"ks_size", "acf_err_iat", "burst_ratio_1s", "packets (orig / gen)"} {
		if !strings.Contains(html, "<th>"+label+"</th>") {
			t.Errorf("no row %q", label)
		}
	}
	imgs := regexp.MustCompile(`<img src="data:image/png;base64,([^"]+)"`).FindAllStringSubmatch(html, -1)
	if len(imgs) != len(r.Figures) || len(imgs) == 0 {
		t.Errorf("%d embedded images, %d figures", len(imgs), len(r.Figures))
	}
	for _, m := range imgs {
		// The attribute is HTML-escaped (+ as &#43;), as a browser reads it.
		b, err := base64.StdEncoding.DecodeString(stdhtml.UnescapeString(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width < 800 {
			t.Errorf("figure: %v, %dx%d", err, cfg.Width, cfg.Height)
		}
	}
	// Self-contained: no script, no stylesheet or image from elsewhere.
	for _, bad := range []string{"<script", "<link", "@import", "url(", `src="http`, `href=`} {
		if strings.Contains(html, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
}

func build(t *testing.T, orig, second string, o Options) (*Report, string) {
	t.Helper()
	r, err := Build(context.Background(), orig, second, o)
	if err != nil {
		t.Fatalf("Build(%s, %q): %v", orig, second, err)
	}
	var b bytes.Buffer
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	return r, b.String()
}

func TestBuildEachKind(t *testing.T) {
	capture, csv, profile := sampleFiles(t)
	for _, c := range []struct {
		second string
		kind   Kind
		model  bool // figures with the fitted densities
	}{
		{"", None, true},
		{profile, Profile, true},
		{"builtin:sample-rtp", Profile, true},
		{csv, CSV, false},
	} {
		r, html := build(t, capture, c.second, DefaultOptions())
		if r.Kind != c.kind {
			t.Errorf("%q: kind %v, want %v", c.second, r.Kind, c.kind)
		}
		pageChecks(t, html, r)
		if len(r.Figures) != 2 {
			t.Errorf("%q: %d figures, want 2 (the sample's RTP flow, both directions)", c.second, len(r.Figures))
		}
		if got := strings.Contains(html, "fitted mixture densities"); !got {
			t.Errorf("%q: no figure caption", c.second)
		}
		if c.model && !strings.Contains(r.Generated, "seed 1") {
			t.Errorf("%q: generated side %q does not say its seed", c.second, r.Generated)
		}
		// Generated over the original's span: as many packets, give or
		// take what the model's rate gets wrong.
		d := r.Compare.Objects[0].From
		if ratio := float64(d.PacketsGenerated) / float64(d.PacketsOriginal); ratio < 0.8 || ratio > 1.25 {
			t.Errorf("%q: %d packets generated for %d original", c.second, d.PacketsGenerated, d.PacketsOriginal)
		}
	}
}

// The original against itself holds every bound: every bounded cell is
// green, none red, and the verdict says so.
func TestSelfPasses(t *testing.T) {
	capture, _, _ := sampleFiles(t)
	r, html := build(t, capture, capture, DefaultOptions())
	pageChecks(t, html, r)
	if !strings.Contains(html, `class="verdict pass"`) || strings.Contains(html, "num fail") {
		t.Errorf("self-comparison: verdict %q, or a red cell", r.Verdict())
	}
	if n := strings.Count(html, "num pass"); n != len(r.Compare.Checks) || n == 0 {
		t.Errorf("%d green cells, %d checks", n, len(r.Compare.Checks))
	}
}

// Bounds decide the colours: one that cannot hold is red in every
// direction, one that always holds green, and without bounds nothing is
// coloured.
func TestBoundsColourCells(t *testing.T) {
	capture, csv, _ := sampleFiles(t)
	o := DefaultOptions()
	o.Bounds = compare.Bounds{MaxKS: 1, MaxACFErr: 0, MaxRateErr: -1, MaxBurstErr: -1}
	r, html := build(t, capture, csv, o)
	if got := strings.Count(html, "num pass"); got != 4 { // ks_size, ks_iat × from, to
		t.Errorf("%d green cells, want 4", got)
	}
	if got := strings.Count(html, "num fail"); got != 4 { // acf_err_size, acf_err_iat × from, to
		t.Errorf("%d red cells, want 4", got)
	}
	if !strings.HasPrefix(r.Verdict(), "FAIL: 4 of 8") {
		t.Errorf("verdict %q", r.Verdict())
	}
	o.Bounds = compare.NoBounds
	r, html = build(t, capture, csv, o)
	if strings.Contains(html, "num pass") || strings.Contains(html, "num fail") || r.Verdict() != "no bounds checked" {
		t.Errorf("no bounds: coloured cells, or verdict %q", r.Verdict())
	}
}

// Same seed, same bytes; another seed, other traffic.
func TestDeterministic(t *testing.T) {
	capture, _, _ := sampleFiles(t)
	_, a := build(t, capture, "builtin:sample-rtp", DefaultOptions())
	_, b := build(t, capture, "builtin:sample-rtp", DefaultOptions())
	if a != b {
		t.Error("two reports with one seed differ")
	}
	o := DefaultOptions()
	o.Seed = 2
	if _, c := build(t, capture, "builtin:sample-rtp", o); c == a {
		t.Error("seeds 1 and 2 give the same report")
	}
}

func TestBadInput(t *testing.T) {
	capture, csv, _ := sampleFiles(t)
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.yaml")
	os.WriteFile(junk, []byte("not: [a profile\n"), 0o644)
	for _, c := range []struct {
		orig, second, want string
	}{
		{filepath.Join(dir, "missing.pcap"), "", "missing.pcap"},
		{capture, filepath.Join(dir, "missing.csv"), "missing.csv"},
		{capture, junk, "junk.yaml"},
		{capture, "builtin:no-such", "no-such"},
		{csv, "", "gen.csv"}, // estimate needs a capture
	} {
		_, err := Build(context.Background(), c.orig, c.second, DefaultOptions())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Build(%s, %s): %v; want an error naming %s", filepath.Base(c.orig), filepath.Base(c.second), err, c.want)
		}
	}
}

func TestWriteFile(t *testing.T) {
	capture, csv, _ := sampleFiles(t)
	r, html := build(t, capture, csv, DefaultOptions())
	out := filepath.Join(t.TempDir(), "report.html")
	if err := WriteFile(context.Background(), out, r); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); string(b) != html {
		t.Error("the file differs from WriteHTML")
	}
	before, _ := os.ReadFile(csv)
	if err := WriteFile(context.Background(), csv, r); err == nil {
		t.Error("WriteFile over the generated input: no error")
	}
	if after, _ := os.ReadFile(csv); !bytes.Equal(before, after) {
		t.Error("the input was overwritten")
	}
	if err := CheckOutput(capture, capture, csv); err == nil {
		t.Error("CheckOutput of an input: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	gone := filepath.Join(t.TempDir(), "cancelled.html")
	if err := WriteFile(ctx, gone, r); err == nil {
		t.Error("WriteFile with a cancelled context: no error")
	}
	if _, err := os.Stat(gone); err == nil {
		t.Error("a cancelled write left a file")
	}
}
