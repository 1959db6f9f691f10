package estimate

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/internal/sharedtest"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/rnn"
	"github.com/gmm2trex/gmm2trex/trace"
)

// iidNLL is the held-out loss of independent draws at the training part's
// shares (add-½ counts): what the network must beat to have learnt order.
func iidNLL(labels []int, k, nTrain int) float64 {
	cnt := make([]float64, k)
	for _, c := range labels[:nTrain] {
		cnt[c]++
	}
	var loss float64
	for _, c := range labels[nTrain:] {
		loss -= math.Log((cnt[c] + 0.5) / (float64(nTrain) + 0.5*float64(k)))
	}
	return loss / float64(len(labels)-nTrain)
}

// TestFitRNNSkype: on both Skype directions the network predicts the next
// component of the held-out tail better than independent draws, and the
// profile it makes validates.
func TestFitRNNSkype(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two networks")
	}
	from, to := loadSkypeMain(t)
	for _, d := range []struct {
		name string
		s    skypeSeries
	}{{"from", from}, {"to", to}} {
		o := RNNOptions{IATTransform: TransformLog}
		o.Seed = 1
		p, err := FitRNN(d.s.IAT, d.s.Size, o)
		if err != nil {
			t.Fatal(err)
		}
		_, _, mix, labels, err := rnnLabels(d.s.IAT, d.s.Size, o)
		if err != nil {
			t.Fatal(err)
		}
		nTrain := int(math.Round(float64(len(labels)) * (1 - rnn.DefaultHeldOut)))
		base := iidNLL(labels, len(mix.Components), nTrain)
		t.Logf("%s: k %d, held-out NLL %.3f (epoch %d of %d), independent draws %.3f", d.name, len(mix.Components), p.HeldOutNLL, p.BestEpoch, p.Epochs, base)
		if !(p.HeldOutNLL < base-0.05) {
			t.Errorf("%s: held-out NLL %.3f, not 0.05 below independent draws' %.3f", d.name, p.HeldOutNLL, base)
		}
		dir := &profiles.Direction{Packets: len(d.s.Size), Model: profiles.ModelRNN, RNN: p,
			Size: profiles.Param{Min: 0, Max: 2000, Mixture: []profiles.Component{{Weight: 1, Mean: 100, Std: 1}}},
			IAT:  profiles.Param{Min: 0, Max: 10, Mixture: []profiles.Component{{Weight: 1, Mean: 0.01, Std: 1}}}}
		doc := &profiles.Profile{Format: profiles.Format, Objects: []profiles.Object{{ID: "x", Kind: "flow", From: dir}}}
		if err := doc.Validate(); err != nil {
			t.Errorf("%s: %v", d.name, err)
		}
	}
}

// TestFitRNNSameOnAnyGOMAXPROCS: the same bytes with one core or several;
// another seed, another network.
func TestFitRNNSameOnAnyGOMAXPROCS(t *testing.T) {
	from, _ := loadSkypeMain(t)
	iat, size := from.IAT[:1500], from.Size[:1500]
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	fit := func(seed uint64) []byte {
		o := RNNOptions{}
		o.Seed, o.MaxEpochs = seed, 8
		p, err := FitRNN(iat, size, o)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	runtime.GOMAXPROCS(1)
	one := fit(1)
	runtime.GOMAXPROCS(4)
	if !bytes.Equal(fit(1), one) {
		t.Error("GOMAXPROCS 4: network differs from GOMAXPROCS 1")
	}
	if bytes.Equal(fit(2), one) {
		t.Error("seeds 1 and 2 made the same network")
	}
}

func TestFitRNNBadInput(t *testing.T) {
	iat, size := make([]float64, 200), make([]float64, 200)
	for i := range iat {
		iat[i], size[i] = 0.01*float64(1+i%3), float64(100+i%7)
	}
	if _, err := FitRNN(iat[:20], size[:20], RNNOptions{}); !errors.Is(err, ErrTooFewObservations) {
		t.Errorf("20 packets: %v, want ErrTooFewObservations", err)
	}
	iat[17] = math.NaN()
	if _, err := FitRNN(iat, size, RNNOptions{}); err == nil || !strings.Contains(err.Error(), "iat[17]") {
		t.Errorf("NaN gap: %v, want an error naming iat[17]", err)
	}
	iat[17] = 0.01
	if _, err := FitRNN(iat, size[:199], RNNOptions{}); err == nil {
		t.Error("199 sizes for 200 gaps: no error")
	}
	if _, err := FitRNN(iat, size, RNNOptions{IATTransform: "sqrt"}); err == nil {
		t.Error("transform sqrt: no error")
	}
}

// BenchmarkFitRNN5000 fits the recurrent model (joint mixture, labels,
// training, maps) on the first 5,000 packets of the iperf3 capture's from
// direction and on the Skype `to` direction (3,700 packets); the budget is
// 30 s of CPU per direction of 5,000 packets.
func BenchmarkFitRNN5000(b *testing.B) {
	c, err := trace.ReadFile(sharedtest.Path(b, "fidelity", "iperf3_tcp.pcap"), trace.Options{SkipHash: true})
	if err != nil {
		b.Fatal(err)
	}
	var iat, size []float64
	for _, o := range c.Objects {
		if f := trace.Trim(o.From, 0, 100); len(f.IAT) >= 5000 {
			iat, size = f.IAT[:5000], f.Size[:5000]
			break
		}
	}
	if iat == nil {
		b.Fatal("no direction of 5,000 packets in iperf3_tcp.pcap")
	}
	benchFitRNN(b, iat, size)
}

func BenchmarkFitRNNSkypeTo(b *testing.B) {
	_, to := loadSkypeMain(b)
	benchFitRNN(b, to.IAT, to.Size)
}

func benchFitRNN(b *testing.B, iat, size []float64) {
	start := cpuTime()
	for b.Loop() {
		o := RNNOptions{}
		o.Seed = 1
		p, err := FitRNN(iat, size, o)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(p.Epochs), "epochs")
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e9, "cpu-s/op")
}

// TestChooseModelPlaysRNN: where the network imitates a direction far
// better than independent draws (sizes cycling 100, 500, 1000 bytes), the
// choice plays it and records its score.
func TestChooseModelPlaysRNN(t *testing.T) {
	const n = 900
	iat, size := make([]float64, n), make([]float64, n)
	for i := range n {
		iat[i] = 0.01 + 0.0001*float64(i%7)
		size[i] = []float64{100, 500, 1000}[i%3] + float64(i%5)
	}
	o := DirectionOptions{RNN: &RNNOptions{}, Choose: true}
	o.GMM.Seed = 1
	d, err := FitDirection(iat, size, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("scores %v, plays %s", d.Scores, d.Model)
	if d.Model != profiles.ModelRNN || !(d.Scores[profiles.ModelRNN] < d.Scores[profiles.ModelIID]) {
		t.Errorf("plays %q with scores %v, want rnn", d.Model, d.Scores)
	}
}
