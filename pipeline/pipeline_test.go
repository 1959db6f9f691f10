package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gmm2trex/gmm2trex/internal/samplecap"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/trace"
)

func sample(t *testing.T, s Settings) *trace.Capture {
	t.Helper()
	c, err := samplecap.Open(s.TraceOptions())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func encode(t *testing.T, p *profiles.Profile) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := profiles.Encode(&b, p, profiles.YAML); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// testdata/sample-gmm.yaml is what `gmm2trex estimate --model gmm` wrote for
// the embedded sample before the pipeline left cmd (commit 86c13d5).
// Numbers are compared to a relative 1e-9, as floating-point results may
// differ in the last bits between platforms; everything else exactly.
func TestEstimateMatchesCLI(t *testing.T) {
	s := DefaultSettings()
	s.PercentileLo, s.PercentileHi, s.Model = 3, 97, ModelGMM // the defaults of 86c13d5
	res, err := Estimate(context.Background(), sample(t, s), s)
	if err != nil {
		t.Fatal(err)
	}
	want, err := profiles.Load(filepath.Join("testdata", "sample-gmm.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	for _, x := range []struct {
		p   *profiles.Profile
		out *any
	}{{res.Profile, &g}, {want, &w}} {
		var b bytes.Buffer
		if err := profiles.Encode(&b, x.p, profiles.JSON); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b.Bytes(), x.out); err != nil {
			t.Fatal(err)
		}
	}
	if path, ok := sameDoc(g, w, ""); !ok {
		t.Errorf("profile differs from the CLI's at %s", path)
	}
}

// sameDoc compares decoded JSON documents, numbers to a relative 1e-9, and
// returns the path of the first difference.
func sameDoc(a, b any, path string) (string, bool) {
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return path, false
		}
		for k, v := range a {
			if p, ok := sameDoc(v, bm[k], path+"."+k); !ok {
				return p, false
			}
		}
	case []any:
		bs, ok := b.([]any)
		if !ok || len(a) != len(bs) {
			return path, false
		}
		for i := range a {
			if p, ok := sameDoc(a[i], bs[i], path+"["+strconv.Itoa(i)+"]"); !ok {
				return p, false
			}
		}
	case float64:
		bf, ok := b.(float64)
		if !ok || math.Abs(a-bf) > 1e-9*math.Max(1, math.Abs(bf)) {
			return path, false
		}
	default:
		if a != b {
			return path, false
		}
	}
	return "", true
}

// Fits run in parallel but each depends only on its data: the same bytes
// with one goroutine or several.
func TestEstimateSameOnAnyGOMAXPROCS(t *testing.T) {
	if testing.Short() {
		t.Skip("fits HMMs")
	}
	gmm := DefaultSettings()
	gmm.MinPackets = 3 // four directions, the control flow's too
	hmm := DefaultSettings()
	hmm.Model = ModelHMM
	rnn := DefaultSettings()
	rnn.Model = ModelRNN
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, s := range []Settings{gmm, hmm, rnn} {
		c := sample(t, s)
		var first []byte
		for _, procs := range []int{1, 2, 4} {
			runtime.GOMAXPROCS(procs)
			res, err := Estimate(context.Background(), c, s)
			if err != nil {
				t.Fatal(err)
			}
			b := encode(t, res.Profile)
			if first == nil {
				first = b
				continue
			}
			if !bytes.Equal(b, first) {
				t.Errorf("%s, GOMAXPROCS %d: profile differs from GOMAXPROCS 1", s.Model, procs)
			}
		}
	}
}

func TestEstimateProgress(t *testing.T) {
	s := DefaultSettings()
	s.MinPackets = 3
	var calls [][2]int
	s.Progress = func(done, total int) { calls = append(calls, [2]int{done, total}) }
	if _, err := Estimate(context.Background(), sample(t, s), s); err != nil {
		t.Fatal(err)
	}
	want := [][2]int{{0, 4}, {1, 4}, {2, 4}, {3, 4}, {4, 4}}
	if len(calls) != len(want) {
		t.Fatalf("progress calls %v, want %v", calls, want)
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Errorf("progress calls %v, want %v", calls, want)
			break
		}
	}
}

