package trace

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"net"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Test captures are written here by hand, not with pcapgo's writers, because
// the tests need what those cannot write: big-endian files, microsecond
// stamps in pcapng, binary timestamp resolutions, obsolete and simple packet
// blocks. Packets themselves are built with gopacket's layers.

type rec struct {
	ts    int64 // ns since the epoch
	iface int   // pcapng interface
	data  []byte
	orig  uint32 // 0: len(data)
}

func (r rec) origLen() uint32 {
	if r.orig == 0 {
		return uint32(len(r.data))
	}
	return r.orig
}

func order(big bool) binary.ByteOrder {
	if big {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// pcapFile writes a classic pcap.
func pcapFile(big, nanos bool, link layers.LinkType, recs []rec) []byte {
	o := order(big)
	var b bytes.Buffer
	h := make([]byte, 24)
	magic := uint32(0xa1b2c3d4)
	if nanos {
		magic = 0xa1b23c4d
	}
	o.PutUint32(h, magic)
	o.PutUint16(h[4:], 2)
	o.PutUint16(h[6:], 4)
	o.PutUint32(h[16:], 262144)
	o.PutUint32(h[20:], uint32(link))
	b.Write(h)
	for _, r := range recs {
		rh := make([]byte, 16)
		o.PutUint32(rh, uint32(r.ts/1e9))
		frac := r.ts % 1e9
		if !nanos {
			frac /= 1000
		}
		o.PutUint32(rh[4:], uint32(frac))
		o.PutUint32(rh[8:], uint32(len(r.data)))
		o.PutUint32(rh[12:], r.origLen())
		b.Write(rh)
		b.Write(r.data)
	}
	return b.Bytes()
}

type ngIface struct {
	link    layers.LinkType
	tsresol byte  // if_tsresol; 0 writes none (microseconds)
	offset  int64 // if_tsoffset, seconds
}

// ngBlock appends one pcapng block.
func ngBlock(b *bytes.Buffer, o binary.ByteOrder, typ uint32, body []byte) {
	pad := (4 - len(body)%4) % 4
	l := uint32(12 + len(body) + pad)
	var w [4]byte
	o.PutUint32(w[:], typ)
	b.Write(w[:])
	o.PutUint32(w[:], l)
	b.Write(w[:])
	b.Write(body)
	b.Write(make([]byte, pad))
	o.PutUint32(w[:], l)
	b.Write(w[:])
}

func ngSHB(b *bytes.Buffer, o binary.ByteOrder) {
	body := make([]byte, 16)
	o.PutUint32(body, 0x1a2b3c4d)
	o.PutUint16(body[4:], 1)
	o.PutUint16(body[6:], 0)
	o.PutUint64(body[8:], ^uint64(0))
	ngBlock(b, o, blockSHB, body)
}

func ngIDB(b *bytes.Buffer, o binary.ByteOrder, f ngIface) {
	body := make([]byte, 8)
	o.PutUint16(body, uint16(f.link))
	o.PutUint32(body[4:], 262144)
	opt := func(code uint16, v []byte) {
		var h [4]byte
		o.PutUint16(h[:], code)
		o.PutUint16(h[2:], uint16(len(v)))
		body = append(body, h[:]...)
		body = append(body, v...)
		body = append(body, make([]byte, (4-len(v)%4)%4)...)
	}
	opt(2, []byte("eth0")) // if_name, skipped by the reader
	if f.tsresol != 0 {
		opt(9, []byte{f.tsresol})
	}
	if f.offset != 0 {
		v := make([]byte, 8)
		o.PutUint64(v, uint64(f.offset))
		opt(14, v)
	}
	body = append(body, 0, 0, 0, 0) // opt_endofopt
	ngBlock(b, o, blockIDB, body)
}

// ngUnits turns ns into the interface's timestamp units.
func ngUnits(f ngIface, ns int64) uint64 {
	ns -= f.offset * 1e9
	switch {
	case f.tsresol == 0:
		return uint64(ns / 1e3)
	case f.tsresol&0x80 != 0:
		e := f.tsresol & 0x7f
		return uint64(float64(ns) / 1e9 * float64(uint64(1)<<e))
	default:
		e := int(f.tsresol)
		if e <= 9 {
			return uint64(ns) / pow10[9-e]
		}
		return uint64(ns) * pow10[e-9]
	}
}

func ngEPB(b *bytes.Buffer, o binary.ByteOrder, f ngIface, r rec) {
	body := make([]byte, 20, 20+len(r.data)+8)
	u := ngUnits(f, r.ts)
	o.PutUint32(body, uint32(r.iface))
	o.PutUint32(body[4:], uint32(u>>32))
	o.PutUint32(body[8:], uint32(u))
	o.PutUint32(body[12:], uint32(len(r.data)))
	o.PutUint32(body[16:], r.origLen())
	body = append(body, r.data...)
	body = append(body, make([]byte, (4-len(r.data)%4)%4)...)
	body = append(body, 0, 0, 0, 0) // opt_endofopt
	ngBlock(b, o, blockEPB, body)
}

// pcapngFile writes one section with the given interfaces.
func pcapngFile(big bool, ifaces []ngIface, recs []rec) []byte {
	o := order(big)
	var b bytes.Buffer
	ngSHB(&b, o)
	for _, f := range ifaces {
		ngIDB(&b, o, f)
	}
	for _, r := range recs {
		ngEPB(&b, o, ifaces[r.iface], r)
	}
	return b.Bytes()
}

func gz(t testing.TB, b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// ipPacket builds an IPv4 or IPv6 packet carrying UDP or TCP with n payload
// bytes, with extra IPv6 extension headers if asked.
func ipPacket(t testing.TB, src, dst string, proto layers.IPProtocol, sport, dport uint16, n int) []byte {
	t.Helper()
	s, d := net.ParseIP(src), net.ParseIP(dst)
	var ls []gopacket.SerializableLayer
	if s.To4() != nil {
		ls = append(ls, &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: s.To4(), DstIP: d.To4()})
	} else {
		ls = append(ls, &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: s, DstIP: d})
	}
	switch proto {
	case layers.IPProtocolUDP:
		ls = append(ls, &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)})
	case layers.IPProtocolTCP:
		ls = append(ls, &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), ACK: true, Window: 1000})
	case layers.IPProtocolICMPv4:
		ls = append(ls, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0)})
	}
	ls = append(ls, gopacket.Payload(bytes.Repeat([]byte{'x'}, n)))
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(buf.Bytes())
}

