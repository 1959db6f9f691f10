package native

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gmm2trex/gmm2trex/internal/frame"
)

// ErrNeedRaw is wrapped by errors from opening AF_PACKET sockets without
// the privilege to do so.
var ErrNeedRaw = errors.New("raw sockets need root or CAP_NET_RAW")

// BatchSize is the largest number of frames sent in one sendmmsg call.
const BatchSize = 64

// mmsghdr is struct mmsghdr; Go pads it like C on every architecture.
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
}

// rawSender writes Ethernet frames to an AF_PACKET socket bound to one
// interface. Frames are staged in fixed slots and sent with write(2) alone
// or sendmmsg(2) in batches; nothing is allocated per packet.
type rawSender struct {
	fd    int
	iface string
	slots [][]byte
	iov   []unix.Iovec
	msgs  []mmsghdr

	// Sender mode: frames come from a template and get a payload header.
	tmpl   *frame.Template
	hdrOff int // payload offset in the frame
	limit  int // largest payload
	sizeFit
}

// openRaw opens a send-only AF_PACKET socket on ifi (protocol 0: it
// receives nothing, so no receive buffer fills up).
func openRaw(ifi *net.Interface, maxFrame int) (*rawSender, error) {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return nil, fmt.Errorf("raw: AF_PACKET socket on %s: %w (%w)", ifi.Name, ErrNeedRaw, os.ErrPermission)
		}
		return nil, fmt.Errorf("raw: AF_PACKET socket on %s: %w", ifi.Name, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: ifi.Index}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("raw: bind to %s: %w", ifi.Name, err)
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4<<20)
	s := &rawSender{fd: fd, iface: ifi.Name}
	s.slots = make([][]byte, BatchSize)
	s.iov = make([]unix.Iovec, BatchSize)
	s.msgs = make([]mmsghdr, BatchSize)
	for i := range s.slots {
		s.slots[i] = make([]byte, max(maxFrame, frame.MinFrame))
		s.iov[i].Base = &s.slots[i][0]
		s.msgs[i].hdr.Iov = &s.iov[i]
		s.msgs[i].hdr.SetIovlen(1)
	}
	return s, nil
}

func (s *rawSender) batch() int { return BatchSize }

func (s *rawSender) stage(i int, p *txPacket, seq uint32, wall int64) {
	slot := s.slots[i]
	var n int
	if s.tmpl == nil {
		n = copy(slot, p.frame)
	} else {
		size := s.fit(p.size, s.limit)
		p.size = size
		f := s.tmpl.Frame(size)
		n = copy(slot, f)
		putHeader(slot[s.hdrOff:], size, seq, wall)
		patchUDPChecksum(slot[s.hdrOff-frame.UDPLen:], slot[s.hdrOff:s.hdrOff+HeaderLen])
	}
	s.iov[i].SetLen(n)
}

// patchUDPChecksum adds the words of hdr, written over the zero payload the
// template's checksum was computed for, to the UDP checksum in udp.
func patchUDPChecksum(udp, hdr []byte) {
	old := binary.BigEndian.Uint16(udp[6:])
	sum := uint32(^old)
	for i := 0; i+1 < len(hdr); i += 2 {
		sum += uint32(hdr[i])<<8 | uint32(hdr[i+1])
	}
	for sum>>16 != 0 {
		sum = sum&0xFFFF + sum>>16
	}
	cs := ^uint16(sum)
	if cs == 0 {
		cs = 0xFFFF
	}
	binary.BigEndian.PutUint16(udp[6:], cs)
}

func (s *rawSender) flush(n int) error {
	if n == 1 {
		for {
			_, _, errno := unix.Syscall(unix.SYS_WRITE, uintptr(s.fd), uintptr(unsafe.Pointer(s.iov[0].Base)), uintptr(s.iov[0].Len))
			if errno == 0 {
				return nil
			}
			if errno != unix.EINTR && errno != unix.ENOBUFS && errno != unix.EAGAIN {
				return fmt.Errorf("raw: send on %s: %w", s.iface, errno)
			}
		}
	}
	for off := 0; off < n; {
		r, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(s.fd), uintptr(unsafe.Pointer(&s.msgs[off])), uintptr(n-off), 0, 0, 0)
		if errno != 0 {
			if errno == unix.EINTR || errno == unix.ENOBUFS || errno == unix.EAGAIN {
				continue
			}
			return fmt.Errorf("raw: sendmmsg on %s: %w", s.iface, errno)
		}
		off += int(r)
	}
	return nil
}

func (s *rawSender) close() error { return unix.Close(s.fd) }
