package frame

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var (
	macA = net.HardwareAddr{0x02, 0, 0, 0, 0, 1}
	macB = net.HardwareAddr{0x02, 0, 0, 0, 0, 2}
)

func specFor(v6 bool, p Proto) Spec {
	s := Spec{SrcMAC: macA, DstMAC: macB, Proto: p, SrcPort: 18826, DstPort: 26454,
		SrcIP: netip.MustParseAddr("198.18.0.1"), DstIP: netip.MustParseAddr("198.18.0.2")}
	if v6 {
		s.SrcIP, s.DstIP = netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::ff02")
	}
	return s
}

// checkWithGopacket decodes b with gopacket's layers and verifies lengths and
// checksums independently of this package.
func checkWithGopacket(t *testing.T, b []byte, want Spec, payload int, seq, ack uint32) {
	t.Helper()
	pkt := gopacket.NewPacket(b, layers.LayerTypeEthernet, gopacket.Default)
	if el := pkt.ErrorLayer(); el != nil {
		t.Fatalf("gopacket: %v", el.Error())
	}
	eth := pkt.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	if !bytes.Equal(eth.SrcMAC, want.SrcMAC) || !bytes.Equal(eth.DstMAC, want.DstMAC) {
		t.Errorf("MACs %v -> %v", eth.SrcMAC, eth.DstMAC)
	}
	var nl gopacket.NetworkLayer
	if ip4, ok := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
		nl = ip4
		if err, r := ip4.VerifyChecksum(); err != nil || !r.Valid {
			t.Errorf("IPv4 checksum: %v %+v", err, r)
		}
		if !ip4.SrcIP.Equal(want.SrcIP.AsSlice()) || !ip4.DstIP.Equal(want.DstIP.AsSlice()) {
			t.Errorf("IPs %v -> %v", ip4.SrcIP, ip4.DstIP)
		}
	} else if ip6, ok := pkt.Layer(layers.LayerTypeIPv6).(*layers.IPv6); ok {
		nl = ip6
		if !ip6.SrcIP.Equal(want.SrcIP.AsSlice()) || !ip6.DstIP.Equal(want.DstIP.AsSlice()) {
			t.Errorf("IPs %v -> %v", ip6.SrcIP, ip6.DstIP)
		}
	} else {
		t.Fatalf("no IP layer in %x", b)
	}
	switch want.Proto {
	case UDP:
		u, ok := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if !ok {
			t.Fatal("no UDP layer")
		}
		_ = u.SetNetworkLayerForChecksum(nl)
		if err, r := u.VerifyChecksum(); err != nil || !r.Valid || u.Checksum == 0 {
			t.Errorf("UDP checksum %#04x: %v %+v", u.Checksum, err, r)
		}
		if len(u.Payload) != payload || int(u.Length) != UDPLen+payload {
			t.Errorf("UDP payload %d, length field %d; want payload %d", len(u.Payload), u.Length, payload)
		}
		if u.SrcPort != layers.UDPPort(want.SrcPort) || u.DstPort != layers.UDPPort(want.DstPort) {
			t.Errorf("ports %d -> %d", u.SrcPort, u.DstPort)
		}
	case TCP:
		tc, ok := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if !ok {
			t.Fatal("no TCP layer")
		}
		_ = tc.SetNetworkLayerForChecksum(nl)
		if err, r := tc.VerifyChecksum(); err != nil || !r.Valid {
			t.Errorf("TCP checksum %#04x: %v %+v", tc.Checksum, err, r)
		}
		if len(tc.Payload) != payload || tc.Seq != seq || tc.Ack != ack {
			t.Errorf("TCP payload %d seq %d ack %d; want %d %d %d", len(tc.Payload), tc.Seq, tc.Ack, payload, seq, ack)
		}
	}
}

