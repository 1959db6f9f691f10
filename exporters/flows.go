package exporters

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gmm2trex/gmm2trex/internal/seeds"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// Options.Flows turns one object into N concurrent imitations: each flow an
// independent draw of the model (its own seed, seeds.Derive(Seed, flow), and
// its own start phase), with its own 5-tuple from the address set below.
// Flow 0 is the export as it is without Flows.

// MaxFlows bounds Options.Flows: far more than any generator here handles
// as separate flows, small enough that flow indices fit every counter.
const MaxFlows = 1 << 24

// IPRange is an inclusive range of addresses of one family. The zero value
// means no range was given.
type IPRange struct{ First, Last netip.Addr }

// IsValid reports whether r holds at least one address.
func (r IPRange) IsValid() bool { return r.First.IsValid() }

// Len is the number of addresses in r (0 for the zero range).
func (r IPRange) Len() uint64 {
	if !r.IsValid() {
		return 0
	}
	return ipLow(r.Last) - ipLow(r.First) + 1
}

// At returns the i-th address of r from First (i < Len()).
func (r IPRange) At(i uint64) netip.Addr { return ipAdd(r.First, i) }

func (r IPRange) String() string {
	if r.First == r.Last {
		return r.First.String()
	}
	return r.First.String() + "-" + r.Last.String()
}

// ipLow is the low 32 bits of an address: what TRex's field engine can vary
// (a 4-byte flow variable), so IPv6 ranges stay within one /96.
func ipLow(a netip.Addr) uint64 {
	b := a.As16()
	return uint64(binary.BigEndian.Uint32(b[12:]))
}

// ipAdd returns a + i within a's /96 (the caller keeps it in range).
func ipAdd(a netip.Addr, i uint64) netip.Addr {
	b := a.As16()
	binary.BigEndian.PutUint32(b[12:], uint32(ipLow(a)+i))
	if a.Is4() {
		return netip.AddrFrom4([4]byte(b[12:]))
	}
	return netip.AddrFrom16(b)
}

// ParseIPRange parses an address ("10.0.0.1"), a range of one family
// ("10.0.0.1-10.0.3.232", first ≤ last) or a prefix ("10.0.0.0/22": its
// hosts, without the network and broadcast addresses of IPv4 prefixes up to
// /30, and without the subnet-router address of IPv6 prefixes up to /126).
// IPv6 ranges must lie within one /96, the 32 bits TRex's field engine varies.
func ParseIPRange(s string) (IPRange, error) {
	var r IPRange
	switch {
	case strings.Contains(s, "/"):
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return r, fmt.Errorf("%q is not an address prefix", s)
		}
		p = p.Masked()
		host := p.Addr().BitLen() - p.Bits()
		if host > 32 {
			return r, fmt.Errorf("%q: an IPv6 range must lie within one /96 (TRex's field engine varies 32 bits)", s)
		}
		n := uint64(1) << host
		first, last := uint64(0), n-1
		if p.Addr().Is4() && host >= 2 {
			first, last = 1, n-2
		} else if !p.Addr().Is4() && host >= 2 {
			first = 1
		}
		r = IPRange{ipAdd(p.Addr(), first), ipAdd(p.Addr(), last)}
	case strings.Contains(s, "-"):
		a, b, _ := strings.Cut(s, "-")
		first, err1 := netip.ParseAddr(strings.TrimSpace(a))
		last, err2 := netip.ParseAddr(strings.TrimSpace(b))
		if err1 != nil || err2 != nil {
			return r, fmt.Errorf("%q is not a range FIRST-LAST of IP addresses", s)
		}
		first, last = first.Unmap(), last.Unmap()
		if first.Is4() != last.Is4() {
			return r, fmt.Errorf("%q: the ends are not of one IP version", s)
		}
		if last.Less(first) {
			return r, fmt.Errorf("%q: the last address is below the first", s)
		}
		fb, lb := first.As16(), last.As16()
		if [12]byte(fb[:12]) != [12]byte(lb[:12]) {
			return r, fmt.Errorf("%q: an IPv6 range must lie within one /96 (TRex's field engine varies 32 bits)", s)
		}
		r = IPRange{first, last}
	default:
		a, err := netip.ParseAddr(s)
		if err != nil {
			return r, fmt.Errorf("%q is not an IP address, range or prefix", s)
		}
		r = IPRange{a.Unmap(), a.Unmap()}
	}
	return r, nil
}

