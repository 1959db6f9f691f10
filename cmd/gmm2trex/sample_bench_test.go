package main

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// writeTinyCSV writes n packets per direction of the tiny profile as CSV.
func writeTinyCSV(b *testing.B, w io.Writer, n int) {
	p, err := profiles.Load(tinyProfile)
	if err != nil {
		b.Fatal(err)
	}
	st, err := sampler.New(&p.Objects[0], sampler.Options{Seed: 1, Count: n})
	if err != nil {
		b.Fatal(err)
	}
	var pk sampler.Packet
	if _, _, err := writeSampleCSV(w, st, &pk); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSampleCSV writes 1M packets (500k a direction) as CSV.
func BenchmarkSampleCSV(b *testing.B) {
	for b.Loop() {
		bw := bufio.NewWriterSize(io.Discard, 256<<10)
		writeTinyCSV(b, bw, 500_000)
		bw.Flush()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ns/packet")
}

// BenchmarkReadSampleCSV reads a 1M-packet CSV, as compare does.
func BenchmarkReadSampleCSV(b *testing.B) {
	path := filepath.Join(b.TempDir(), "g.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	writeTinyCSV(b, bw, 500_000)
	bw.Flush()
	f.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := readSampleCSV(path); err != nil {
			b.Fatal(err)
		}
	}
}
