package native

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/trace"
)

// ReplayConfig describes a replay of captured frames.
type ReplayConfig struct {
	Iface string
	// The frames: Capture, the path of an Ethernet capture (pcap or pcapng,
	// gzipped too) that is streamed through trace, so that memory stays
	// bounded whatever its size; or, when Capture is "", Frames and their
	// capture times (nanoseconds, any origin, ascending) in memory.
	Capture string
	Frames  [][]byte
	Times   []int64
	// Multiplier divides every gap (2 plays twice as fast); 0 means 1.
	Multiplier float64
	// Loop plays the capture this many times (0 means 1); each round
	// starts one mean gap after the previous round's last frame.
	Loop int
	// Topspeed ignores the timestamps and sends as fast as possible.
	Topspeed bool
	// MaxPPS caps the rate, top speed included; 0 means DefaultMaxPPS.
	MaxPPS float64
	// AllowBroadcast lets frames to broadcast or multicast destinations
	// (MAC or IP) through; without it they are refused, naming the packet.
	AllowBroadcast bool
	Spin           time.Duration
	BatchThreshold time.Duration
}

// ReplayReport is what a replay measured.
type ReplayReport struct {
	Packets    int64    `json:"packets"`
	Bytes      int64    `json:"bytes"`
	Seconds    float64  `json:"seconds"`
	PPS        float64  `json:"pps"`
	GapErrorUS GapError `json:"gap_error_us"`
	Late       int64    `json:"late"`
	MaxLateUS  float64  `json:"max_late_us"`
	topspeed   bool     // no schedule, so no gap error
}

// WriteText prints the report as two lines: packets, bytes and rate, then
// (unless the replay ran at top speed) the gap error.
func (r *ReplayReport) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "sent      %d frames, %d bytes in %.3f s (%.0f pps)\n", r.Packets, r.Bytes, r.Seconds, r.PPS)
	if err == nil && !r.topspeed {
		_, err = fmt.Fprintf(w, "gap error median %.2f µs, p99 %.2f µs, max %.2f µs; %d late (latest by %.1f µs)\n",
			r.GapErrorUS.Median, r.GapErrorUS.P99, r.GapErrorUS.Max, r.Late, r.MaxLateUS)
	}
	return err
}