// A cancelled estimate returns at once, without waiting for the fits under
// way, and reports no progress after it returned.
func TestEstimateCancelled(t *testing.T) {
	s := DefaultSettings()
	c := sample(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Estimate(ctx, c, s); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before: %v, want context.Canceled", err)
	}
	if testing.Short() {
		t.Skip("fits an HMM")
	}
	s.Model = ModelHMM
	t0 := time.Now()
	if _, err := Estimate(context.Background(), c, s); err != nil {
		t.Fatal(err)
	}
	full := time.Since(t0)
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	var returned, late atomic.Bool
	s.Progress = func(done, total int) {
		if returned.Load() {
			late.Store(true)
		}
		if done == 0 {
			time.AfterFunc(full/20, cancel)
		}
	}
	t0 = time.Now()
	_, err := Estimate(ctx, c, s)
	took := time.Since(t0)
	returned.Store(true)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled during the fits: %v, want context.Canceled", err)
	}
	// Generous, for a loaded machine: the fits alone take full.
	if took > full/2 {
		t.Errorf("returned after %v; a whole estimate takes %v", took, full)
	}
	time.Sleep(full) // let the abandoned fits finish
	if late.Load() {
		t.Error("progress reported after Estimate returned")
	}
}

func TestEstimateNoObject(t *testing.T) {
	s := DefaultSettings()
	s.MinPackets = 100000
	_, err := Estimate(context.Background(), sample(t, s), s)
	var e *NoObjectError
	if !errors.Is(err, ErrNoObject) || !errors.As(err, &e) {
		t.Fatalf("%v, want a NoObjectError", err)
	}
	if len(e.Objects) != 2 || e.Objects[1] != (ObjectCount{"UDP 198.18.0.1:5005 198.18.0.2:5005", 6, 6}) || e.MinPackets != 100000 {
		t.Errorf("%+v", e)
	}
	for _, want := range []string{"ffmpeg-rtp.pcap", "MinPackets 100000", "UDP 198.18.0.1:5005 198.18.0.2:5005: from 6, to 6"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	e = &NoObjectError{Capture: "x.pcap", Packets: 7}
	if got := e.Error(); got != "no object to estimate: x.pcap has no TCP/UDP objects (read 7 packets)" {
		t.Errorf("no objects: %q", got)
	}
	e = &NoObjectError{Objects: make([]ObjectCount, 12)}
	if got := e.Counts(10); !strings.HasSuffix(got, "; and 2 more") {
		t.Errorf("Counts(10) of 12: %q", got)
	}
}

func TestEstimateFile(t *testing.T) {
	s := DefaultSettings()
	want, err := Estimate(context.Background(), sample(t, s), s)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), samplecap.Name)
	if err := os.WriteFile(path, samplecap.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := EstimateFile(context.Background(), path, s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(encode(t, got.Profile), encode(t, want.Profile)) {
		t.Error("EstimateFile and Estimate of the same capture differ")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := EstimateFile(ctx, path, s); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
	if _, err := EstimateFile(context.Background(), path+".missing", s); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing file: %v", err)
	}
}

func series(gaps ...int64) trace.Series {
	s := trace.Series{Times: []int64{0}, Sizes: []int32{100}}
	for _, g := range gaps {
		s.Times = append(s.Times, s.Times[len(s.Times)-1]+g)
		s.Sizes = append(s.Sizes, 100)
	}
	return s
}

func TestCut(t *testing.T) {
	c := &trace.Capture{Objects: []*trace.Object{
		{ID: "big", From: series(1, 2, 3, 4, 5, 6), To: series(1, 1)},
		{ID: "gapped", From: series(1e9, 5e9), To: series()},
		{ID: "tiny", From: series(1), To: trace.Series{}},
	}}
	s := DefaultSettings()
	s.MinPackets = 3
	s.PercentileLo, s.PercentileHi = 40, 60
	jobs, skipped := Cut(c, s)
	if len(jobs) != 2 || jobs[0].Object.ID != "big" || jobs[0].Dir != profiles.From || jobs[1].Dir != profiles.To {
		t.Fatalf("jobs %+v", jobs)
	}
	var got []string
	for _, sk := range skipped {
		got = append(got, sk.String())
	}
	want := []string{"gapped: from 3 (0 after trimming), to 1", "tiny: from 2, to 0"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("skipped %q, want %q", got, want)
	}
}

func TestValidate(t *testing.T) {
	if err := DefaultSettings().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, tc := range []struct {
		change func(*Settings)
		want   string
	}{
		{func(s *Settings) { s.Kind = 7 }, "Kind"},
		{func(s *Settings) { s.Size = -1 }, "Size"},
		{func(s *Settings) { s.Components = -1 }, "Components"},
		{func(s *Settings) { s.MaxComponents = 0 }, "MaxComponents"},
		{func(s *Settings) { s.PercentileLo, s.PercentileHi = 50, 50 }, "Percentile"},
		{func(s *Settings) { s.PercentileHi = 101 }, "Percentile"},
		{func(s *Settings) { s.Model = "lstm" }, "Model"},
		{func(s *Settings) { s.IATTransform = "" }, "IATTransform"},
		{func(s *Settings) { s.MinPackets = -1 }, "MinPackets"},
	} {
		s := DefaultSettings()
		tc.change(&s)
		err := s.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error naming %s", s, err, tc.want)
		}
		if _, err := Estimate(context.Background(), &trace.Capture{}, s); err == nil {
			t.Errorf("Estimate accepted %s", tc.want)
		}
	}
	s := DefaultSettings()
	s.Components, s.MaxComponents = 3, 0 // a fixed count needs no cap
	if err := s.Validate(); err != nil {
		t.Errorf("fixed k: %v", err)
	}
}

