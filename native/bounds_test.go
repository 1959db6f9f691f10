package native

import (
	"math"
	"testing"

	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// --max-pps 1e-10 used to overflow the shortest gap (1e19 ns) into a
// negative one, which lifted the cap.
func TestMinGapNoOverflow(t *testing.T) {
	for pps, want := range map[float64]int64{1e6: 1000, 1: 1e9, 1e-10: 86400e9, math.SmallestNonzeroFloat64: 86400e9, math.Inf(1): 0} {
		if got := minGap(pps); got != want {
			t.Errorf("minGap(%g) = %d, want %d", pps, got, want)
		}
	}
}

// A duration bounds the schedule in wall time whatever the profile: with
// gaps that are all 0, every packet is pushed out by the rate cap and the
// schedule ends at the duration (send -l 3 ran 60 s on such a profile).
func TestScheduleDurationZeroGaps(t *testing.T) {
	dm := &profiles.Direction{
		Packets: 100,
		Size:    profiles.Param{Min: 100, Max: 100, Mixture: []profiles.Component{{Weight: 1, Mean: 100, Std: 1}}},
		IAT:     profiles.Param{Min: 0, Max: 0, Mixture: []profiles.Component{{Weight: 1, Mean: 0.001, Std: 0.0001}}},
	}
	src, err := sampler.NewSource(dm, sampler.IID, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, mult := range []float64{1, 4} {
		m := &modelSchedule{src: src, first: true, mult: mult, duration: 0.003 * mult, minGap: minGap(1e6)}
		var p txPacket
		n := 0
		for m.next(&p) {
			n++
			if n > 1e6 {
				t.Fatalf("multiplier %v: no end after %d packets", mult, n)
			}
			if p.deadline > 3e6 {
				t.Fatalf("multiplier %v: deadline %d ns past the 3 ms duration", mult, p.deadline)
			}
		}
		if n != 3001 {
			t.Errorf("multiplier %v: %d packets in 3 ms at 1 Mpps, want 3001", mult, n)
		}
	}
}
