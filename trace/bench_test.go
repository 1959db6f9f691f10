package trace

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

const (
	benchPackets = 1 << 20 // ≥ 1M, as the issue asks
	benchFlows   = 10_000
)

// writeSynthetic writes n Ethernet/IPv4 UDP and TCP packets spread over
// flows flows (both directions, payloads 0..200 bytes, so some are empty) as
// a classic pcap and a pcapng, and returns their paths. Headers come from
// per-flow templates patched per packet, which keeps writing a million
// packets to about a second.
func writeSynthetic(tb testing.TB, dir string, n, flows int) (pcapPath, ngPath string) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	type tmpl struct {
		hdr [2][]byte // per direction: Ethernet + IP + transport header, no payload
		udp bool
	}
	ts := make([]tmpl, flows)
	for i := range ts {
		a := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		b := fmt.Sprintf("172.16.%d.%d", rng.IntN(256), rng.IntN(256))
		pa, pb := uint16(1024+rng.IntN(60000)), uint16(1024+rng.IntN(60000))
		proto := layers.IPProtocolUDP
		if i%4 == 3 {
			proto = layers.IPProtocolTCP
		}
		ts[i].udp = proto == layers.IPProtocolUDP
		ts[i].hdr[0] = ether(macA, macB, ipPacket(tb, a, b, proto, pa, pb, 0))
		ts[i].hdr[1] = ether(macB, macA, ipPacket(tb, b, a, proto, pb, pa, 0))
	}
	pcapPath, ngPath = filepath.Join(dir, "bench.pcap"), filepath.Join(dir, "bench.pcapng")
	fp, err := os.Create(pcapPath)
	if err != nil {
		tb.Fatal(err)
	}
	fn, err := os.Create(ngPath)
	if err != nil {
		tb.Fatal(err)
	}
	wp, wn := bufio.NewWriterSize(fp, 1<<20), bufio.NewWriterSize(fn, 1<<20)
	le := binary.LittleEndian
	var hdr [24]byte
	le.PutUint32(hdr[0:], 0xa1b2c3d4)
	le.PutUint16(hdr[4:], 2)
	le.PutUint16(hdr[6:], 4)
	le.PutUint32(hdr[16:], 262144)
	le.PutUint32(hdr[20:], 1)
	wp.Write(hdr[:])
	var nb bytes.Buffer
	ngSHB(&nb, le)
	ngIDB(&nb, le, ngIface{link: layers.LinkTypeEthernet, tsresol: 9})
	wn.Write(nb.Bytes())
	frame := make([]byte, 0, 2048)
	t := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	var rh [16]byte
	var eh [28]byte
	zeros := make([]byte, 256)
	for range n {
		f := &ts[rng.IntN(flows)]
		dir := rng.IntN(2)
		pl := rng.IntN(201)
		t += int64(rng.IntN(2000)) * 1000
		h := f.hdr[dir]
		frame = append(append(frame[:0], h...), zeros[:pl]...)
		binary.BigEndian.PutUint16(frame[14+2:], uint16(len(frame)-14)) // IPv4 total length
		if f.udp {
			binary.BigEndian.PutUint16(frame[14+20+4:], uint16(len(frame)-34))
		}
		le.PutUint32(rh[0:], uint32(t/1e9))
		le.PutUint32(rh[4:], uint32(t%1e9/1000))
		le.PutUint32(rh[8:], uint32(len(frame)))
		le.PutUint32(rh[12:], uint32(len(frame)))
		wp.Write(rh[:])
		wp.Write(frame)
		pad := (4 - len(frame)%4) % 4
		bl := uint32(28 + len(frame) + pad + 4)
		le.PutUint32(eh[0:], blockEPB)
		le.PutUint32(eh[4:], bl)
		le.PutUint32(eh[8:], 0)
		le.PutUint32(eh[12:], uint32(uint64(t)>>32))
		le.PutUint32(eh[16:], uint32(t))
		le.PutUint32(eh[20:], uint32(len(frame)))
		le.PutUint32(eh[24:], uint32(len(frame)))
		wn.Write(eh[:])
		wn.Write(frame)
		wn.Write(zeros[:pad])
		le.PutUint32(rh[0:], bl)
		wn.Write(rh[:4])
	}
	for _, w := range []*bufio.Writer{wp, wn} {
		if err := w.Flush(); err != nil {
			tb.Fatal(err)
		}
	}
	for _, f := range []*os.File{fp, fn} {
		if err := f.Close(); err != nil {
			tb.Fatal(err)
		}
	}
	return pcapPath, ngPath
}

