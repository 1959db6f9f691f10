package fidelity

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/gmm2trex/gmm2trex/internal/samplecap"
	"github.com/gmm2trex/gmm2trex/pipeline"
)

// packetsOf reads a pcap's packets and its magic number.
func packetsOf(t *testing.T, path string) (magic uint32, data [][]byte, times []time.Time) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	magic = binary.LittleEndian.Uint32(b)
	r, err := pcapgo.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	for {
		d, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		data, times = append(data, d), append(times, ci.Timestamp)
	}
	return magic, data, times
}

// Cut keeps the first n packets as they were — bytes, times, the clock's
// resolution — from pcap (µs and ns), pcapng and gzip, and all of a
// shorter capture.
func TestCut(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	frame := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, 60+i) }
	at := func(i int, res time.Duration) time.Time {
		return start.Add(time.Duration(i) * 1500 * time.Microsecond).Truncate(res)
	}
	write := func(name string, nanos, ng, gz bool) string {
		var buf bytes.Buffer
		res := time.Microsecond
		if nanos {
			res = time.Nanosecond
		}
		var wp func(ci gopacket.CaptureInfo, d []byte) error
		var flush func() error
		switch {
		case ng:
			w, err := pcapgo.NewNgWriter(&buf, layers.LinkTypeEthernet)
			if err != nil {
				t.Fatal(err)
			}
			wp, flush = w.WritePacket, w.Flush
		case nanos:
			w := pcapgo.NewWriterNanos(&buf)
			w.WriteFileHeader(65536, layers.LinkTypeEthernet)
			wp = w.WritePacket
		default:
			w := pcapgo.NewWriter(&buf)
			w.WriteFileHeader(65536, layers.LinkTypeEthernet)
			wp = w.WritePacket
		}
		for i := range 10 {
			d := frame(i)
			if err := wp(gopacket.CaptureInfo{Timestamp: at(i, res), CaptureLength: len(d), Length: len(d)}, d); err != nil {
				t.Fatal(err)
			}
		}
		if flush != nil {
			flush()
		}
		b := buf.Bytes()
		if gz {
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			zw.Write(b)
			zw.Close()
			b = z.Bytes()
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, c := range []struct {
		name         string
		nanos, ng, z bool
		n, want      int
		magic        uint32
	}{
		{"us.pcap", false, false, false, 4, 4, 0xa1b2c3d4},
		{"ns.pcap", true, false, false, 4, 4, 0xa1b23c4d},
		{"ng.pcapng", true, true, false, 3, 3, 0xa1b23c4d},
		{"us.pcap.gz", false, false, true, 5, 5, 0xa1b2c3d4},
		{"short.pcap", false, false, false, 50, 10, 0xa1b2c3d4},
	} {
		src := write(c.name, c.nanos, c.ng, c.z)
		dst := filepath.Join(dir, "cut-"+c.name+".pcap")
		if err := Cut(src, dst, c.n); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		magic, data, times := packetsOf(t, dst)
		if magic != c.magic {
			t.Errorf("%s: magic %#x, want %#x (the source's resolution)", c.name, magic, c.magic)
		}
		if len(data) != c.want {
			t.Fatalf("%s: %d packets, want %d", c.name, len(data), c.want)
		}
		res := time.Microsecond
		if c.nanos {
			res = time.Nanosecond
		}
		for i := range data {
			if !bytes.Equal(data[i], frame(i)) || !times[i].Equal(at(i, res)) {
				t.Errorf("%s: packet %d is %d bytes at %v, want %d at %v", c.name, i+1, len(data[i]), times[i], len(frame(i)), at(i, res))
			}
		}
	}
	bad := filepath.Join(dir, "bad.pcap")
	os.WriteFile(bad, []byte("not a capture at all"), 0o644)
	dst := filepath.Join(dir, "cut-bad.pcap")
	if err := Cut(bad, dst, 3); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("a bad capture: error %v, want one naming %s", err, bad)
	}
	if _, err := os.Stat(dst); !os.IsNotExist(err) {
		t.Errorf("a bad capture left %s behind", dst)
	}
	if err := Cut(filepath.Join(dir, "us.pcap"), dst, 0); err == nil {
		t.Error("a cut of 0 packets: no error")
	}
}

// A case whose capture, cut short, has no object to estimate is left out
// when the run asks for it (SkipEmpty) and fails it otherwise.
func TestRunSkipEmpty(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, samplecap.Name)
	if err := os.WriteFile(src, samplecap.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(dir, "short.pcap")
	if err := Cut(src, short, 20); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig([]Case{{Capture: short}})
	cfg.Seeds = []uint64{1}
	if _, err := Run(context.Background(), cfg); !errors.Is(err, pipeline.ErrNoObject) {
		t.Fatalf("no object, no SkipEmpty: error %v, want ErrNoObject", err)
	}
	var skipped []string
	cfg.SkipEmpty = func(c string, err error) { skipped = append(skipped, c) }
	rows, err := Run(context.Background(), cfg)
	if err != nil || len(rows) != 0 || len(skipped) != 1 || skipped[0] != short {
		t.Errorf("SkipEmpty: rows %d, error %v, skipped %v", len(rows), err, skipped)
	}
}
