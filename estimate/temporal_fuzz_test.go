package estimate

import (
	"encoding/binary"
	"math"
	"testing"
)

// FitTemporal on arbitrary series must either fail with an error or return
// chains a sampler can walk: finite probabilities, rows summing to 1, and
// emission mixtures with positive weights summing to 1 and positive definite
// covariances. The series come from pairs of 16-bit values (gap in µs,
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
			k := len(ch.Start)
			if !probVector(ch.Start) || len(ch.Trans) != k || len(ch.States) != k {
				t.Fatalf("chain %d: start %v, %d rows, %d states", c, ch.Start, len(ch.Trans), len(ch.States))
			}
			for i, row := range ch.Trans {
				if len(row) != k || !probVector(row) {
					t.Fatalf("chain %d: transition row %d = %v", c, i, row)
				}
			}
			for s, m := range ch.States {
				var w float64
				for _, g := range m.Components {
					if !(g.Weight > 0) || len(g.Mean) != len(ch.Features) || !posDef(g.Cov) {
						t.Fatalf("chain %d state %d: component %+v", c, s, g)
					}
					for _, v := range g.Mean {
						if math.IsNaN(v) || math.IsInf(v, 0) {
							t.Fatalf("chain %d state %d: mean %v", c, s, g.Mean)
						}
					}
					w += g.Weight
				}
				if math.Abs(w-1) > 1e-9 {
					t.Fatalf("chain %d state %d: weights sum to %v", c, s, w)
				}
			}
		}
	})
}

func probVector(p []float64) bool {
	var s float64
	for _, v := range p {
		if !(v >= 0 && v <= 1) {
			return false
		}
		s += v
	}
	return len(p) > 0 && math.Abs(s-1) < 1e-9
}

// posDef reports whether c is symmetric positive definite (Cholesky).
func posDef(c [][]float64) bool {
	d := len(c)
	l := make([]float64, d*d)
	for i := range d {
		if len(c[i]) != d {
			return false
		}
		for j := 0; j <= i; j++ {
			if c[i][j] != c[j][i] {
				return false
			}
			s := c[i][j]
			for p := 0; p < j; p++ {
				s -= l[i*d+p] * l[j*d+p]
			}
			if i == j {
				if !(s > 0) || math.IsInf(s, 0) {
					return false
				}
				l[i*d+i] = math.Sqrt(s)
			} else {
				l[i*d+j] = s / l[j*d+j]
			}
		}
	}
	return true
}
