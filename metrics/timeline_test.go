package metrics

import (
	"math"
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