// BenchmarkRead reads a ≥1M-packet capture over 10k flows in flow mode, as
// classic pcap and as pcapng. Set GMM2TREX_BENCH_DIR to keep the files there
// (to time other tools on the same bytes).
func BenchmarkRead(b *testing.B) {
	dir := os.Getenv("GMM2TREX_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	pcapPath, ngPath := writeSynthetic(b, dir, benchPackets, benchFlows)
	for _, c := range []struct {
		name string
		path string
		opts Options
	}{
		// As flows reads them (no digest), then with the SHA-256 that
		// estimate records in profiles.
		{"pcap", pcapPath, Options{SkipHash: true}},
		{"pcapng", ngPath, Options{SkipHash: true}},
		{"pcap+sha256", pcapPath, Options{}},
	} {
		b.Run(c.name, func(b *testing.B) {
			st, err := os.Stat(c.path)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(st.Size())
			b.ReportAllocs()
			var got *Capture
			cpu0 := cpuTime()
			for b.Loop() {
				got, err = ReadFile(c.path, c.opts)
				if err != nil {
					b.Fatal(err)
				}
			}
			if got.Packets != benchPackets || len(got.Objects) != benchFlows {
				b.Fatalf("read %d packets in %d objects, want %d in %d", got.Packets, len(got.Objects), benchPackets, benchFlows)
			}
			b.ReportMetric(float64(got.Packets)*float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
			// On a shared machine wall time includes waiting for a core;
			// packets per CPU second is the figure that compares runs.
			b.ReportMetric(float64(got.Packets)*float64(b.N)/(cpuTime()-cpu0).Seconds(), "pkts/cpu-s")
		})
	}
}

// cpuTime is the CPU time (user and system) the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The digest of a file read in many chunks is the file's: plain pcap,
// pcapng and gzipped (hashed below the decompressor), each read and hashed
// ahead of the parser (readAhead) in chunks that the records straddle.
func TestDigestManyChunks(t *testing.T) {
	dir := t.TempDir()
	pcapPath, ngPath := writeSynthetic(t, dir, 60_000, 100)
	data, err := os.ReadFile(pcapPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 4*readChunk {
		t.Fatalf("%d bytes: fewer than 4 read chunks", len(data))
	}
	gzPath := filepath.Join(dir, "bench.pcap.gz")
	if err := os.WriteFile(gzPath, gz(t, data), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{pcapPath, ngPath, gzPath} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ReadFile(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(b); c.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: sha256 %s, want %x", filepath.Base(path), c.SHA256, sum)
		}
		if c.Packets != 60_000 {
			t.Errorf("%s: %d packets", filepath.Base(path), c.Packets)
		}
	}
}

// A parse that fails while the read-ahead goroutine waits for more bytes
// (a pipe whose writer stays open) returns its error at once.
func TestReadAheadErrorDoesNotWait(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	hdr := make([]byte, 24+16)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535)
	binary.LittleEndian.PutUint32(hdr[20:], 1)
	binary.LittleEndian.PutUint32(hdr[24+8:], 1<<30) // caplen over the limit
	go pw.Write(hdr)
	done := make(chan error, 1)
	go func() {
		_, err := Read(pr, "pipe", 0, Options{})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "caplen") {
			t.Fatalf("err = %v, want the caplen error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read waited for the writer after the parse failed")
	}
}
