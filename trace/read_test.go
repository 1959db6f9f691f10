package trace

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// step is 1/64 s: a whole number of µs, of ns and of 2^-6 s, so that every
// timestamp resolution used below stores the test's times exactly.
const (
	base = int64(1_700_000_000) * 1e9
	step = int64(15_625_000)
)

// scenario is a small conversation: a UDP flow both ways, a TCP flow with
// data and pure ACKs, an ICMP echo and an IPv6 UDP flow.
type scenPkt struct {
	ip             []byte
	fromMAC, toMAC []byte
}

func scenario(t testing.TB) []scenPkt {
	var ps []scenPkt
	add := func(ip []byte, a2b bool) {
		if a2b {
			ps = append(ps, scenPkt{ip, macA, macB})
		} else {
			ps = append(ps, scenPkt{ip, macB, macA})
		}
	}
	for i := range 10 {
		add(ipPacket(t, "10.0.0.1", "10.0.0.2", layers.IPProtocolUDP, 5000, 6000, 100+i), true)
		if i%2 == 0 {
			add(ipPacket(t, "10.0.0.2", "10.0.0.1", layers.IPProtocolUDP, 6000, 5000, 40), false)
		}
	}
	add(ipPacket(t, "10.0.0.2", "10.0.0.1", layers.IPProtocolTCP, 80, 40000, 500), false)
	add(ipPacket(t, "10.0.0.1", "10.0.0.2", layers.IPProtocolTCP, 40000, 80, 0), true) // pure ACK
	add(ipPacket(t, "10.0.0.1", "10.0.0.2", layers.IPProtocolICMPv4, 0, 0, 56), true)
	add(ipPacket(t, "2001:db8::1", "2001:db8::2", layers.IPProtocolUDP, 7000, 7001, 20), true)
	add(ipPacket(t, "2001:db8::2", "2001:db8::1", layers.IPProtocolUDP, 7001, 7000, 30), false)
	return ps
}

// want is what every encoding of the scenario must read as (flow mode,
// payload sizes): id -> from sizes, to sizes.
var scenarioWant = map[string][2][]int32{
	"UDP 10.0.0.1:5000 10.0.0.2:6000":           {{100, 101, 102, 103, 104, 105, 106, 107, 108, 109}, {40, 40, 40, 40, 40}},
	"TCP 10.0.0.2:80 10.0.0.1:40000":            {{500}, nil},
	"UDP [2001:db8::1]:7000 [2001:db8::2]:7001": {{20}, {30}},
}

func checkScenario(t *testing.T, label string, c *Capture, ps []scenPkt) {
	t.Helper()
	if c.Packets != int64(len(ps)) {
		t.Errorf("%s: read %d packets, want %d", label, c.Packets, len(ps))
	}
	if c.Skipped[SkipEmptyPayload] != 1 || c.Skipped[SkipOtherTransport] != 1 {
		t.Errorf("%s: skipped %v, want 1 empty-payload and 1 other-transport", label, c.Skipped)
	}
	if len(c.Objects) != len(scenarioWant) {
		t.Fatalf("%s: %d objects, want %d", label, len(c.Objects), len(scenarioWant))
	}
	// Objects come by packet count, descending.
	if c.Objects[0].ID != "UDP 10.0.0.1:5000 10.0.0.2:6000" {
		t.Errorf("%s: first object %q", label, c.Objects[0].ID)
	}
	for _, o := range c.Objects {
		w, ok := scenarioWant[o.ID]
		if !ok {
			t.Errorf("%s: unexpected object %q", label, o.ID)
			continue
		}
		if !slices.Equal(o.From.Sizes, w[0]) || !slices.Equal(o.To.Sizes, w[1]) {
			t.Errorf("%s: %s sizes from %v to %v, want %v %v", label, o.ID, o.From.Sizes, o.To.Sizes, w[0], w[1])
		}
	}
	// Times: packet i of the scenario was stamped base + i*step.
	udp := c.Objects[0]
	wantFrom := []int64{}
	wantTo := []int64{}
	for i, p := range ps {
		if i >= 15 {
			break
		}
		ts := base + int64(i)*step
		if bytes.Equal(p.fromMAC, macA) {
			wantFrom = append(wantFrom, ts)
		} else {
			wantTo = append(wantTo, ts)
		}
	}
	if !slices.Equal(udp.From.Times, wantFrom) || !slices.Equal(udp.To.Times, wantTo) {
		t.Errorf("%s: times from %v to %v, want %v %v", label, udp.From.Times, udp.To.Times, wantFrom, wantTo)
	}
	if !c.Start.Equal(c.Start) || c.Start.UnixNano() != base {
		t.Errorf("%s: start %v, want %v", label, c.Start.UnixNano(), base)
	}
	if want := float64(int64(len(ps)-1)*step) * 1e-9; c.Duration != want {
		t.Errorf("%s: duration %v, want %v", label, c.Duration, want)
	}
}

