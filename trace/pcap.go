package trace

import "encoding/binary"

// readPcap reads a classic pcap file (microsecond or nanosecond stamps,
// either byte order). Records are decoded in place in the read buffer.
func (rd *reader) readPcap() error {
	s := &rd.src
	if n := s.fill(24); n < 24 {
		if !s.cutShort() {
			return rd.errf("reading the file header: %w", s.err)
		}
		return rd.errf("%w: pcap file header has %d of 24 bytes", ErrShortHeader, n)
	}
	h := s.bytes(24)
	magic := binary.BigEndian.Uint32(h)
	big := magic == 0xa1b2c3d4 || magic == 0xa1b23c4d
	var fracNs int64 = 1000 // microseconds
	if magic == 0xa1b23c4d || magic == 0x4d3cb2a1 {
		fracNs = 1
	}
	rd.tick = fracNs
	// The upper bits of the link type field carry FCS information.
	link := u32(h[20:], big) & 0xffff
	s.advance(24)
	for {
		off := s.off
		n := s.fill(16)
		if n < 16 {
			if n == 0 && s.cutShort() {
				return nil
			}
			return rd.cut(off, n, 16, "record header")
		}
		r := s.bytes(16)
		caplen := u32(r[8:], big)
		if limit := s.maxCaplen(); caplen > limit {
			return rd.recordErr(off, "caplen %d exceeds the limit of %d", caplen, limit)
		}
		want := 16 + int(caplen)
		if n < want {
			if n = s.fill(want); n < want {
				return rd.cut(off, n-16, int(caplen), "packet data")
			}
			r = s.bytes(16)
		}
		ts := int64(u32(r, big))*1e9 + int64(u32(r[4:], big))*fracNs
		rd.packet(ts, link, s.buf[s.pos+16:s.pos+want], u32(r[12:], big))
		s.advance(want)
		if rd.stop != nil {
			return rd.stop
		}
	}
}
