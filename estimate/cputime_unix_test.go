//go:build unix

package estimate

import "syscall"

// cpuTime is the process's user+system CPU time in nanoseconds, so that
// benchmarks on a loaded machine can report work done next to wall time.
func cpuTime() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
