package estimate

import (
	"encoding/binary"
	"testing"
)

// FitTemporal on arbitrary series must either fail with an error or return
// chains a sampler can walk: finite probabilities, rows summing to 1, and
// emission mixtures with positive weights summing to 1 and positive definite
// covariances (checkChain). The series come from pairs of 16-bit values (gap in µs,
// size), short and with small caps so that each run stays fast.
func FuzzFitTemporal(f *testing.F) {
	pairs := func(v ...uint16) []byte {
		b := make([]byte, 2*len(v))
		for i, x := range v {
			binary.LittleEndian.PutUint16(b[2*i:], x)
		}
		return b
	}
	var alt, same []uint16
	for i := range 60 {
		alt = append(alt, uint16(10+9990*(i%2)), uint16(60+1400*(i%3/2)))
		same = append(same, 20000, 252)
	}
	f.Add(pairs(alt...), uint8(0))
	f.Add(pairs(same...), uint8(1))
	f.Add(make([]byte, 4*30), uint8(2))
	f.Fuzz(func(t *testing.T, b []byte, mode uint8) {
		if len(b) > 4*240 {
			b = b[:4*240]
		}
		n := len(b) / 4
		iat, size := make([]float64, n), make([]float64, n)
		for i := range n {
			iat[i] = float64(binary.LittleEndian.Uint16(b[4*i:])) * 1e-6
			size[i] = float64(binary.LittleEndian.Uint16(b[4*i+2:]))
		}
		o := TemporalOptions{Seed: 1, MaxStates: 4, MaxComponents: 2, MaxIter: 4, Restarts: -1}
		o.Structure = []string{"auto", "joint", "separate"}[mode%3]
		if mode&4 != 0 {
			o.IATTransform = "none"
		}
		tm, err := FitTemporal(iat, size, o)
		if err != nil {
			return
		}
		for c, ch := range tm.Chains {
			// Shapes here; values as profile validation will demand them.
			k := len(ch.Start)
			if len(ch.Trans) != k || len(ch.States) != k {
				t.Fatalf("chain %d: %d start probabilities, %d rows, %d states", c, k, len(ch.Trans), len(ch.States))
			}
			for i, row := range ch.Trans {
				if len(row) != k {
					t.Fatalf("chain %d: transition row %d has %d entries for %d states", c, i, len(row), k)
				}
			}
			for s, m := range ch.States {
				for _, g := range m.Components {
					if len(g.Mean) != len(ch.Features) || len(g.Cov) != len(ch.Features) {
						t.Fatalf("chain %d state %d: component %+v for features %v", c, s, g, ch.Features)
					}
				}
			}
			checkChain(t, ch)
		}
	})
}
