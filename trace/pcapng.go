package trace

import (
	"encoding/binary"
	"math"
	"math/bits"
)

const (
	blockSHB = 0x0a0d0d0a
	blockIDB = 1
	blockPB  = 2 // obsolete Packet Block
	blockSPB = 3
	blockEPB = 6
)

// iface is a pcapng interface: its link type and how to turn its timestamp
// units into nanoseconds.
type iface struct {
	link    uint32
	snaplen uint32
	binary  bool  // resolution 2^-exp seconds, else 10^-exp
	exp     uint8 // resolution exponent
	offset  int64 // if_tsoffset, in ns
	tick    int64 // the resolution in ns, rounded, at least 1
}

// resolution returns the interface's clock tick in ns, rounded (2^-10 s is
// 976562.5 ns), at least 1: finer clocks still land on whole nanoseconds.
func (f *iface) resolution() int64 {
	switch {
	case f.binary:
		return max(1, int64(math.Round(1e9/math.Ldexp(1, int(f.exp)))))
	case f.exp <= 9:
		return int64(pow10[9-f.exp])
	}
	return 1
}

func (f *iface) ns(units uint64) int64 {
	if f.binary {
		if f.exp == 0 {
			return int64(units*1e9) + f.offset
		}
		hi, lo := bits.Mul64(units, 1e9)
		return int64(hi<<(64-f.exp)|lo>>f.exp) + f.offset
	}
	if f.exp <= 9 {
		return int64(units*pow10[9-f.exp]) + f.offset
	}
	return int64(units/pow10[f.exp-9]) + f.offset
}

