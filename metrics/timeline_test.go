package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// onOff is n packets of size bytes every gap seconds, with the packets of
// every other second left out when gapped (an on/off source).
func onOff(n int, gap, size float64, gapped bool) Series {
	var s Series
	for i := range n {
		t := float64(i) * gap
		if gapped && int(t)%2 == 1 {
			continue
		}
		s.Time = append(s.Time, t)
		s.Size = append(s.Size, size)
	}
	return s
}

func TestTimeline(t *testing.T) {
	// 100 packets a second for 20 s: rate 100 pps and 100·size B/s over the
	// span, constant at 100 ms and 1 s (CV 0), no idle second.
	steady := onOff(2000, 0.01, 200, false)
	tl := TimelineOf(steady)
	if math.Abs(tl.Packets-2000/19.99) > 1e-9 || math.Abs(tl.Bytes-200*2000/19.99) > 1e-6 || tl.CV[1] > 1e-9 || tl.CV[2] > 1e-9 || tl.Idle != 0 {
		t.Errorf("steady: %+v", tl)
	}
	// On one second, off the next: half the windows idle, CV 1 at 1 s.
	gapped := onOff(2000, 0.01, 200, true)
	tg := TimelineOf(gapped)
	if math.Abs(tg.Idle-0.5) > 0.06 || math.Abs(tg.CV[2]-1) > 0.06 {
		t.Errorf("on/off: idle %v, CV(1 s) %v; want 0.5 and 1", tg.Idle, tg.CV[2])
	}
	// Compare: the same series twice gives ratios of 1; the on/off source
	// against the steady one has half the rate and the idle it lacks.
	r := Compare(steady, steady)
	if r.RateRatioBytes != 1 || r.RateRatioPackets != 1 || r.IdleOriginal != 0 || r.IdleGenerated != 0 || r.ACFErrBytes10ms != 0 {
		t.Errorf("self: %+v", r)
	}
	r = Compare(steady, gapped)
	if math.Abs(r.RateRatioPackets-0.5) > 0.03 || math.Abs(r.IdleGenerated-0.5) > 0.06 || !math.IsInf(r.BurstRatio[2], 1) {
		t.Errorf("steady vs on/off: rate %v, idle %v, burst(1 s) %v", r.RateRatioPackets, r.IdleGenerated, r.BurstRatio[2])
	}
	// Without times the timeline is not measured.
	r = Compare(Series{Size: steady.Size}, Series{Size: steady.Size})
	if !math.IsNaN(r.RateRatioBytes) || !math.IsNaN(r.BurstRatio[0]) || !math.IsNaN(r.IdleOriginal) {
		t.Errorf("no times: %+v", r)
	}
	// A span shorter than a window measures nothing at that scale.
	short := TimelineOf(onOff(50, 0.01, 100, false))
	if !math.IsNaN(short.CV[2]) || !math.IsNaN(short.Idle) || math.IsNaN(short.CV[0]) {
		t.Errorf("half a second: %+v", short)
	}
}

// denseTimeline is the timeline's burstiness and idle share over every
// window (Throughput), the definition TimelineOf's sparse windows keep.
func denseTimeline(s Series) (cvs [3]float64, idle float64) {
	n := len(s.Time)
	span := s.Time[n-1] - s.Time[0]
	cvs, idle = [3]float64{math.NaN(), math.NaN(), math.NaN()}, math.NaN()
	for i, w := range BurstWindows {
		if win := Throughput(nil, s.Time, s.Size, w); len(win) >= 2 && span >= w {
			cvs[i] = cv(win)
		}
	}
	counts := make([]float64, n)
	for i := range counts {
		counts[i] = 1
	}
	if win := Throughput(nil, s.Time, counts, IdleWindow); span >= IdleWindow {
		z := 0
		for _, v := range win {
			if v == 0 {
				z++
			}
		}
		idle = float64(z) / float64(len(win))
	}
	return cvs, idle
}

// TimelineOf gives the dense windows' figures bit for bit: sparse series,
// bursts, packets on window edges (20 ms on 10 ms windows), zero sizes,
// spans of less than a window, and times out of order (the dense path).
func TestTimelineSparseIsDense(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var cases []Series
	for c := range 300 {
		var s Series
		tm := 0.0
		n := 2 + r.IntN(400)
		for i := range n {
			switch c % 4 {
			case 0:
				tm += r.ExpFloat64() * 0.3
			case 1:
				tm += 0.02 // on the edges
			case 2:
				if r.IntN(20) == 0 {
					tm += 2 + r.Float64()*5
				} else {
					tm += r.Float64() * 0.004
				}
			default:
				tm = r.Float64() * 30 // out of order
			}
			size := float64(r.IntN(1500))
			if i%7 == 0 {
				size = 0
			}
			s.Time, s.Size = append(s.Time, tm), append(s.Size, size)
		}
		cases = append(cases, s)
	}
	cases = append(cases, onOff(2000, 0.01, 200, true), onOff(50, 0.01, 100, false))
	for ci, s := range cases {
		tl := TimelineOf(s)
		cvs, idle := denseTimeline(s)
		for i := range cvs {
			if math.Float64bits(cvs[i]) != math.Float64bits(tl.CV[i]) {
				t.Fatalf("case %d: CV[%d] %v, dense windows give %v", ci, i, tl.CV[i], cvs[i])
			}
		}
		if math.Float64bits(idle) != math.Float64bits(tl.Idle) {
			t.Fatalf("case %d: idle %v, dense windows give %v", ci, tl.Idle, idle)
		}
	}
}

// A sparse direction's run as the model search measures it: 500 packets
// over a minute (6,000 windows of 10 ms).
func BenchmarkTimelineSparse(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	var s Series
	tm := 0.0
	for range 500 {
		tm += r.ExpFloat64() * 0.12
		s.Time, s.Size = append(s.Time, tm), append(s.Size, float64(100+r.IntN(1000)))
	}
	b.ReportAllocs()
	for b.Loop() {
		TimelineOf(s)
	}
}
