package native

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gmm2trex/gmm2trex/internal/atomicfile"
	"github.com/gmm2trex/gmm2trex/internal/frame"
)

// Capture records every frame an interface sends or receives, with the
// kernel's timestamps, into a nanosecond pcap file, in timestamp order
// (frames are held up to 50 ms to sort them, see reorder). The file appears,
// complete and valid, when Stop returns; until then it is a hidden
// temporary file beside it.
type Capture struct {
	fd   int
	path string
	quit atomic.Bool
	done chan error
	n    atomic.Int64
	// started is set by Start; an unstarted capture only holds a socket.
	started bool
}

// OpenCapture opens the capture socket on ifi; call Start to begin writing.
// Opening is separate so that the socket can be created in one network
// namespace and read from any goroutine.
func OpenCapture(ifi *net.Interface, path string) (*Capture, error) {
	proto := int(htons(unix.ETH_P_ALL))
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return nil, fmt.Errorf("capture on %s: %w (%w)", ifi.Name, ErrNeedRaw, os.ErrPermission)
		}
		return nil, fmt.Errorf("capture on %s: %w", ifi.Name, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: ifi.Index, Protocol: uint16(proto)}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("capture: bind to %s: %w", ifi.Name, err)
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 32<<20)
	// A read timeout lets the loop notice Stop.
	tv := unix.NsecToTimeval(100e6)
	_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	return &Capture{fd: fd, path: path, done: make(chan error, 1)}, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// Start begins writing frames in a goroutine.
func (c *Capture) Start() {
	c.started = true
	go func() {
		c.done <- atomicfile.Write(c.path, 0o644, c.loop)
		unix.Close(c.fd)
	}()
}

// closeUnstarted releases the socket of a capture that never started.
func (c *Capture) closeUnstarted() {
	if !c.started {
		unix.Close(c.fd)
	}
}

// Packets is the number of frames written so far.
func (c *Capture) Packets() int64 { return c.n.Load() }

// Stop drains what the socket holds, finishes the file and returns the
// first error met.
func (c *Capture) Stop() error {
	c.quit.Store(true)
	if err := <-c.done; err != nil {
		return fmt.Errorf("capture %s: %w", c.path, err)
	}
	return nil
}

func (c *Capture) loop(w io.Writer) error {
	pw, err := frame.NewPcapWriter(w, frame.DefaultSnap, true)
	if err != nil {
		return err
	}
	buf := make([]byte, frame.DefaultSnap)
	oob := make([]byte, 128)
	var iov unix.Iovec
	iov.Base = &buf[0]
	iov.SetLen(len(buf))
	var msg unix.Msghdr
	msg.Iov = &iov
	msg.SetIovlen(1)
	msg.Control = &oob[0]
	ro := &reorder{window: reorderWindow, maxFrames: reorderMaxFrames, maxBytes: reorderMaxBytes}
	emit := func(ts int64, f []byte) error {
		if err := pw.WritePacket(ts, f); err != nil {
			return err
		}
		c.n.Add(1)
		return nil
	}
	for {
		msg.SetControllen(len(oob))
		flags := 0
		if c.quit.Load() {
			// Stopping: take what is queued, then end.
			flags = unix.MSG_DONTWAIT
		}
		n, _, errno := unix.Syscall(unix.SYS_RECVMSG, uintptr(c.fd), uintptr(unsafe.Pointer(&msg)), uintptr(flags))
		if errno != 0 {
			if errno == unix.EAGAIN || errno == unix.EINTR {
				if flags != 0 {
					return ro.flush(emit)
				}
				// Quiet: nothing stamped earlier than a window ago can
				// still come.
				if err := ro.releaseBefore(realtimeNow()-reorderWindow, emit); err != nil {
					return err
				}
				continue
			}
			return fmt.Errorf("read from the interface: %w", errno)
		}
		ts, ok := rxStamp(oob[:msg.Controllen])
		if !ok {
			ts = realtimeNow()
		}
		if err := ro.add(ts, buf[:min(int(n), len(buf))], emit); err != nil {
			return err
		}
	}
}

func realtimeNow() int64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_REALTIME, &ts)
	return ts.Nano()
}