var (
	macA = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0a}
	macB = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0b}
)

// ether wraps an IP packet in Ethernet with the given VLAN tags (TPIDs).
func ether(src, dst net.HardwareAddr, ip []byte, tpids ...uint16) []byte {
	b := append(append([]byte{}, dst...), src...)
	for _, tp := range tpids {
		b = binary.BigEndian.AppendUint16(b, tp)
		b = binary.BigEndian.AppendUint16(b, 100) // TCI
	}
	et := uint16(0x0800)
	if ip[0]>>4 == 6 {
		et = 0x86dd
	}
	b = binary.BigEndian.AppendUint16(b, et)
	return append(b, ip...)
}

func sll(src net.HardwareAddr, ip []byte) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint16(b[0:], 4) // sent by us
	binary.BigEndian.PutUint16(b[2:], 1) // ARPHRD_ETHER
	binary.BigEndian.PutUint16(b[4:], 6)
	copy(b[6:], src)
	binary.BigEndian.PutUint16(b[14:], etherType(ip))
	return append(b, ip...)
}

func sll2(src net.HardwareAddr, ip []byte) []byte {
	b := make([]byte, 20)
	binary.BigEndian.PutUint16(b[0:], etherType(ip))
	binary.BigEndian.PutUint32(b[4:], 3) // ifindex
	binary.BigEndian.PutUint16(b[8:], 1) // ARPHRD_ETHER
	b[10] = 0
	b[11] = 6
	copy(b[12:], src)
	return append(b, ip...)
}

// null wraps an IP packet in a BSD loopback header (family in little endian,
// as a little-endian host writes it).
func null(ip []byte, family uint32) []byte {
	return append(binary.LittleEndian.AppendUint32(nil, family), ip...)
}

func etherType(ip []byte) uint16 {
	if ip[0]>>4 == 6 {
		return 0x86dd
	}
	return 0x0800
}

func readBytes(t testing.TB, b []byte, opts Options) *Capture {
	t.Helper()
	c, err := Read(bytes.NewReader(b), "test.pcap", int64(len(b)), opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
