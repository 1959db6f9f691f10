package frame

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
)

// Proto is the transport protocol of a template.
type Proto uint8

// Transport protocols, as IP protocol numbers.
const (
	TCP Proto = 6
	UDP Proto = 17
)

func (p Proto) String() string {
	switch p {
	case TCP:
		return "TCP"
	case UDP:
		return "UDP"
	}
	return fmt.Sprintf("proto(%d)", uint8(p))
}

// ParseProto accepts "UDP" or "TCP" in any case.
func ParseProto(s string) (Proto, error) {
	switch s {
	case "UDP", "udp", "Udp":
		return UDP, nil
	case "TCP", "tcp", "Tcp":
		return TCP, nil
	}
	return 0, fmt.Errorf("frame: unknown protocol %q (valid: UDP, TCP)", s)
}

// TCP flag bits.
const (
	FlagFIN = 0x01
	FlagSYN = 0x02
	FlagRST = 0x04
	FlagPSH = 0x08
	FlagACK = 0x10
)

// Header and frame sizes.
const (
	EthLen      = 14
	IPv4Len     = 20
	IPv6Len     = 40
	UDPLen      = 8
	TCPLen      = 20
	MinFrame    = 60 // Ethernet minimum without FCS; shorter frames are zero-padded
	MaxJumbo    = 9238
	DefaultSnap = 65535
)

// Spec describes the fixed fields of the frames a Template builds.
type Spec struct {
	SrcMAC, DstMAC   net.HardwareAddr // 6 bytes each
	SrcIP, DstIP     netip.Addr       // both IPv4 or both IPv6
	Proto            Proto
	SrcPort, DstPort uint16
	// MaxFrame is the largest frame (without FCS) the template can build;
	// payloads are clamped to MaxFrame minus the headers. 0 means 1514.
	MaxFrame int
}

// Template builds frames of one flow direction. The payload is zero bytes, so
// it adds nothing to the transport checksum: lengths and checksums are patched
// from sums precomputed once, and building a frame touches only the header.
// A Template is not safe for concurrent use.
type Template struct {
	buf    []byte // headers, then zero payload up to the largest frame
	proto  Proto
	v6     bool
	l3, l4 int // offsets of the IP and transport headers
	hdr    int // total header length
	maxPay int
	ipSum  uint32 // IPv4 header sum without total length and checksum
	l4Sum  uint32 // pseudo-header and fixed transport words, without lengths
}

// New returns a template for spec, or an error naming the bad field.
func New(spec Spec) (*Template, error) {
	if len(spec.SrcMAC) != 6 || len(spec.DstMAC) != 6 {
		return nil, fmt.Errorf("frame: MAC addresses must be 6 bytes, got %d and %d", len(spec.SrcMAC), len(spec.DstMAC))
	}
	if !spec.SrcIP.IsValid() || !spec.DstIP.IsValid() {
		return nil, fmt.Errorf("frame: source and destination IP must be set (got %v, %v)", spec.SrcIP, spec.DstIP)
	}
	src, dst := spec.SrcIP.Unmap(), spec.DstIP.Unmap()
	if src.Is4() != dst.Is4() {
		return nil, fmt.Errorf("frame: source %v and destination %v are not the same IP version", src, dst)
	}
	if spec.Proto != UDP && spec.Proto != TCP {
		return nil, fmt.Errorf("frame: unsupported protocol %v (valid: UDP, TCP)", spec.Proto)
	}
	t := &Template{proto: spec.Proto, v6: !src.Is4(), l3: EthLen}
	l3len, l4len := IPv4Len, UDPLen
	if t.v6 {
		l3len = IPv6Len
	}
	if t.proto == TCP {
		l4len = TCPLen
	}
	t.l4 = t.l3 + l3len
	t.hdr = t.l4 + l4len
	maxFrame := spec.MaxFrame
	if maxFrame == 0 {
		maxFrame = 1514
	}
	if maxFrame < t.hdr || maxFrame > 65535 {
		return nil, fmt.Errorf("frame: max frame %d outside %d..65535 for %v over IPv%d", maxFrame, t.hdr, t.proto, map[bool]int{false: 4, true: 6}[t.v6])
	}
	t.maxPay = maxFrame - t.hdr
	t.buf = make([]byte, max(maxFrame, MinFrame))

	b := t.buf
	copy(b[0:6], spec.DstMAC)
	copy(b[6:12], spec.SrcMAC)
	ip := b[t.l3:]
	if t.v6 {
		binary.BigEndian.PutUint16(b[12:], 0x86DD)
		ip[0] = 0x60
		ip[6] = byte(t.proto)
		ip[7] = 64 // hop limit
		s16, d16 := src.As16(), dst.As16()
		copy(ip[8:24], s16[:])
		copy(ip[24:40], d16[:])
		t.l4Sum = sumBytes(ip[8:40], 0)
	} else {
		binary.BigEndian.PutUint16(b[12:], 0x0800)
		ip[0] = 0x45
		binary.BigEndian.PutUint16(ip[6:], 0x4000) // DF: these frames never need fragmenting
		ip[8] = 64                                 // TTL
		ip[9] = byte(t.proto)
		s4, d4 := src.As4(), dst.As4()
		copy(ip[12:16], s4[:])
		copy(ip[16:20], d4[:])
		t.ipSum = sumBytes(ip[:IPv4Len], 0)
		t.l4Sum = sumBytes(ip[12:20], 0)
	}
	t.l4Sum += uint32(t.proto)
	l4 := b[t.l4:]
	binary.BigEndian.PutUint16(l4[0:], spec.SrcPort)
	binary.BigEndian.PutUint16(l4[2:], spec.DstPort)
	t.l4Sum += uint32(spec.SrcPort) + uint32(spec.DstPort)
	if t.proto == TCP {
		binary.BigEndian.PutUint16(l4[14:], 0xFFFF) // window
		t.l4Sum += 0xFFFF
	}
	return t, nil
}