// PortRange is an inclusive range of ports; the zero value means none given.
type PortRange struct{ First, Last uint16 }

// IsValid reports whether r holds at least one port.
func (r PortRange) IsValid() bool { return r.First > 0 }

// Len is the number of ports in r.
func (r PortRange) Len() uint64 {
	if !r.IsValid() {
		return 0
	}
	return uint64(r.Last-r.First) + 1
}

func (r PortRange) String() string {
	if r.First == r.Last {
		return strconv.Itoa(int(r.First))
	}
	return fmt.Sprintf("%d-%d", r.First, r.Last)
}

// ParsePortRange parses a port ("5000") or a range ("5000-5999"), each
// 1..65535, first ≤ last.
func ParsePortRange(s string) (PortRange, error) {
	a, b, isRange := strings.Cut(s, "-")
	if !isRange {
		b = a
	}
	first, err1 := strconv.Atoi(strings.TrimSpace(a))
	last, err2 := strconv.Atoi(strings.TrimSpace(b))
	switch {
	case err1 != nil || err2 != nil:
		return PortRange{}, fmt.Errorf("%q is not a port or a range FIRST-LAST of ports", s)
	case first < 1 || first > 65535 || last < 1 || last > 65535:
		return PortRange{}, fmt.Errorf("%s outside 1..65535", s)
	case last < first:
		return PortRange{}, fmt.Errorf("%q: the last port is below the first", s)
	}
	return PortRange{uint16(first), uint16(last)}, nil
}

// flowField is one field of the 5-tuple as the flows vary it: count values
// from first (count 1: fixed).
type flowField struct {
	count uint64
	ip    netip.Addr // IP fields
	port  uint16     // port fields
}

// Fields of a flow set, fastest-varying first: flow i is the i-th tuple of
// the product local port × local IP × remote port × remote IP, counted in
// mixed radix.
const (
	fLocalPort = iota
	fLocalIP
	fRemotePort
	fRemoteIP
	nFlowFields
)

var flowFieldNames = [nFlowFields]string{"local ports", "local IPs", "remote ports", "remote IPs"}

// flowSet is the address set of one target's flows.
type flowSet struct {
	n int
	f [nFlowFields]flowField
	// product: the fields' counts multiply to n, so independent uniform
	// choices per field (TRex's field engine, op random) give exactly the
	// n tuples, each as often.
	product bool
}

// newFlowSet makes the set of n flows of t from the ranges in a. Fields
// without a range keep t's endpoint; with no range at all the local port
// varies (from t's, or the local IP when there are not enough ports above
// it). It is an error when the ranges hold fewer than n tuples.
func newFlowSet(t *target, a Addresses, n int) (flowSet, error) {
	return newFlowSetFor(t, a, n, false)
}

