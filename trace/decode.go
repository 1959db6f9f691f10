package trace

import "encoding/binary"

// reason is why a packet was skipped; reasonOK means it was not.
type reason uint8

const (
	reasonOK reason = iota
	reasonNonIP
	reasonOtherTransport
	reasonTruncated
	reasonFragment
	reasonUnsupportedLink
	reasonEmptyPayload
	reasonMalformed
	reasonNoMAC
	reasonNotSelected
	numReasons
)

var reasonNames = [numReasons]string{
	reasonOK:              "",
	reasonNonIP:           SkipNonIP,
	reasonOtherTransport:  SkipOtherTransport,
	reasonTruncated:       SkipTruncated,
	reasonFragment:        SkipFragment,
	reasonUnsupportedLink: SkipUnsupportedLink,
	reasonEmptyPayload:    SkipEmptyPayload,
	reasonMalformed:       SkipMalformed,
	reasonNoMAC:           SkipNoMAC,
	reasonNotSelected:     SkipNotSelected,
}

// Link types (https://www.tcpdump.org/linktypes.html).
const (
	linkNull   = 0
	linkEther  = 1
	linkRawA   = 12 // DLT_RAW on some BSDs, seen in files from them
	linkRawB   = 14 // DLT_RAW on others
	linkRaw    = 101
	linkLoop   = 108
	linkSLL    = 113
	linkIPv4   = 228
	linkIPv6   = 229
	linkSLL2   = 276
	protoTCP   = 6
	protoUDP   = 17
	etherIPv4  = 0x0800
	etherIPv6  = 0x86dd
	arphrdEth  = 1
	maxVLANs   = 8 // more stacked tags than any real network uses
	maxIPv6Ext = 16
)

// ipAddr is an IP address as two big-endian words, IPv4 in the top half of
// the first: compared and hashed as integers, which is cheaper than bytes.
type ipAddr [2]uint64

// pkt is the decoded part of a packet that objects need.
type pkt struct {
	v6             bool
	proto          uint8
	hasSrcMAC      bool
	hasDstMAC      bool
	sport, dport   uint16
	src, dst       ipAddr
	srcMAC, dstMAC [6]byte
	ipLen          int // IP total length (IPv6: 40 + payload length)
	payload        int // TCP/UDP payload length, from the headers' lengths
}

var be = binary.BigEndian

// decode fills p from a frame of the given link type. Lengths come from the
// IP and transport headers, not from the captured length, so a snap length
// that cut the payload does not change sizes.
func decode(link uint32, d []byte, p *pkt) reason {
	var et uint16
	switch link {
	case linkEther:
		if len(d) < 14 {
			return reasonTruncated
		}
		copy(p.dstMAC[:], d[0:6])
		copy(p.srcMAC[:], d[6:12])
		p.hasSrcMAC, p.hasDstMAC = true, true
		et, d = be.Uint16(d[12:]), d[14:]
	case linkSLL:
		if len(d) < 16 {
			return reasonTruncated
		}
		if be.Uint16(d[2:]) == arphrdEth && be.Uint16(d[4:]) == 6 {
			copy(p.srcMAC[:], d[6:12])
			p.hasSrcMAC = true
		}
		et, d = be.Uint16(d[14:]), d[16:]
	case linkSLL2:
		if len(d) < 20 {
			return reasonTruncated
		}
		if be.Uint16(d[8:]) == arphrdEth && d[11] == 6 {
			copy(p.srcMAC[:], d[12:18])
			p.hasSrcMAC = true
		}
		et, d = be.Uint16(d[0:]), d[20:]
	case linkRaw, linkRawA, linkRawB:
		if len(d) < 1 {
			return reasonTruncated
		}
		switch d[0] >> 4 {
		case 4:
			return ipv4(d, p)
		case 6:
			return ipv6(d, p)
		}
		return reasonNonIP
	case linkIPv4:
		return ipv4(d, p)
	case linkIPv6:
		return ipv6(d, p)
	case linkNull, linkLoop:
		if len(d) < 4 {
			return reasonTruncated
		}
		// NULL stores the address family in the capturing host's byte
		// order, LOOP in network order; a family fits in 16 bits, which
		// tells the orders apart.
		af := binary.LittleEndian.Uint32(d)
		if af > 0xffff {
			af = be.Uint32(d)
		}
		switch af {
		case 2:
			return ipv4(d[4:], p)
		case 10, 24, 28, 30: // AF_INET6 on Linux, NetBSD/OpenBSD, FreeBSD, macOS
			return ipv6(d[4:], p)
		}
		return reasonNonIP
	default:
		return reasonUnsupportedLink
	}
	// 802.1Q, 802.1ad (QinQ) and the older 0x9100/0x9200 stacking tags.
	for i := 0; et == 0x8100 || et == 0x88a8 || et == 0x9100 || et == 0x9200; i++ {
		if i == maxVLANs {
			return reasonMalformed
		}
		if len(d) < 4 {
			return reasonTruncated
		}
		et, d = be.Uint16(d[2:]), d[4:]
	}
	switch et {
	case etherIPv4:
		return ipv4(d, p)
	case etherIPv6:
		return ipv6(d, p)
	}
	return reasonNonIP
}

