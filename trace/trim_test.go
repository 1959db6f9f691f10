package trace

import (
	"math"
	"slices"
	"testing"
)

// Expected values come from numpy 1.24 (np.percentile, default method):
//
//	t = np.array([0,10,15,40,41,60,100,101,130,200,205,230,260,261,300]) * 1e6  # ns
//	iat = np.diff(t) / 1e9
//	np.percentile(iat, lo), np.percentile(iat, hi)
//	[i+1 for i, v in enumerate(iat) if plo <= v <= phi]
func TestTrimMatchesNumpy(t *testing.T) {
	ms := []int64{0, 10, 15, 40, 41, 60, 100, 101, 130, 200, 205, 230, 260, 261, 300}
	var s Series
	for i, m := range ms {
		s.Times = append(s.Times, base+m*1e6)
		s.Sizes = append(s.Sizes, int32(100+i)) // size i+100 marks packet i
	}
	for _, c := range []struct {
		lo, hi, plo, phi float64
		keep             []int
	}{
		{3, 97, 0.001, 0.05829999999999999, []int{1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14}},
		{10, 90, 0.001, 0.0397, []int{1, 2, 3, 4, 5, 7, 8, 10, 11, 12, 13, 14}},
		{25, 75, 0.005, 0.02975, []int{1, 2, 3, 5, 8, 10, 11}},
		{0, 100, 0.001, 0.07, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}},
	} {
		sorted := slices.Sorted(slices.Values(s.IATs()))
		if plo, phi := PercentileSorted(sorted, c.lo), PercentileSorted(sorted, c.hi); !close(plo, c.plo) || !close(phi, c.phi) {
			t.Errorf("percentiles %v,%v = %v,%v; numpy says %v,%v", c.lo, c.hi, plo, phi, c.plo, c.phi)
		}
		tr := Trim(s, c.lo, c.hi)
		var keep []int
		for i, sz := range tr.Size {
			p := int(sz) - 100
			keep = append(keep, p)
			// IAT and size stay aligned: the IAT is the gap before packet p.
			if want := float64(ms[p]-ms[p-1]) * 1e-3; !close(tr.IAT[i], want) {
				t.Errorf("%v,%v: packet %d has IAT %v, want %v", c.lo, c.hi, p, tr.IAT[i], want)
			}
		}
		if !slices.Equal(keep, c.keep) {
			t.Errorf("%v,%v: kept packets %v, numpy's selection is %v", c.lo, c.hi, keep, c.keep)
		}
	}
}

func TestPercentileSorted(t *testing.T) {
	x := []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.9}
	// numpy: [np.percentile(x, p) for p in (0, 3, 50, 62.5, 97, 100)]
	for i, p := range []float64{0, 3, 50, 62.5, 97, 100} {
		want := []float64{0.1, 0.115, 0.35, 0.41250000000000003, 0.8399999999999999, 0.9}[i]
		if got := PercentileSorted(x, p); !close(got, want) {
			t.Errorf("p%v = %v, numpy %v", p, got, want)
		}
	}
	if !math.IsNaN(PercentileSorted(nil, 50)) {
		t.Error("percentile of nothing is not NaN")
	}
	if got := Trim(Series{Times: []int64{1}, Sizes: []int32{1}}, 3, 97); got.Len() != 0 {
		t.Errorf("one packet trimmed to %d", got.Len())
	}
}

func close(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }
