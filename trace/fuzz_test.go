package trace

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// FuzzRead feeds arbitrary bytes to the reader in every object kind: it
// must return a capture or an error, never panic, and never keep a packet
// count that disagrees with what it used and skipped.
func FuzzRead(f *testing.F) {
	ps := scenario(f)
	var eth, multi []rec
	for i, p := range ps {
		eth = append(eth, rec{ts: base + int64(i)*step, data: ether(p.fromMAC, p.toMAC, p.ip, 0x8100)})
		multi = append(multi, rec{ts: base + int64(i)*step, iface: i % 2, data: [][]byte{sll(p.fromMAC, p.ip), null(p.ip, 2)}[i%2]})
	}
	f.Add(pcapFile(false, false, layers.LinkTypeEthernet, eth))
	f.Add(pcapFile(true, true, layers.LinkTypeRaw, []rec{{ts: base, data: ipv6Ext(f, false)}}))
	f.Add(pcapngFile(true, []ngIface{{link: layers.LinkTypeLinuxSLL, tsresol: 0x80 | 10}, {link: layers.LinkTypeNull, tsresol: 9}}, multi))
	f.Add(gz(f, pcapFile(false, false, layers.LinkTypeEthernet, eth[:3])))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, k := range []Kind{Flow, IP, MAC} {
			c, err := Read(bytes.NewReader(data), "fuzz", int64(len(data)), Options{Kind: k, KeepEmpty: k == IP})
			if err != nil {
				continue
			}
			var skipped int64
			for _, n := range c.Skipped {
				skipped += n
			}
			if c.Used+skipped != c.Packets {
				t.Fatalf("kind %v: %d used + %d skipped != %d packets", k, c.Used, skipped, c.Packets)
			}
			for _, o := range c.Objects {
				if len(o.From.Times) != len(o.From.Sizes) || len(o.To.Times) != len(o.To.Sizes) {
					t.Fatalf("object %s: times and sizes differ in length", o.ID)
				}
			}
		}
	})
}

// FuzzSelectors: any text parses or fails with an error naming the line.
func FuzzSelectors(f *testing.F) {
	f.Add("# ids\n00:11:22:33:44:55\n10.0.0.1\nUDP [2001:db8::1]:5000 [2001:db8::2]:6000\n")
	f.Add("tcp 1.2.3.4:80 5.6.7.8:9\n\n  # only a comment\n")
	f.Add("bogus line\n")
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseSelectors(strings.NewReader(text), "ids")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "trace: ids:") {
				t.Fatalf("error %q does not name the file and line", err)
			}
			return
		}
		s.Matches(&Object{Kind: Flow, Proto: "UDP"})
		s.Matches(&Object{Kind: MAC})
	})
}
