package trace

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// Records yields every record with its stamp, link and bytes, from each
// container Read accepts, and the same errors and cut-short warnings.
func TestRecords(t *testing.T) {
	ip := ipPacket(t, "10.0.0.1", "10.0.0.2", layers.IPProtocolUDP, 5000, 6000, 40)
	var recs []rec
	for i := range 5 {
		recs = append(recs, rec{ts: base + int64(i)*step + int64(i), data: ether(macA, macB, ip)})
	}
	recs[3].data = ip[:20+8] // a frame the decoder would skip: Records still yields it
	files := map[string][]byte{
		"pcap ns":      pcapFile(true, true, layers.LinkTypeEthernet, recs),
		"pcapng":       pcapngFile(false, []ngIface{{link: layers.LinkTypeEthernet, tsresol: 9}}, recs),
		"pcapng gzip":  gz(t, pcapngFile(true, []ngIface{{link: layers.LinkTypeEthernet, tsresol: 9}}, recs)),
		"pcap ns gzip": gz(t, pcapFile(false, true, layers.LinkTypeEthernet, recs)),
	}
	for name, b := range files {
		var got []Record
		warn, err := Records(bytes.NewReader(b), "x", func(r *Record) error {
			c := *r
			c.Data = bytes.Clone(r.Data)
			got = append(got, c)
			return nil
		})
		if err != nil || len(warn) != 0 {
			t.Fatalf("%s: %v, warnings %q", name, err, warn)
		}
		if len(got) != len(recs) {
			t.Fatalf("%s: %d records, want %d", name, len(got), len(recs))
		}
		for i, r := range got {
			if r.Number != int64(i+1) || r.Time != recs[i].ts || r.Link != LinkEthernet ||
				!bytes.Equal(r.Data, recs[i].data) || r.OrigLen != recs[i].origLen() {
				t.Errorf("%s: record %d = {%d %d %d %d bytes %d}, want {%d %d 1 %d bytes %d}", name, i,
					r.Number, r.Time, r.Link, len(r.Data), r.OrigLen, i+1, recs[i].ts, len(recs[i].data), recs[i].origLen())
			}
		}
	}

	// Each record carries the clock's tick: 1 ns above, 1 µs for a
	// microsecond pcap.
	for name, b := range files {
		Records(bytes.NewReader(b), "x", func(r *Record) error {
			if r.Tick != 1 {
				t.Errorf("%s: record %d: tick %d ns, want 1", name, r.Number, r.Tick)
			}
			return nil
		})
	}
	us := []rec{{ts: base, data: ether(macA, macB, ip)}, {ts: base + step, data: ether(macA, macB, ip)}}
	if _, err := Records(bytes.NewReader(pcapFile(false, false, layers.LinkTypeEthernet, us)), "us", func(r *Record) error {
		if r.Tick != 1000 {
			t.Errorf("microsecond pcap: record %d: tick %d ns, want 1000", r.Number, r.Tick)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	good := files["pcap ns"]
	// An error from fn stops the read at that record and comes back as is.
	stop := errors.New("enough")
	n := 0
	if _, err := Records(bytes.NewReader(good), "x", func(r *Record) error {
		n++
		if r.Number == 2 {
			return stop
		}
		return nil
	}); err != stop || n != 2 {
		t.Errorf("stop: %d records, error %v; want 2 and the callback's error", n, err)
	}
	// Cut short: the whole records, then a warning naming the packet.
	n = 0
	warn, err := Records(bytes.NewReader(good[:len(good)-10]), "x", func(*Record) error { n++; return nil })
	if err != nil || n != 4 || len(warn) != 1 || !strings.Contains(warn[0], "cut short in packet 5") {
		t.Errorf("cut: %d records, %v, warnings %q", n, err, warn)
	}
	// Bad input: the same errors as Read.
	for _, b := range [][]byte{nil, []byte("not a capture at all"), good[:20]} {
		_, rerr := Read(bytes.NewReader(b), "x", 0, Options{})
		_, err := Records(bytes.NewReader(b), "x", func(*Record) error { return nil })
		if err == nil || err.Error() != rerr.Error() {
			t.Errorf("bad input % x: Records %v, Read %v", b[:min(len(b), 4)], err, rerr)
		}
	}
	// RecordsFile names the file.
	path := filepath.Join(t.TempDir(), "r.pcap")
	if err := os.WriteFile(path, good[:20], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := RecordsFile(path, func(*Record) error { return nil }); err == nil || !strings.Contains(err.Error(), "r.pcap") {
		t.Errorf("RecordsFile: %v, want an error naming r.pcap", err)
	}
	if _, err := RecordsFile(filepath.Join(t.TempDir(), "none.pcap"), func(*Record) error { return nil }); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// BenchmarkRecords iterates a ≥1M-packet pcap, touching each record's bytes
// (what replay does before copying them).
func BenchmarkRecords(b *testing.B) {
	pcapPath, _ := writeSynthetic(b, b.TempDir(), benchPackets, benchFlows)
	st, err := os.Stat(pcapPath)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	var n int64
	var sum byte
	for b.Loop() {
		n = 0
		if _, err := RecordsFile(pcapPath, func(r *Record) error {
			n++
			sum += r.Data[0]
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	if n != benchPackets {
		b.Fatalf("%d records, want %d", n, benchPackets)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
}

// A cancelled read stops with the context's error, not a parse error.
func TestReadFileContextCancelled(t *testing.T) {
	pcapPath, _ := writeSynthetic(t, t.TempDir(), 200_000, 100)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadFileContext(ctx, pcapPath, Options{}); err != context.Canceled {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
	c, err := ReadFileContext(context.Background(), pcapPath, Options{SkipHash: true})
	if err != nil || c.Packets != 200_000 {
		t.Errorf("not cancelled: %v, %d packets", err, c.Packets)
	}
}