// ReadFrames loads every frame of an Ethernet capture (pcap or pcapng,
// gzipped too, read through trace) with its timestamp in nanoseconds, for
// ReplayConfig. warnings are the reader's (a capture cut short, say); a
// capture of another link type, or with no packets, is an error.
func ReadFrames(path string) (frames [][]byte, times []int64, warnings []string, err error) {
	warnings, err = trace.RecordsFile(path, func(r *trace.Record) error {
		if r.Link != trace.LinkEthernet {
			return fmt.Errorf("%s: packet %d: link type %d; replay sends Ethernet frames only (link type 1)", path, r.Number, r.Link)
		}
		frames = append(frames, slices.Clone(r.Data))
		times = append(times, r.Time)
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	if len(frames) == 0 {
		return nil, nil, warnings, fmt.Errorf("%s: no packets", path)
	}
	return frames, times, warnings, nil
}

// Replayer holds an open AF_PACKET socket and the frames to send.
type Replayer struct {
	cfg      ReplayConfig
	raw      *rawSender
	maxFrame int
	n        int64 // frames in one round
	t0, span int64
	warnings []string
}

// OpenReplay checks every frame against the interface (length), the
// broadcast rule and the order of the stamps — reading a Capture through
// once, in constant memory — and opens the socket (in the calling thread's
// network namespace). Nothing is sent before every frame has passed.
func OpenReplay(cfg ReplayConfig) (*Replayer, error) {
	if cfg.Multiplier == 0 {
		cfg.Multiplier = 1
	}
	if cfg.Loop == 0 {
		cfg.Loop = 1
	}
	if cfg.MaxPPS == 0 {
		cfg.MaxPPS = DefaultMaxPPS
	}
	if cfg.Spin == 0 {
		cfg.Spin = DefaultSpin
	}
	if cfg.BatchThreshold == 0 {
		cfg.BatchThreshold = DefaultBatchThreshold
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	if cfg.Capture == "" && (len(cfg.Frames) == 0 || len(cfg.Frames) != len(cfg.Times)) {
		return nil, fmt.Errorf("replay: %d frames with %d timestamps", len(cfg.Frames), len(cfg.Times))
	}
	ifi, err := net.InterfaceByName(cfg.Iface)
	if err != nil {
		return nil, fmt.Errorf("replay: interface %q: %w", cfg.Iface, err)
	}
	r := &Replayer{cfg: cfg, maxFrame: ifi.MTU + frame.EthLen}
	ck := r.newChecker()
	if cfg.Capture != "" {
		// A capture that fits in replayMemLimit is kept from this pass and
		// sent from memory (no reading competes with sending, rounds do
		// not read the file again); a bigger one is streamed.
		var mem memFrames
		keep := replayMemLimit > 0
		r.warnings, err = trace.RecordsFile(cfg.Capture, func(rec *trace.Record) error {
			if err := ck.check(rec.Number, rec.Link, rec.Data, rec.Time); err != nil {
				return err
			}
			if keep && !mem.add(rec.Data, rec.Time, replayMemLimit) {
				keep, mem = false, memFrames{}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if ck.n == 0 {
			return nil, fmt.Errorf("%s: no packets", cfg.Capture)
		}
		if keep {
			r.cfg.Capture, r.cfg.Frames, r.cfg.Times = "", mem.frames, mem.times
		}
	} else {
		for i, f := range cfg.Frames {
			if err := ck.check(int64(i+1), trace.LinkEthernet, f, cfg.Times[i]); err != nil {
				return nil, err
			}
		}
	}
	r.n, r.t0, r.span = ck.n, ck.first, ck.prev-ck.first
	if r.raw, err = openRaw(ifi, r.maxFrame); err != nil {
		return nil, err
	}
	return r, nil
}

// Warnings are the capture reader's (a capture cut short, say).
func (r *Replayer) Warnings() []string { return r.warnings }

// Frames is the number of frames in one round.
func (r *Replayer) Frames() int64 { return r.n }

// frameChecker checks frames in order; the same checks run on the pass that
// sends, in case the file changed in between.
type frameChecker struct {
	name           string
	maxFrame       int
	allowBroadcast bool
	bcast          map[netip.Addr]string // local subnets' broadcast addresses
	n              int64
	first, prev    int64
}

func (r *Replayer) newChecker() *frameChecker {
	name := r.cfg.Capture
	if name == "" {
		name = "replay"
	}
	ck := &frameChecker{name: name, maxFrame: r.maxFrame, allowBroadcast: r.cfg.AllowBroadcast, bcast: map[netip.Addr]string{}}
	addrs, _ := net.InterfaceAddrs()
	for _, ad := range addrs {
		if n, ok := ad.(*net.IPNet); ok && n.IP.To4() != nil {
			if ones, bits := n.Mask.Size(); bits == 32 && ones < 31 {
				var b [4]byte
				for i, x := range n.IP.To4() {
					b[i] = x | ^n.Mask[i]
				}
				ck.bcast[netip.AddrFrom4(b)] = n.String()
			}
		}
	}
	return ck
}

func (ck *frameChecker) check(num int64, link uint32, f []byte, t int64) error {
	if link != trace.LinkEthernet {
		return fmt.Errorf("%s: packet %d: link type %d; replay sends Ethernet frames only (link type 1)", ck.name, num, link)
	}
	if len(f) < frame.EthLen || len(f) > ck.maxFrame {
		return fmt.Errorf("%s: packet %d: %d bytes, outside %d..%d for the interface (MTU %d)", ck.name, num, len(f), frame.EthLen, ck.maxFrame, ck.maxFrame-frame.EthLen)
	}
	if ck.n > 0 && t < ck.prev {
		return fmt.Errorf("%s: packet %d: timestamp goes back %v", ck.name, num, time.Duration(ck.prev-t))
	}
	if !ck.allowBroadcast {
		if why := ck.spray(f); why != "" {
			return fmt.Errorf("%s: packet %d: %s (refused unless --allow-broadcast)", ck.name, num, why)
		}
	}
	if ck.n == 0 {
		ck.first = t
	}
	ck.n++
	ck.prev = t
	return nil
}

// spray says why a frame would reach more than one host, or "".
func (ck *frameChecker) spray(f []byte) string {
	if f[0]&1 != 0 {
		if [6]byte(f[:6]) == [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff} {
			return "destination MAC ff:ff:ff:ff:ff:ff is the broadcast address"
		}
		return fmt.Sprintf("destination MAC %v is a multicast address", net.HardwareAddr(f[:6]))
	}
	off, et := 12, uint16(0)
	for {
		if off+2 > len(f) {
			return ""
		}
		et = binary.BigEndian.Uint16(f[off:])
		if et != 0x8100 && et != 0x88a8 {
			break
		}
		off += 4
	}
	ip := f[off+2:]
	var dst netip.Addr
	switch {
	case et == 0x0800 && len(ip) >= frame.IPv4Len:
		dst = netip.AddrFrom4([4]byte(ip[16:20]))
	case et == 0x86DD && len(ip) >= frame.IPv6Len:
		dst = netip.AddrFrom16([16]byte(ip[24:40]))
	default:
		return ""
	}
	switch {
	case dst.IsMulticast():
		return fmt.Sprintf("destination %v is a multicast address", dst)
	case dst == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return fmt.Sprintf("destination %v is the broadcast address", dst)
	case ck.bcast[dst] != "":
		return fmt.Sprintf("destination %v is the broadcast address of %s", dst, ck.bcast[dst])
	}
	return ""
}

// replayMemLimit is the most a capture may take in memory (frames plus 32
// bytes each) to be replayed from memory; beyond it, it is streamed.
var replayMemLimit = 16 << 20

// memFrames collects frames in 1 MiB slabs.
type memFrames struct {
	frames [][]byte
	times  []int64
	slab   []byte
	size   int
}

// add copies f in; false when that would pass limit.
func (m *memFrames) add(f []byte, t int64, limit int) bool {
	if m.size += len(f) + 32; m.size > limit {
		return false
	}
	if len(m.slab)+len(f) > cap(m.slab) {
		m.slab = make([]byte, 0, max(1<<20, len(f)))
	}
	off := len(m.slab)
	m.slab = append(m.slab, f...)
	m.frames = append(m.frames, m.slab[off:len(m.slab):len(m.slab)])
	m.times = append(m.times, t)
	return true
}

// frameSource gives the frames of every round in order: the frame, its
// capture time and its round; false at the end.
type frameSource interface {
	next() (f []byte, t int64, round int, ok bool)
	close() error // stops the source; the first error it met
}

// memSource walks ReplayConfig.Frames round after round.
type memSource struct {
	cfg  *ReplayConfig
	i, k int
}

func (s *memSource) next() ([]byte, int64, int, bool) {
	if s.i == len(s.cfg.Frames) {
		s.i, s.k = 0, s.k+1
	}
	if s.k >= s.cfg.Loop {
		return nil, 0, 0, false
	}
	s.i++
	return s.cfg.Frames[s.i-1], s.cfg.Times[s.i-1], s.k, true
}

func (s *memSource) close() error { return nil }

// Streaming: a goroutine reads the capture once a round and fills chunks
// of frames; the pacer takes them in order and hands them back. Memory is
// streamChunks chunks, whatever the capture's size.
const (
	streamChunks     = 8
	streamChunkBytes = 1 << 20
)

type chunk struct {
	buf    []byte
	frames [][]byte // into buf
	times  []int64
	round  int
}

type streamSource struct {
	full, free chan *chunk
	quit       chan struct{}
	done       chan struct{}
	err        error // set before full is closed
	cur        *chunk
	i          int
}

var errStopped = errors.New("replay stopped")

func (r *Replayer) stream() *streamSource {
	s := &streamSource{full: make(chan *chunk, streamChunks), free: make(chan *chunk, streamChunks),
		quit: make(chan struct{}), done: make(chan struct{})}
	for range streamChunks {
		s.free <- &chunk{buf: make([]byte, 0, max(streamChunkBytes, 4*r.maxFrame))}
	}
	go func() {
		defer close(s.done)
		defer close(s.full)
		s.err = r.produce(s)
	}()
	return s
}

func (r *Replayer) produce(s *streamSource) error {
	var c *chunk
	take := func(round int) error {
		select {
		case c = <-s.free:
			c.buf, c.frames, c.times, c.round = c.buf[:0], c.frames[:0], c.times[:0], round
			return nil
		case <-s.quit:
			return errStopped
		}
	}
	put := func() error {
		select {
		case s.full <- c:
			c = nil
			return nil
		case <-s.quit:
			return errStopped
		}
	}
	for k := range r.cfg.Loop {
		if err := take(k); err != nil {
			return err
		}
		ck := r.newChecker()
		_, err := trace.RecordsFile(r.cfg.Capture, func(rec *trace.Record) error {
			if err := ck.check(rec.Number, rec.Link, rec.Data, rec.Time); err != nil {
				return err
			}
			if len(c.buf)+len(rec.Data) > cap(c.buf) {
				if err := put(); err != nil {
					return err
				}
				if err := take(k); err != nil {
					return err
				}
			}
			off := len(c.buf)
			c.buf = append(c.buf, rec.Data...)
			c.frames = append(c.frames, c.buf[off:])
			c.times = append(c.times, rec.Time)
			return nil
		})
		if err == nil && (ck.n != r.n || ck.first != r.t0) {
			err = fmt.Errorf("%s: changed while replaying: round %d read %d frames, the check %d", r.cfg.Capture, k+1, ck.n, r.n)
		}
		if err != nil {
			return err
		}
		if err := put(); err != nil {
			return err
		}
	}
	return nil
}

func (s *streamSource) next() ([]byte, int64, int, bool) {
	for s.cur == nil || s.i == len(s.cur.frames) {
		if s.cur != nil {
			s.free <- s.cur // never blocks: free holds every chunk
		}
		var ok bool
		if s.cur, ok = <-s.full; !ok {
			s.cur = nil
			return nil, 0, 0, false
		}
		s.i = 0
	}
	s.i++
	return s.cur.frames[s.i-1], s.cur.times[s.i-1], s.cur.round, true
}

func (s *streamSource) close() error {
	close(s.quit)
	<-s.done
	if errors.Is(s.err, errStopped) {
		return nil
	}
	return s.err
}

// replaySchedule turns frames into deadlines: their captured offsets,
// rounds one period apart, divided by the multiplier (none at top speed),
// and at least minGap apart (the rate cap).
type replaySchedule struct {
	src      frameSource
	t0       int64
	period   int64 // capture span plus one mean gap
	mult     float64
	topspeed bool
	minGap   int64
	n        int64
	last     int64
}

func (s *replaySchedule) next(p *txPacket) bool {
	f, t, k, ok := s.src.next()
	if !ok {
		return false
	}
	var d int64
	if !s.topspeed {
		off := float64(t-s.t0) + float64(k)*float64(s.period)
		d = int64(off / s.mult)
	}
	if s.n > 0 {
		d = max(d, s.last+s.minGap)
	}
	s.last = d
	s.n++
	p.deadline = d
	p.frame = f
	p.size = len(f)
	return true
}

// Run sends the frames and reports; progress, when not nil, is called about
// every 200 ms with the packets sent so far. A cancelled ctx stops the
// replay and returns the report with ctx.Err().
func (r *Replayer) Run(ctx context.Context, progress func(sent int64)) (*ReplayReport, error) {
	defer r.raw.close()
	cfg := &r.cfg
	period := r.span
	if r.n > 1 {
		period += r.span / (r.n - 1)
	}
	var src frameSource = &memSource{cfg: cfg}
	if cfg.Capture != "" {
		src = r.stream()
	}
	sch := &replaySchedule{src: src, t0: r.t0, period: period, mult: cfg.Multiplier, topspeed: cfg.Topspeed,
		minGap: int64(math.Ceil(1e9 / cfg.MaxPPS))}
	st := &txStats{}
	var stop atomic.Bool
	done := make(chan error, 1)
	var elapsed time.Duration
	runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + 1)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) - 1)
	go func() {
		runtime.LockOSThread() // never unlocked: see Session.Run
		p := NewPacer(cfg.Spin)
		p.reset(time.Now().Add(10 * time.Millisecond))
		// At top speed the schedule holds only the rate cap, which the
		// pacer keeps like any other deadline.
		err := pace(p, sch, r.raw, st, &stop, int64(cfg.BatchThreshold), false)
		// From the first frame's send, not from the pacer's epoch: the
		// start lead (10 ms) is not sending time, and at top speed the
		// frames may all be out before the epoch.
		if st.packets > 0 {
			elapsed = time.Duration(p.Now() - st.firstSent)
		}
		done <- errors.Join(err, src.close())
	}()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var err error
loop:
	for {
		select {
		case err = <-done:
			break loop
		case <-ctx.Done():
			stop.Store(true)
			err = errors.Join(<-done, ctx.Err())
			break loop
		case <-tick.C:
			if progress != nil {
				progress(st.progress.Load())
			}
		}
	}
	if progress != nil {
		progress(st.packets)
	}
	rep := &ReplayReport{Packets: st.packets, Bytes: st.bytes, Seconds: elapsed.Seconds(), topspeed: cfg.Topspeed}
	if elapsed > 0 {
		rep.PPS = math.Round(float64(st.packets) / elapsed.Seconds())
	}
	if !cfg.Topspeed {
		var r Report
		r.fillTx(st)
		rep.GapErrorUS, rep.MaxLateUS, rep.Late = r.GapErrorUS, r.MaxLateUS, st.late
	}
	return rep, err
}
