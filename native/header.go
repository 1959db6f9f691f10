package native

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Every payload the sender writes starts with a header, so that the
// receiving side can count loss and reordering, measure one-way delay and,
// over TCP, find the end of each packet in the byte stream:
//
//	offset 0  magic   uint16  0x6732 ("g2")
//	offset 2  length  uint16  payload length including this header
//	offset 4  seq     uint32  per-direction sequence number from 0
//	offset 8  sent    int64   send time, Unix nanoseconds (wall clock)
//
// All fields are big-endian; the rest of the payload is zero filler.
const (
	HeaderLen = 16
	Magic     = 0x6732
	// MaxPayload is the largest payload a header can describe. Larger sampled
	// sizes are sent at this size (UDP cannot carry more than 65507 anyway).
	MaxPayload = 65535
)

// Header is the decoded payload header.
type Header struct {
	Length uint16
	Seq    uint32
	Sent   int64
}

// ErrNotOurs is returned by ParseHeader for payloads that do not start with
// the magic number: traffic from something other than the peer.
var ErrNotOurs = errors.New("native: payload does not start with the gmm2trex header")

// putHeader writes the header into b, which must hold HeaderLen bytes.
func putHeader(b []byte, length int, seq uint32, sent int64) {
	binary.BigEndian.PutUint16(b[0:], Magic)
	binary.BigEndian.PutUint16(b[2:], uint16(length))
	binary.BigEndian.PutUint32(b[4:], seq)
	binary.BigEndian.PutUint64(b[8:], uint64(sent))
}

// ParseHeader decodes the header at the start of b.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, fmt.Errorf("native: payload of %d bytes, shorter than the %d-byte header: %w", len(b), HeaderLen, ErrNotOurs)
	}
	if binary.BigEndian.Uint16(b) != Magic {
		return Header{}, ErrNotOurs
	}
	h := Header{
		Length: binary.BigEndian.Uint16(b[2:]),
		Seq:    binary.BigEndian.Uint32(b[4:]),
		Sent:   int64(binary.BigEndian.Uint64(b[8:])),
	}
	if h.Length < HeaderLen {
		return h, fmt.Errorf("native: header length field %d is shorter than the header itself", h.Length)
	}
	return h, nil
}

// wireSize is the payload size actually sent for a sampled size: never
// shorter than the header, never longer than limit.
func wireSize(size, limit int) int {
	return min(max(size, HeaderLen), limit)
}

// sizeFit counts, for the report, the sampled sizes a transport had to
// change to put them on the wire (wireSize). Transports embed it.
type sizeFit struct {
	raised, clamped int64
}

// fit returns wireSize(size, limit) and counts the change.
func (f *sizeFit) fit(size, limit int) int {
	n := wireSize(size, limit)
	if size < HeaderLen {
		f.raised++
	} else if n < size {
		f.clamped++
	}
	return n
}

func (f *sizeFit) fitCounts() sizeFit { return *f }
