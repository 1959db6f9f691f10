package native

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// modelSchedule turns a direction's model into deadlines: the direction
// starts at 0 and each deadline adds a sampled gap, exactly as
// sampler.Stream times the same seed's packets, divided by the multiplier;
// consecutive deadlines are at least minGap apart (the rate cap).
type modelSchedule struct {
	src      *sampler.Source
	t        float64 // seconds, the model's own time
	first    bool
	mult     float64
	duration float64 // model seconds; 0: none
	count    int
	n        int
	minGap   int64
	last     int64
	overhead int // bytes the profile's size unit counts beyond the payload
}

func (m *modelSchedule) next(p *txPacket) bool {
	if m.count > 0 && m.n >= m.count {
		return false
	}
	gap, size := m.src.Next()
	if m.first {
		m.first = false
	} else {
		m.t += gap
	}
	if m.duration > 0 && m.t > m.duration {
		return false
	}
	d := int64(m.t / m.mult * 1e9)
	if m.n > 0 {
		d = max(d, m.last+m.minGap)
	}
	// The duration bounds wall time too: gaps raised to minGap (all of
	// them, for a profile whose gaps are 0) push packets past it.
	if m.duration > 0 && float64(d) > m.duration/m.mult*1e9 {
		return false
	}
	m.last = d
	m.n++
	p.deadline = d
	p.size = max(size-m.overhead, 0)
	return true
}

// minGap is the shortest gap in ns at maxPPS packets per second, at most a
// day (--max-pps 1e-10 used to overflow int64 and lift the cap).
func minGap(maxPPS float64) int64 {
	return int64(min(math.Ceil(1e9/maxPPS), 86400e9))
}

// sizeOverhead is what the profile's size unit counts beyond the transport
// payload (DESIGN.md, "Size"), for UDP or TCP over IPv4 or IPv6.
func sizeOverhead(unit string, tcp, v6 bool) int {
	ip, l4 := frame.IPv4Len, frame.UDPLen
	if v6 {
		ip = frame.IPv6Len
	}
	if tcp {
		l4 = frame.TCPLen
	}
	switch unit {
	case "ip":
		return ip + l4
	case "frame":
		return frame.EthLen + ip + l4
	}
	return 0
}

// udpTransport sends each packet as one datagram from the data socket.
type udpTransport struct {
	conn  *net.UDPConn
	to    netip.AddrPort
	buf   []byte
	n     int
	limit int
	sizeFit
}

func (u *udpTransport) batch() int { return 1 }

func (u *udpTransport) stage(_ int, p *txPacket, seq uint32, wall int64) {
	n := u.fit(p.size, u.limit)
	p.size = n
	putHeader(u.buf, n, seq, wall)
	u.n = n
}

func (u *udpTransport) flush(int) error {
	_, err := u.conn.WriteToUDPAddrPort(u.buf[:u.n], u.to)
	if err != nil && isTransient(err) {
		// An ICMP error from an earlier datagram, or a full queue: the
		// packet is lost like any other on the wire, the run goes on.
		return nil
	}
	return err
}

// tcpTransport writes each packet as one write of its size.
type tcpTransport struct {
	conn *net.TCPConn
	buf  []byte
	n    int
	sizeFit
}

func (t *tcpTransport) batch() int { return 1 }

func (t *tcpTransport) stage(_ int, p *txPacket, seq uint32, wall int64) {
	n := t.fit(p.size, MaxPayload)
	p.size = n
	putHeader(t.buf, n, seq, wall)
	t.n = n
}

func (t *tcpTransport) flush(int) error {
	_, err := t.conn.Write(t.buf[:t.n])
	return err
}

