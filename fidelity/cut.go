package fidelity

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/gmm2trex/gmm2trex/internal/atomicfile"
)

// Cut writes the first n packets of the capture src (pcap or pcapng,
// either gzipped) to dst as a pcap of src's link type (its first
// interface's for pcapng, whose packets on other interfaces are left out)
// and timestamp resolution: microseconds where src has them or coarser,
// else nanoseconds — the resolution is the capture clock the model search
// rounds generated gaps to, so a cut keeps it. It is how the benchmark judges short captures
// (scripts/fidelity -cut): the real programs' captures cut to their first
// few hundred packets give directions of the length a short real capture
// has, where the model search meets less data than the whole captures
// offer. Errors name src; dst is written whole or not at all.
func Cut(src, dst string, n int) error {
	if n < 1 {
		return fmt.Errorf("fidelity: cut %s: %d packets: want at least 1", src, n)
	}
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("fidelity: cut %s: %w", src, err)
		}
		defer gz.Close()
		r = bufio.NewReader(gz)
	}
	type packets interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
		LinkType() layers.LinkType
		Resolution() gopacket.TimestampResolution
	}
	var in packets
	var snap uint32 = 262144
	if magic, _ := r.(*bufio.Reader).Peek(4); bytes.Equal(magic, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		ng, err := pcapgo.NewNgReader(r, pcapgo.NgReaderOptions{SkipUnknownVersion: true})
		if err != nil {
			return fmt.Errorf("fidelity: cut %s: %w", src, err)
		}
		in = ng
	} else {
		pr, err := pcapgo.NewReader(r)
		if err != nil {
			return fmt.Errorf("fidelity: cut %s: %w", src, err)
		}
		in, snap = pr, pr.Snaplen()
	}
	var out bytes.Buffer
	w := pcapgo.NewWriterNanos(&out)
	if in.Resolution().ToDuration() >= time.Microsecond {
		w = pcapgo.NewWriter(&out)
	}
	if err := w.WriteFileHeader(snap, in.LinkType()); err != nil {
		return err
	}
	for kept := 0; kept < n; {
		data, ci, err := in.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("fidelity: cut %s: packet %d: %w", src, kept+1, err)
		}
		if ci.InterfaceIndex != 0 {
			continue
		}
		if err := w.WritePacket(ci, data); err != nil {
			return fmt.Errorf("fidelity: cut %s: packet %d: %w", src, kept+1, err)
		}
		kept++
	}
	return atomicfile.WriteBytes(dst, 0o644, out.Bytes())
}
