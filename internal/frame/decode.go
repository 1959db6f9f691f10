package frame

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Info is what Decode found in a frame.
type Info struct {
	Proto            Proto
	SrcIP, DstIP     netip.Addr
	SrcPort, DstPort uint16
	Payload          int // transport payload length, from the IP length fields
	Seq, Ack         uint32
	Flags            uint8 // TCP flags
}

// Decode parses an Ethernet / IPv4 or IPv6 / UDP or TCP frame and checks what
// a receiver would: header lengths against the frame, the IPv4 header
// checksum and the transport checksum (a UDP checksum of 0 over IPv4 means
// none). Readers of exported frames (tests, the TRex checks) use it.
func Decode(b []byte) (Info, error) {
	var in Info
	if len(b) < EthLen {
		return in, fmt.Errorf("frame: %d bytes, shorter than an Ethernet header", len(b))
	}
	var l4 []byte
	var pseudo uint32
	switch et := binary.BigEndian.Uint16(b[12:]); et {
	case 0x0800:
		ip := b[EthLen:]
		if len(ip) < IPv4Len || ip[0]>>4 != 4 {
			return in, fmt.Errorf("frame: bad IPv4 header")
		}
		ihl := int(ip[0]&0xF) * 4
		tot := int(binary.BigEndian.Uint16(ip[2:]))
		if ihl < IPv4Len || tot < ihl || tot > len(ip) {
			return in, fmt.Errorf("frame: IPv4 header length %d, total length %d, %d bytes after Ethernet", ihl, tot, len(ip))
		}
		if c := Checksum(ip[:ihl]); c != 0 {
			return in, fmt.Errorf("frame: IPv4 header checksum 0x%04x is wrong", binary.BigEndian.Uint16(ip[10:]))
		}
		in.Proto = Proto(ip[9])
		in.SrcIP = netip.AddrFrom4([4]byte(ip[12:16]))
		in.DstIP = netip.AddrFrom4([4]byte(ip[16:20]))
		l4 = ip[ihl:tot]
		pseudo = sumBytes(ip[12:20], 0)
	case 0x86DD:
		ip := b[EthLen:]
		if len(ip) < IPv6Len || ip[0]>>4 != 6 {
			return in, fmt.Errorf("frame: bad IPv6 header")
		}
		pl := int(binary.BigEndian.Uint16(ip[4:]))
		if IPv6Len+pl > len(ip) {
			return in, fmt.Errorf("frame: IPv6 payload length %d, %d bytes after the header", pl, len(ip)-IPv6Len)
		}
		in.Proto = Proto(ip[6])
		in.SrcIP = netip.AddrFrom16([16]byte(ip[8:24]))
		in.DstIP = netip.AddrFrom16([16]byte(ip[24:40]))
		l4 = ip[IPv6Len : IPv6Len+pl]
		pseudo = sumBytes(ip[8:40], 0)
	default:
		return in, fmt.Errorf("frame: EtherType 0x%04x is neither IPv4 nor IPv6", et)
	}
	pseudo += uint32(in.Proto) + uint32(len(l4))
	switch in.Proto {
	case UDP:
		if len(l4) < UDPLen || int(binary.BigEndian.Uint16(l4[4:])) != len(l4) {
			return in, fmt.Errorf("frame: UDP length field does not match the IP length (%d bytes)", len(l4))
		}
		in.Payload = len(l4) - UDPLen
		if cs := binary.BigEndian.Uint16(l4[6:]); cs == 0 && in.SrcIP.Is4() {
			break
		}
		if c := transportSum(l4, pseudo); c != 0 {
			return in, fmt.Errorf("frame: UDP checksum 0x%04x is wrong", binary.BigEndian.Uint16(l4[6:]))
		}
	case TCP:
		if len(l4) < TCPLen {
			return in, fmt.Errorf("frame: TCP segment of %d bytes", len(l4))
		}
		off := int(l4[12]>>4) * 4
		if off < TCPLen || off > len(l4) {
			return in, fmt.Errorf("frame: TCP data offset %d in a %d-byte segment", off, len(l4))
		}
		in.Payload = len(l4) - off
		in.Seq = binary.BigEndian.Uint32(l4[4:])
		in.Ack = binary.BigEndian.Uint32(l4[8:])
		in.Flags = l4[13]
		if c := transportSum(l4, pseudo); c != 0 {
			return in, fmt.Errorf("frame: TCP checksum 0x%04x is wrong", binary.BigEndian.Uint16(l4[16:]))
		}
	default:
		return in, fmt.Errorf("frame: IP protocol %d is neither UDP nor TCP", uint8(in.Proto))
	}
	in.SrcPort = binary.BigEndian.Uint16(l4[0:])
	in.DstPort = binary.BigEndian.Uint16(l4[2:])
	return in, nil
}

// transportSum is the checksum over pseudo-header sum and segment; 0 when the
// segment's checksum field is right.
func transportSum(seg []byte, pseudo uint32) uint16 {
	s := sumBytes(seg[:len(seg)&^1], pseudo)
	if len(seg)%2 == 1 {
		s += uint32(seg[len(seg)-1]) << 8
	}
	return fold(s)
}