func TestFormats(t *testing.T) {
	ps := scenario(t)
	var eth []rec
	for i, p := range ps {
		eth = append(eth, rec{ts: base + int64(i)*step, data: ether(p.fromMAC, p.toMAC, p.ip)})
	}
	// One pcapng with three interfaces of different link types and
	// timestamp resolutions, packets spread over them.
	ifaces := []ngIface{
		{link: layers.LinkTypeEthernet},                           // µs, the default
		{link: layers.LinkTypeLinuxSLL2, tsresol: 0x80 | 6},       // 2^-6 s
		{link: layers.LinkTypeRaw, tsresol: 9, offset: 1_000_000}, // ns, shifted by if_tsoffset
		{link: layers.LinkTypeNull, tsresol: 3},                   // ms would lose precision: unused below
	}
	var multi []rec
	for i, p := range ps {
		r := rec{ts: base + int64(i)*step, iface: i % 3}
		switch r.iface {
		case 0:
			r.data = ether(p.fromMAC, p.toMAC, p.ip)
		case 1:
			r.data = sll2(p.fromMAC, p.ip)
		case 2:
			r.data = p.ip
		}
		multi = append(multi, r)
	}
	files := map[string][]byte{
		"pcap µs little-endian":      pcapFile(false, false, layers.LinkTypeEthernet, eth),
		"pcap ns big-endian":         pcapFile(true, true, layers.LinkTypeEthernet, eth),
		"pcap µs big-endian":         pcapFile(true, false, layers.LinkTypeEthernet, eth),
		"pcap ns little-endian":      pcapFile(false, true, layers.LinkTypeEthernet, eth),
		"pcapng little-endian":       pcapngFile(false, ifaces[:1], eth),
		"pcapng big-endian multi":    pcapngFile(true, ifaces, multi),
		"pcapng little-endian multi": pcapngFile(false, ifaces, multi),
	}
	for name, b := range files {
		checkScenario(t, name, readBytes(t, b, Options{}), ps)
		checkScenario(t, name+" gzipped", readBytes(t, gz(t, b), Options{}), ps)
	}
}

