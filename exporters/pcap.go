package exporters

import (
	"container/heap"
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
		Flows:   true,
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

// flowWriter emits the frames of one flow of a target: both directions'
// templates and the TCP sequence state that keeps seq/ack consistent across
// directions.
type flowWriter struct {
	tpl    [2]*frame.Template
	sz     [2]*sizer
	tcp    bool
	next   [2]uint32 // next sequence number each side sends
	stream *sampler.Stream
	head   sampler.Packet
	live   bool
	offset int64 // ns added to the stream's times (the start phase, a handshake)
	at     int64 // the head's time stamp, when live
	order  int   // position among the writers: earlier wins a tie
}

// newFlowWriter prepares flow f of t; i numbers the writer (it seeds the
// initial sequence numbers and breaks ties).
func newFlowWriter(p *profiles.Profile, t *target, o Options, i, f int) (*flowWriter, error) {
	fw := &flowWriter{tcp: t.proto == frame.TCP, order: i}
	for _, d := range []profiles.Dir{profiles.From, profiles.To} {
		tpl, err := t.flowTemplate(d, f, o.MaxFrame)
		if err != nil {
			return nil, err
		}
		fw.tpl[d], fw.sz[d] = tpl, newSizer(p, tpl)
		// Deterministic, seed-dependent initial sequence numbers that differ
		// per writer and side.
		fw.next[d] = uint32(o.Seed*0x9E3779B1) ^ uint32(i+1)*0x01000193 ^ uint32(d+1)<<28
	}
	phase, err := flowPhase(t, o, f)
	if err != nil {
		return nil, err
	}
	s, err := flowStream(t, o, f, phase)
	if err != nil {
		return nil, err
	}
	fw.stream, fw.offset = s, ns(phase)
	fw.live = s.Next(&fw.head) && !(o.Duration > 0 && phase > o.Duration)
	return fw, nil
}

// writerHeap orders live flow writers by their head's time stamp.
type writerHeap []*flowWriter

func (h writerHeap) Len() int { return len(h) }
func (h writerHeap) Less(i, j int) bool {
	return h[i].at < h[j].at || h[i].at == h[j].at && h[i].order < h[j].order
}
func (h writerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *writerHeap) Push(x any)   { *h = append(*h, x.(*flowWriter)) }
func (h *writerHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
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
	f.offset += 3 * step
	return nil
}

// flowRef is one flow of a target, as a capture writes it.
type flowRef struct {
	t     *target
	f     int // the flow
	order int // the writer's number: ties and initial sequence numbers
}

// writeCapture writes the merged streams of ts and their flows (each from
// its own t=0 plus its start phase, in time order across all of them) as a
// pcap. With handshake, TCP flows start with SYN, SYN-ACK, ACK. It returns
// the sizers (for the clamping note) and the number of packets written.
func writeCapture(w io.Writer, p *profiles.Profile, ts []target, o Options, nano, handshake bool) ([]*sizer, int64, error) {
	var refs []flowRef
	for f := 0; ; f++ {
		more := false
		for i := range ts {
			if f < ts[i].flows.n {
				// Flow 0 of object i is writer i, as without flows.
				refs, more = append(refs, flowRef{&ts[i], f, f*len(ts) + i}), true
			}
		}
		if !more {
			break
		}
	}
	return writeFlows(w, p, refs, o, nano, handshake)
}

// writeFlows writes the flows refs as one capture. Memory is one writer
// per flow, whatever the packet count: the flows' streams are merged
// through a heap as they are drawn.
func writeFlows(w io.Writer, p *profiles.Profile, refs []flowRef, o Options, nano, handshake bool) ([]*sizer, int64, error) {
	pw, err := frame.NewPcapWriter(w, frame.DefaultSnap, nano)
	if err != nil {
		return nil, 0, err
	}
	base := epochNS(p)
	var sizers []*sizer
	var h writerHeap
	for _, r := range refs {
		fw, err := newFlowWriter(p, r.t, o, r.order, r.f)
		if err != nil {
			return nil, 0, err
		}
		sizers = append(sizers, fw.sz[0], fw.sz[1])
		if handshake && fw.tcp {
			if err := fw.handshake(pw, base+fw.offset); err != nil {
				return nil, 0, err
			}
		}
		if fw.live {
			fw.at = base + fw.offset + ns(fw.head.Time)
			h = append(h, fw)
		}
	}
	heap.Init(&h)
	for len(h) > 0 {
		fw := h[0]
		if err := fw.write(pw, fw.at, &fw.head); err != nil {
			return nil, 0, err
		}
		if fw.live = fw.stream.Next(&fw.head); fw.live {
			fw.at = base + fw.offset + ns(fw.head.Time)
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	return sizers, pw.Packets(), nil
}
