package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// replay reads what trace reads: a gzipped pcapng gives the frames and
// stamps of the plain file (it failed with its own reader before), and a
// capture of another link type is refused naming the packet.
func TestReadFramesContainers(t *testing.T) {
	dir := t.TempDir()
	frames := [][]byte{bytes.Repeat([]byte{0xaa}, 60), bytes.Repeat([]byte{0xbb}, 80)}
	stamp := func(i int) time.Time { return time.Unix(1_700_000_000, int64(i)*1_000_123) }
	var ng bytes.Buffer
	zw := gzip.NewWriter(&ng)
	w, err := pcapgo.NewNgWriter(zw, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: stamp(i), CaptureLength: len(f), Length: len(f)}
		if err := w.WritePacket(ci, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	path := filepath.Join(dir, "in.pcapng.gz")
	if err := os.WriteFile(path, ng.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, times, err := readFrames(path, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !bytes.Equal(got[0], frames[0]) || !bytes.Equal(got[1], frames[1]) ||
		times[0] != stamp(0).UnixNano() || times[1] != stamp(1).UnixNano() {
		t.Errorf("frames %d, times %v: want the two frames at %v, %v", len(got), times, stamp(0).UnixNano(), stamp(1).UnixNano())
	}

	var raw bytes.Buffer
	pw := pcapgo.NewWriter(&raw)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeRaw); err != nil {
		t.Fatal(err)
	}
	if err := pw.WritePacket(gopacket.CaptureInfo{Timestamp: stamp(0), CaptureLength: 20, Length: 20}, make([]byte, 20)); err != nil {
		t.Fatal(err)
	}
	rawPath := filepath.Join(dir, "raw.pcap")
	if err := os.WriteFile(rawPath, raw.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "replay", rawPath, "-I", "lo")
	if code != 2 || !strings.Contains(errs, "raw.pcap: packet 1: link type 101") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("raw-IP capture: exit %d, stderr %q; want 2 and one line naming the packet and link type", code, errs)
	}
}
