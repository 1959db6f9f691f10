package trace

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// fuzzBufLens are the small read buffers FuzzRead also runs the reader
// with: the fuzzer's inputs stay far below the default 1 MiB, so only a
// small buffer makes records and blocks straddle its edge (where a short
// Simple Packet Block once panicked).
var fuzzBufLens = []int{160, 512, 4096}

// sameCapture says how two reads of one file differ ("" when they do not).
func sameCapture(a, b *Capture) string {
	switch {
	case a.Packets != b.Packets || a.Used != b.Used:
		return fmt.Sprintf("%d packets, %d used; want %d, %d", b.Packets, b.Used, a.Packets, a.Used)
	case !maps.Equal(a.Skipped, b.Skipped):
		return fmt.Sprintf("skipped %v, want %v", b.Skipped, a.Skipped)
	case len(a.Objects) != len(b.Objects):
		return fmt.Sprintf("%d objects, want %d", len(b.Objects), len(a.Objects))
	case a.SHA256 != b.SHA256 || a.Disorder != b.Disorder || a.Resolution != b.Resolution:
		return "digest, disorder or resolution differ"
	}
	for i, o := range a.Objects {
		p := b.Objects[i]
		if o.ID != p.ID || !slices.Equal(o.From.Times, p.From.Times) || !slices.Equal(o.To.Sizes, p.To.Sizes) ||
			!slices.Equal(o.From.Sizes, p.From.Sizes) || !slices.Equal(o.To.Times, p.To.Times) {
			return fmt.Sprintf("object %d (%s) differs", i, o.ID)
		}
	}
	return ""
}

// FuzzRead feeds arbitrary bytes to the reader in every object kind: it
// must return a capture or an error, never panic, and never keep a packet
// count that disagrees with what it used and skipped. It also reads each
// input with small buffers (fuzzBufLens): never a panic, and when both
// reads succeed, the same capture.
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
	// Simple Packet Blocks, one of them too short to hold its header.
	var spb bytes.Buffer
	le := binary.LittleEndian
	ngSHB(&spb, le)
	ngIDB(&spb, le, ngIface{link: layers.LinkTypeEthernet})
	ngBlock(&spb, le, blockSPB, le.AppendUint32(nil, uint32(len(eth[0].data))))
	ngBlock(&spb, le, blockSPB, append(le.AppendUint32(nil, uint32(len(eth[1].data))), eth[1].data...))
	ngBlock(&spb, le, blockSPB, nil)
	f.Add(spb.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, k := range []Kind{Flow, IP, MAC} {
			opts := Options{Kind: k, KeepEmpty: k == IP}
			c, err := Read(bytes.NewReader(data), "fuzz", int64(len(data)), opts)
			for _, n := range fuzzBufLens {
				small, serr := read(bytes.NewReader(data), "fuzz", int64(len(data)), opts, n)
				if err == nil && serr == nil {
					if d := sameCapture(c, small); d != "" {
						t.Fatalf("kind %v, buffer %d: %s", k, n, d)
					}
				}
			}
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
