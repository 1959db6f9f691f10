package sampler

import (
	"math"
	"testing"

	"github.com/gmm2trex/gmm2trex/internal/seeds"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/rnn"
)

// cycleRNN is a direction whose network cycles through its k components
// deterministically (0, 1, …, k−1, 0, …): the embedding is one-hot, the
// update gate shut, so the hidden state is tanh(3)·(the input's one-hot),
// and the read-out sends input c to c+1. Component c emits size 100·(c+1)
// and a gap of (c+1) ms, both tight.
func cycleRNN(k int) *profiles.Direction {
	e, h := k+1, k+1
	n := rnn.NewNet(k, e, h)
	for i := 0; i <= k; i++ {
		n.Emb[i*e+i] = 1
	}
	for j := range h {
		n.Bx[j] = -30         // update gate shut
		n.Wx[(2*h+j)*e+j] = 3 // candidate = tanh(3·input)
		// Input j → index j+1; the start (j = k) → 0.
		n.Wo[((j+1)%(k+1)%k)*h+j] = 20
	}
	d := &profiles.Direction{Packets: 100, Model: profiles.ModelRNN,
		Size: profiles.Param{Min: 50, Max: 100*float64(k) + 50, Mixture: []profiles.Component{{Weight: 1, Mean: 100, Std: 1}}},
		IAT:  profiles.Param{Min: 0, Max: 1, Transform: profiles.TransformNone, Mixture: []profiles.Component{{Weight: 1, Mean: 0.001, Std: 0.001}}},
	}
	r := &profiles.RNN{Features: []string{profiles.FeatureIAT, profiles.FeatureSize},
		Scale: profiles.Scale{Mean: []float64{0, 0}, Std: []float64{0.001, 100}}}
	for c := 0; c < k; c++ {
		r.Components = append(r.Components, profiles.MVComponent{Weight: 1 / float64(k), Mean: []float64{float64(c + 1), float64(c + 1)},
			Cov: [][]float64{{1e-6, 0}, {0, 1e-6}}})
	}
	n.Fill(r)
	d.RNN = r
	return d
}

// randomRNN is a direction with a network of the default shape over 12
// components with random weights, for speed and determinism.
func randomRNN() *profiles.Direction {
	d := cycleRNN(12)
	n := rnn.NewNet(12, rnn.DefaultEmbed, rnn.DefaultHidden)
	r := seeds.New(5, 5)
	for i := range n.P {
		n.P[i] = r.NormFloat64() * 0.5
	}
	n.Fill(d.RNN)
	for c := range d.RNN.Components {
		d.RNN.Components[c].Cov = [][]float64{{0.2, 0.05}, {0.05, 0.3}}
	}
	return d
}

func TestRNNWalkFollowsNetwork(t *testing.T) {
	const k = 3
	d := cycleRNN(k)
	p := &profiles.Profile{Format: profiles.Format, Objects: []profiles.Object{{ID: "x", Kind: "flow", From: d}}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if Auto.For(d) != RNN {
		t.Fatalf("Auto plays %v for model rnn", Auto.For(d))
	}
	gaps, sizes := draws(t, d, Auto, 1, 30)
	for i := range sizes {
		c := i % k
		if sizes[i] != float64(100*(c+1)) || math.Abs(gaps[i]-0.001*float64(c+1)) > 1e-5 {
			t.Fatalf("packet %d: gap %v size %v, want component %d's %v and %v", i, gaps[i], sizes[i], c, 0.001*float64(c+1), 100*(c+1))
		}
	}
}

func TestRNNSourceDeterministic(t *testing.T) {
	d := randomRNN()
	g1, s1 := draws(t, d, RNN, 7, 2000)
	g2, s2 := draws(t, d, RNN, 7, 2000)
	g3, _ := draws(t, d, RNN, 8, 2000)
	same3 := true
	for i := range g1 {
		if math.Float64bits(g1[i]) != math.Float64bits(g2[i]) || s1[i] != s2[i] {
			t.Fatalf("seed 7 twice: packet %d differs", i)
		}
		if g1[i] < d.IAT.Min || g1[i] > d.IAT.Max || s1[i] < d.Size.Min || s1[i] > d.Size.Max {
			t.Fatalf("packet %d: gap %v size %v outside the bounds", i, g1[i], s1[i])
		}
		same3 = same3 && g1[i] == g3[i]
	}
	if same3 {
		t.Error("seeds 7 and 8 drew the same gaps")
	}
	if _, err := NewSource(&profiles.Direction{Size: d.Size, IAT: d.IAT}, RNN, 1, 0); err == nil {
		t.Error("RNN source of a direction without a network: no error")
	}
	if m, err := ParseModel("rnn"); err != nil || m != RNN || m.String() != "rnn" {
		t.Errorf("ParseModel(rnn) = %v, %v", m, err)
	}
}

// BenchmarkSampleRNN is Source.Next on a network of the default shape over
// 12 components (the budget: a million packets a second).
func BenchmarkSampleRNN(b *testing.B) {
	src, err := NewSource(randomRNN(), RNN, 1, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		src.Next()
	}
	cpu := float64(cpuTime()-start) / float64(b.N)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
	b.ReportMetric(cpu, "cpu-ns/op")
	b.ReportMetric(1e9/cpu, "pkts/cpu-s")
}
