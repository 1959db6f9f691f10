package trace

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// Selector is a set of identifiers read from an identifiers file (-f): MAC
// addresses, IP addresses and flow ids. A flow is selected when its id is
// listed (in either orientation) or when one of its endpoints' IPs or MACs is;
// a device is selected when its IP or MAC is listed.
type Selector struct {
	macs  map[[6]byte]struct{}
	ips   map[netip.Addr]struct{}
	flows map[flowSel]struct{}
}

type flowSel struct {
	proto string
	a, b  netip.AddrPort
}

// Len returns the number of identifiers.
func (s *Selector) Len() int { return len(s.macs) + len(s.ips) + len(s.flows)/2 }

// LoadSelectors reads an identifiers file.
func LoadSelectors(path string) (*Selector, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	defer f.Close()
	return ParseSelectors(f, filepath.Base(path))
}

// ParseSelectors reads identifiers, one per line: a MAC
// ("00:11:22:33:44:55"), an IP ("10.0.0.1", "2001:db8::1") or a flow id
// ("UDP 10.0.0.1:5000 10.0.0.2:6000", "TCP [2001:db8::1]:80 [2001:db8::2]:4242").
// "#" starts a comment; blank lines are ignored. A line that is none of these
// is an error naming name and the line number.
func ParseSelectors(r io.Reader, name string) (*Selector, error) {
	s := &Selector{
		macs:  map[[6]byte]struct{}{},
		ips:   map[netip.Addr]struct{}{},
		flows: map[flowSel]struct{}{},
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		if err := s.add(text); err != nil {
			return nil, fmt.Errorf("trace: %s:%d: %w", name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("trace: %s: line %d: %w", name, line+1, err)
	}
	return s, nil
}

func (s *Selector) add(text string) error {
	f := strings.Fields(text)
	switch len(f) {
	case 1:
		if a, err := netip.ParseAddr(f[0]); err == nil {
			if a.Zone() != "" {
				return fmt.Errorf("IP %q has a zone, which captures do not carry", f[0])
			}
			s.ips[a.Unmap()] = struct{}{}
			return nil
		}
		if m, err := net.ParseMAC(f[0]); err == nil && len(m) == 6 {
			s.macs[[6]byte(m)] = struct{}{}
			return nil
		}
		return fmt.Errorf("%q is not a MAC, an IP or a flow id (PROTO SRC:PORT DST:PORT)", text)
	case 3:
		proto := strings.ToUpper(f[0])
		if proto != "UDP" && proto != "TCP" {
			return fmt.Errorf("flow id %q: protocol %q is not UDP or TCP", text, f[0])
		}
		a, err := netip.ParseAddrPort(f[1])
		if err != nil {
			return fmt.Errorf("flow id %q: %v", text, err)
		}
		b, err := netip.ParseAddrPort(f[2])
		if err != nil {
			return fmt.Errorf("flow id %q: %v", text, err)
		}
		a = netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
		b = netip.AddrPortFrom(b.Addr().Unmap(), b.Port())
		s.flows[flowSel{proto, a, b}] = struct{}{}
		s.flows[flowSel{proto, b, a}] = struct{}{}
		return nil
	}
	return fmt.Errorf("%q is not a MAC, an IP or a flow id (PROTO SRC:PORT DST:PORT)", text)
}

// Matches reports whether the selector picks o (see Selector). A nil
// selector matches everything.
func (s *Selector) Matches(o *Object) bool {
	if s == nil {
		return true
	}
	switch o.Kind {
	case Flow:
		return s.matchFlow(o.Proto, netip.AddrPortFrom(o.Local.IP, o.Local.Port), netip.AddrPortFrom(o.Remote.IP, o.Remote.Port), o.Local.MAC, o.Remote.MAC)
	case IP:
		return s.hasIP(o.Local.IP)
	case MAC:
		return s.hasMAC(o.Local.MAC)
	}
	return false
}

func (s *Selector) matchFlow(proto string, a, b netip.AddrPort, ma, mb []byte) bool {
	// Ids are stored unmapped; an IPv6 packet may carry an IPv4-mapped address.
	a = netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
	b = netip.AddrPortFrom(b.Addr().Unmap(), b.Port())
	if _, ok := s.flows[flowSel{proto, a, b}]; ok {
		return true
	}
	return s.hasIP(a.Addr()) || s.hasIP(b.Addr()) || s.hasMAC(ma) || s.hasMAC(mb)
}

func (s *Selector) hasIP(a netip.Addr) bool {
	_, ok := s.ips[a.Unmap()]
	return ok
}

func (s *Selector) hasMAC(m []byte) bool {
	if len(m) != 6 {
		return false
	}
	_, ok := s.macs[[6]byte(m)]
	return ok
}
