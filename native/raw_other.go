//go:build !linux

package native

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"

	"github.com/gmm2trex/gmm2trex/internal/frame"
)

// ErrNeedRaw is wrapped by errors from opening AF_PACKET sockets without
// the privilege to do so.
var ErrNeedRaw = errors.New("raw sockets need root or CAP_NET_RAW")

// BatchSize is the largest number of frames sent in one call.
const BatchSize = 64

var errNotLinux = fmt.Errorf("raw sockets and capture are not implemented on %s", runtime.GOOS)

type rawSender struct {
	tmpl          *frame.Template
	hdrOff, limit int
	sizeFit
}

func openRaw(*net.Interface, int) (*rawSender, error)                 { return nil, errNotLinux }
func (s *rawSender) batch() int                                       { return 1 }
func (s *rawSender) stage(int, *txPacket, uint32, int64)              {}
func (s *rawSender) flush(int) error                                  { return errNotLinux }
func (s *rawSender) close() error                                     { return nil }
func nextHopMAC(netip.Addr, *net.Interface) (net.HardwareAddr, error) { return nil, errNotLinux }

// Capture records an interface's frames (Linux only).
type Capture struct{}

// OpenCapture is not implemented outside Linux.
func OpenCapture(*net.Interface, string) (*Capture, error) { return nil, errNotLinux }

// Start does nothing outside Linux.
func (c *Capture) Start() {}

// Stop does nothing outside Linux.
func (c *Capture) Stop() error { return nil }

// Packets is always 0 outside Linux.
func (c *Capture) Packets() int64 { return 0 }

func (c *Capture) closeUnstarted() {}
