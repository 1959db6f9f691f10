package trace

import (
	"bytes"
	"math"
	"net"
	"net/netip"
	"slices"
)

// The object tables are keyed by fixed-size comparable structs, so looking a
// packet up allocates nothing; only a new object allocates.
//
// Kept packets go to an append-only log, not straight into per-object
// slices: with thousands of objects each packet would otherwise write to a
// random place and grow a random slice, and those cache misses and copies
// were most of the reading time. At the end the log is distributed, with one
// counting pass, into two arrays (times, sizes) that the objects' series
// share. Memory is the log's 16 bytes per kept packet plus, at the end, the
// series' 12 bytes per packet. A direction past Options.MaxPackets logs no
// more: its later packets go to its reservoir (sample.go).

// flowKey is a flow's addresses, the lower endpoint (address, then port)
// first, and meta = port a | port b << 16 | protocol << 32 | v6 << 40.
type flowKey struct {
	a, b ipAddr
	meta uint64
}

// eq compares word by word; == on the struct calls a memory comparison that
// showed in profiles.
func (k *flowKey) eq(o *flowKey) bool {
	return k.a[0] == o.a[0] && k.a[1] == o.a[1] && k.b[0] == o.b[0] && k.b[1] == o.b[1] && k.meta == o.meta
}

type ipKey struct {
	a  ipAddr
	v6 bool
}

// logEntry is one kept packet of one direction of one object.
type logEntry struct {
	ts   int64
	size int32
	ref  int32 // object index << 1 | direction (0 from, 1 to)
}

const logChunk = 1 << 16 // entries per log chunk (1 MiB), once the log has grown

type table struct {
	kind  Kind
	sel   *Selector
	flows flowTable
	ips   map[ipKey]int32
	macs  map[[6]byte]int32
	objs  []*Object
	dirs  []dirCount // per ref
	log   [][]logEntry
	cur   []logEntry // the chunk being filled, also the last of log
	// limit is the most packets a direction keeps before it is sampled
	// (math.MaxInt64: no limit), block the sample's block length, seed
	// its seed, and res the sampled directions' reservoirs, by ref (nil
	// until one is sampled).
	limit int64
	block int
	seed  uint64
	res   []*reservoir
}

// dirCount is what a direction's totals need, whether it is sampled or not.
type dirCount struct {
	n, bytes int64
	last     int64 // the latest packet's time
}

func (t *table) init(opts Options) {
	t.kind, t.sel = opts.Kind, opts.Select
	t.limit, t.seed = math.MaxInt64, opts.Seed
	if opts.MaxPackets > 0 {
		t.block, t.limit = sampleShape(opts.MaxPackets)
	}
	switch t.kind {
	case IP:
		t.ips = map[ipKey]int32{}
	case MAC:
		t.macs = map[[6]byte]int32{}
	default:
		t.flows.init()
	}
}

func (t *table) push(ref int32, ts int64, size int32) {
	d := &t.dirs[ref]
	prev := d.last
	d.n++
	d.bytes += int64(size)
	d.last = ts
	if d.n > t.limit {
		t.sample(ref, prev, ts, size)
		return
	}
	if len(t.cur) == cap(t.cur) {
		n := 1024 // small captures (tests, the fuzzer) stay small
		if t.cur != nil {
			t.log = append(t.log, t.cur)
			n = min(2*cap(t.cur), logChunk)
		}
		t.cur = make([]logEntry, 0, n)
	}
	t.cur = append(t.cur, logEntry{ts, size, ref})
}

// sample hands a packet past the direction's budget to its reservoir.
func (t *table) sample(ref int32, prev, ts int64, size int32) {
	if t.res == nil {
		t.res = make([]*reservoir, len(t.dirs), cap(t.dirs))
	}
	for int(ref) >= len(t.res) {
		t.res = append(t.res, nil)
	}
	r := t.res[ref]
	if r == nil {
		r = t.newReservoir(ref)
		t.res[ref] = r
	}
	r.add(t.dirs[ref].n-1, prev, ts, size)
}

