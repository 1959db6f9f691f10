package trace

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// A capture's clock resolution comes from its headers: the file's for
// pcap, the coarsest interface that carried packets for pcapng.
func TestResolution(t *testing.T) {
	ip := ipPacket(t, "10.0.0.1", "10.0.0.2", layers.IPProtocolUDP, 5000, 6000, 40)
	recs := []rec{{ts: base, data: ether(macA, macB, ip)}, {ts: base + step, iface: 1, data: ether(macA, macB, ip)}}
	one := recs[:1]
	for _, c := range []struct {
		name string
		file []byte
		want int64
	}{
		{"pcap µs", pcapFile(false, false, layers.LinkTypeEthernet, one), 1000},
		{"pcap ns", pcapFile(true, true, layers.LinkTypeEthernet, one), 1},
		{"pcapng default µs", pcapngFile(false, []ngIface{{link: layers.LinkTypeEthernet}}, one), 1000},
		{"pcapng ns", pcapngFile(false, []ngIface{{link: layers.LinkTypeEthernet, tsresol: 9}}, one), 1},
		{"pcapng 2^-10 s", pcapngFile(false, []ngIface{{link: layers.LinkTypeEthernet, tsresol: 0x80 | 10}}, one), 976563},
		{"pcapng ns + µs", pcapngFile(true, []ngIface{{link: layers.LinkTypeEthernet, tsresol: 9}, {link: layers.LinkTypeEthernet, tsresol: 6}}, recs), 1000},
		{"pcapng ns + unused ms", pcapngFile(true, []ngIface{{link: layers.LinkTypeEthernet, tsresol: 9}, {link: layers.LinkTypeEthernet, tsresol: 3}}, one), 1},
	} {
		if got := readBytes(t, c.file, Options{}).Resolution; got != c.want {
			t.Errorf("%s: resolution %d ns, want %d", c.name, got, c.want)
		}
	}
}

// Records stamped before their predecessor are counted, and DisorderErr
// names the first; a capture in order has none.
func TestDisorder(t *testing.T) {
	ip := ipPacket(t, "10.0.0.1", "10.0.0.2", layers.IPProtocolUDP, 5000, 6000, 40)
	var recs []rec
	for i := range 300 {
		ts := base + int64(i)*step
		if i%30 == 7 {
			ts -= 20_000_000 // 20 ms early: before the packet preceding it
		}
		recs = append(recs, rec{ts: ts, data: ether(macA, macB, ip)})
	}
	c := readBytes(t, pcapFile(false, true, layers.LinkTypeEthernet, recs), Options{})
	err := c.DisorderErr()
	if c.Disorder.Packets != 10 || c.Disorder.First != 8 || !errors.Is(err, ErrDisorder) ||
		!strings.Contains(err.Error(), "packet 8: ") || strings.Contains(err.Error(), "\n") {
		t.Errorf("disorder %+v, error %v", c.Disorder, err)
	}
	if c := readBytes(t, pcapFile(false, true, layers.LinkTypeEthernet, recs[:7]), Options{}); c.DisorderErr() != nil {
		t.Errorf("in order: %v", c.DisorderErr())
	} else if w := c.SortByTime(); w != "" {
		t.Errorf("in order: SortByTime warns %q", w)
	}
	// SortByTime: the same packets in time order, sizes along, one warning.
	sizes := slices.Clone(c.Objects[0].From.Sizes)
	w := c.SortByTime()
	if !strings.HasPrefix(w, "test.pcap: packet 8: timestamps out of order: stamped 4.375ms before") || !strings.Contains(w, "(10 packet(s) out of order); packets sorted") {
		t.Errorf("warning %q", w)
	}
	s := c.Objects[0].From
	want := make([]int64, 0, len(recs))
	for _, r := range recs {
		want = append(want, r.ts)
	}
	slices.Sort(want)
	if !slices.Equal(s.Times, want) || len(s.Sizes) != len(sizes) {
		t.Errorf("times after the sort %v..., want %v...", s.Times[:10], want[:10])
	}
}

// Reading a named pipe stops when ctx is done, whether the open still waits
// for a writer or a read waits for data (flows -p FIFO ignored SIGINT).
func TestReadFileContextFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, writer := range []bool{false, true} {
		if writer {
			go func() {
				w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
				if err != nil {
					return
				}
				defer w.Close()
				w.Write(pcapFile(false, false, layers.LinkTypeEthernet, nil)) // a header, then silence
				time.Sleep(2 * time.Second)
			}()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		start := time.Now()
		_, err := ReadFileContext(ctx, fifo, Options{})
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("writer %v: error %v, want the context's", writer, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("writer %v: returned after %v", writer, d)
		}
	}
}
