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

// Broadcast frames and an absurd rate cap are refused with one line and
// exit 2, before anything is sent.
func TestReplayRefusals(t *testing.T) {
	var buf bytes.Buffer
	pw := pcapgo.NewWriter(&buf)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	f := make([]byte, 60)
	copy(f, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	if err := pw.WritePacket(gopacket.CaptureInfo{Timestamp: time.Unix(1_700_000_000, 0), CaptureLength: 60, Length: 60}, f); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bcast.pcap")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"replay", path, "-I", "lo"}, "bcast.pcap: packet 1: destination MAC ff:ff:ff:ff:ff:ff is the broadcast address (refused unless --allow-broadcast)"},
		{[]string{"replay", path, "-I", "lo", "--max-pps", "1e-10"}, "--max-pps 1e-10: must be a number >= 0.001"},
	} {
		code, out, errs := runCLI(t, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and one line %q", c.args, code, out, errs, c.want)
		}
	}
}