// kept is how many packets direction ref keeps.
func (t *table) kept(ref int) int64 {
	return min(t.dirs[ref].n, t.limit)
}

// objects distributes the log into the kept objects' series and returns
// the objects.
func (t *table) objects() []*Object {
	if t.cur != nil {
		t.log = append(t.log, t.cur)
		t.cur = nil
	}
	var total int64
	off := make([]int64, len(t.dirs))
	for r := range t.dirs {
		off[r] = total
		total += t.kept(r)
	}
	times, sizes := make([]int64, total), make([]int32, total)
	for i, o := range t.objs {
		for dir, s := range [2]*Series{&o.From, &o.To} {
			r := 2*i + dir
			a, b := off[r], off[r]+t.kept(r)
			s.Times, s.Sizes = times[a:b:b], sizes[a:b:b]
		}
	}
	sampled := false
	for _, r := range t.res {
		if r != nil {
			r.order()
			sampled = true
		}
	}
	for ci, chunk := range t.log {
		if !sampled {
			for _, e := range chunk {
				i := off[e.ref]
				off[e.ref] = i + 1
				times[i], sizes[i] = e.ts, e.size
			}
		} else {
			t.distribute(chunk, off, times, sizes)
		}
		t.log[ci] = nil // let the collector take it while the rest is copied
	}
	t.log = nil
	for ref, r := range t.res {
		if r != nil {
			t.finish(ref, r)
		}
	}
	t.res = nil
	// A flow seen only in empty packets has nothing to show.
	return slices.DeleteFunc(t.objs, func(o *Object) bool { return o.Packets() == 0 })
}

// distribute is objects' copy of one log chunk when some directions are
// sampled: a sampled direction's entry goes to its block's place in time
// order if the reservoir still holds that block, else nowhere. off is
// where each unsampled direction's next packet goes.
func (t *table) distribute(chunk []logEntry, off []int64, times []int64, sizes []int32) {
	for _, e := range chunk {
		var r *reservoir
		if int(e.ref) < len(t.res) {
			r = t.res[e.ref]
		}
		if r == nil {
			i := off[e.ref]
			off[e.ref] = i + 1
			times[i], sizes[i] = e.ts, e.size
			continue
		}
		s := r.seq
		r.seq++
		b, k := s/r.block, s%r.block
		if s == 0 {
			r.keptFirst, r.scanLast = e.ts, e.ts
		}
		if r.times[b] == nil { // slot b still holds block b, from the log
			if k == 0 {
				r.prev[b] = r.scanLast
			}
			i := off[e.ref] + int64(r.pos[b])*r.block + k
			times[i], sizes[i] = e.ts, e.size
		}
		r.scanLast = e.ts
	}
}

// finish copies a sampled direction's blocks read past the log into its
// series and records the sample.
func (t *table) finish(ref int, r *reservoir) {
	o := t.objs[ref>>1]
	s := &o.From
	if ref&1 == 1 {
		s = &o.To
	}
	d := t.dirs[ref]
	smp := &Sample{Packets: d.n, Bytes: d.bytes, First: r.keptFirst, Last: d.last, Block: int(r.block),
		Prev: make([]int64, len(r.held))}
	for j, p := range r.pos {
		smp.Prev[p] = r.prev[j]
		if r.times[j] != nil {
			a := int64(p) * r.block
			copy(s.Times[a:], r.times[j])
			copy(s.Sizes[a:], r.sizes[j])
		}
	}
	s.Sample = smp
}

// less orders endpoints by address, then port.
func less(a ipAddr, pa uint16, b ipAddr, pb uint16) bool {
	if a[0] != b[0] {
		return a[0] < b[0]
	}
	if a[1] != b[1] {
		return a[1] < b[1]
	}
	return pa < pb
}

