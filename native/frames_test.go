package native

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// replay reads what trace reads: a gzipped pcapng gives the frames and
// stamps of the plain file (it failed with its own reader before).
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
	got, times, _, err := ReadFrames(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !bytes.Equal(got[0], frames[0]) || !bytes.Equal(got[1], frames[1]) ||
		times[0] != stamp(0).UnixNano() || times[1] != stamp(1).UnixNano() {
		t.Errorf("frames %d, times %v: want the two frames at %v, %v", len(got), times, stamp(0).UnixNano(), stamp(1).UnixNano())
	}

}
