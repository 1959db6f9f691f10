package trace

import (
	"bytes"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// sampleCapture writes one UDP flow of n packets from A to B and few from B
// to A, plus a second flow of small packets, interleaved. Packet i of A→B
// is stamped at base+i ms plus i%7 µs (every stamp distinct, every gap
// known) with a payload of 1+i%50 bytes.
func sampleCapture(t testing.TB, n, small int) []byte {
	t.Helper()
	return pcapFile(false, true, layers.LinkTypeEthernet, sampleRecs(t, n, small))
}

func sampleRecs(t testing.TB, n, small int) []rec {
	t.Helper()
	frames := map[[2]int][]byte{}
	frame := func(which, size int) []byte {
		k := [2]int{which, size}
		if f, ok := frames[k]; !ok {
			switch which {
			case 0:
				f = ipPacket(t, "10.0.0.1", "10.0.0.2", layers.IPProtocolUDP, 5000, 6000, size)
			case 1:
				f = ipPacket(t, "10.0.0.2", "10.0.0.1", layers.IPProtocolUDP, 6000, 5000, size)
			default:
				f = ipPacket(t, "10.0.0.3", "10.0.0.4", layers.IPProtocolUDP, 7000, 8000, size)
			}
			frames[k] = ether(macA, macB, f)
		}
		return frames[k]
	}
	var recs []rec
	for i := range n {
		ts := sampleBase + int64(i)*1e6 + int64(i%7)*1e3
		recs = append(recs, rec{ts: ts, data: frame(0, 1+i%50)})
		if i%(n/small) == 0 {
			recs = append(recs, rec{ts: ts + 1e3, data: frame(1, 10)}, rec{ts: ts + 2e3, data: frame(2, 20)})
		}
	}
	return recs
}

const sampleBase = 1_700_000_000_000_000_000

// sampleIndex returns the A→B packet number of stamp ts.
func sampleIndex(ts int64) int { return int((ts - sampleBase) / 1e6) }

func TestSampleKeepsBlocks(t *testing.T) {
	const n, budget = 20_000 + 37, 1000 // a partial last block too
	pcap := sampleCapture(t, n, 50)
	c := readBytes(t, pcap, Options{MaxPackets: budget, Seed: 3})
	var big, small *Object
	for _, o := range c.Objects {
		if o.Local.Port == 5000 {
			big = o
		} else {
			small = o
		}
	}
	if big == nil || small == nil || c.Objects[0] != big {
		t.Fatalf("objects %v: want the 5000 flow first", c.Objects)
	}
	s := big.From
	block, limit := sampleShape(budget)
	if block != 62 || limit != 992 {
		t.Fatalf("sampleShape(%d) = %d, %d: want 16 blocks of 62", budget, block, limit)
	}
	if s.Sample == nil || s.Len() != int(limit) {
		t.Fatalf("from: %d packets kept, sample %v: want %d and a sample", s.Len(), s.Sample, limit)
	}
	sm := s.Sample
	var bytesAll int64
	for i := range n {
		bytesAll += int64(1 + i%50)
	}
	last := sampleBase + int64(n-1)*1e6 + int64((n-1)%7)*1e3
	if sm.Packets != n || sm.Bytes != bytesAll || sm.First != sampleBase || sm.Last != last || sm.Block != block {
		t.Errorf("sample totals %d packets, %d bytes, %d..%d, block %d: want %d, %d, %d..%d, %d",
			sm.Packets, sm.Bytes, sm.First, sm.Last, sm.Block, n, bytesAll, int64(sampleBase), last, block)
	}
	if big.Packets() != n+len(big.To.Times) || s.Packets() != n {
		t.Errorf("Packets() %d, from %d: want the capture's counts", big.Packets(), s.Packets())
	}
	gaps := s.IATs()
	prevBlock, beyondHalf := -1, false
	for b := range len(sm.Prev) {
		first := sampleIndex(s.Times[b*block])
		if first%block != 0 || first/block <= prevBlock {
			t.Fatalf("block %d starts at packet %d: want a block boundary after block %d", b, first, prevBlock)
		}
		prevBlock = first / block
		beyondHalf = beyondHalf || first > n/2
		wantPrev := s.Times[b*block]
		if first > 0 {
			wantPrev = sampleBase + int64(first-1)*1e6 + int64((first-1)%7)*1e3
		}
		if sm.Prev[b] != wantPrev {
			t.Errorf("block %d: Prev %d, want %d", b, sm.Prev[b], wantPrev)
		}
		for k := range block {
			i := b*block + k
			if got := sampleIndex(s.Times[i]); got != first+k {
				t.Fatalf("packet %d of the sample is capture packet %d, want %d (blocks are contiguous)", i, got, first+k)
			}
			if s.Sizes[i] != int32(1+(first+k)%50) {
				t.Fatalf("packet %d: size %d, want %d", i, s.Sizes[i], 1+(first+k)%50)
			}
			if i > 0 {
				// The real gap to the capture's previous packet.
				j := first + k
				want := float64(1e6+int64(j%7-(j-1)%7)*1e3) * 1e-9
				if d := gaps[i-1] - want; d > 1e-12 || d < -1e-12 {
					t.Fatalf("gap before packet %d (capture %d): %g, want %g", i, j, gaps[i-1], want)
				}
			}
		}
	}
	if !beyondHalf || prevBlock == len(sm.Prev)-1 {
		t.Errorf("the blocks end at block %d of %d: want a choice over the whole direction", prevBlock, n/block)
	}
	// Within the budget: whole, no sample.
	for _, d := range []Series{big.To, small.From} {
		if d.Sample != nil || d.Len() != 51 && d.Len() != 50 {
			t.Errorf("a direction of %d packets: sample %v", d.Len(), d.Sample)
		}
	}
	// Same seed, same bytes; another seed, other blocks; no budget, all.
	again := readBytes(t, pcap, Options{MaxPackets: budget, Seed: 3}).Objects[0].From
	if !equalSeries(s, again) {
		t.Error("two reads with the same seed differ")
	}
	other := readBytes(t, pcap, Options{MaxPackets: budget, Seed: 4}).Objects[0].From
	if equalSeries(s, other) {
		t.Error("seeds 3 and 4 chose the same blocks")
	}
	if all := readBytes(t, pcap, Options{}).Objects[0].From; all.Len() != n || all.Sample != nil {
		t.Errorf("no budget: %d packets, sample %v: want all %d", all.Len(), all.Sample, n)
	}
}

func equalSeries(a, b Series) bool {
	return slices64(a.Times, b.Times) && bytes.Equal(int32Bytes(a.Sizes), int32Bytes(b.Sizes)) &&
		slices64(a.Sample.Prev, b.Sample.Prev) && *stripPrev(a.Sample) == *stripPrev(b.Sample)
}

func slices64(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func int32Bytes(v []int32) []byte {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = append(b, byte(x), byte(x>>8), byte(x>>16), byte(x>>24))
	}
	return b
}

type sampleTotals struct {
	packets, bytes, first, last int64
	block                       int
}

func stripPrev(s *Sample) *sampleTotals {
	return &sampleTotals{s.Packets, s.Bytes, s.First, s.Last, s.Block}
}

// A direction of exactly the budget's packets is kept whole.
func TestSampleWithinBudget(t *testing.T) {
	_, limit := sampleShape(1000)
	c := readBytes(t, sampleCapture(t, int(limit), 8), Options{MaxPackets: 1000, Seed: 1})
	s := c.Objects[0].From
	if s.Sample != nil || s.Len() != int(limit) {
		t.Fatalf("%d packets, sample %v: want all %d, no sample", s.Len(), s.Sample, limit)
	}
	for i, ts := range s.Times {
		if sampleIndex(ts) != i {
			t.Fatalf("packet %d is capture packet %d", i, sampleIndex(ts))
		}
	}
}

// BenchmarkReadSampled reads 1M packets over 4 flows (some 125,000 a
// direction) whole and under a budget of 16,384 a direction, where every
// packet past the budget goes through its reservoir: the two rates should
// be alike (the reservoir draws once a block and copies only the blocks it
// keeps).
func BenchmarkReadSampled(b *testing.B) {
	pcapPath, _ := writeSynthetic(b, b.TempDir(), benchPackets, 4)
	for _, c := range []struct {
		name string
		max  int
	}{{"whole", 0}, {"budget-16384", 16384}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var got *Capture
			var err error
			for b.Loop() {
				if got, err = ReadFile(pcapPath, Options{SkipHash: true, MaxPackets: c.max, Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
			if c.max > 0 && got.Objects[0].From.Sample == nil {
				b.Fatal("the budget sampled nothing")
			}
			b.ReportMetric(float64(got.Packets)*float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
		})
	}
}

// Out-of-order stamps in a sampled direction are sorted within their
// blocks, and no gap, at a seam either, comes out negative.
func TestSampleSortByTime(t *testing.T) {
	recs := sampleRecs(t, 20_000, 50)
	// A→B packets stamped 1.5 ms early, before their predecessor: every
	// 40th (within blocks) and every block's first (before its Prev).
	block, _ := sampleShape(1000)
	for i := range recs {
		j := sampleIndex(recs[i].ts)
		ab := recs[i].ts == sampleBase+int64(j)*1e6+int64(j%7)*1e3
		if ab && j > 0 && (j%40 == 0 || j%block == 0) {
			recs[i].ts -= 1_500_000
		}
	}
	c := readBytes(t, pcapFile(false, true, layers.LinkTypeEthernet, recs), Options{MaxPackets: 1000, Seed: 2})
	if c.Disorder.Packets == 0 {
		t.Fatal("the capture is in order: the test needs disorder")
	}
	if c.SortByTime() == "" {
		t.Fatal("SortByTime found nothing to sort")
	}
	s := c.Objects[0].From
	if s.Sample == nil {
		t.Fatal("not sampled")
	}
	for b := range s.Sample.Prev {
		blk := s.Times[b*s.Sample.Block : (b+1)*s.Sample.Block]
		for i := 1; i < len(blk); i++ {
			if blk[i] < blk[i-1] {
				t.Fatalf("block %d not sorted at %d", b, i)
			}
		}
	}
	for i, g := range s.IATs() {
		if g < 0 {
			t.Fatalf("gap %d is %g s", i, g)
		}
	}
}