// add logs the packet for its object(s).
func (t *table) add(p *pkt, ts int64, size int32) reason {
	switch t.kind {
	case IP:
		from := t.ipDevice(p.src, p.v6, &p.srcMAC, p.hasSrcMAC)
		to := t.ipDevice(p.dst, p.v6, &p.dstMAC, p.hasDstMAC)
		return t.device(from, to, ts, size)
	case MAC:
		if !p.hasSrcMAC && !p.hasDstMAC {
			return reasonNoMAC
		}
		from, to := int32(-1), int32(-1)
		if p.hasSrcMAC {
			from = t.macDevice(&p.srcMAC, p.src, p.v6)
		}
		if p.hasDstMAC {
			to = t.macDevice(&p.dstMAC, p.dst, p.v6)
		}
		return t.device(from, to, ts, size)
	}
	k, swapped := flowKeyOf(p)
	return t.addFlow(&k, t.flows.hash(&k), swapped, p, ts, size, false)
}

// flowKeyOf returns the packet's flow key and whether the packet goes from
// the key's b side to its a side.
func flowKeyOf(p *pkt) (k flowKey, swapped bool) {
	swapped = less(p.dst, p.dport, p.src, p.sport)
	k.meta = uint64(p.proto) << 32
	if p.v6 {
		k.meta |= 1 << 40
	}
	if swapped {
		k.a, k.b = p.dst, p.src
		k.meta |= uint64(p.dport) | uint64(p.sport)<<16
	} else {
		k.a, k.b = p.src, p.dst
		k.meta |= uint64(p.sport) | uint64(p.dport)<<16
	}
	return k, swapped
}

// addFlow logs a packet for its flow. An empty packet (no payload, and
// empty-payload packets are left out) is not logged, but the flow's first
// packet decides its orientation even so: the side that sent the SYN is the
// from side, as DESIGN.md defines it, even though the SYN has no payload.
func (t *table) addFlow(k *flowKey, h uint64, swapped bool, p *pkt, ts int64, size int32, empty bool) reason {
	sl := t.flows.lookup(k, h)
	if sl.state == slotEmpty {
		sl.key, sl.swapped, sl.state, sl.obj = *k, swapped, slotKept, t.newFlow(p)
		if sl.obj < 0 {
			sl.state = slotDropped
		}
		o := sl.obj
		t.flows.added()
		if empty {
			return reasonEmptyPayload
		}
		if o < 0 {
			return reasonNotSelected
		}
		t.push(o<<1, ts, size)
		return reasonOK
	}
	if empty {
		return reasonEmptyPayload
	}
	if sl.state != slotKept {
		return reasonNotSelected
	}
	dir := int32(0)
	if swapped != sl.swapped {
		dir = 1
	}
	t.push(sl.obj<<1|dir, ts, size)
	return reasonOK
}

func (t *table) device(from, to int32, ts int64, size int32) reason {
	if from < 0 && to < 0 {
		return reasonNotSelected
	}
	if from >= 0 {
		t.push(from<<1, ts, size)
	}
	if to >= 0 {
		t.push(to<<1|1, ts, size)
	}
	return reasonOK
}

func addr(a ipAddr, v6 bool) netip.Addr {
	var b [16]byte
	be.PutUint64(b[:], a[0])
	be.PutUint64(b[8:], a[1])
	if v6 {
		return netip.AddrFrom16(b)
	}
	return netip.AddrFrom4([4]byte(b[:4]))
}

// keep adds o to the objects if the selector picks it and returns its
// index, or -1.
func (t *table) keep(o *Object) int32 {
	if !t.sel.Matches(o) {
		return -1
	}
	t.objs = append(t.objs, o)
	t.dirs = append(t.dirs, dirCount{}, dirCount{})
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
		Local:  Endpoint{IP: addr(p.src, p.v6), Port: p.sport},
		Remote: Endpoint{IP: addr(p.dst, p.v6), Port: p.dport},
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

func (t *table) ipDevice(a ipAddr, v6 bool, mac *[6]byte, hasMAC bool) int32 {
	k := ipKey{a, v6}
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

func (t *table) macDevice(mac *[6]byte, a ipAddr, v6 bool) int32 {
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
