package fidelity

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/gmm2trex/gmm2trex/internal/atomicfile"
	"github.com/gmm2trex/gmm2trex/trace"
)

// errCutDone stops the read of a capture once a cut has its packets.
var errCutDone = errors.New("cut done")

// Cut writes the first n packets of the capture src (what trace reads:
// pcap or pcapng, either gzipped) to dst as a pcap of src's link type (its
// first packet's; for pcapng, packets of another link type are left out)
// and clock: microseconds where src ticks in them or coarser, else
// nanoseconds — the resolution is the capture clock the model search
// rounds generated gaps to, so a cut keeps it. It is how the benchmark
// judges short captures (scripts/fidelity -cut): the real programs'
// captures cut to their first few hundred packets give directions of the
// length a short real capture has, where the model search meets less data
// than the whole captures offer. Errors name src; dst is written whole or
// not at all.
func Cut(src, dst string, n int) error {
	if n < 1 {
		return fmt.Errorf("fidelity: cut %s: %d packets: want at least 1", src, n)
	}
	var out bytes.Buffer
	var w *pcapgo.Writer
	var link uint32
	kept := 0
	_, err := trace.RecordsFile(src, func(r *trace.Record) error {
		if w == nil {
			link = r.Link
			if w = pcapgo.NewWriterNanos(&out); r.Tick >= int64(time.Microsecond) {
				w = pcapgo.NewWriter(&out)
			}
			if err := w.WriteFileHeader(262144, layers.LinkType(link)); err != nil {
				return err
			}
		}
		if r.Link != link {
			return nil
		}
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, r.Time), CaptureLength: len(r.Data), Length: int(r.OrigLen)}
		if err := w.WritePacket(ci, r.Data); err != nil {
			return err
		}
		if kept++; kept == n {
			return errCutDone
		}
		return nil
	})
	if err != nil && !errors.Is(err, errCutDone) {
		return fmt.Errorf("fidelity: cut %s: %w", src, err)
	}
	if w == nil {
		return fmt.Errorf("fidelity: cut %s: no packet", src)
	}
	return atomicfile.WriteBytes(dst, 0o644, out.Bytes())
}
