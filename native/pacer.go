package native

import (
	"sync/atomic"
	"time"
)

// DefaultSpin is the stretch before each deadline that the pacer spins
// instead of sleeping. A sleep wakes up tens of microseconds late at best and
// milliseconds late on a loaded machine (FORMATS.md, "Timing reference"), so
// the last stretch is spun on the clock.
const DefaultSpin = 500 * time.Microsecond

// maxSleep bounds one coarse sleep, so that a stop request is seen within it
// even during a long gap.
const maxSleep = 50 * time.Millisecond

// Pacer waits for deadlines on an absolute schedule: deadlines are
// nanoseconds from the pacer's start, never gaps from the previous send, so
// lateness does not accumulate. It must be used from one goroutine that
// called LockOSThread (Run and Replay do), because the sleep settings it
// applies belong to the OS thread.
type Pacer struct {
	// Spin is the window before a deadline that is spun rather than slept.
	Spin  time.Duration
	start time.Time
	mono  int64 // CLOCK_MONOTONIC at start, for absolute sleeps
	wall  int64 // Unix nanoseconds at start
	// Realtime reports whether the thread runs in the real-time class.
	Realtime bool
}

// NewPacer returns a pacer whose time 0 is now. On Linux it also lowers the
// calling thread's timer slack so that coarse sleeps end when asked, and
// asks for real-time scheduling (granted to root or CAP_SYS_NICE).
func NewPacer(spin time.Duration) *Pacer {
	p := &Pacer{Spin: spin}
	p.reset(time.Now())
	p.Realtime = threadSetup()
	return p
}

// reset moves time 0 to start.
func (p *Pacer) reset(start time.Time) {
	p.start = start
	p.wall = start.UnixNano()
	p.mono = monoNow() - int64(time.Since(start))
}

// Now is the time since the pacer's start, in nanoseconds.
func (p *Pacer) Now() int64 { return int64(time.Since(p.start)) }

// Wall converts a pacer time to Unix nanoseconds.
func (p *Pacer) Wall(t int64) int64 { return p.wall + t }

// Wait returns at deadline (or at once when it has passed) and returns the
// time then. It returns early, with ok false, when stop is set.
func (p *Pacer) Wait(deadline int64, stop *atomic.Bool) (now int64, ok bool) {
	for {
		now = p.Now()
		left := deadline - now
		if left <= int64(p.Spin) {
			break
		}
		if stop.Load() {
			return now, false
		}
		sleepUntil(p.mono + now + min(left-int64(p.Spin), int64(maxSleep)))
	}
	for now < deadline {
		now = p.Now()
	}
	return now, !stop.Load()
}
