package exporters

import (
	"fmt"
	"io"
	"strconv"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

func init() {
	Register(&Format{
		Name:    "pcap",
		Timed:   true,
		Summary: "bidirectional synthetic capture (for tcpreplay, trafgen -i, TRex's pcap loader)",
		Params: []Param{{Name: "nanosecond", Field: "PcapOptions.Nanosecond", Switch: true, Default: "false",
			Usage: "nanosecond timestamps (default microseconds, which tcpreplay and trafgen -i expect)",
			Parse: func(o *Options, v string) (err error) { o.Pcap.Nanosecond, err = strconv.ParseBool(v); return err }}},
		Export: exportPcap,
		Write:  writePcap,
	})
}

// PcapOptions are the options of the pcap format.
type PcapOptions struct {
	// Nanosecond writes nanosecond timestamps; the default, microseconds,
	// is what tcpreplay and trafgen -i expect.
	Nanosecond bool
}

// The pcap format writes every selected object and direction into one
// capture, merged in time order, each object from its own t=0.
func exportPcap(p *profiles.Profile, o Options) ([]string, error) {
	ts, err := selectTargets(p, o)
	if err != nil {
		return nil, err
	}
	var n int64
	var sizers []*sizer
	err = o.writeFile(o.Output, func(w io.Writer) error {
		sizers, n, err = writeCapture(w, p, ts, o, o.Pcap.Nanosecond, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pcap: %w", err)
	}
	clampNote(o, sizers...)
	o.notef("wrote %s: %d packets", o.Output, n)
	return []string{o.Output}, nil
}

func writePcap(w io.Writer, p *profiles.Profile, o Options) error {
	ts, err := selectTargets(p, o)
	if err != nil {
		return err
	}
	sizers, _, err := writeCapture(w, p, ts, o, o.Pcap.Nanosecond, false)
	if err != nil {
		return err
	}
	clampNote(o, sizers...)
	return nil
}

// handshakeGap spaces the SYN, SYN-ACK and ACK written before a TCP flow's
// data (trex-astf): TRex's TCP stack sets its own timing, so any small gap
// serves.
const handshakeGap = 100e-6

// flowWriter emits the frames of one target: both directions' templates and
// the TCP sequence state that keeps seq/ack consistent across directions.
type flowWriter struct {
	tpl    [2]*frame.Template
	sz     [2]*sizer
	tcp    bool
	next   [2]uint32 // next sequence number each side sends
	stream *sampler.Stream
	head   sampler.Packet
	live   bool
	offset int64 // ns added to the stream's times (after a handshake)
}

func newFlowWriter(p *profiles.Profile, t *target, o Options, i int) (*flowWriter, error) {
	f := &flowWriter{tcp: t.proto == frame.TCP}
	for _, d := range []profiles.Dir{profiles.From, profiles.To} {
		tpl, err := t.template(d, o.MaxFrame)
		if err != nil {
			return nil, err
		}
		f.tpl[d], f.sz[d] = tpl, newSizer(p, tpl)
		// Deterministic, seed-dependent initial sequence numbers that differ
		// per object and side.
		f.next[d] = uint32(o.Seed*0x9E3779B1) ^ uint32(i+1)*0x01000193 ^ uint32(d+1)<<28
	}
	s, err := stream(t, o)
	if err != nil {
		return nil, err
	}
	f.stream = s
	f.live = s.Next(&f.head)
	return f, nil
}

// write emits packet pk of this flow stamped at ns.
func (f *flowWriter) write(pw *frame.PcapWriter, ns int64, pk *sampler.Packet) error {
	d := pk.Dir
	n := f.sz[d].payload(pk.Size)
	if !f.tcp {
		return pw.WritePacket(ns, f.tpl[d].Frame(n))
	}
	flags := uint8(frame.FlagACK)
	if n > 0 {
		flags |= frame.FlagPSH
	}
	b := f.tpl[d].TCPFrame(n, f.next[d], f.next[1-d], flags)
	f.next[d] += uint32(n)
	return pw.WritePacket(ns, b)
}

// handshake writes SYN, SYN-ACK, ACK from the local side (the client) at
// base and shifts the flow's data after them.
func (f *flowWriter) handshake(pw *frame.PcapWriter, base int64) error {
	step := ns(handshakeGap)
	l, r := profiles.From, profiles.To
	if err := pw.WritePacket(base, f.tpl[l].TCPFrame(0, f.next[l], 0, frame.FlagSYN)); err != nil {
		return err
	}
	f.next[l]++
	if err := pw.WritePacket(base+step, f.tpl[r].TCPFrame(0, f.next[r], f.next[l], frame.FlagSYN|frame.FlagACK)); err != nil {
		return err
	}
	f.next[r]++
	if err := pw.WritePacket(base+2*step, f.tpl[l].TCPFrame(0, f.next[l], f.next[r], frame.FlagACK)); err != nil {
		return err
	}
	f.offset = 3 * step
	return nil
}

// writeCapture writes the merged streams of ts (each from its own t=0, in
// time order across objects) as a pcap. With handshake, TCP flows start with
// SYN, SYN-ACK, ACK. It returns the sizers (for the clamping note) and the
// number of packets written.
func writeCapture(w io.Writer, p *profiles.Profile, ts []target, o Options, nano, handshake bool) ([]*sizer, int64, error) {
	pw, err := frame.NewPcapWriter(w, frame.DefaultSnap, nano)
	if err != nil {
		return nil, 0, err
	}
	base := epochNS(p)
	fws := make([]*flowWriter, len(ts))
	var sizers []*sizer
	for i := range ts {
		if fws[i], err = newFlowWriter(p, &ts[i], o, i); err != nil {
			return nil, 0, err
		}
		sizers = append(sizers, fws[i].sz[0], fws[i].sz[1])
		if handshake && fws[i].tcp {
			if err := fws[i].handshake(pw, base); err != nil {
				return nil, 0, err
			}
		}
	}
	for {
		// Few objects: a linear scan for the earliest head beats a heap.
		best := -1
		var bestNS int64
		for i, f := range fws {
			if !f.live {
				continue
			}
			t := base + f.offset + ns(f.head.Time)
			if best < 0 || t < bestNS {
				best, bestNS = i, t
			}
		}
		if best < 0 {
			break
		}
		f := fws[best]
		if err := f.write(pw, bestNS, &f.head); err != nil {
			return nil, 0, err
		}
		f.live = f.stream.Next(&f.head)
	}
	return sizers, pw.Packets(), nil
}