// newFlowSetFor is newFlowSet; with byServerPort, the default varies the
// remote port instead (TRex's ASTF picks client ports itself and takes one
// program per server port).
func newFlowSetFor(t *target, a Addresses, n int, byServerPort bool) (flowSet, error) {
	fs := flowSet{n: max(n, 1)}
	fs.f[fLocalPort] = flowField{count: max(a.LocalPorts.Len(), 1), port: t.local.port}
	fs.f[fLocalIP] = flowField{count: max(a.LocalIPs.Len(), 1), ip: t.local.ip}
	fs.f[fRemotePort] = flowField{count: max(a.RemotePorts.Len(), 1), port: t.remote.port}
	fs.f[fRemoteIP] = flowField{count: max(a.RemoteIPs.Len(), 1), ip: t.remote.ip}
	for _, r := range []IPRange{a.LocalIPs, a.RemoteIPs} {
		if r.IsValid() && r.First.Is4() != t.local.ip.Is4() {
			return fs, inputf("object %q: the address range %v is not of the object's IP version", t.obj.ID, r)
		}
	}
	if fs.n == 1 {
		for i := range fs.f {
			fs.f[i].count = 1
		}
		fs.product = true
		return fs, nil
	}
	given := a.LocalPorts.IsValid() || a.LocalIPs.IsValid() || a.RemotePorts.IsValid() || a.RemoteIPs.IsValid()
	if !given {
		switch {
		case byServerPort && uint64(fs.n) <= 65536-uint64(t.remote.port):
			fs.f[fRemotePort].count = uint64(fs.n)
		case byServerPort:
			return fs, fieldf("Options.Flows", "%d: too many flows for distinct server ports above %d of object %q", fs.n, t.remote.port, t.obj.ID)
		case uint64(fs.n) <= 65536-uint64(t.local.port):
			fs.f[fLocalPort].count = uint64(fs.n)
		case uint64(fs.n) <= 1<<32-ipLow(t.local.ip):
			fs.f[fLocalIP].count = uint64(fs.n)
		default:
			return fs, fieldf("Options.Flows", "%d: too many flows to vary the local port or address of object %q", fs.n, t.obj.ID)
		}
	}
	// Only as many values of the slowest-varying field as the n flows reach.
	inner := uint64(1)
	for i := range fs.f {
		c := fs.f[i].count
		if hi, lo := bits.Mul64(inner, c); hi != 0 || lo >= uint64(fs.n) {
			fs.f[i].count = (uint64(fs.n) + inner - 1) / inner
			for j := i + 1; j < nFlowFields; j++ {
				fs.f[j].count = 1
			}
			fs.product = uint64(fs.n)%inner == 0
			return fs, nil
		}
		inner *= c
	}
	if inner < uint64(fs.n) {
		var parts []string
		for i := range fs.f {
			parts = append(parts, fmt.Sprintf("%d %s", fs.f[i].count, flowFieldNames[i]))
		}
		return fs, fieldf("Options.Flows", "%d: the flows need %d distinct 5-tuples; the address ranges of object %q give %d (%s): widen a range",
			fs.n, fs.n, t.obj.ID, inner, strings.Join(parts, " × "))
	}
	fs.product = true
	return fs, nil
}

// tuple returns the endpoints of flow i: t's, with the varied fields set.
func (fs *flowSet) tuple(t *target, i int) (local, remote endpoint) {
	local, remote = t.local, t.remote
	if fs.n <= 1 {
		return local, remote
	}
	k := uint64(i)
	digit := func(f int) uint64 {
		c := fs.f[f].count
		d := k % c
		k /= c
		return d
	}
	local.port = fs.f[fLocalPort].port + uint16(digit(fLocalPort))
	local.ip = ipAdd(fs.f[fLocalIP].ip, digit(fLocalIP))
	remote.port = fs.f[fRemotePort].port + uint16(digit(fRemotePort))
	remote.ip = ipAdd(fs.f[fRemoteIP].ip, digit(fRemoteIP))
	return local, remote
}

// flowSeed is the seed of flow f: the request's own for flow 0.
func flowSeed(o Options, f int) uint64 { return seeds.Derive(o.Seed, uint64(f)) }

// flowPhase is flow f's start offset (seconds): 0 for a single flow, else a
// uniform fraction of a gap drawn from the model of t's first direction,
// both from flow f's own seed (on streams the directions do not use), so
// that flows neither start together nor depend on each other.
func flowPhase(t *target, o Options, f int) (float64, error) {
	if t.flows.n <= 1 {
		return 0, nil
	}
	seed := flowSeed(o, f)
	src, err := sampler.NewSource(t.obj.Dir(t.dirs[0]), o.Model, seed, 2)
	if err != nil {
		return 0, inputf("%v", err)
	}
	src.Next() // a direction's first draw has no gap
	gap, _ := src.Next()
	return seeds.New(seed, 3).Float64() * gap, nil
}

// checkFlows validates Options.Flows.
func checkFlows(o Options) error {
	if o.Flows < 0 || o.Flows > MaxFlows {
		return fieldf("Options.Flows", "%d outside 0..%d", o.Flows, MaxFlows)
	}
	return nil
}

// flowCount is "1 flow", "3 flows", for notes.
func flowCount(n int) string {
	if n == 1 {
		return "1 flow"
	}
	return fmt.Sprintf("%d flows", n)
}
