package fidelity

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/internal/samplecap"
	"github.com/gmm2trex/gmm2trex/trace"
)

func TestParseCases(t *testing.T) {
	caps := []string{"/d/a.pcap", "/d/b.pcapng"}
	cs, err := ParseCases(strings.NewReader("# comment\nb.pcapng ip 10.0.0.1  # the device\nb.pcapng flow\n"), "objects.txt", caps)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 3 || cs[0].Capture != "/d/a.pcap" || cs[0].Kind != trace.Flow || cs[0].Select != nil ||
		cs[1].Kind != trace.IP || cs[1].What != "10.0.0.1" || cs[1].Select == nil || cs[2].Kind != trace.Flow || cs[2].Select != nil {
		t.Errorf("cases %+v", cs)
	}
	for _, bad := range []string{"c.pcap flow\n", "a.pcap ip not-an-address\n"} {
		if _, err := ParseCases(strings.NewReader(bad), "objects.txt", caps); err == nil || !strings.Contains(err.Error(), "objects.txt") {
			t.Errorf("%q: error %v, want one naming objects.txt", bad, err)
		}
	}
}

// The benchmark on the embedded sample: one row per fitted direction, with
// the original's packets, figures in range, both models at --model hmm, and
// the same rows for the same seeds.
func TestRunSample(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sample.pcap")
	if err := os.WriteFile(path, samplecap.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	caps, err := Captures([]string{filepath.Dir(path)})
	if err != nil || len(caps) != 1 {
		t.Fatalf("captures %v, %v", caps, err)
	}
	cases, _ := ParseCases(strings.NewReader(""), "", caps)
	cfg := DefaultConfig(cases)
	cfg.Seeds = []uint64{1, 2}
	rows, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// At the defaults (--model auto) each direction plays its recorded
	// choice, and the table has the other model beside it.
	if len(rows) != 2 || rows[0].Dir != "from" || rows[1].Dir != "to" || rows[0].Packets != 1501 ||
		(rows[0].Model == "iid" && !rows[0].Bursts) == (rows[0].IID != nil) || (rows[0].Model == "iid") != (rows[0].HMM != nil) {
		t.Fatalf("rows %+v", rows)
	}
	for _, r := range rows {
		s := r.Scores
		if !(s.KSSize >= 0 && s.KSSize < 0.2 && s.KSIAT >= 0 && s.KSIAT < 0.2) || !(s.RateRatio > 0.5 && s.RateRatio < 2) || s.Seeds != 2 {
			t.Errorf("%s: scores %+v", r.Dir, s)
		}
	}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, rows); err != nil || strings.Count(md.String(), "\n") != 6 || !strings.Contains(md.String(), "| sample.pcap | UDP 198.18.0.1:5004 198.18.0.2:5004 | from | 1501 | "+rows[0].Model+" |") {
		t.Errorf("markdown %q (%v)", md.String(), err)
	}
	if _, err := json.Marshal(rows); err != nil {
		t.Errorf("JSON: %v", err)
	}
	again, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(rows)
	b, _ := json.Marshal(again)
	if !bytes.Equal(a, b) {
		t.Error("same seeds, different rows")
	}
	cfg.Settings.Model = "gmm"
	rows, err = Run(context.Background(), cfg)
	if err != nil || rows[0].Model != "iid" || rows[0].IID != nil || rows[0].HMM != nil {
		t.Errorf("gmm: %+v, %v", rows, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, cfg); err != context.Canceled {
		t.Errorf("cancelled: %v", err)
	}
}

// Each bound of the models issue, at its edge.
func TestFailures(t *testing.T) {
	good := Row{Packets: 500, CV: [3]Num{1, 0.5, 0.1}, Idle: 0.2,
		Scores: Scores{KSSize: 0.05, KSIAT: 0.01, ACFErrSize: 0.05, ACFErrIAT: 0.2, RateRatio: 1.049,
			Burst: [3]Num{0.8, 1.25, 3}, CV: [3]Num{0.8, 0.625, 0.15}, Idle: 0.25},
		IID: &Scores{ACFErrSize: 0.01, ACFErrIAT: 0.4}}
	if f := Failures(good); len(f) != 0 {
		t.Errorf("at the edges: %v", f)
	}
	bad := good
	bad.Scores.KSIAT, bad.Scores.ACFErrIAT, bad.Scores.RateRatio, bad.Scores.Burst[1], bad.Scores.CV[2], bad.Scores.Idle = 0.06, 0.21, 0.94, 1.3, 0.16, 0.26
	if f := strings.Join(Failures(bad), ", "); f != "KS gap, acf gap, rate, burst 100 ms, burst 1 s, idle" {
		t.Errorf("failures %q", f)
	}
	if f := Failures(Row{Packets: 199, Scores: Scores{KSSize: 1}}); f != nil {
		t.Errorf("short row judged: %v", f)
	}
}

// The allowed-misses ratchet: a miss not listed is a regression, a listed
// one now held is reported; bad lines name the file, line and field.
func TestRegressions(t *testing.T) {
	row := Row{Capture: "a.pcap", Object: "UDP 1.2.3.4:5 6.7.8.9:10", Dir: "to", Packets: 500, CV: [3]Num{1, 1, 1},
		Scores: Scores{KSSize: 0.2, KSIAT: 0.01, RateRatio: 1, Burst: [3]Num{1, 1, 1}, CV: [3]Num{1, 1, 1}}}
	file := "# known\na.pcap | UDP 1.2.3.4:5 6.7.8.9:10 | to | acf gap\n\n"
	allowed, err := ParseAllowed(strings.NewReader(file), "allowed.txt")
	if err != nil || len(allowed) != 1 {
		t.Fatalf("parse: %v, %v", allowed, err)
	}
	missed, held := Regressions([]Row{row}, allowed)
	if len(missed) != 1 || missed[0].Bound != "KS size" || len(held) != 1 || held[0].Bound != "acf gap" {
		t.Errorf("missed %v, held %v: want KS size missed, acf gap held", missed, held)
	}
	row.Scores.KSSize = 0.01
	row.Scores.ACFErrIAT = 0.3
	if missed, held := Regressions([]Row{row}, allowed); len(missed) != 0 || len(held) != 0 {
		t.Errorf("missed %v, held %v: want none (the one miss is allowed)", missed, held)
	}
	for _, bad := range []string{"a.pcap | x | to\n", "a.pcap | x | up | rate\n", "a.pcap | x | to | speed\n"} {
		if _, err := ParseAllowed(strings.NewReader(bad), "allowed.txt"); err == nil || !strings.Contains(err.Error(), "allowed.txt: line 1") {
			t.Errorf("%q: error %v, want one naming allowed.txt: line 1", bad, err)
		}
	}
}
