package native

import (
	"sync/atomic"
)

// txPacket is one packet on the schedule.
type txPacket struct {
	deadline int64  // nanoseconds from the pacer's start
	size     int    // payload bytes (sender) or frame bytes (replay)
	frame    []byte // replay only: the frame as captured
}

// schedule yields the packets to send in deadline order.
type schedule interface {
	next(p *txPacket) bool
}

// transport sends staged packets. Staging fills batch slot i; flush sends
// slots 0..n-1 in one system call where the transport can.
type transport interface {
	stage(i int, p *txPacket, seq uint32, wall int64)
	flush(n int) error
	batch() int
	fitCounts() sizeFit // sizes raised or clamped so far
}

// txStats is what the sending side measured. Gap errors compare the time
// between consecutive sends with the time between their deadlines.
type txStats struct {
	packets, bytes int64
	late           int64 // packets whose deadline had passed when their turn came
	maxLate        int64 // ns
	gapErr         hist
	prevDeadline   int64
	prevSent       int64
	firstSent      int64        // the first packet's send time (pacer clock)
	progress       atomic.Int64 // packets, for a progress line
}

func (s *txStats) record(deadline, sent int64, size int, late bool) {
	if s.packets == 0 {
		s.firstSent = sent
	}
	if s.packets > 0 {
		e := (sent - s.prevSent) - (deadline - s.prevDeadline)
		if e < 0 {
			e = -e
		}
		s.gapErr.add(e)
	}
	if late {
		s.late++
		s.maxLate = max(s.maxLate, sent-deadline)
	}
	s.prevDeadline, s.prevSent = deadline, sent
	s.packets++
	s.bytes += int64(size)
}

// lateSlack is how far past its deadline a packet may find the clock before
// it counts as late: the spin loop itself overshoots by a clock read.
const lateSlack = 1000 // ns

// pace sends sch's packets through tr on p's clock. Packets due within
// threshold of the first packet of a batch (or already due) join it, up to
// the transport's batch size; a late packet is sent at once and the schedule
// is kept. A packet's realised time is when its send call began: on a veth
// pair the call returns only after the peer's whole receive path ran, which
// is not the sender's timing. A slow send still shows, as lateness of the
// packets after it. With topspeed the
// deadlines are ignored and every batch is full. It stops early when stop
// is set (returning nil) or when a send fails.
func pace(p *Pacer, sch schedule, tr transport, st *txStats, stop *atomic.Bool, threshold int64, topspeed bool) error {
	var pk txPacket
	if !sch.next(&pk) {
		return nil
	}
	var seq uint32
	bmax := min(tr.batch(), BatchSize)
	var deadlines [BatchSize]int64
	var sizes [BatchSize]int
	for {
		var now int64
		if topspeed {
			now = p.Now()
			if stop.Load() {
				return nil
			}
		} else {
			var ok bool
			if now, ok = p.Wait(pk.deadline, stop); !ok {
				return nil
			}
		}
		wall := p.Wall(now)
		n, more := 0, true
		for {
			tr.stage(n, &pk, seq, wall)
			deadlines[n], sizes[n] = pk.deadline, pk.size
			seq++
			n++
			if more = sch.next(&pk); !more || n == bmax {
				break
			}
			if !topspeed && pk.deadline > now+threshold {
				break
			}
		}
		if err := tr.flush(n); err != nil {
			return err
		}
		if topspeed {
			for i := range n {
				st.bytes += int64(sizes[i])
			}
			st.packets += int64(n)
		} else {
			for i := range n {
				st.record(deadlines[i], now, sizes[i], now > deadlines[i]+lateSlack)
			}
		}
		st.progress.Store(st.packets)
		if !more {
			return nil
		}
	}
}