// Link types and encapsulations: each frame must decode to the UDP flow
// 10.0.0.1:5000 -> 10.0.0.2:6000 with 33 bytes of payload, or be skipped for
// the given reason.
func TestLinkTypes(t *testing.T) {
	ip4 := ipPacket(t, "10.0.0.1", "10.0.0.2", layers.IPProtocolUDP, 5000, 6000, 33)
	ip6 := ipPacket(t, "2001:db8::1", "2001:db8::2", layers.IPProtocolUDP, 5000, 6000, 33)
	tcp := ipPacket(t, "10.0.0.1", "10.0.0.2", layers.IPProtocolTCP, 5000, 6000, 33)
	loopBE := append([]byte{0, 0, 0, 2}, ip4...)
	arp := append(append(append([]byte{}, macB...), macA...), 0x08, 0x06)
	arp = append(arp, make([]byte, 28)...)
	llc := append(append(append([]byte{}, macB...), macA...), 0x00, 0x40) // 802.3 length field
	llc = append(llc, make([]byte, 64)...)
	frag := bytes.Clone(ip4)
	frag[6], frag[7] = 0x00, 0x10 // fragment offset 16*8
	firstFrag := bytes.Clone(ip4)
	firstFrag[6] = 0x20 // more fragments, offset 0: carries the UDP header
	trunc := ether(macA, macB, ip4)[:14+20+4]
	cases := []struct {
		name   string
		link   layers.LinkType
		frame  []byte
		reason string // "" decodes
		v6     bool
	}{
		{"ethernet", layers.LinkTypeEthernet, ether(macA, macB, ip4), "", false},
		{"ethernet ipv6", layers.LinkTypeEthernet, ether(macA, macB, ip6), "", true},
		{"802.1Q", layers.LinkTypeEthernet, ether(macA, macB, ip4, 0x8100), "", false},
		{"QinQ", layers.LinkTypeEthernet, ether(macA, macB, ip4, 0x88a8, 0x8100), "", false},
		{"QinQ ipv6", layers.LinkTypeEthernet, ether(macA, macB, ip6, 0x88a8, 0x8100), "", true},
		{"SLL", layers.LinkTypeLinuxSLL, sll(macA, ip4), "", false},
		{"SLL2 ipv6", layers.LinkTypeLinuxSLL2, sll2(macA, ip6), "", true},
		{"raw", layers.LinkTypeRaw, ip4, "", false},
		{"raw ipv6", layers.LinkTypeRaw, ip6, "", true},
		{"ipv4", layers.LinkTypeIPv4, ip4, "", false},
		{"ipv6", layers.LinkType(229), ip6, "", true},
		{"null", layers.LinkTypeNull, null(ip4, 2), "", false},
		{"null ipv6 (BSD)", layers.LinkTypeNull, null(ip6, 24), "", true},
		{"null ipv6 (macOS)", layers.LinkTypeNull, null(ip6, 30), "", true},
		{"loop", layers.LinkTypeLoop, loopBE, "", false},
		{"tcp", layers.LinkTypeRaw, tcp, "", false},
		{"first fragment", layers.LinkTypeRaw, firstFrag, "", false},
		{"ipv6 extension headers", layers.LinkTypeRaw, ipv6Ext(t, false), "", true},
		{"ipv6 non-first fragment", layers.LinkTypeRaw, ipv6Ext(t, true), SkipFragment, true},
		{"fragment", layers.LinkTypeRaw, frag, SkipFragment, false},
		{"arp", layers.LinkTypeEthernet, arp, SkipNonIP, false},
		{"802.3 llc", layers.LinkTypeEthernet, llc, SkipNonIP, false},
		{"truncated", layers.LinkTypeEthernet, trunc, SkipTruncated, false},
		{"icmp", layers.LinkTypeRaw, ipPacket(t, "10.0.0.1", "10.0.0.2", layers.IPProtocolICMPv4, 0, 0, 8), SkipOtherTransport, false},
		{"802.11", layers.LinkTypeIEEE802_11, ether(macA, macB, ip4), SkipUnsupportedLink, false},
		{"empty", layers.LinkTypeRaw, ipPacket(t, "10.0.0.1", "10.0.0.2", layers.IPProtocolUDP, 5000, 6000, 0), SkipEmptyPayload, false},
		{"bad ihl", layers.LinkTypeRaw, append([]byte{0x43}, ip4[1:]...), SkipMalformed, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := readBytes(t, pcapFile(false, false, c.link, []rec{{ts: base, data: c.frame}}), Options{})
			if c.reason != "" {
				if got.Skipped[c.reason] != 1 || len(got.Objects) != 0 {
					t.Errorf("skipped %v, objects %d; want it skipped as %s", got.Skipped, len(got.Objects), c.reason)
				}
				return
			}
			if len(got.Objects) != 1 {
				t.Fatalf("%d objects (skipped %v), want 1", len(got.Objects), got.Skipped)
			}
			o := got.Objects[0]
			proto := "UDP"
			if c.name == "tcp" {
				proto = "TCP"
			}
			want := proto + " 10.0.0.1:5000 10.0.0.2:6000"
			if c.v6 {
				want = "UDP [2001:db8::1]:5000 [2001:db8::2]:6000"
			}
			if o.ID != want || !slices.Equal(o.From.Sizes, []int32{33}) || o.To.Len() != 0 {
				t.Errorf("object %q from %v to %v, want %q from [33]", o.ID, o.From.Sizes, o.To.Sizes, want)
			}
		})
	}
}

