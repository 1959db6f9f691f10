package rnn

import (
	"testing"

	"github.com/gmm2trex/gmm2trex/internal/seeds"
)

// benchSeq is 5,000 packets over 12 components with memory: the long-memory
// source's runs, each index spread over three components at random.
func benchSeq() []int {
	r := seeds.New(11, 11)
	seq := longMemory(5000, 3)
	for i, c := range seq {
		seq[i] = 3*c + r.IntN(3)
	}
	return seq
}

// BenchmarkTrain5000 trains the default network on one direction of 5,000
// packets over 12 components (the budget: 30 s of CPU).
func BenchmarkTrain5000(b *testing.B) {
	seq := benchSeq()
	start := cpuTime()
	for b.Loop() {
		res, err := Train(seq, 12, Options{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Epochs), "epochs")
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e9, "cpu-s/op")
}

// BenchmarkRunnerNext is one packet's step of the default network over 12
// components (the budget: 1 µs, a million packets a second).
func BenchmarkRunnerNext(b *testing.B) {
	n := randomNet(12, DefaultEmbed, DefaultHidden, 1)
	r := NewRunner(n)
	u := seeds.New(1, 1)
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		r.Next(u.Float64())
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}