func ipv4(d []byte, p *pkt) reason {
	if len(d) < 20 {
		return reasonTruncated
	}
	if d[0]>>4 != 4 {
		return reasonMalformed
	}
	ihl := int(d[0]&0x0f) * 4
	if ihl < 20 {
		return reasonMalformed
	}
	if len(d) < ihl {
		return reasonTruncated
	}
	total := int(be.Uint16(d[2:]))
	if total == 0 {
		// Captured before TCP segmentation offload filled it in: the
		// frame holds the whole datagram.
		total = len(d)
	}
	if total < ihl {
		return reasonMalformed
	}
	if be.Uint16(d[6:])&0x1fff != 0 {
		return reasonFragment
	}
	p.v6 = false
	p.proto = d[9]
	p.src = ipAddr{uint64(be.Uint32(d[12:])) << 32, 0}
	p.dst = ipAddr{uint64(be.Uint32(d[16:])) << 32, 0}
	p.ipLen = total
	return transport(d[ihl:], total-ihl, p)
}

func ipv6(d []byte, p *pkt) reason {
	if len(d) < 40 {
		return reasonTruncated
	}
	if d[0]>>4 != 6 {
		return reasonMalformed
	}
	plen := int(be.Uint16(d[4:]))
	if plen == 0 {
		// A jumbogram, or offloaded segmentation: take the captured rest.
		plen = len(d) - 40
	}
	p.v6 = true
	p.src = ipAddr{be.Uint64(d[8:]), be.Uint64(d[16:])}
	p.dst = ipAddr{be.Uint64(d[24:]), be.Uint64(d[32:])}
	p.ipLen = 40 + plen
	nh := d[6]
	d = d[40:]
	rest := plen
	for i := 0; ; i++ {
		if i == maxIPv6Ext {
			return reasonMalformed
		}
		var hl int
		switch nh {
		case 0, 43, 60, 135, 139, 140: // hop-by-hop, routing, destination, mobility, HIP, shim6
			if len(d) < 2 {
				return reasonTruncated
			}
			hl = (int(d[1]) + 1) * 8
		case 44: // fragment
			if len(d) < 8 {
				return reasonTruncated
			}
			if be.Uint16(d[2:])&0xfff8 != 0 {
				return reasonFragment
			}
			hl = 8
		case 51: // authentication header
			if len(d) < 2 {
				return reasonTruncated
			}
			hl = (int(d[1]) + 2) * 4
		default:
			p.proto = nh
			return transport(d, rest, p)
		}
		if hl > rest {
			return reasonMalformed
		}
		if hl > len(d) {
			return reasonTruncated
		}
		nh = d[0]
		d, rest = d[hl:], rest-hl
	}
}

// transport decodes TCP or UDP from the captured bytes d; l4len is the
// transport length according to the IP header.
func transport(d []byte, l4len int, p *pkt) reason {
	switch p.proto {
	case protoTCP:
		if len(d) < 20 {
			return reasonTruncated
		}
		off := int(d[12]>>4) * 4
		if off < 20 || off > l4len {
			return reasonMalformed
		}
		p.payload = l4len - off
	case protoUDP:
		if len(d) < 8 {
			return reasonTruncated
		}
		if l4len < 8 {
			return reasonMalformed
		}
		p.payload = l4len - 8
	default:
		return reasonOtherTransport
	}
	p.sport, p.dport = be.Uint16(d[0:]), be.Uint16(d[2:])
	return reasonOK
}