var pow10 = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// readPcapng reads a pcapng file: any number of sections (each with its own
// byte order) and interfaces (each with its own link type and timestamp
// resolution). Packet blocks are decoded in place in the read buffer.
func (rd *reader) readPcapng() error {
	s := &rd.src
	var (
		big    bool
		ifaces []iface
		lastTs int64
	)
	for {
		off := s.off
		n := s.fill(12)
		if n < 12 {
			if n == 0 && s.cutShort() {
				return nil
			}
			if off == 0 {
				return rd.errf("%w: pcapng section header has %d of 28 bytes", ErrShortHeader, n)
			}
			return rd.cut(off, n, 12, "block header")
		}
		b := s.bytes(12)
		btype := binary.BigEndian.Uint32(b) // the SHB type reads the same in both orders
		if btype == blockSHB {
			switch binary.BigEndian.Uint32(b[8:]) {
			case 0x1a2b3c4d:
				big = true
			case 0x4d3c2b1a:
				big = false
			default:
				return rd.errf("%w: section header at offset %d: bad byte-order magic % x", ErrNotCapture, off, b[8:12])
			}
			ifaces = ifaces[:0]
		} else {
			btype = u32(b, big)
		}
		blen64 := u32(b[4:], big)
		if blen64 < 12 || blen64%4 != 0 {
			if off == 0 {
				return rd.errf("%w: section header length %d", ErrNotCapture, blen64)
			}
			return rd.recordErr(off, "pcapng block type %#x has length %d (want a multiple of 4, at least 12)", btype, blen64)
		}
		if limit := s.maxBlock(); blen64 > uint32(limit) {
			if btype == blockEPB || btype == blockSPB || btype == blockPB {
				return rd.recordErr(off, "packet block length %d exceeds the limit of %d", blen64, limit)
			}
			if btype == blockSHB || btype == blockIDB {
				return rd.recordErr(off, "pcapng block type %#x has length %d, beyond the limit of %d", btype, blen64, limit)
			}
			// Large custom or name-resolution blocks carry nothing we use.
			if !s.skip(int64(blen64)) {
				return rd.cut(off, int(s.off-off), int(blen64), "block")
			}
			continue
		}
		blen := int(blen64)
		if n < blen {
			if n = s.fill(blen); n < blen {
				if off == 0 {
					return rd.errf("%w: pcapng section header has %d of %d bytes", ErrShortHeader, n, blen)
				}
				return rd.cut(off, n, blen, "block")
			}
		}
		b = s.bytes(blen)
		if u32(b[blen-4:], big) != blen64 {
			return rd.recordErr(off, "pcapng block type %#x: trailing length %d differs from leading length %d", btype, u32(b[blen-4:], big), blen64)
		}
		switch btype {
		case blockSHB:
			if blen < 28 {
				return rd.errf("%w: section header at offset %d has length %d (want at least 28)", ErrNotCapture, off, blen)
			}
			if major := u16(b[12:], big); major != 1 {
				return rd.errf("%w: section header at offset %d: pcapng version %d, want 1", ErrNotCapture, off, major)
			}
		case blockIDB:
			if blen < 20 {
				return rd.recordErr(off, "interface block length %d (want at least 20)", blen)
			}
			f := iface{link: uint32(u16(b[8:], big)), snaplen: u32(b[12:], big), exp: 6}
			if err := rd.ifaceOptions(&f, b[16:blen-4], big, off); err != nil {
				return err
			}
			f.tick = f.resolution()
			ifaces = append(ifaces, f)
		case blockEPB, blockPB:
			if blen < 32 {
				return rd.recordErr(off, "packet block length %d (want at least 32)", blen)
			}
			var id uint32
			if btype == blockEPB {
				id = u32(b[8:], big)
			} else {
				id = uint32(u16(b[8:], big))
			}
			if id >= uint32(len(ifaces)) {
				return rd.recordErr(off, "packet on interface %d, but the section declares %d", id, len(ifaces))
			}
			caplen := u32(b[20:], big)
			if caplen > MaxCaplen {
				return rd.recordErr(off, "caplen %d exceeds the limit of %d", caplen, MaxCaplen)
			}
			if 28+int(caplen) > blen-4 {
				return rd.recordErr(off, "caplen %d overruns its block of %d bytes", caplen, blen)
			}
			f := &ifaces[id]
			rd.tick = max(rd.tick, f.tick)
			lastTs = f.ns(uint64(u32(b[12:], big))<<32 | uint64(u32(b[16:], big)))
			rd.packet(lastTs, f.link, b[28:28+caplen], u32(b[24:], big))
		case blockSPB:
			// Type, length, original length, trailing length: 16 bytes
			// before any packet data.
			if blen < 16 {
				return rd.recordErr(off, "simple packet block length %d (want at least 16)", blen)
			}
			if len(ifaces) == 0 {
				return rd.recordErr(off, "simple packet block before any interface block")
			}
			f := &ifaces[0]
			rd.tick = max(rd.tick, f.tick)
			orig := u32(b[8:], big)
			caplen := min(orig, uint32(blen-16))
			if f.snaplen > 0 {
				caplen = min(caplen, f.snaplen)
			}
			// A simple packet block has no timestamp: it is taken to
			// arrive with the packet before it.
			rd.packet(lastTs, f.link, b[12:12+caplen], orig)
		}
		s.advance(blen)
		if rd.stop != nil {
			return rd.stop
		}
	}
}

// ifaceOptions reads the options of an interface block that matter here:
// if_tsresol (9) and if_tsoffset (14).
func (rd *reader) ifaceOptions(f *iface, opts []byte, big bool, off int64) error {
	for len(opts) >= 4 {
		code, l := u16(opts, big), int(u16(opts[2:], big))
		if code == 0 {
			break
		}
		padded := (l + 3) &^ 3
		if 4+padded > len(opts) {
			return rd.recordErr(off, "interface option %d of length %d overruns its block", code, l)
		}
		v := opts[4 : 4+l]
		switch {
		case code == 9 && l >= 1:
			f.binary = v[0]&0x80 != 0
			f.exp = v[0] & 0x7f
			if (f.binary && f.exp > 63) || (!f.binary && f.exp > 19) {
				return rd.recordErr(off, "interface timestamp resolution %#x is out of range", v[0])
			}
		case code == 14 && l >= 8:
			if big {
				f.offset = int64(binary.BigEndian.Uint64(v)) * 1e9
			} else {
				f.offset = int64(binary.LittleEndian.Uint64(v)) * 1e9
			}
		}
		opts = opts[4+padded:]
	}
	return nil
}
