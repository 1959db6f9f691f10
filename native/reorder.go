package native

import "slices"

// reorder holds captured frames briefly and releases them in timestamp
// order. A packet socket delivers frames in the order the kernel queued
// them, which is not always the order of their stamps (frames queued while
// the capture had not started reading, sent and received frames stamped on
// different paths), and a capture's gaps must not be negative.
//
// A frame is released once a frame stamped window later has been seen (or
// the clock passed that, see releaseBefore), or when more than maxFrames
// or maxBytes are held. Buffers are reused: after warm-up nothing is
// allocated per frame.
type reorder struct {
	window    int64
	maxFrames int
	maxBytes  int
	held      []heldFrame // sorted by ts from head on
	head      int
	bytes     int
	newest    int64
	free      [][]byte
	written   int64 // stamp of the last released frame
	late      int64 // frames that came after a later one had been released
}

type heldFrame struct {
	ts  int64
	buf []byte
}

// Defaults for the capture: 50 ms covers the delays seen on a veth pair
// (up to 7 ms, frames queued before the capture's first read).
const (
	reorderWindow    = 50e6
	reorderMaxFrames = 16384
	reorderMaxBytes  = 16 << 20
)

// add copies frame f stamped ts in, then releases what is due through emit.
func (r *reorder) add(ts int64, f []byte, emit func(ts int64, f []byte) error) error {
	var b []byte
	if n := len(r.free); n > 0 {
		b, r.free = r.free[n-1][:0], r.free[:n-1]
	}
	b = append(b, f...)
	if ts < r.written {
		r.late++
	}
	// Usually the newest: search from the end.
	i := len(r.held)
	for i > r.head && r.held[i-1].ts > ts {
		i--
	}
	r.held = slices.Insert(r.held, i, heldFrame{ts, b})
	r.bytes += len(b)
	r.newest = max(r.newest, ts)
	return r.releaseBefore(r.newest-r.window, emit)
}

// releaseBefore emits the held frames stamped before t, and the oldest ones
// while over the limits.
func (r *reorder) releaseBefore(t int64, emit func(ts int64, f []byte) error) error {
	for r.head < len(r.held) {
		h := r.held[r.head]
		if h.ts >= t && len(r.held)-r.head <= r.maxFrames && r.bytes <= r.maxBytes {
			break
		}
		if err := r.pop(emit); err != nil {
			return err
		}
	}
	return nil
}

// flush emits every held frame.
func (r *reorder) flush(emit func(ts int64, f []byte) error) error {
	for r.head < len(r.held) {
		if err := r.pop(emit); err != nil {
			return err
		}
	}
	return nil
}

func (r *reorder) pop(emit func(ts int64, f []byte) error) error {
	h := r.held[r.head]
	r.held[r.head] = heldFrame{}
	r.head++
	r.bytes -= len(h.buf)
	r.written = max(r.written, h.ts)
	err := emit(h.ts, h.buf)
	if len(r.free) < 1024 { // the rest go to the collector
		r.free = append(r.free, h.buf)
	}
	if r.head == len(r.held) {
		r.held, r.head = r.held[:0], 0
	} else if r.head > 1024 && r.head > len(r.held)/2 {
		n := copy(r.held, r.held[r.head:])
		clear(r.held[n:])
		r.held, r.head = r.held[:n], 0
	}
	return err
}
