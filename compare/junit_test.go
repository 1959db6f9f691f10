package compare

import (
	"bytes"
	"encoding/xml"
	"math"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/metrics"
)

// TestWriteJUnit reads the XML back in the shape the CI reporters parse
// (testsuites > testsuite > testcase > failure) and checks the counts
// against the checks.
func TestWriteJUnit(t *testing.T) {
	r := &Report{Original: "a.pcap", Generated: "b.csv", Objects: []ObjectReport{{ID: "UDP 10.0.0.1:1 10.0.0.2:2",
		From: &Direction{metrics.Result{KSSize: 0.01, KSIAT: 0.3, ACFErrSize: 0.01, ACFErrIAT: math.NaN(), RateRatioBytes: 1, RateRatioPackets: 1,
			BurstRatio: [3]float64{1, 1, 1}, CVOriginal: [3]float64{math.NaN(), math.NaN(), math.NaN()}}}}}}
	failed := r.Gate(Bounds{MaxKS: 0.1, MaxACFErr: 0.1, MaxRateErr: -1, MaxBurstErr: -1})
	var b bytes.Buffer
	if err := r.WriteJUnit(&b, "gmm2trex check"); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if len(doc.Suites) != 1 || doc.Tests != 4 || doc.Suites[0].Tests != 4 || len(doc.Suites[0].Cases) != 4 {
		t.Fatalf("want 4 test cases in one suite:\n%s", b.String())
	}
	if len(failed) != 2 || doc.Failures != 2 || doc.Suites[0].Failures != 2 {
		t.Fatalf("want 2 failures (ks_iat, NaN acf_err_iat), got %d:\n%s", doc.Failures, b.String())
	}
	var msgs []string
	for _, c := range doc.Suites[0].Cases {
		if c.Classname != "UDP 10.0.0.1:1 10.0.0.2:2 from" {
			t.Errorf("classname %q", c.Classname)
		}
		if c.Failure != nil {
			msgs = append(msgs, c.Name+": "+c.Failure.Message)
		}
	}
	if got := strings.Join(msgs, "; "); !strings.Contains(got, "ks_iat <= 0.1: ks_iat 0.3") || !strings.Contains(got, "acf_err_iat <= 0.1") {
		t.Errorf("failures: %s", got)
	}
}