// Run sends this side's direction on the agreed schedule while receiving
// the peer's, then exchanges totals with the peer and returns the report.
// progress, when not nil, is called about every 200 ms with the packets
// sent and received so far. The report is returned even with an error:
// ErrPeerLost when the peer vanished, ctx.Err() when ctx was cancelled.
func (s *Session) Run(ctx context.Context, progress func(sent, received int64)) (*Report, error) {
	defer s.Close()
	cfg := &s.cfg
	rep := &Report{}

	// Schedule.
	var sch schedule
	if s.src != nil {
		sch = &modelSchedule{
			src: s.src, first: true, mult: cfg.Multiplier,
			duration: s.duration * cfg.Multiplier, count: s.count,
			minGap:   minGap(cfg.MaxPPS),
			overhead: sizeOverhead(cfg.Profile.Settings.Size, cfg.Transport == TCP, s.cfg.Peer.Is6()),
		}
	}

	// Transport and receiver.
	var tr transport
	var rx receiver
	switch cfg.Transport {
	case TCP:
		tr = &tcpTransport{conn: s.tcp, buf: make([]byte, MaxPayload)}
		rx = startTCPReceiver(s.tcp)
	case UDP:
		limit := 65507
		if s.cfg.Peer.Is6() {
			limit = 65527
		}
		tr = &udpTransport{conn: s.udp, to: netip.AddrPortFrom(cfg.Peer, uint16(s.peerPort)), buf: make([]byte, 65536), limit: limit}
		rx = startUDPReceiver(s.udp, cfg.Peer)
	case Raw:
		tr = s.raw
		rx = startUDPReceiver(s.udp, cfg.Peer)
	}
	if s.capture != nil {
		s.capture.Start()
	}

	// Control: heartbeats out, messages in.
	peerDone := make(chan ctlMsg, 1)
	peerLost := make(chan error, 1)
	go func() {
		for {
			m, err := s.ctl.recv(peerTimeout)
			if err != nil {
				peerLost <- err
				return
			}
			if m.Type == "done" {
				peerDone <- m
				// The peer closes the connection after its drain: nothing
				// read after its totals means it is lost.
				return
			}
		}
	}()
	pingStop := make(chan struct{})
	go func() {
		t := time.NewTicker(pingEvery)
		defer t.Stop()
		for {
			select {
			case <-pingStop:
				return
			case <-t.C:
				if s.ctl.send(ctlMsg{Type: "ping"}) != nil {
					return
				}
			}
		}
	}()

	// Pacing, on a thread of its own. A thread back from a sleep needs a P to
	// run on; with every P busy (receivers, capture, another pacer in the
	// same process) it would wait for the scheduler's next round, which
	// takes milliseconds. One more P, idle while the pacer sleeps, avoids it.
	runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + 1)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) - 1)
	var stop atomic.Bool
	st := &txStats{}
	paced := make(chan error, 1)
	startAt := time.Now().Add(time.Until(time.Unix(0, s.start)))
	go func() {
		// The thread keeps its timer slack: it is never unlocked, so it
		// ends with this goroutine instead of returning to the pool.
		runtime.LockOSThread()
		p := NewPacer(cfg.Spin)
		p.reset(startAt)
		if sch == nil {
			paced <- nil
			return
		}
		paced <- pace(p, sch, tr, st, &stop, int64(cfg.BatchThreshold), false)
	}()

	var runErr error
	var done *ctlMsg
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	report := func() {
		if progress != nil {
			progress(st.progress.Load(), rx.stats().count.Load())
		}
	}
wait:
	for {
		select {
		case err := <-paced:
			if err != nil {
				runErr = fmt.Errorf("native: sending: %w", err)
			}
			break wait
		case m := <-peerDone:
			done = &m
		case err := <-peerLost:
			runErr = fmt.Errorf("%w: %v", ErrPeerLost, err)
			stop.Store(true)
			<-paced
			break wait
		case <-ctx.Done():
			runErr = ctx.Err()
			stop.Store(true)
			<-paced
			break wait
		case <-tick.C:
			report()
		}
	}
	if runErr == nil {
		runErr = s.ctl.send(ctlMsg{Type: "done", Sent: st.packets, Bytes: st.bytes})
		if runErr != nil {
			runErr = fmt.Errorf("%w: %v", ErrPeerLost, runErr)
		}
	}
	// Wait for the peer's totals, then for its packets still in flight.
	if runErr == nil && done == nil {
	waitDone:
		for {
			select {
			case m := <-peerDone:
				done = &m
				break waitDone
			case err := <-peerLost:
				runErr = fmt.Errorf("%w before it finished: %v", ErrPeerLost, err)
				break waitDone
			case <-ctx.Done():
				runErr = ctx.Err()
				break waitDone
			case <-tick.C:
				report()
			}
		}
	}
	if done != nil {
		until := time.Now().Add(cfg.Drain)
		for rx.stats().count.Load() < done.Sent && time.Now().Before(until) && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
	}
	close(pingStop)
	rx.stop()
	report()
	if s.capture != nil {
		if err := s.capture.Stop(); err != nil && runErr == nil {
			runErr = err
		}
		s.capture = nil
	}

	rep.fillTx(st)
	fc := tr.fitCounts()
	rep.Raised, rep.Clamped = fc.raised, fc.clamped
	rs := rx.stats()
	rep.Received = Received{Packets: rs.packets, Bytes: rs.bytes, Reordered: rs.reordered}
	if done != nil {
		rep.Received.Lost = max(done.Sent-rs.packets, 0)
	} else {
		rep.Received.Lost = max(rs.maxSeq+1-rs.packets, 0)
	}
	rep.DelayUS = Delay{us(rs.delay.quantile(0.5)), us(rs.delay.quantile(0.99))}
	if t, ok := rx.(*tcpReceiver); ok && runErr == nil && t.err != nil {
		runErr = fmt.Errorf("native: reading the peer's stream: %w", t.err)
	}
	return rep, runErr
}

// isTransient reports send errors that lose one packet but need not end the
// run: an ICMP port-unreachable for an earlier datagram, a full queue.
func isTransient(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOBUFS) ||
		errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EHOSTUNREACH)
}
