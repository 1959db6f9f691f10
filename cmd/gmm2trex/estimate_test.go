package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/internal/sharedtest"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/profiles/builtin"
)

// chdir moves into a fresh directory for the test (estimate writes into the
// working directory without -o).
func chdir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	return dir
}

func TestEstimateSampleDefaultOutput(t *testing.T) {
	dir := chdir(t)
	code, out, errs := runCLI(t, "estimate")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	path := filepath.Join(dir, "ffmpeg-rtp.profile.yaml")
	if !strings.Contains(out, "wrote "+path) {
		t.Errorf("output does not say where the profile went:\n%s", out)
	}
	p, err := profiles.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Objects) != 1 || p.Objects[0].From == nil || p.Objects[0].To == nil {
		t.Fatalf("objects: %+v", p.IDs())
	}
	// The default, --model auto, fits both and records each direction's choice.
	for _, d := range []*profiles.Direction{p.Objects[0].From, p.Objects[0].To} {
		if d.HMM == nil || d.Model == "" {
			t.Errorf("--model auto: hmm %v, model %q", d.HMM != nil, d.Model)
		}
		// The scores of every candidate: both models, both HMM structures,
		// and each model with the on/off layer where the sample affords one.
		for _, k := range []string{"iid", "hmm", "hmm-joint", "hmm-separate"} {
			if _, ok := d.Scores[k]; !ok {
				t.Errorf("--model auto: no score %q in %v", k, d.Scores)
			}
		}
	}
	if p.Settings.IATTransform != "log" || p.Settings.Components != "auto" || p.Settings.MaxComponents != 12 {
		t.Errorf("settings: %+v", p.Settings)
	}
	// The sample's control flow (6 packets each way) is listed as skipped.
	if !strings.Contains(out, "UDP 198.18.0.1:5005 198.18.0.2:5005: from 6, to 6") {
		t.Errorf("skipped object not listed:\n%s", out)
	}
}

func TestEstimateFixedKAndOptions(t *testing.T) {
	dir := chdir(t)
	out := filepath.Join(dir, "p.json")
	code, _, errs := runCLI(t, "estimate", "-n", "3", "--iat-transform", "none", "--percentiles", "1,99", "--seed", "7", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(b), "{") {
		t.Fatalf("want a JSON profile in %s: %v", out, err)
	}
	p, err := profiles.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	d := p.Objects[0].From
	if len(d.IAT.Mixture) != 3 || d.IAT.Transform != "none" || len(d.IAT.BIC) != 0 {
		t.Errorf("iat: %d components, transform %q, %d BIC values", len(d.IAT.Mixture), d.IAT.Transform, len(d.IAT.BIC))
	}
	if p.Settings.Components != "3" || p.Settings.Seed != 7 || p.Settings.Percentiles[0] != 1 {
		t.Errorf("settings: %+v", p.Settings)
	}
}

