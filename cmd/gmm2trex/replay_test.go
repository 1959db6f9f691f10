package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// A capture of another link type is refused naming the packet (the reading
// itself is native.ReadFrames', tested there).
func TestReplayOtherLinkType(t *testing.T) {
	dir := t.TempDir()
	stamp := func(i int) time.Time { return time.Unix(1_700_000_000, int64(i)*1_000_123) }
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