// ipv6Ext is a UDP packet behind hop-by-hop, destination-options and
// fragment headers; nonFirst makes the fragment a later one.
func ipv6Ext(t testing.TB, nonFirst bool) []byte {
	udp := ipPacket(t, "2001:db8::1", "2001:db8::2", layers.IPProtocolUDP, 5000, 6000, 33)[40:]
	ext := []byte{
		60, 0, 1, 4, 0, 0, 0, 0, // hop-by-hop -> dest opts, 8 bytes (PadN)
		44, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // dest opts -> fragment, 16 bytes
		17, 0, 0, 0, 0, 0, 0, 1, // fragment -> UDP, offset 0, id 1
	}
	if nonFirst {
		ext[len(ext)-6] = 0x01 // offset 32 (in 8-byte units: 256 bytes)
	}
	h := ipPacket(t, "2001:db8::1", "2001:db8::2", layers.IPProtocolUDP, 5000, 6000, 33)[:40]
	h = bytes.Clone(h)
	h[6] = 0 // next header: hop-by-hop
	pl := len(ext) + len(udp)
	h[4], h[5] = byte(pl>>8), byte(pl)
	return append(append(h, ext...), udp...)
}

func TestSizeModes(t *testing.T) {
	ip := ipPacket(t, "10.0.0.1", "10.0.0.2", layers.IPProtocolTCP, 5000, 6000, 10)
	ack := ipPacket(t, "10.0.0.2", "10.0.0.1", layers.IPProtocolTCP, 6000, 5000, 0)
	f := pcapFile(false, false, layers.LinkTypeEthernet, []rec{
		{ts: base, data: ether(macA, macB, ip)},
		// Snap length cut this one: sizes still come from the headers.
		{ts: base + step, data: ether(macA, macB, ip)[:14+20+20], orig: uint32(14 + len(ip))},
		{ts: base + 2*step, data: ether(macB, macA, ack)},
	})
	for _, c := range []struct {
		mode      SizeMode
		keepEmpty bool
		from, to  []int32
	}{
		{SizePayload, false, []int32{10, 10}, nil},
		{SizePayload, true, []int32{10, 10}, []int32{0}},
		{SizeIP, false, []int32{50, 50}, nil},
		{SizeFrame, true, []int32{64, 64}, []int32{54}},
	} {
		c2 := readBytes(t, f, Options{Size: c.mode, KeepEmpty: c.keepEmpty})
		o := c2.Objects[0]
		if !slices.Equal(o.From.Sizes, c.from) || !slices.Equal(o.To.Sizes, c.to) {
			t.Errorf("size %v keep-empty %v: from %v to %v, want %v %v", c.mode, c.keepEmpty, o.From.Sizes, o.To.Sizes, c.from, c.to)
		}
	}
}

// Devices: from is what the device sends, to what it receives.
func TestDeviceKinds(t *testing.T) {
	ps := scenario(t)
	var recs []rec
	for i, p := range ps {
		recs = append(recs, rec{ts: base + int64(i)*step, data: ether(p.fromMAC, p.toMAC, p.ip)})
	}
	f := pcapFile(false, false, layers.LinkTypeEthernet, recs)
	byIP := readBytes(t, f, Options{Kind: IP})
	got := map[string][2]int{}
	for _, o := range byIP.Objects {
		got[o.ID] = [2]int{o.From.Len(), o.To.Len()}
		if o.Kind != IP || o.Proto != "" || o.Local.IP.String() != o.ID {
			t.Errorf("device %q: kind %v proto %q ip %v", o.ID, o.Kind, o.Proto, o.Local.IP)
		}
	}
	want := map[string][2]int{"10.0.0.1": {10, 6}, "10.0.0.2": {6, 10}, "2001:db8::1": {1, 1}, "2001:db8::2": {1, 1}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("by IP: %v, want %v", got, want)
	}
	byMAC := readBytes(t, f, Options{Kind: MAC})
	got = map[string][2]int{}
	for _, o := range byMAC.Objects {
		got[o.ID] = [2]int{o.From.Len(), o.To.Len()}
	}
	want = map[string][2]int{macA.String(): {11, 7}, macB.String(): {7, 11}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("by MAC: %v, want %v", got, want)
	}
	// Without MACs (raw IP), MAC mode has nothing to go on.
	raw := readBytes(t, pcapFile(false, false, layers.LinkTypeRaw, []rec{{ts: base, data: ps[0].ip}}), Options{Kind: MAC})
	if raw.Skipped[SkipNoMAC] != 1 {
		t.Errorf("raw IP in MAC mode: skipped %v, want no-mac 1", raw.Skipped)
	}
}

