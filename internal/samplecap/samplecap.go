// Package samplecap holds the embedded sample capture that flows and estimate
// read when no -p is given: 30 s of RTP audio between two ffmpeg processes in
// two network namespaces (record.sh made it; README tells how).
package samplecap

import (
	"bytes"
	_ "embed"

	"github.com/gmm2trex/gmm2trex/trace"
)

// Name is the capture's file name, as it appears in profiles' source.
const Name = "ffmpeg-rtp.pcap"

//go:embed ffmpeg-rtp.pcap
var data []byte

// Bytes returns the capture. The slice is shared: do not modify it.
func Bytes() []byte { return data }

// Open reads the sample capture with trace.Read.
func Open(opts trace.Options) (*trace.Capture, error) {
	return trace.Read(bytes.NewReader(data), Name, int64(len(data)), opts)
}
