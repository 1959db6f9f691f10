package main

import (
	"path/filepath"
	"testing"

	"github.com/gmm2trex/gmm2trex/exporters"
	"github.com/gmm2trex/gmm2trex/profiles"
)

// writeTinyCSV writes n packets per direction of the tiny profile as the
// CSV that sample writes.
func writeTinyCSV(b *testing.B, path string, n int) {
	p, err := profiles.Load(tinyProfile)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := exporters.Export(p, "csv", exporters.Options{Output: path, Seed: 1, Count: n}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSampleCSV writes 1M packets (500k a direction) as CSV.
func BenchmarkSampleCSV(b *testing.B) {
	path := filepath.Join(b.TempDir(), "g.csv")
	for b.Loop() {
		writeTinyCSV(b, path, 500_000)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ns/packet")
}
