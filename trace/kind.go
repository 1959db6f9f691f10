package trace

import (
	"fmt"
	"strings"
)

// Kind is what a capture is cut into.
type Kind int

const (
	// Flow is a bidirectional 5-tuple (TCP or UDP).
	Flow Kind = iota
	// IP is a device identified by its IP address.
	IP
	// MAC is a device identified by its Ethernet address.
	MAC
)

var kindNames = [...]string{Flow: "flow", IP: "ip", MAC: "mac"}

// String returns the name used on the command line and in profiles.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// ParseKind accepts flow, ip or mac, in any case.
func ParseKind(s string) (Kind, error) {
	for k, n := range kindNames {
		if strings.EqualFold(s, n) {
			return Kind(k), nil
		}
	}
	return 0, fmt.Errorf("trace: unknown object kind %q (want flow, ip or mac)", s)
}

// SizeMode says which length of a packet is its size.
type SizeMode int

const (
	// SizePayload is the TCP or UDP payload length (the default).
	SizePayload SizeMode = iota
	// SizeIP is the IP total length (IPv6: 40 plus the payload length).
	SizeIP
	// SizeFrame is the frame length recorded in the capture (its length on
	// the wire, which equals the captured length unless a snap length cut it).
	SizeFrame
)

var sizeNames = [...]string{SizePayload: "payload", SizeIP: "ip", SizeFrame: "frame"}

// String returns the name used on the command line and in profiles.
func (m SizeMode) String() string {
	if m >= 0 && int(m) < len(sizeNames) {
		return sizeNames[m]
	}
	return fmt.Sprintf("SizeMode(%d)", int(m))
}

// ParseSizeMode accepts payload, ip or frame, in any case.
func ParseSizeMode(s string) (SizeMode, error) {
	for m, n := range sizeNames {
		if strings.EqualFold(s, n) {
			return SizeMode(m), nil
		}
	}
	return 0, fmt.Errorf("trace: unknown size mode %q (want payload, ip or frame)", s)
}
