package estimate

import (
	"bytes"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/gmm2trex/gmm2trex/profiles"
)

// A profile built from real fits must validate and survive a round trip.
func TestFitDirectionValidatesAndRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 600
	iat := make([]float64, n)
	size := make([]float64, n)
	for i := range n {
		iat[i] = 0.02 + 0.002*rng.NormFloat64()
		if i%4 == 0 {
			iat[i] = 1e-5 * (1 + rng.Float64())
		}
		iat[i] = math.Abs(iat[i])
		size[i] = float64([]int{92, 92, 140, 1200}[rng.IntN(4)])
	}
	d, err := FitDirection(iat, size, DirectionOptions{
		GMM:      GMMOptions{Seed: 1, MaxK: 6},
		Temporal: &TemporalOptions{Seed: 1, MaxStates: 3, MaxComponents: 2, MaxIter: 5, Restarts: -1},
	})
	if err != nil {
		t.Fatal(err)
	}
	if d.Packets != n || d.Size.Min != 92 || d.Size.Max != 1200 || d.IAT.Transform != profiles.TransformLog {
		t.Errorf("direction header: packets %d, size [%v, %v], iat transform %q", d.Packets, d.Size.Min, d.Size.Max, d.IAT.Transform)
	}
	// Three distinct sizes cap the search at k = 3.
	if len(d.Size.Mixture) > 3 || len(d.Size.BIC) != 3 {
		t.Errorf("size: %d components, %d BIC values", len(d.Size.Mixture), len(d.Size.BIC))
	}
	if d.HMM == nil || len(d.HMM.Chains) == 0 {
		t.Fatal("no HMM converted")
	}
	p := &profiles.Profile{
		Format:   profiles.Format,
		Source:   profiles.Source{File: "x.pcap", Packets: int64(2 * n), Duration: 12},
		Settings: profiles.Settings{Object: "flow", Size: "payload", Percentiles: []float64{3, 97}, Components: "auto", Seed: 1},
		Objects: []profiles.Object{{ID: "UDP 198.18.0.1:1 198.18.0.2:2", Kind: "flow", Proto: "UDP",
			Local: profiles.Endpoint{IP: "198.18.0.1", Port: 1}, Remote: profiles.Endpoint{IP: "198.18.0.2", Port: 2}, From: d}},
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("built profile invalid: %v", err)
	}
	for _, enc := range []profiles.Encoding{profiles.YAML, profiles.JSON} {
		var b bytes.Buffer
		if err := profiles.Encode(&b, p, enc); err != nil {
			t.Fatal(err)
		}
		q, err := profiles.Decode(&b, "built")
		if err != nil {
			t.Fatalf("encoding %v: %v", enc, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Errorf("encoding %v: round trip differs", enc)
		}
	}
}