// HeaderLen is the length of the Ethernet, IP and transport headers.
func (t *Template) HeaderLen() int { return t.hdr }

// MaxPayload is the largest payload a frame can carry.
func (t *Template) MaxPayload() int { return t.maxPay }

// Proto is the template's transport protocol.
func (t *Template) Proto() Proto { return t.proto }

// IPv6 reports whether the template builds IPv6 frames.
func (t *Template) IPv6() bool { return t.v6 }

// FrameLen is the length of the frame carrying payload bytes: headers plus
// payload, at least MinFrame.
func (t *Template) FrameLen(payload int) int {
	return max(t.hdr+min(max(payload, 0), t.maxPay), MinFrame)
}

// Frame builds a UDP frame (or a TCP frame with sequence and acknowledgement
// 0 and flags PSH|ACK) carrying payload zero bytes and returns it. payload is
// clamped to 0..MaxPayload(); callers that must report clamping compare with
// MaxPayload first. The returned slice aliases the template: it is valid until
// the next call.
func (t *Template) Frame(payload int) []byte {
	return t.TCPFrame(payload, 0, 0, FlagPSH|FlagACK)
}

// TCPFrame is Frame with the TCP sequence number, acknowledgement number and
// flags given; for a UDP template they are ignored.
func (t *Template) TCPFrame(payload int, seq, ack uint32, flags uint8) []byte {
	n := min(max(payload, 0), t.maxPay)
	b := t.buf
	// Only header bytes are ever written, so payload and padding stay zero.
	ip := b[t.l3:]
	l4len := t.hdr - t.l4 + n
	if t.v6 {
		binary.BigEndian.PutUint16(ip[4:], uint16(l4len))
	} else {
		tot := uint16(t.hdr - t.l3 + n)
		binary.BigEndian.PutUint16(ip[2:], tot)
		binary.BigEndian.PutUint16(ip[10:], fold(t.ipSum+uint32(tot)))
	}
	l4 := b[t.l4:]
	var cs uint16
	if t.proto == UDP {
		binary.BigEndian.PutUint16(l4[4:], uint16(l4len))
		cs = fold(t.l4Sum + 2*uint32(l4len))
		if cs == 0 {
			cs = 0xFFFF // 0 means "no checksum" in UDP
		}
		binary.BigEndian.PutUint16(l4[6:], cs)
	} else {
		binary.BigEndian.PutUint32(l4[4:], seq)
		binary.BigEndian.PutUint32(l4[8:], ack)
		off := uint16(TCPLen/4)<<12 | uint16(flags)
		binary.BigEndian.PutUint16(l4[12:], off)
		s := t.l4Sum + uint32(l4len) + seq>>16 + seq&0xFFFF + ack>>16 + ack&0xFFFF + uint32(off)
		binary.BigEndian.PutUint16(l4[16:], fold(s))
	}
	return b[:max(t.hdr+n, MinFrame)]
}

// AppendFrame appends the frame Frame(payload) would return to dst.
func (t *Template) AppendFrame(dst []byte, payload int) []byte {
	return append(dst, t.Frame(payload)...)
}

// sumBytes adds b as big-endian 16-bit words (b has even length) to s.
func sumBytes(b []byte, s uint32) uint32 {
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	return s
}

// fold returns the one's-complement checksum of a 32-bit partial sum.
func fold(s uint32) uint16 {
	for s>>16 != 0 {
		s = s&0xFFFF + s>>16
	}
	return ^uint16(s)
}

// Checksum is the Internet checksum of b (RFC 1071), for tests and callers
// that build headers by hand.
func Checksum(b []byte) uint16 {
	s := sumBytes(b[:len(b)&^1], 0)
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	return fold(s)
}
