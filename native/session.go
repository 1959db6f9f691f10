package native

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// Role is the side a process plays: Local sends the object's From direction
// and connects; Remote sends To and listens.
type Role int

const (
	Local Role = iota
	Remote
)

func (r Role) String() string {
	if r == Remote {
		return "remote"
	}
	return "local"
}

// ParseRole reads a Role as String writes it.
func ParseRole(s string) (Role, error) {
	switch s {
	case "local":
		return Local, nil
	case "remote":
		return Remote, nil
	}
	return 0, fmt.Errorf("unknown role %q (valid: local, remote)", s)
}

// Transport names how packets leave: "udp", "tcp" or "raw".
type Transport string

const (
	UDP Transport = "udp"
	TCP Transport = "tcp"
	Raw Transport = "raw"
)

// Defaults of Config fields left zero.
const (
	DefaultControlPort    = 7999
	DefaultDataPort       = 8000
	DefaultWait           = 30 * time.Second
	DefaultMaxPPS         = 1e6
	DefaultBatchThreshold = 5 * time.Microsecond
	DefaultStartDelay     = 500 * time.Millisecond
	// DefaultDrain is how long a side keeps receiving after the peer said it
	// finished, for packets still in flight.
	DefaultDrain = 500 * time.Millisecond
)

// Config describes one side of a run.
type Config struct {
	Role      Role
	Peer      netip.Addr
	Profile   *profiles.Profile
	Object    *profiles.Object // one of Profile's objects
	Transport Transport

	// Length of the run: Duration (of the schedule) or Count (packets of
	// each direction). The local side decides; a remote side that sets one
	// refuses a peer that asks for another.
	Duration time.Duration
	Count    int

	Model sampler.Model
	Seed  uint64
	// Multiplier divides every gap. 0 means 1 on the local side; on the
	// remote side it means "the local side's", and any other value must
	// equal the local side's.
	Multiplier float64
	// Token is the secret both sides must hold; each proves it to the
	// other over fresh nonces. An empty Token is refused unless
	// InsecureNoToken, when anyone who reaches the control port can drive
	// the remote side.
	Token           string
	InsecureNoToken bool
	// Log, when set, receives one line for each connection the remote side
	// turns away before authentication (it goes on waiting for its peer).
	Log func(msg string)

	ControlPort, DataPort int
	Iface                 string // needed for raw and for Capture
	Capture               string // pcap path, or ""
	Wait                  time.Duration
	MaxPPS                float64
	AllowBroadcast        bool

	Spin           time.Duration // see Pacer.Spin; 0 means DefaultSpin
	BatchThreshold time.Duration // raw: packets due this close share a sendmmsg
	StartDelay     time.Duration // local: the start is set this far ahead
	Drain          time.Duration
}

func (c *Config) defaults() {
	if c.Multiplier == 0 && c.Role == Local {
		c.Multiplier = 1
	}
	if c.ControlPort == 0 {
		c.ControlPort = DefaultControlPort
	}
	if c.DataPort == 0 {
		c.DataPort = DefaultDataPort
	}
	if c.Wait == 0 {
		c.Wait = DefaultWait
	}
	if c.MaxPPS == 0 {
		c.MaxPPS = DefaultMaxPPS
	}
	if c.Spin == 0 {
		c.Spin = DefaultSpin
	}
	if c.BatchThreshold == 0 {
		c.BatchThreshold = DefaultBatchThreshold
	}
	if c.StartDelay == 0 {
		c.StartDelay = DefaultStartDelay
	}
	if c.Drain == 0 {
		c.Drain = DefaultDrain
	}
}

// CheckPeer refuses addresses that would spray traffic: unspecified,
// multicast, the limited broadcast and the broadcast address of a local
// IPv4 subnet.
func CheckPeer(a netip.Addr) error {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return errors.New("no peer address")
	case a.IsUnspecified():
		return fmt.Errorf("peer %v is the unspecified address", a)
	case a.IsMulticast():
		return fmt.Errorf("peer %v is a multicast address", a)
	case a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return fmt.Errorf("peer %v is the broadcast address", a)
	}
	if a.Is4() {
		addrs, _ := net.InterfaceAddrs()
		for _, ad := range addrs {
			n, ok := ad.(*net.IPNet)
			if !ok || n.IP.To4() == nil {
				continue
			}
			ones, bits := n.Mask.Size()
			if bits != 32 || ones >= 31 {
				continue
			}
			ip := n.IP.To4()
			var b [4]byte
			for i := range b {
				b[i] = ip[i] | ^n.Mask[i]
			}
			if netip.AddrFrom4(b) == a {
				return fmt.Errorf("peer %v is the broadcast address of %v", a, n)
			}
		}
	}
	return nil
}

