package native

import (
	"net"

	"golang.org/x/sys/unix"
)

const (
	solSocket      = unix.SOL_SOCKET
	scmTimestampNS = unix.SCM_TIMESTAMPNS
)

// enableRxTimestamps asks the kernel to stamp received datagrams, so that
// one-way delay does not include the receiving goroutine's wake-up.
func enableRxTimestamps(c *net.UDPConn) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
		_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, 4<<20)
	})
}
