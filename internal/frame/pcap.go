package frame

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Classic pcap magic numbers (written little-endian).
const (
	magicMicro = 0xA1B2C3D4
	magicNano  = 0xA1B23C4D
	linkEther  = 1
)

// PcapWriter writes Ethernet frames to a classic pcap stream. It allocates
// nothing per packet; wrap w in a bufio.Writer (atomicfile.Write does).
type PcapWriter struct {
	w       io.Writer
	nano    bool
	snaplen uint32
	hdr     [16]byte
	n       int64
}

// NewPcapWriter writes the file header (link type Ethernet) and returns a
// writer. nano selects nanosecond timestamps; otherwise microseconds, which
// tcpreplay and trafgen -i expect. snaplen 0 means 65535.
func NewPcapWriter(w io.Writer, snaplen uint32, nano bool) (*PcapWriter, error) {
	if snaplen == 0 {
		snaplen = DefaultSnap
	}
	p := &PcapWriter{w: w, nano: nano, snaplen: snaplen}
	var h [24]byte
	magic := uint32(magicMicro)
	if nano {
		magic = magicNano
	}
	binary.LittleEndian.PutUint32(h[0:], magic)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], snaplen)
	binary.LittleEndian.PutUint32(h[20:], linkEther)
	if _, err := w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("pcap: header: %w", err)
	}
	return p, nil
}

// WritePacket writes one frame stamped ns nanoseconds after the Unix epoch.
// In a microsecond file the stamp is rounded to the nearest microsecond, so
// rounding errors do not add up across gaps. Frames longer than the snap
// length are truncated in the file and keep their original length.
func (p *PcapWriter) WritePacket(ns int64, frame []byte) error {
	if ns < 0 {
		return fmt.Errorf("pcap: packet %d: negative timestamp %d ns", p.n+1, ns)
	}
	sec, frac := ns/1e9, ns%1e9
	if !p.nano {
		frac = (frac + 500) / 1000
		if frac == 1e6 {
			sec, frac = sec+1, 0
		}
	}
	if sec > 0xFFFFFFFF {
		return fmt.Errorf("pcap: packet %d: timestamp %d s does not fit 32 bits", p.n+1, sec)
	}
	caplen := min(uint32(len(frame)), p.snaplen)
	binary.LittleEndian.PutUint32(p.hdr[0:], uint32(sec))
	binary.LittleEndian.PutUint32(p.hdr[4:], uint32(frac))
	binary.LittleEndian.PutUint32(p.hdr[8:], caplen)
	binary.LittleEndian.PutUint32(p.hdr[12:], uint32(len(frame)))
	if _, err := p.w.Write(p.hdr[:]); err != nil {
		return fmt.Errorf("pcap: packet %d: %w", p.n+1, err)
	}
	if _, err := p.w.Write(frame[:caplen]); err != nil {
		return fmt.Errorf("pcap: packet %d: %w", p.n+1, err)
	}
	p.n++
	return nil
}

// Packets is the number of packets written.
func (p *PcapWriter) Packets() int64 { return p.n }