// Session is one side of a run, connected to its peer, its sockets open.
// Open creates every socket, so a caller that must open them in a network
// namespace calls Open there; Run may then be called from anywhere.
type Session struct {
	cfg      Config
	ctl      *control
	dir      profiles.Dir    // the direction this side sends
	src      *sampler.Source // its model, nil when it has none
	start    int64           // agreed start, Unix ns
	duration float64         // seconds of schedule, 0: none
	count    int
	peerPort int

	udp     *net.UDPConn
	tcp     *net.TCPConn
	raw     *rawSender
	capture *Capture
}

// Open checks the configuration, meets the peer over the control channel,
// agrees the run with it and opens the data sockets (and the capture).
func Open(ctx context.Context, cfg Config) (_ *Session, err error) {
	cfg.defaults()
	if cfg.Profile == nil || cfg.Object == nil {
		return nil, errors.New("native: no profile or object")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("native: %w", err)
	}
	cfg.Peer = cfg.Peer.Unmap()
	var ifi *net.Interface
	if cfg.Transport == Raw || cfg.Capture != "" {
		if ifi, err = net.InterfaceByName(cfg.Iface); err != nil {
			return nil, fmt.Errorf("native: interface %s: %w", cfg.Iface, err)
		}
	}
	s := &Session{cfg: cfg, dir: profiles.From}
	if cfg.Role == Remote {
		s.dir = profiles.To
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	// The model and the raw socket first: a wrong model or a missing
	// privilege is reported before any peer waits.
	if dm := cfg.Object.Dir(s.dir); dm != nil {
		if s.src, err = sampler.NewSource(dm, cfg.Model, cfg.Seed, uint64(s.dir)); err != nil {
			return nil, fmt.Errorf("native: %s, direction %s (this side's): %w", cfg.Object.ID, s.dir, err)
		}
	}
	if cfg.Transport == Raw {
		if s.raw, err = openRaw(ifi, ifi.MTU+frame.EthLen); err != nil {
			return nil, err
		}
	}
	if cfg.Capture != "" {
		if s.capture, err = OpenCapture(ifi, cfg.Capture); err != nil {
			return nil, err
		}
	}
	own := ctlMsg{
		Type:       "settings",
		Hash:       cfg.Profile.Hash(),
		Object:     cfg.Object.ID,
		Transport:  transportClass(cfg.Transport),
		Duration:   cfg.Duration.Seconds(),
		Count:      cfg.Count,
		Multiplier: cfg.Multiplier,
		DataPort:   cfg.DataPort,
	}
	if cfg.Role == Local {
		err = s.openLocal(ctx, own)
	} else {
		err = s.openRemote(ctx, own)
	}
	if err != nil {
		return nil, err
	}
	if cfg.Transport == Raw {
		if err = s.prepareRaw(ifi); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func transportClass(t Transport) string {
	if t == TCP {
		return "tcp"
	}
	return "udp"
}

func (s *Session) openLocal(ctx context.Context, own ctlMsg) error {
	cfg := &s.cfg
	if cfg.Duration == 0 && cfg.Count == 0 {
		return errors.New("native: the local side needs a duration or a count")
	}
	addr := netip.AddrPortFrom(cfg.Peer, uint16(cfg.ControlPort)).String()
	deadline := time.Now().Add(cfg.Wait)
	if cfg.Transport != TCP {
		if err := s.openUDP(); err != nil {
			return err
		}
	}
	settings := func() ctlMsg {
		own.Start = time.Now().Add(cfg.StartDelay).UnixNano()
		return own
	}
	var accept ctlMsg
	for {
		d := net.Dialer{Timeout: time.Until(deadline)}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			ctl := newControl(c)
			stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
			accept, err = localHandshake(ctl, cfg.Token, settings)
			stop()
			if err == nil {
				s.ctl = ctl
				break
			}
			c.Close()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !errors.Is(err, errRetry) {
				return err
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Until(deadline) <= 0 {
			return fmt.Errorf("%w within %v: control connection to %s: %v", ErrNoPeer, cfg.Wait, addr, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	s.peerPort = accept.DataPort
	s.start, s.duration, s.count = own.Start, own.Duration, own.Count
	if cfg.Transport == TCP {
		raddr := netip.AddrPortFrom(cfg.Peer, uint16(s.peerPort)).String()
		d := net.Dialer{Timeout: cfg.Wait}
		c, err := d.DialContext(ctx, "tcp", raddr)
		if err != nil {
			return fmt.Errorf("%w: data connection to %s: %v", ErrNoPeer, raddr, err)
		}
		s.tcp = c.(*net.TCPConn)
		_ = s.tcp.SetNoDelay(true)
	} else {
		// An empty datagram before the first packet of either side: it
		// makes the local side the flow's first sender in both sides'
		// captures (DESIGN.md, "Direction"); receivers ignore it.
		_, _ = s.udp.WriteToUDPAddrPort(nil, netip.AddrPortFrom(cfg.Peer, uint16(s.peerPort)))
	}
	return nil
}

// openRemote accepts connections from the peer's address until one
// authenticates and agrees the run. Each connection is authenticated in a
// goroutine of its own with its own deadline, so a silent or hostile one
// never holds up another; at most maxHandshakes run at once.
func (s *Session) openRemote(ctx context.Context, own ctlMsg) error {
	cfg := &s.cfg
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{Port: cfg.ControlPort})
	if err != nil {
		return fmt.Errorf("control: listen on port %d: %w", cfg.ControlPort, err)
	}
	defer ln.Close()
	deadline := time.Now().Add(cfg.Wait)
	_ = ln.SetDeadline(deadline)
	stopLn := context.AfterFunc(ctx, func() { _ = ln.SetDeadline(time.Now()) })
	defer stopLn()

	hctx, cancel := context.WithCancel(ctx)
	results := make(chan handshakeResult)
	acceptErr := make(chan error, 1)
	var wg sync.WaitGroup
	slots := make(chan struct{}, maxHandshakes)
	var busy atomic.Int64
	go func() {
		for {
			c, err := ln.AcceptTCP()
			if err != nil {
				acceptErr <- err
				return
			}
			// Only the named peer may drive this side.
			if ra, ok := c.RemoteAddr().(*net.TCPAddr); !ok || ra.AddrPort().Addr().Unmap() != cfg.Peer {
				c.Close()
				continue
			}
			select {
			case slots <- struct{}{}:
			default:
				busy.Add(1)
				c.Close()
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				stop := context.AfterFunc(hctx, func() { _ = c.SetDeadline(time.Now()) })
				r := remoteHandshake(newControl(c), cfg.Token, own, cfg.Duration > 0, cfg.Count > 0)
				if !stop() && r.err == nil {
					r.err = hctx.Err()
				}
				if r.err != nil {
					r.err = fmt.Errorf("connection from %v: %w", c.RemoteAddr(), r.err)
				}
				select {
				case results <- r:
				case <-hctx.Done():
					c.Close()
				}
			}()
		}
	}()
	var refused []string
	var silent int
	var won *handshakeResult
	for won == nil && err == nil {
		select {
		case r := <-results:
			switch {
			case r.err == nil:
				won = &r
			case r.authed:
				// The peer holds the token: its settings are what it wants.
				r.ctl.conn.Close()
				err = fmt.Errorf("%w peer %v: %w", ErrRefused, cfg.Peer, r.err)
			default:
				r.ctl.conn.Close()
				refused = append(refused, r.err.Error())
				// Silent connections are counted, not each reported:
				// a flood of them must not flood the terminal too.
				if errors.Is(r.err, os.ErrDeadlineExceeded) {
					if silent++; silent > 3 {
						break
					}
				}
				if cfg.Log != nil {
					cfg.Log("control: refused " + r.err.Error())
				}
			}
		case aerr := <-acceptErr:
			switch {
			case ctx.Err() != nil:
				err = ctx.Err()
			case len(refused) > 0:
				err = fmt.Errorf("%w: no peer authenticated within %v on control port %d; %d connection(s) from %v turned away, the last: %s",
					ErrRefused, cfg.Wait, cfg.ControlPort, len(refused), cfg.Peer, refused[len(refused)-1])
			default:
				err = fmt.Errorf("%w within %v on control port %d: %v", ErrNoPeer, cfg.Wait, cfg.ControlPort, aerr)
			}
			acceptErr <- aerr
		}
	}
	// End the other handshakes and the accept loop before going on.
	cancel()
	ln.Close()
	<-acceptErr
	wg.Wait()
	if silent > 3 && cfg.Log != nil {
		cfg.Log(fmt.Sprintf("control: %d more connection(s) from %v did not finish the handshake within %v", silent-3, cfg.Peer, handshakeTimeout))
	}
	if n := busy.Load(); n > 0 && cfg.Log != nil {
		cfg.Log(fmt.Sprintf("control: closed %d connection(s) from %v while %d handshakes were under way", n, cfg.Peer, maxHandshakes))
	}
	if err != nil {
		return err
	}
	s.ctl = won.ctl
	m := won.settings
	s.peerPort = m.DataPort
	s.duration, s.count = m.Duration, m.Count
	s.cfg.Multiplier = m.Multiplier
	// A start already past on this clock (clocks differ between hosts)
	// would make the first packets late and bunch them; start now instead.
	s.start = max(m.Start, time.Now().Add(10*time.Millisecond).UnixNano())
	var dl *net.TCPListener
	if cfg.Transport == TCP {
		if dl, err = net.ListenTCP("tcp", &net.TCPAddr{Port: cfg.DataPort}); err != nil {
			return fmt.Errorf("data: listen on port %d: %w", cfg.DataPort, err)
		}
		defer dl.Close()
	} else if err := s.openUDP(); err != nil {
		return err
	}
	if err := s.ctl.send(ctlMsg{Type: "accept", DataPort: cfg.DataPort}); err != nil {
		return err
	}
	if dl != nil {
		_ = dl.SetDeadline(time.Now().Add(cfg.Wait))
		for {
			c, err := dl.AcceptTCP()
			if err != nil {
				return fmt.Errorf("%w: no data connection on port %d: %v", ErrNoPeer, cfg.DataPort, err)
			}
			if c.RemoteAddr().(*net.TCPAddr).AddrPort().Addr().Unmap() != cfg.Peer {
				c.Close()
				continue
			}
			s.tcp = c
			break
		}
		_ = s.tcp.SetNoDelay(true)
	}
	return nil
}

func (s *Session) openUDP() error {
	c, err := net.ListenUDP("udp", &net.UDPAddr{Port: s.cfg.DataPort})
	if err != nil {
		return fmt.Errorf("data: listen on UDP port %d: %w", s.cfg.DataPort, err)
	}
	s.udp = c
	_ = c.SetWriteBuffer(4 << 20)
	return nil
}

// prepareRaw builds the frame template: this host's address towards the
// peer (the control connection's), the interface's MAC, and the next hop's
// MAC from the neighbour table, which the control connection has filled.
func (s *Session) prepareRaw(ifi *net.Interface) error {
	src := s.ctl.conn.LocalAddr().(*net.TCPAddr).AddrPort().Addr().Unmap()
	dstMAC, err := nextHopMAC(s.cfg.Peer, ifi)
	if err != nil {
		return err
	}
	t, err := frame.New(frame.Spec{
		SrcMAC: ifi.HardwareAddr, DstMAC: dstMAC,
		SrcIP: src, DstIP: s.cfg.Peer,
		Proto:   frame.UDP,
		SrcPort: uint16(s.cfg.DataPort), DstPort: uint16(s.peerPort),
		MaxFrame: ifi.MTU + frame.EthLen,
	})
	if err != nil {
		return fmt.Errorf("raw: %w", err)
	}
	s.raw.tmpl = t
	s.raw.hdrOff = t.HeaderLen()
	s.raw.limit = t.MaxPayload()
	if s.raw.limit < HeaderLen {
		return fmt.Errorf("raw: MTU %d of %s leaves no room for the %d-byte header", ifi.MTU, ifi.Name, HeaderLen)
	}
	return nil
}

// Close releases every socket; Run closes them itself.
func (s *Session) Close() error {
	if s.ctl != nil {
		s.ctl.conn.Close()
	}
	if s.udp != nil {
		s.udp.Close()
	}
	if s.tcp != nil {
		s.tcp.Close()
	}
	if s.raw != nil {
		s.raw.close()
		s.raw = nil
	}
	if s.capture != nil {
		s.capture.closeUnstarted()
		s.capture = nil
	}
	return nil
}

// Start is the agreed start of the run (Unix nanoseconds).
func (s *Session) Start() time.Time { return time.Unix(0, s.start) }

// PeerDataPort is the port the peer receives on.
func (s *Session) PeerDataPort() int { return s.peerPort }
