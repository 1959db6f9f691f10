package native

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync/atomic"
	"time"
)

// rxStats is what the receiving side measured. Only the receiving goroutine
// writes it; readers wait for that goroutine to end.
type rxStats struct {
	packets, bytes int64
	reordered      int64
	maxSeq         int64 // highest sequence number seen, -1 before the first
	delay          hist
	count          atomic.Int64 // packets, readable while running
}

func newRxStats() *rxStats { return &rxStats{maxSeq: -1} }

func (s *rxStats) record(h Header, n int, rxWall int64) {
	s.packets++
	s.bytes += int64(n)
	if int64(h.Seq) < s.maxSeq {
		s.reordered++
	} else {
		s.maxSeq = int64(h.Seq)
	}
	s.delay.add(rxWall - h.Sent)
	s.count.Store(s.packets)
}

// receiver reads the peer's packets until stopped.
type receiver interface {
	// stop ends reading and waits for the reading goroutine.
	stop()
	stats() *rxStats
}

// udpReceiver reads datagrams with their kernel receive stamps.
type udpReceiver struct {
	conn *net.UDPConn
	peer netip.Addr
	st   *rxStats
	done chan struct{}
	quit atomic.Bool
}

func startUDPReceiver(conn *net.UDPConn, peer netip.Addr) *udpReceiver {
	r := &udpReceiver{conn: conn, peer: peer, st: newRxStats(), done: make(chan struct{})}
	enableRxTimestamps(conn)
	go r.loop()
	return r
}

func (r *udpReceiver) loop() {
	defer close(r.done)
	buf := make([]byte, 65536)
	oob := make([]byte, 128)
	for {
		n, oobn, _, from, err := r.conn.ReadMsgUDPAddrPort(buf, oob)
		if err != nil {
			if r.quit.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			// ICMP errors for our own sends surface here; they are not fatal.
			continue
		}
		if from.Addr().Unmap() != r.peer {
			continue
		}
		h, err := ParseHeader(buf[:n])
		if err != nil {
			continue
		}
		rx, ok := rxStamp(oob[:oobn])
		if !ok {
			rx = time.Now().UnixNano()
		}
		r.st.record(h, n, rx)
	}
}

func (r *udpReceiver) stop() {
	r.quit.Store(true)
	_ = r.conn.SetReadDeadline(time.Now())
	<-r.done
}

func (r *udpReceiver) stats() *rxStats { return r.st }

// rxStamp finds an SCM_TIMESTAMPNS control message (a struct timespec) in
// oob without allocating.
func rxStamp(oob []byte) (int64, bool) {
	const hdr = 16 // struct cmsghdr on 64-bit Linux: len uint64, level, type int32
	for len(oob) >= hdr {
		l := int(binary.NativeEndian.Uint64(oob))
		level := int32(binary.NativeEndian.Uint32(oob[8:]))
		typ := int32(binary.NativeEndian.Uint32(oob[12:]))
		if l < hdr || l > len(oob) {
			return 0, false
		}
		if level == solSocket && typ == scmTimestampNS && l >= hdr+16 {
			sec := int64(binary.NativeEndian.Uint64(oob[hdr:]))
			nsec := int64(binary.NativeEndian.Uint64(oob[hdr+8:]))
			return sec*1e9 + nsec, true
		}
		oob = oob[(l+7)&^7:]
	}
	return 0, false
}

// tcpReceiver reads the peer's packets from the byte stream, each found by
// the length field of its header.
type tcpReceiver struct {
	conn *net.TCPConn
	st   *rxStats
	done chan struct{}
	quit atomic.Bool
	err  error // a stream error other than the end of the run; read after done
}

func startTCPReceiver(conn *net.TCPConn) *tcpReceiver {
	r := &tcpReceiver{conn: conn, st: newRxStats(), done: make(chan struct{})}
	go r.loop()
	return r
}

func (r *tcpReceiver) loop() {
	defer close(r.done)
	buf := make([]byte, MaxPayload)
	for {
		if _, err := io.ReadFull(r.conn, buf[:HeaderLen]); err != nil {
			r.fail(err)
			return
		}
		rx := time.Now().UnixNano()
		h, err := ParseHeader(buf[:HeaderLen])
		if err != nil {
			r.fail(err)
			return
		}
		if _, err := io.ReadFull(r.conn, buf[HeaderLen:h.Length]); err != nil {
			r.fail(err)
			return
		}
		r.st.record(h, int(h.Length), rx)
	}
}

func (r *tcpReceiver) fail(err error) {
	if r.quit.Load() || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return
	}
	r.err = err
}

func (r *tcpReceiver) stop() {
	r.quit.Store(true)
	_ = r.conn.SetReadDeadline(time.Now())
	<-r.done
}

func (r *tcpReceiver) stats() *rxStats { return r.st }