func TestEstimateUsageErrors(t *testing.T) {
	chdir(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-n", "0"}, "at least 1"},
		{[]string{"-n", "-3"}, "at least 1"},
		{[]string{"-n", "foo"}, "component count or auto"},
		{[]string{"--percentiles", "3,101"}, "percentiles"},
		{[]string{"--percentiles", "-1,97"}, "percentiles"},
		{[]string{"--percentiles", "50,50"}, "percentiles"},
		{[]string{"--percentiles", "97,3"}, "percentiles"},
		{[]string{"--percentiles", "x"}, "percentiles"},
		{[]string{"--max-components", "0"}, "max-components"},
		{[]string{"--model", "lstm"}, "gmm, hmm or rnn"},
		{[]string{"--iat-transform", "sqrt"}, "none or log"},
		{[]string{"--min-packets", "-1"}, "negative"},
		{[]string{"extra-arg"}, "no arguments"},
	} {
		code, _, errs := runCLI(t, append([]string{"estimate"}, tc.args...)...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
	if _, err := os.Stat("ffmpeg-rtp.profile.yaml"); err == nil {
		t.Error("a usage error still wrote a profile")
	}
}

func TestEstimateNoObject(t *testing.T) {
	chdir(t)
	code, _, errs := runCLI(t, "estimate", "--min-packets", "100000")
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, want := range []string{"--min-packets 100000", "UDP 198.18.0.1:5004 198.18.0.2:5004: from 1", "UDP 198.18.0.1:5005 198.18.0.2:5005: from 6, to 6"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr %q lacks %q", errs, want)
		}
	}
}

func TestEstimateBadCapture(t *testing.T) {
	dir := chdir(t)
	bad := filepath.Join(dir, "bad.pcap")
	os.WriteFile(bad, []byte("not a capture at all"), 0o644)
	code, _, errs := runCLI(t, "estimate", "-p", bad)
	if code != 2 || !strings.Contains(errs, "bad.pcap") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

// The built-in sample-rtp profile must be what estimate makes of the
// embedded sample now; when the estimator changes, regenerate it (see
// profiles/builtin). Numbers are compared with a tolerance, as
// floating-point results may differ in the last bits between platforms.
func TestBuiltinSampleIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("fits an HMM (about a second)")
	}
	dir := chdir(t)
	code, _, errs := runCLI(t, "estimate", "-o", filepath.Join(dir, "s.yaml"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	got, err := profiles.Load(filepath.Join(dir, "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := builtin.Load("sample-rtp")
	if err != nil {
		t.Fatal(err)
	}
	if got.Settings.Model != want.Settings.Model || len(got.Objects) != len(want.Objects) {
		t.Fatalf("objects %v, want %v", got.IDs(), want.IDs())
	}
	for i := range got.Objects {
		for _, d := range []profiles.Dir{profiles.From, profiles.To} {
			g, w := got.Objects[i].Dir(d), want.Objects[i].Dir(d)
			for _, pp := range [][2]profiles.Param{{g.Size, w.Size}, {g.IAT, w.IAT}} {
				if len(pp[0].Mixture) != len(pp[1].Mixture) {
					t.Fatalf("%s %s: %d components, built-in has %d: regenerate profiles/builtin", got.Objects[i].ID, d, len(pp[0].Mixture), len(pp[1].Mixture))
				}
				for c := range pp[0].Mixture {
					a, b := pp[0].Mixture[c], pp[1].Mixture[c]
					if !near(a.Weight, b.Weight) || !near(a.Mean, b.Mean) || !near(a.Std, b.Std) {
						t.Errorf("%s %s component %d: %+v, built-in %+v: regenerate profiles/builtin", got.Objects[i].ID, d, c, a, b)
					}
				}
			}
			if (g.HMM == nil) != (w.HMM == nil) || (g.HMM != nil && len(g.HMM.Chains) != len(w.HMM.Chains)) {
				t.Errorf("%s %s: HMM differs from the built-in: regenerate profiles/builtin", got.Objects[i].ID, d)
			}
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

// End to end on the Skype capture: the main flow in both directions, and
// the from log-IAT multimodal enough that BIC wants many components.
func TestEstimateSkype(t *testing.T) {
	pcap := sharedtest.Path(t, "pcaps", "skypeLANhome.pcap")
	dir := chdir(t)
	code, out, errs := runCLI(t, "estimate", "-p", pcap)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	p, err := profiles.Load(filepath.Join(dir, "skypeLANhome.profile.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	o := p.Object("UDP 192.168.0.102:18826 192.168.0.105:26454")
	if o == nil || o.From == nil || o.To == nil {
		t.Fatalf("main flow missing: %v\n%s", p.IDs(), out)
	}
	if k := len(o.From.IAT.Mixture); k < 8 {
		t.Errorf("from log-IAT: %d components, want ≥ 8 (multimodal)", k)
	}
	// Nothing trimmed by default: every packet but the first has a gap.
	if o.From.Packets != 3622 {
		t.Errorf("from: %d packets fitted, want all 3622 gaps", o.From.Packets)
	}
}

func TestEstimatePlot(t *testing.T) {
	if testing.Short() {
		t.Skip("draws figures")
	}
	dir := chdir(t)
	code, _, errs := runCLI(t, "estimate", "-n", "2", "--plot", filepath.Join(dir, "fig"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "fig", "*_from.png"))
	if len(files) != 1 || !strings.Contains(errs, "plot files in") {
		t.Errorf("figures %v, stderr %q", files, errs)
	}
}

// An interrupted estimate exits 130 and leaves no profile (DESIGN.md, "The
// CLI contract").
func TestEstimateInterrupted(t *testing.T) {
	dir := chdir(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"gmm2trex", "estimate", "-o", "p.yaml"}, &out, &errb)
	if code != 130 || !strings.Contains(errb.String(), "interrupted") {
		t.Errorf("exit %d, stderr %q; want 130 and interrupted", code, errb.String())
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("left %v behind", files)
	}
}
