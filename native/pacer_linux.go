package native

import "golang.org/x/sys/unix"

// threadSetup sets the calling thread's timer slack to 1 ns (the default
// 50 µs would be added to every coarse sleep) and, where permitted, moves it
// to the SCHED_FIFO real-time class: on a busy machine an ordinary thread
// waits milliseconds for a CPU after its sleep ends. The kernel's real-time
// throttling (95 % of each second by default) bounds what a runaway spin
// could take. It reports whether the real-time class was granted.
func threadSetup() bool {
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0)
	err := unix.SchedSetAttr(0, &unix.SchedAttr{Policy: unix.SCHED_FIFO, Priority: 50}, 0)
	return err == nil
}

func monoNow() int64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}

// sleepUntil sleeps until the monotonic clock reads t. clock_nanosleep with
// an absolute deadline is used instead of time.Sleep, which rounds up to the
// runtime's millisecond timer resolution here.
func sleepUntil(t int64) {
	ts := unix.NsecToTimespec(t)
	for unix.ClockNanosleep(unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME, &ts, nil) == unix.EINTR {
	}
}