func TestSelect(t *testing.T) {
	ps := scenario(t)
	var recs []rec
	for i, p := range ps {
		recs = append(recs, rec{ts: base + int64(i)*step, data: ether(p.fromMAC, p.toMAC, p.ip)})
	}
	f := pcapFile(false, false, layers.LinkTypeEthernet, recs)
	sel, err := ParseSelectors(strings.NewReader("# the v6 flow, written the other way round\nudp [2001:db8::2]:7001 [2001:db8::1]:7000\n"), "ids")
	if err != nil {
		t.Fatal(err)
	}
	c := readBytes(t, f, Options{Select: sel})
	if len(c.Objects) != 1 || c.Objects[0].ID != "UDP [2001:db8::1]:7000 [2001:db8::2]:7001" {
		t.Errorf("selected %v", c.Objects)
	}
	if c.Skipped[SkipNotSelected] != 16 {
		t.Errorf("not-selected %d, want 16", c.Skipped[SkipNotSelected])
	}
	sel, _ = ParseSelectors(strings.NewReader("10.0.0.2\n"), "ids")
	c = readBytes(t, f, Options{Kind: IP, Select: sel})
	if len(c.Objects) != 1 || c.Objects[0].ID != "10.0.0.2" || c.Objects[0].From.Len() != 6 || c.Objects[0].To.Len() != 10 {
		t.Errorf("selected %v", c.Objects)
	}
}

func TestBadInput(t *testing.T) {
	ip := ipPacket(t, "10.0.0.1", "10.0.0.2", layers.IPProtocolUDP, 5000, 6000, 100)
	good := pcapFile(false, false, layers.LinkTypeEthernet, []rec{
		{ts: base, data: ether(macA, macB, ip)},
		{ts: base + step, data: ether(macA, macB, ip)},
		{ts: base + 2*step, data: ether(macA, macB, ip)},
	})
	ng := pcapngFile(false, []ngIface{{link: layers.LinkTypeEthernet}}, []rec{
		{ts: base, data: ether(macA, macB, ip)},
		{ts: base + step, data: ether(macA, macB, ip)},
	})
	rec2 := 24 + 2*(16+14+len(ip)) // offset of the third record
	huge := bytes.Clone(good)
	le32(huge[rec2+8:], 300_000)
	for _, c := range []struct {
		name string
		data []byte
		err  error
		msg  string
	}{
		{"empty", nil, ErrEmpty, "empty file"},
		{"empty gzip", gz(t, nil), ErrEmpty, "after gunzip"},
		{"text", []byte("hello, this is not a capture\n"), ErrNotCapture, "68 65 6c 6c"},
		{"three bytes", []byte{0xd4, 0xc3, 0xb2}, ErrShortHeader, "3 bytes"},
		{"pcap header cut", good[:20], ErrShortHeader, "20 of 24"},
		{"pcapng header cut", ng[:20], ErrShortHeader, "pcapng section header"},
		{"caplen", huge, ErrBadRecord, fmt.Sprintf("packet 3 at offset %d: bad record: caplen 300000 exceeds the limit of 262144", rec2)},
	} {
		_, err := Read(bytes.NewReader(c.data), "x.pcap", 0, Options{})
		if !errors.Is(err, c.err) || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), "x.pcap") {
			t.Errorf("%s: error %v, want %v mentioning %q and the file", c.name, err, c.err, c.msg)
		}
	}
	// Cut short: the packets before the cut are used, and a warning says
	// where the capture ends.
	for _, c := range []struct {
		name    string
		data    []byte
		packets int64
		warn    string
	}{
		{"pcap mid-data", good[:len(good)-10], 2, fmt.Sprintf("packet 3 at offset %d: packet data has %d of %d bytes", rec2, 14+len(ip)-10, 14+len(ip))},
		{"pcap mid-header", good[:rec2+5], 2, fmt.Sprintf("packet 3 at offset %d: record header has 5 of 16", rec2)},
		{"pcapng mid-block", ng[:len(ng)-7], 1, "packet 2 at offset"},
		{"gzip cut", gz(t, good)[:len(gz(t, good))-30], -1, "cut short"},
	} {
		got, err := Read(bytes.NewReader(c.data), "x.pcap", 0, Options{})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if (c.packets >= 0 && got.Packets != c.packets) || len(got.Warnings) != 1 || !strings.Contains(got.Warnings[0], c.warn) {
			t.Errorf("%s: %d packets, warnings %q; want %d packets and a warning with %q", c.name, got.Packets, got.Warnings, c.packets, c.warn)
		}
	}
}

