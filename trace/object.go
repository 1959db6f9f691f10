package trace

import (
	"net"
	"net/netip"
	"strconv"
)

// Endpoint is one side of a flow, or a device.
type Endpoint struct {
	IP   netip.Addr
	Port uint16           // 0 for devices
	MAC  net.HardwareAddr // nil when the link layer carried none
}

// Object is a flow or a device with the packets of both its directions.
type Object struct {
	// ID is the object's identifier as written in profiles and selector
	// files: "UDP 192.168.0.102:18826 192.168.0.105:26454" (the from side
	// first; IPv6 in brackets) for flows, the IP or the MAC for devices.
	ID    string
	Kind  Kind
	Proto string // "UDP" or "TCP" for flows, "" for devices
	// Local is the from side: the first sender of a flow, or the device.
	// Remote is the flow's other side, zero for devices.
	Local, Remote Endpoint
	// From is what Local sends, To what it receives.
	From, To Series
}

// Packets returns the packets of both directions in the capture (sampled or
// not).
func (o *Object) Packets() int { return o.From.Packets() + o.To.Packets() }

// Enough reports whether at least one direction has min packets or more, the
// condition for an object to be estimated (DESIGN.md, "Minimum samples").
func (o *Object) Enough(min int) bool { return o.From.Packets() >= min || o.To.Packets() >= min }

// Series is one direction of an object: packet times and sizes, in capture
// order. Times are nanoseconds since the Unix epoch.
type Series struct {
	Times []int64
	Sizes []int32
	// Sample, when not nil, says that the series holds a sample of the
	// direction's packets (Options.MaxPackets), and what the whole
	// direction held: its counts and first and last times.
	Sample *Sample
}

// Len returns the number of packets held (kept, for a sampled series).
func (s Series) Len() int { return len(s.Times) }

// Packets returns the direction's packets in the capture: Len, or what a
// sampled series was sampled from.
func (s Series) Packets() int {
	if s.Sample != nil {
		return int(s.Sample.Packets)
	}
	return len(s.Times)
}

// IATs returns the inter-arrival times in seconds: IATs()[i] is the gap
// before packet i+1, so the first packet has none and the result has Len()-1
// elements (nil for fewer than two packets). In a sampled series the gap
// before a block's first packet is the one it had in the capture
// (Sample.Prev), not the jump from the block before.
func (s Series) IATs() []float64 {
	if len(s.Times) < 2 {
		return nil
	}
	out := make([]float64, len(s.Times)-1)
	for i := range out {
		out[i] = float64(s.Times[i+1]-s.Times[i]) * 1e-9
	}
	if sm := s.Sample; sm != nil {
		for b := 1; b < len(sm.Prev) && b*sm.Block < len(s.Times); b++ {
			i := b * sm.Block
			out[i-1] = float64(s.Times[i]-sm.Prev[b]) * 1e-9
		}
	}
	return out
}

// SizesFloat returns the sizes as float64, for fitting.
func (s Series) SizesFloat() []float64 {
	out := make([]float64, len(s.Sizes))
	for i, v := range s.Sizes {
		out[i] = float64(v)
	}
	return out
}

// FlowID formats a flow identifier: "UDP 10.0.0.1:5000 10.0.0.2:6000", IPv6
// addresses in brackets.
func FlowID(proto string, from, to netip.AddrPort) string {
	return proto + " " + hostPort(from) + " " + hostPort(to)
}

func hostPort(ap netip.AddrPort) string {
	a := ap.Addr()
	if a.Is4() {
		return a.String() + ":" + strconv.Itoa(int(ap.Port()))
	}
	return "[" + a.String() + "]:" + strconv.Itoa(int(ap.Port()))
}
