package trace

import (
	"bytes"
	"net"
	"net/netip"
)

// The object tables are keyed by fixed-size comparable structs, so looking a
// packet up allocates nothing; only a new object allocates.

type flowKey struct {
	a, b   [16]byte // the lower endpoint (address, then port) first
	pa, pb uint16
	proto  uint8
	v6     bool
}

type flowEntry struct {
	obj     int32 // index in table.objs; -1 when not selected
	swapped bool  // whether the flow's first packet went from b to a
}

type ipKey struct {
	a  [16]byte
	v6 bool
}

type table struct {
	kind  Kind
	sel   *Selector
	flows map[flowKey]flowEntry
	ips   map[ipKey]int32
	macs  map[[6]byte]int32
	objs  []*Object
}

func (t *table) init(opts Options) {
	t.kind, t.sel = opts.Kind, opts.Select
	switch t.kind {
	case IP:
		t.ips = map[ipKey]int32{}
	case MAC:
		t.macs = map[[6]byte]int32{}
	default:
		t.flows = map[flowKey]flowEntry{}
	}
}

func (t *table) objects() []*Object { return t.objs }

// less orders endpoints by address, then port.
func less(a *[16]byte, pa uint16, b *[16]byte, pb uint16) bool {
	if x, y := be.Uint64(a[:8]), be.Uint64(b[:8]); x != y {
		return x < y
	}
	if x, y := be.Uint64(a[8:]), be.Uint64(b[8:]); x != y {
		return x < y
	}
	return pa < pb
}

// add appends the packet to its object(s).
func (t *table) add(p *pkt, ts int64, size int32) reason {
	switch t.kind {
	case IP:
		from := t.ipDevice(&p.src, p.v6, &p.srcMAC, p.hasSrcMAC)
		to := t.ipDevice(&p.dst, p.v6, &p.dstMAC, p.hasDstMAC)
		return t.device(from, to, ts, size)
	case MAC:
		if !p.hasSrcMAC && !p.hasDstMAC {
			return reasonNoMAC
		}
		from, to := int32(-1), int32(-1)
		if p.hasSrcMAC {
			from = t.macDevice(&p.srcMAC, &p.src, p.v6)
		}
		if p.hasDstMAC {
			to = t.macDevice(&p.dstMAC, &p.dst, p.v6)
		}
		return t.device(from, to, ts, size)
	}
	swapped := less(&p.dst, p.dport, &p.src, p.sport)
	k := flowKey{proto: p.proto, v6: p.v6}
	if swapped {
		k.a, k.pa, k.b, k.pb = p.dst, p.dport, p.src, p.sport
	} else {
		k.a, k.pa, k.b, k.pb = p.src, p.sport, p.dst, p.dport
	}
	e, ok := t.flows[k]
	if !ok {
		e = flowEntry{obj: t.newFlow(p), swapped: swapped}
		t.flows[k] = e
	}
	if e.obj < 0 {
		return reasonNotSelected
	}
	o := t.objs[e.obj]
	s := &o.From
	if swapped != e.swapped {
		s = &o.To
	}
	s.Times = append(s.Times, ts)
	s.Sizes = append(s.Sizes, size)
	return reasonOK
}

func (t *table) device(from, to int32, ts int64, size int32) reason {
	if from < 0 && to < 0 {
		return reasonNotSelected
	}
	if from >= 0 {
		s := &t.objs[from].From
		s.Times = append(s.Times, ts)
		s.Sizes = append(s.Sizes, size)
	}
	if to >= 0 {
		s := &t.objs[to].To
		s.Times = append(s.Times, ts)
		s.Sizes = append(s.Sizes, size)
	}
	return reasonOK
}

func addr(a *[16]byte, v6 bool) netip.Addr {
	if v6 {
		return netip.AddrFrom16(*a)
	}
	return netip.AddrFrom4([4]byte(a[:4]))
}

func (t *table) keep(o *Object) int32 {
	if !t.sel.Matches(o) {
		return -1
	}
	t.objs = append(t.objs, o)
	return int32(len(t.objs) - 1)
}

func (t *table) newFlow(p *pkt) int32 {
	proto := "UDP"
	if p.proto == protoTCP {
		proto = "TCP"
	}
	o := &Object{
		Kind:   Flow,
		Proto:  proto,
		Local:  Endpoint{IP: addr(&p.src, p.v6), Port: p.sport},
		Remote: Endpoint{IP: addr(&p.dst, p.v6), Port: p.dport},
	}
	if p.hasSrcMAC {
		o.Local.MAC = net.HardwareAddr(bytes.Clone(p.srcMAC[:]))
	}
	if p.hasDstMAC {
		o.Remote.MAC = net.HardwareAddr(bytes.Clone(p.dstMAC[:]))
	}
	o.ID = FlowID(proto, netip.AddrPortFrom(o.Local.IP, o.Local.Port), netip.AddrPortFrom(o.Remote.IP, o.Remote.Port))
	return t.keep(o)
}

func (t *table) ipDevice(a *[16]byte, v6 bool, mac *[6]byte, hasMAC bool) int32 {
	k := ipKey{*a, v6}
	if i, ok := t.ips[k]; ok {
		return i
	}
	ip := addr(a, v6)
	o := &Object{Kind: IP, ID: ip.String(), Local: Endpoint{IP: ip}}
	if hasMAC {
		o.Local.MAC = net.HardwareAddr(bytes.Clone(mac[:]))
	}
	i := t.keep(o)
	t.ips[k] = i
	return i
}

func (t *table) macDevice(mac *[6]byte, a *[16]byte, v6 bool) int32 {
	if i, ok := t.macs[*mac]; ok {
		return i
	}
	m := net.HardwareAddr(bytes.Clone(mac[:]))
	// The device's IP is the first one seen with its MAC; a router's MAC
	// carries many, so this is informative only.
	o := &Object{Kind: MAC, ID: m.String(), Local: Endpoint{IP: addr(a, v6), MAC: m}}
	i := t.keep(o)
	t.macs[*mac] = i
	return i
}