func TestProfileName(t *testing.T) {
	for in, want := range map[string]string{
		"/data/call.pcap":       "call.profile.yaml",
		"call.pcapng.gz":        "call.profile.yaml",
		"dir/x.cap":             "x.profile.yaml",
		"noext":                 "noext.profile.yaml",
		".pcap":                 "capture.profile.yaml",
		samplecap.Name:          "ffmpeg-rtp.profile.yaml",
		"two.dots.in.name.pcap": "two.dots.in.name.profile.yaml",
	} {
		if got := ProfileName(in); got != want {
			t.Errorf("ProfileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// A capture whose stamps go backwards (10 of 300 packets 10 ms early, 5 ms
// apart) is fitted on its packets sorted by time, with a warning naming the
// first packet out of order; no gap is negative, so the profile validates
// (it used to fail on objects[0].from.iat.min: must be >= 0).
func TestEstimateDisorder(t *testing.T) {
	res, err := EstimateFile(context.Background(), filepath.Join("testdata", "disorder.pcap"), DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "disorder.pcap: packet 8: timestamps out of order") ||
		!strings.Contains(res.Warnings[0], "10 packet(s) out of order); packets sorted by time stamp") {
		t.Errorf("warnings %q, want one naming packet 8 and the sort", res.Warnings)
	}
	if err := res.Profile.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, o := range res.Capture.Objects {
		for _, s := range []trace.Series{o.From, o.To} {
			if !slices.IsSorted(s.Times) {
				t.Errorf("%s: series not in time order", o.ID)
			}
		}
	}
	if dm := res.Profile.Objects[0].From; dm == nil || dm.IAT.Min < 0 {
		t.Errorf("from direction %+v: want a model with iat.min >= 0", dm)
	}
	// In order: no warning.
	res, err = Estimate(context.Background(), sample(t, DefaultSettings()), DefaultSettings())
	if err != nil || len(res.Warnings) != 0 {
		t.Errorf("in-order capture: warnings %q, error %v", res.Warnings, err)
	}
}

func TestParseComponents(t *testing.T) {
	for in, want := range map[string]string{"auto": "0", " 3 ": "3", "0": `0: the component count must be at least 1`,
		"-3": `-3: the component count must be at least 1`, "foo": `"foo": want a component count or auto`} {
		k, err := ParseComponents(in)
		got := strconv.Itoa(k)
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("ParseComponents(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestParsePercentiles(t *testing.T) {
	if lo, hi, err := ParsePercentiles("3, 97"); lo != 3 || hi != 97 || err != nil {
		t.Errorf("3, 97: %v, %v, %v", lo, hi, err)
	}
	for _, bad := range []string{"3,101", "-1,97", "50,50", "97,3", "x", "1,x"} {
		if _, _, err := ParsePercentiles(bad); err == nil || err.Error() != strconv.Quote(bad)+": want LO,HI with 0 ≤ LO < HI ≤ 100" {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
