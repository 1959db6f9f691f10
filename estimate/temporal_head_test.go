package estimate

import (
	"math"
	"math/rand/v2"
	"testing"
)

// A long direction's HMM features keep only their head, with the scale of
// the whole series in the same floats as the full feature: the search and
// refinement (which read no further) fit the same model.
func TestHMMFeatureHead(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	v := make([]float64, 5000)
	for i := range v {
		v[i] = rng.ExpFloat64() * 0.02
		if i%7 == 0 {
			v[i] = 0 // zero gaps take the floor
		}
	}
	for _, logT := range []bool{false, true} {
		full := hmmFeature("iat", v, logT)
		for _, keep := range []int{1, 100, len(v), len(v) + 10} {
			h := hmmFeatureHead("iat", v, logT, keep)
			if h.n != len(v) || len(h.z) != min(keep, len(v)) {
				t.Fatalf("keep %d: n %d, %d values", keep, h.n, len(h.z))
			}
			if math.Float64bits(h.mean) != math.Float64bits(full.mean) || math.Float64bits(h.std) != math.Float64bits(full.std) {
				t.Errorf("log %v keep %d: scale %v/%v, whole series' %v/%v", logT, keep, h.mean, h.std, full.mean, full.std)
			}
			for i, z := range h.z {
				if math.Float64bits(z) != math.Float64bits(full.z[i]) {
					t.Fatalf("log %v keep %d: z[%d] = %v, want %v", logT, keep, i, z, full.z[i])
				}
			}
		}
	}
}