func TestFrameLayersAndChecksums(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		for _, p := range []Proto{UDP, TCP} {
			spec := specFor(v6, p)
			tpl, err := New(spec)
			if err != nil {
				t.Fatal(err)
			}
			// Shrinking after a long frame checks that padding stays zero.
			for i, n := range []int{min(1472, tpl.MaxPayload()), 0, 1, 17, 18, 45, 46, 100, 1401, tpl.MaxPayload(), 3} {
				t.Run(fmt.Sprintf("v6=%v/%v/%d-%d", v6, p, i, n), func(t *testing.T) {
					seq, ack := uint32(0xFFFF0000+n*7), uint32(123456789+n)
					b := tpl.TCPFrame(n, seq, ack, FlagPSH|FlagACK)
					if want := max(tpl.HeaderLen()+n, MinFrame); len(b) != want || tpl.FrameLen(n) != want {
						t.Fatalf("frame length %d, FrameLen %d, want %d", len(b), tpl.FrameLen(n), want)
					}
					for j := tpl.HeaderLen() + n; j < len(b); j++ {
						if b[j] != 0 {
							t.Fatalf("padding byte %d is %#x", j, b[j])
						}
					}
					if p == UDP {
						seq, ack = 0, 0
					}
					checkWithGopacket(t, b, spec, n, seq, ack)
					in, err := Decode(b)
					if err != nil {
						t.Fatal(err)
					}
					if in.Payload != n || in.Proto != p || in.SrcIP != spec.SrcIP || in.DstPort != spec.DstPort || in.Seq != seq {
						t.Errorf("Decode: %+v", in)
					}
				})
			}
		}
	}
}

func TestFrameClamps(t *testing.T) {
	s := specFor(false, UDP)
	s.MaxFrame = 200
	tpl, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := tpl.MaxPayload(); got != 200-42 {
		t.Fatalf("MaxPayload %d", got)
	}
	if b := tpl.Frame(5000); len(b) != 200 {
		t.Errorf("oversized payload gave %d bytes, want 200", len(b))
	}
	if b := tpl.Frame(-3); len(b) != MinFrame {
		t.Errorf("negative payload gave %d bytes", len(b))
	}
	if in, err := Decode(tpl.Frame(-3)); err != nil || in.Payload != 0 {
		t.Errorf("%+v %v", in, err)
	}
}

func TestNewErrors(t *testing.T) {
	good := specFor(false, UDP)
	cases := map[string]func(*Spec){
		"short MAC":     func(s *Spec) { s.SrcMAC = s.SrcMAC[:4] },
		"missing IP":    func(s *Spec) { s.DstIP = netip.Addr{} },
		"mixed version": func(s *Spec) { s.DstIP = netip.MustParseAddr("2001:db8::2") },
		"proto":         func(s *Spec) { s.Proto = 1 },
		"max frame":     func(s *Spec) { s.MaxFrame = 30 },
	}
	for name, mod := range cases {
		s := good
		mod(&s)
		if _, err := New(s); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDecodeRejectsCorruption(t *testing.T) {
	for _, p := range []Proto{UDP, TCP} {
		tpl, _ := New(specFor(false, p))
		b := bytes.Clone(tpl.Frame(10))
		for _, off := range []int{EthLen + 2, EthLen + 10, EthLen + IPv4Len + 4, EthLen + IPv4Len + 1, EthLen + IPv4Len + 9} {
			c := bytes.Clone(b)
			c[off] ^= 0x40
			if _, err := Decode(c); err == nil {
				t.Errorf("%v: flipping byte %d went unnoticed", p, off)
			}
		}
	}
	if _, err := Decode([]byte{1, 2, 3}); err == nil {
		t.Error("short frame accepted")
	}
}

func TestFrameAllocatesNothing(t *testing.T) {
	tpl, _ := New(specFor(true, TCP))
	n := 0
	allocs := testing.AllocsPerRun(1000, func() {
		n = (n + 97) % 1500
		_ = tpl.TCPFrame(n, uint32(n), 7, FlagACK)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per frame", allocs)
	}
}

func BenchmarkFrame(b *testing.B) {
	tpl, _ := New(specFor(false, UDP))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = (n + 97) % 1400
		_ = tpl.Frame(n)
	}
}

// Decode takes frames from the wire and files: it must reject, not panic on,
// anything, and what it accepts must be self-consistent.
func FuzzDecode(f *testing.F) {
	for _, v6 := range []bool{false, true} {
		for _, p := range []Proto{UDP, TCP} {
			tpl, _ := New(specFor(v6, p))
			f.Add(bytes.Clone(tpl.Frame(0)))
			f.Add(bytes.Clone(tpl.Frame(77)))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := Decode(b)
		if err != nil {
			return
		}
		if in.Payload < 0 || in.Payload > len(b) || (in.Proto != UDP && in.Proto != TCP) {
			t.Fatalf("accepted %x as %+v", b, in)
		}
	})
}
