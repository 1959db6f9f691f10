package synthcap

import (
	"container/heap"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Spec says what to write: Flows UDP flows of Packets packets a direction,
// over about Duration, drawn from Seed.
type Spec struct {
	Flows    int
	Packets  int
	Duration time.Duration // 0: 60 s
	Seed     uint64
	// MaxPayload, when > 0, caps the UDP payloads (a small capture for a
	// test); 0 keeps them up to 1,300 bytes.
	MaxPayload int
}

// flow is one direction of one flow as it is written: where it is in its
// packets and how its next gap and size are drawn. Three kinds, so that a
// capture holds what the models meet in an office uplink: a voice call's
// steady 20 ms packets with jitter, video's bursts of large packets and a
// chatty request/response flow with heavy-tailed gaps.
type flow struct {
	next      int64 // ns of the next packet
	left      int
	kind      int
	mean      float64 // mean gap, ns
	src, dst  [4]byte
	sp, dp    uint16
	burstLeft int
	rng       *rand.Rand
}

func (f *flow) gap() int64 {
	switch f.kind {
	case 0: // voice: periodic with Gaussian jitter
		return max(1000, int64(f.mean*(1+0.05*f.rng.NormFloat64())))
	case 1: // video: bursts of 3..12 back to back, then a frame gap
		if f.burstLeft > 0 {
			f.burstLeft--
			return 20_000 + int64(f.rng.ExpFloat64()*30_000)
		}
		f.burstLeft = 2 + f.rng.IntN(10)
		return int64(f.mean * (0.5 + f.rng.Float64()))
	default: // chatty: log-normal gaps
		return max(1000, int64(f.mean*math.Exp(1.2*f.rng.NormFloat64()-0.72)))
	}
}

func (f *flow) size() int {
	switch f.kind {
	case 0:
		if f.rng.IntN(50) == 0 {
			return 60 + f.rng.IntN(40)
		}
		return 160 + 12 + f.rng.IntN(3)*4
	case 1:
		if f.burstLeft > 0 {
			return 1200 + f.rng.IntN(100)
		}
		return 200 + f.rng.IntN(1000)
	default:
		if f.rng.IntN(3) == 0 {
			return 40 + f.rng.IntN(20)
		}
		return 100 + int(f.rng.ExpFloat64()*300)%1300
	}
}

type byNext []*flow

func (h byNext) Len() int           { return len(h) }
func (h byNext) Less(i, j int) bool { return h[i].next < h[j].next }
func (h byNext) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *byNext) Push(x any)        { *h = append(*h, x.(*flow)) }
func (h *byNext) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Write writes the capture as a microsecond pcap of Ethernet frames and
// returns the number of packets. Memory is O(Flows): the directions are
// merged by time through a heap, each drawing its packets as it goes.
func Write(w io.Writer, s Spec) (int64, error) {
	if s.Flows < 1 || s.Flows > 1<<24 || s.Packets < 1 {
		return 0, fmt.Errorf("synthcap: need 1..%d flows and at least 1 packet a direction, got %d and %d", 1<<24, s.Flows, s.Packets)
	}
	dur := s.Duration
	if dur <= 0 {
		dur = time.Minute
	}
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return 0, err
	}
	base := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC).UnixNano()
	h := make(byNext, 0, 2*s.Flows)
	for i := range s.Flows {
		kind := i % 3
		local := [4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}
		remote := [4]byte{192, 0, 2, byte(1 + i%250)}
		lp, rp := uint16(10000+i%50000), uint16(3478+i%7)
		start := base + int64(rand.New(rand.NewPCG(s.Seed, uint64(i))).Float64()*float64(dur)/4)
		for d := range 2 {
			f := &flow{left: s.Packets, kind: kind, rng: rand.New(rand.NewPCG(s.Seed^0x5ca1e, uint64(2*i+d)))}
			f.mean = float64(dur) * 3 / 4 / float64(s.Packets)
			if kind == 0 {
				f.mean = min(f.mean, 20e6)
			}
			f.src, f.dst, f.sp, f.dp = local, remote, lp, rp
			if d == 1 {
				f.src, f.dst, f.sp, f.dp = remote, local, rp, lp
			}
			f.next = start + int64(d)*1_000_000 + f.gap()
			h = append(h, f)
		}
	}
	heap.Init(&h)
	buf := make([]byte, 14+20+8+1500)
	var n int64
	for len(h) > 0 {
		f := h[0]
		pay := f.size()
		if s.MaxPayload > 0 {
			pay = min(pay, s.MaxPayload)
		}
		fr := frame(buf, f, pay)
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, f.next).UTC(), CaptureLength: len(fr), Length: len(fr)}
		if err := pw.WritePacket(ci, fr); err != nil {
			return n, err
		}
		n++
		if f.left--; f.left == 0 {
			heap.Pop(&h)
			continue
		}
		f.next += f.gap()
		heap.Fix(&h, 0)
	}
	return n, nil
}

// frame builds an Ethernet/IPv4/UDP frame of pay payload bytes in buf (the
// checksum of IPv4 computed, UDP's left 0 as RFC 768 allows).
func frame(buf []byte, f *flow, pay int) []byte {
	n := 14 + 20 + 8 + pay
	b := buf[:n]
	copy(b[0:6], []byte{0x02, 0, f.dst[1], f.dst[2], f.dst[3], 1})
	copy(b[6:12], []byte{0x02, 0, f.src[1], f.src[2], f.src[3], 1})
	binary.BigEndian.PutUint16(b[12:], 0x0800)
	ip := b[14:34]
	ip[0], ip[1] = 0x45, 0
	binary.BigEndian.PutUint16(ip[2:], uint16(20+8+pay))
	binary.BigEndian.PutUint32(ip[4:], 0)
	ip[8], ip[9] = 64, 17
	ip[10], ip[11] = 0, 0
	copy(ip[12:16], f.src[:])
	copy(ip[16:20], f.dst[:])
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	u := b[34:42]
	binary.BigEndian.PutUint16(u[0:], f.sp)
	binary.BigEndian.PutUint16(u[2:], f.dp)
	binary.BigEndian.PutUint16(u[4:], uint16(8+pay))
	binary.BigEndian.PutUint16(u[6:], 0)
	clear(b[42:])
	return b
}
