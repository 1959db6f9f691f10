package trace

import (
	"encoding/binary"
	"errors"
	"io"
)

// bufSize is the read buffer. Records are parsed in place, so it must hold
// the largest record or block the reader accepts (MaxCaplen plus headers)
// with room to spare; bigger reads also mean fewer system calls.
const bufSize = 1 << 20

// readChunk bounds one read: data read in small pieces is parsed while it
// is still in the CPU's cache (a 1 MiB read had left most of it in memory
// only by the time the parser got to it).
const readChunk = 512 << 10

// maxBlock is the largest pcapng block parsed in place: half of s's buffer
// (512 KiB with bufSize); larger non-packet blocks are skipped by streaming
// over them.
func (s *source) maxBlock() int { return len(s.buf) / 2 }

// maxCaplen is the largest caplen of a classic pcap record (16 header
// bytes before it) that fits s's buffer: MaxCaplen with the default buffer.
func (s *source) maxCaplen() uint32 { return uint32(min(MaxCaplen, len(s.buf)-16)) }

// source is a refilling window over the capture's (decompressed) bytes.
// Slices it returns are valid until the next fill.
type source struct {
	r        io.Reader
	buf      []byte
	pos, end int
	off      int64 // stream offset of buf[pos]
	err      error // sticky; io.EOF at the end
}

// fill tries to make n ≤ len(buf) bytes available at pos and returns how
// many are; fewer than n only when the stream ended or failed.
func (s *source) fill(n int) int {
	if s.end-s.pos >= n {
		return s.end - s.pos
	}
	if s.pos+n > len(s.buf) {
		copy(s.buf, s.buf[s.pos:s.end])
		s.end -= s.pos
		s.pos = 0
	}
	for s.end-s.pos < n && s.err == nil {
		m, err := s.r.Read(s.buf[s.end:min(len(s.buf), s.end+readChunk)])
		s.end += m
		if err != nil {
			s.err = err
		}
	}
	return s.end - s.pos
}

// bytes returns the n bytes at pos, capped at n: a parser that reads past
// its record panics (and the fuzzer sees it) instead of reading the next
// record's bytes.
func (s *source) bytes(n int) []byte { return s.buf[s.pos : s.pos+n : s.pos+n] }

func (s *source) advance(n int) {
	s.pos += n
	s.off += int64(n)
}

// skip discards n bytes, which may exceed the buffer; it reports whether all
// of them were there.
func (s *source) skip(n int64) bool {
	for n > 0 {
		avail := s.fill(1)
		if avail == 0 {
			return false
		}
		k := int(min(int64(avail), n))
		s.advance(k)
		n -= int64(k)
	}
	return true
}

// cutShort reports whether the stream ended early (plain EOF, or a gzip
// stream that stops mid-member), as opposed to failing.
func (s *source) cutShort() bool {
	return s.err == io.EOF || errors.Is(s.err, io.ErrUnexpectedEOF)
}

// Byte-order helpers: a bool test is cheaper than a binary.ByteOrder
// interface call in the per-packet path.
func u16(b []byte, big bool) uint16 {
	if big {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func u32(b []byte, big bool) uint32 {
	if big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}
