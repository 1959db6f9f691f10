package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gmm2trex/gmm2trex/internal/synthcap"
	"github.com/gmm2trex/gmm2trex/pipeline"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/trace"
)

// A direction longer than MaxPackets is fitted on its sample, and the
// profile says so; one within it is fitted whole, as without a budget.
func TestEstimateSampled(t *testing.T) {
	var capture bytes.Buffer
	if _, err := synthcap.Write(&capture, synthcap.Spec{Flows: 1, Packets: 6000, Duration: 20 * time.Second, Seed: 5, MaxPayload: 300}); err != nil {
		t.Fatal(err)
	}
	estimate := func(maxPackets int) (*pipeline.Result, []byte) {
		t.Helper()
		s := pipeline.DefaultSettings()
		s.Model, s.MaxPackets = pipeline.ModelGMM, maxPackets
		c, err := trace.Read(bytes.NewReader(capture.Bytes()), "synth.pcap", 0, s.TraceOptions())
		if err != nil {
			t.Fatal(err)
		}
		res, err := pipeline.Estimate(context.Background(), c, s)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := profiles.Encode(&b, res.Profile, profiles.YAML); err != nil {
			t.Fatal(err)
		}
		return res, b.Bytes()
	}
	res, doc := estimate(1600)
	for _, d := range []profiles.Dir{profiles.From, profiles.To} {
		dir := res.Profile.Objects[0].Dir(d)
		want := profiles.Sample{Kept: 1600, Of: 6000, Block: 100}
		if dir.Sample == nil || *dir.Sample != want {
			t.Fatalf("%s: sample %+v, want %+v", d, dir.Sample, want)
		}
		if dir.Packets != 1599 { // every kept packet but the first has its gap
			t.Errorf("%s: %d packets fitted, want 1599", d, dir.Packets)
		}
	}
	if _, again := estimate(1600); !bytes.Equal(doc, again) {
		t.Error("two estimates of the same capture with the same seed differ")
	}
	if !bytes.Contains(doc, []byte("sample: {kept: 1600, of: 6000, block: 100}")) {
		t.Errorf("the profile does not record the sample as a flow mapping:\n%s", doc)
	}
	back, err := profiles.Decode(bytes.NewReader(doc), "sampled.yaml")
	if err != nil {
		t.Fatalf("the sampled profile does not load: %v", err)
	}
	if got := back.Objects[0].From.Sample; got == nil || got.Of != 6000 {
		t.Errorf("loaded sample %+v", got)
	}
	whole, wholeDoc := estimate(6000)
	none, noneDoc := estimate(0)
	if whole.Profile.Objects[0].From.Sample != nil || !bytes.Equal(wholeDoc, noneDoc) || none.Profile.Objects[0].From.Packets != 5999 {
		t.Errorf("within the budget: sample %+v, %d packets; want the profile of no budget",
			whole.Profile.Objects[0].From.Sample, whole.Profile.Objects[0].From.Packets)
	}
	s := pipeline.DefaultSettings()
	s.MaxPackets = 50
	var fe *pipeline.FieldError
	if err := s.Validate(); !errors.As(err, &fe) || fe.Field != "MaxPackets" {
		t.Errorf("MaxPackets 50 under MinPackets 100: %v, want a MaxPackets error", err)
	}
}