func le32(b []byte, v uint32) { b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24) }

func TestReadFile(t *testing.T) {
	ps := scenario(t)
	var recs []rec
	for i, p := range ps {
		recs = append(recs, rec{ts: base + int64(i)*step, data: ether(p.fromMAC, p.toMAC, p.ip)})
	}
	// A gzipped file named .pcap: recognised by content.
	path := filepath.Join(t.TempDir(), "call.pcap")
	data := gz(t, pcapFile(false, false, layers.LinkTypeEthernet, recs))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var last, total int64
	c, err := ReadFile(path, Options{Progress: func(done, tot int64) { last, total = done, tot }})
	if err != nil {
		t.Fatal(err)
	}
	checkScenario(t, "ReadFile", c, ps)
	// The digest, computed beside the parser, is the file's as stored.
	if sum := sha256.Sum256(data); c.Name != "call.pcap" || c.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("name %q sha256 %q, want %x", c.Name, c.SHA256, sum)
	}
	if last != int64(len(data)) || total != int64(len(data)) {
		t.Errorf("progress ended at %d of %d, want %d of %d", last, total, len(data), len(data))
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "missing.pcap"), Options{}); err == nil || !strings.Contains(err.Error(), "missing.pcap") {
		t.Errorf("missing file: %v", err)
	}
}

// The side that sent a TCP flow's SYN is its from side, although the SYN
// itself (no payload) is not counted.
func TestOrientationBySYN(t *testing.T) {
	syn := ipPacket(t, "10.0.0.9", "10.0.0.1", layers.IPProtocolTCP, 40000, 25, 0)
	banner := ipPacket(t, "10.0.0.1", "10.0.0.9", layers.IPProtocolTCP, 25, 40000, 30)
	c := readBytes(t, pcapFile(false, false, layers.LinkTypeRaw, []rec{{ts: base, data: syn}, {ts: base + step, data: banner}}), Options{})
	if len(c.Objects) != 1 || c.Objects[0].ID != "TCP 10.0.0.9:40000 10.0.0.1:25" || c.Objects[0].From.Len() != 0 || c.Objects[0].To.Len() != 1 {
		t.Errorf("objects %+v, want TCP 10.0.0.9:40000 10.0.0.1:25 with one packet to it", c.Objects)
	}
	// A flow of nothing but empty packets is no object.
	c = readBytes(t, pcapFile(false, false, layers.LinkTypeRaw, []rec{{ts: base, data: syn}}), Options{})
	if len(c.Objects) != 0 || c.Skipped[SkipEmptyPayload] != 1 {
		t.Errorf("objects %d, skipped %v; want none and one empty-payload", len(c.Objects), c.Skipped)
	}
}
