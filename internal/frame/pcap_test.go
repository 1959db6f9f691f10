package frame

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
)

func TestPcapRoundTrip(t *testing.T) {
	tpl, _ := New(specFor(false, UDP))
	stamps := []int64{1_700_000_000_000_000_000, 1_700_000_000_000_000_499, 1_700_000_000_000_000_500, 1_700_000_000_999_999_600, 1_700_000_003_123_456_789}
	for _, nano := range []bool{false, true} {
		var buf bytes.Buffer
		w, err := NewPcapWriter(&buf, 0, nano)
		if err != nil {
			t.Fatal(err)
		}
		for i, ns := range stamps {
			if err := w.WritePacket(ns, tpl.Frame(i*100)); err != nil {
				t.Fatal(err)
			}
		}
		if w.Packets() != int64(len(stamps)) {
			t.Errorf("Packets() = %d", w.Packets())
		}
		r, err := pcapgo.NewReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := r.Resolution().ToDuration(), map[bool]time.Duration{false: time.Microsecond, true: time.Nanosecond}[nano]; got != want {
			t.Errorf("nano=%v: resolution %v", nano, r.Resolution())
		}
		for i, ns := range stamps {
			data, ci, err := r.ReadPacketData()
			if err != nil {
				t.Fatal(err)
			}
			want := ns
			if !nano {
				want = (ns + 500) / 1000 * 1000
			}
			if got := ci.Timestamp.UnixNano(); got != want {
				t.Errorf("nano=%v packet %d: stamp %d, want %d", nano, i, got, want)
			}
			if !bytes.Equal(data, tpl.Frame(i*100)) || ci.Length != len(data) {
				t.Errorf("packet %d: data differs", i)
			}
		}
		if _, _, err := r.ReadPacketData(); err != io.EOF {
			t.Errorf("after last packet: %v", err)
		}
	}
}

func TestPcapErrors(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewPcapWriter(&buf, 100, false)
	if err := w.WritePacket(-1, []byte{1}); err == nil {
		t.Error("negative stamp accepted")
	}
	if err := w.WritePacket(1<<62, []byte{1}); err == nil {
		t.Error("stamp beyond 32-bit seconds accepted")
	}
	if err := w.WritePacket(0, make([]byte, 300)); err != nil {
		t.Fatal(err)
	}
	r, _ := pcapgo.NewReader(&buf)
	data, ci, err := r.ReadPacketData()
	if err != nil || len(data) != 100 || ci.Length != 300 {
		t.Errorf("snaplen truncation: %d bytes, length %d, %v", len(data), ci.Length, err)
	}
}

func TestPcapAllocatesNothing(t *testing.T) {
	tpl, _ := New(specFor(false, TCP))
	w, _ := NewPcapWriter(io.Discard, 0, false)
	ns := int64(0)
	allocs := testing.AllocsPerRun(1000, func() {
		ns += 1234567
		_ = w.WritePacket(ns, tpl.Frame(int(ns%1400)))
	})
	if allocs != 0 {
		t.Errorf("%v allocations per packet", allocs)
	}
}

func BenchmarkPcapWrite(b *testing.B) {
	tpl, _ := New(specFor(false, UDP))
	w, _ := NewPcapWriter(io.Discard, 0, false)
	b.ReportAllocs()
	ns := int64(0)
	for b.Loop() {
		ns += 1234567
		_ = w.WritePacket(ns, tpl.Frame(int(ns%1400)))
	}
}
