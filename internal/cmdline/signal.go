package cmdline

import (
	"fmt"
	"io"
	"time"
)

// InterruptGrace is how long a command has to return after SIGINT or
// SIGTERM before the process exits anyway (DESIGN.md: every command stops
// within a second), its temporary files removed.
const InterruptGrace = 500 * time.Millisecond

// AfterSignal waits for the command's exit status on done: without limit
// when the command handles the signal itself (self: a report and a
// capture to write on the way out), else up to InterruptGrace, and then
// removes the command's temporary files (RemoveTemps), says so on stderr
// and returns 130 without it.
func AfterSignal(done <-chan int, self bool, stderr io.Writer) int {
	if self {
		return <-done
	}
	select {
	case code := <-done:
		return code
	case <-time.After(InterruptGrace):
		RemoveTemps()
		fmt.Fprintln(stderr, "gmm2trex: interrupted")
		return 130
	}
}
