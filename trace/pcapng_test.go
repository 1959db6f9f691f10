package trace

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// Two sections of opposite byte order in one file, an obsolete Packet Block,
// a Simple Packet Block (no timestamp: it takes the previous packet's) and a
// custom block larger than the read buffer's in-place limit.
func TestPcapngBlocks(t *testing.T) {
	ip := func(n int) []byte { return ipPacket(t, "10.0.0.1", "10.0.0.2", layers.IPProtocolUDP, 5000, 6000, n) }
	var b bytes.Buffer
	le, be := binary.LittleEndian, binary.BigEndian
	// Section 1, little-endian, Ethernet, µs.
	ngSHB(&b, le)
	ngIDB(&b, le, ngIface{link: layers.LinkTypeEthernet})
	ngEPB(&b, le, ngIface{}, rec{ts: base, data: ether(macA, macB, ip(1))})
	// Obsolete Packet Block: 16-bit interface id and drops count.
	pb := make([]byte, 20)
	le.PutUint16(pb, 0)
	u := uint64(base+step) / 1000
	le.PutUint32(pb[4:], uint32(u>>32))
	le.PutUint32(pb[8:], uint32(u))
	frame := ether(macA, macB, ip(2))
	le.PutUint32(pb[12:], uint32(len(frame)))
	le.PutUint32(pb[16:], uint32(len(frame)))
	pb = append(pb, frame...)
	pb = append(pb, make([]byte, (4-len(frame)%4)%4)...)
	ngBlock(&b, le, blockPB, pb)
	// Simple Packet Block.
	spb := le.AppendUint32(nil, uint32(len(frame)))
	spb = append(spb, ether(macA, macB, ip(3))...)
	ngBlock(&b, le, blockSPB, spb)
	// A 600 KiB custom block, streamed over.
	ngBlock(&b, le, 0x00000bad, make([]byte, 600<<10))
	// Section 2, big-endian, raw IP, ns: its interface 0 is a new one.
	ngSHB(&b, be)
	ngIDB(&b, be, ngIface{link: layers.LinkTypeRaw, tsresol: 9})
	ngEPB(&b, be, ngIface{tsresol: 9}, rec{ts: base + 3*step, data: ip(4)})
	c := readBytes(t, b.Bytes(), Options{})
	if c.Packets != 4 || len(c.Objects) != 1 || len(c.Warnings) != 0 {
		t.Fatalf("%d packets, %d objects, warnings %v; want 4, 1, none", c.Packets, len(c.Objects), c.Warnings)
	}
	o := c.Objects[0]
	if !slices.Equal(o.From.Sizes, []int32{1, 2, 3, 4}) {
		t.Errorf("sizes %v, want [1 2 3 4]", o.From.Sizes)
	}
	if want := []int64{base, base + step, base + step, base + 3*step}; !slices.Equal(o.From.Times, want) {
		t.Errorf("times %v, want %v", o.From.Times, want)
	}
}

// The reader allocates per object and per log chunk (chunks double up to 64k
// entries), never per packet: ten times the packets of the same flows costs
// a handful more allocations, not thousands.
func TestNoAllocationPerPacket(t *testing.T) {
	capture := func(n int) []byte {
		var recs []rec
		for i := range n {
			f := uint16(i % 10)
			recs = append(recs, rec{ts: base + int64(i)*step, data: ether(macA, macB, ipPacket(t, "10.0.0.1", "10.0.0.2", layers.IPProtocolUDP, 5000+f, 6000, 20))})
		}
		return pcapFile(false, false, layers.LinkTypeEthernet, recs)
	}
	small, large := capture(1000), capture(10000)
	allocs := func(b []byte) float64 {
		return testing.AllocsPerRun(5, func() {
			if _, err := Read(bytes.NewReader(b), "x", 0, Options{SkipHash: true}); err != nil {
				t.Fatal(err)
			}
		})
	}
	a1, a10 := allocs(small), allocs(large)
	if a10 > a1+16 {
		t.Errorf("%v allocations for 1000 packets, %v for 10000: the reader allocates per packet", a1, a10)
	}
}

// A Simple Packet Block of length 12 (no room for its original length and
// data) is a bad record naming its packet and offset, wherever it lies: in
// the middle of the buffer, where it used to read the next block's bytes as
// its packet, and ending exactly at the buffer's edge, where it used to
// panic (slice bounds out of range [:24] with capacity 12).
func TestShortSimplePacketBlock(t *testing.T) {
	le := binary.LittleEndian
	ip := ipPacket(t, "10.0.0.1", "10.0.0.2", layers.IPProtocolUDP, 5000, 6000, 20)
	for _, bufLen := range []int{0, 256, 4096} {
		edge := bufLen
		if edge == 0 {
			edge = bufSize
		}
		for _, atEdge := range []bool{false, true} {
			var b bytes.Buffer
			ngSHB(&b, le)
			ngIDB(&b, le, ngIface{link: layers.LinkTypeEthernet})
			ngEPB(&b, le, ngIface{}, rec{ts: base, data: ether(macA, macB, ip)})
			if atEdge {
				// Custom blocks of at most half the buffer (parsed in
				// place) until the short block ends at the buffer's edge.
				for rest := edge - 12 - b.Len(); rest > 0; {
					n := min(rest, edge/2)
					if rest-n > 0 && rest-n < 12 {
						n -= 12
					}
					ngBlock(&b, le, 0x00000bad, make([]byte, n-12))
					rest -= n
				}
				if b.Len() != edge-12 {
					t.Fatalf("layout: short block at %d, want %d", b.Len(), edge-12)
				}
			}
			off := b.Len()
			ngBlock(&b, le, blockSPB, nil)
			ngEPB(&b, le, ngIface{}, rec{ts: base + step, data: ether(macA, macB, ip)})
			_, err := read(bytes.NewReader(b.Bytes()), "short.pcapng", int64(b.Len()), Options{}, bufLen)
			want := fmt.Sprintf("packet 2 at offset %d: %v: simple packet block length 12 (want at least 16)", off, ErrBadRecord)
			if err == nil || !errors.Is(err, ErrBadRecord) || !strings.Contains(err.Error(), want) {
				t.Errorf("buffer %d, at edge %v: error %v, want one containing %q", bufLen, atEdge, err, want)
			}
		}
	}
}

// The reader gives the same capture with a buffer of a few hundred bytes
// as with its default one, so that the fuzzer's small buffers (FuzzRead)
// explore the same reader: records and blocks cross the buffer's edge.
func TestSmallBufferSameCapture(t *testing.T) {
	ps := scenario(t)
	var eth []rec
	for i, p := range ps {
		eth = append(eth, rec{ts: base + int64(i)*step, data: ether(p.fromMAC, p.toMAC, p.ip, 0x8100)})
	}
	for _, file := range [][]byte{
		pcapFile(false, false, layers.LinkTypeEthernet, eth),
		pcapngFile(true, []ngIface{{link: layers.LinkTypeEthernet, tsresol: 9}}, eth),
		gz(t, pcapFile(true, true, layers.LinkTypeEthernet, eth)),
	} {
		want := readBytes(t, file, Options{})
		for _, bufLen := range []int{1400, 4096, 65536} { // each holds the largest record in place
			got, err := read(bytes.NewReader(file), "test.pcap", int64(len(file)), Options{}, bufLen)
			if err != nil {
				t.Fatalf("buffer %d: %v", bufLen, err)
			}
			if d := sameCapture(want, got); d != "" {
				t.Errorf("buffer %d: %s", bufLen, d)
			}
		}
	}
}
