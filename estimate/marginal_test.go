package estimate

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// mixCDF is the CDF of the mixture marginalOf inverts.
func mixCDF(w, mu, sd []float64, z float64) float64 {
	var s, tot float64
	for i := range w {
		s += w[i] * 0.5 * math.Erfc(-(z-mu[i])/(sd[i]*math.Sqrt2))
		tot += w[i]
	}
	return s / tot
}

// marginalCases are mixtures as chains have them, and one whose CDF is a
// near step inside a grid cell (a component a thousandth as wide as the
// other, the emission of a value the capture repeats).
var marginalCases = []struct {
	name      string
	w, mu, sd []float64
}{
	{"one", []float64{1}, []float64{0}, []float64{1}},
	{"three", []float64{0.5, 0.3, 0.2}, []float64{-1, 0.5, 2}, []float64{0.3, 0.8, 0.1}},
	{"narrow", []float64{0.4, 0.6}, []float64{0, 3}, []float64{1, 1e-3}},
}

// Each knot of a map over distinct values sits where the chain's CDF is
// the knot's probability, at least as precisely as the bisection it
// replaced.
func TestMarginalKnotsAtTheirProbabilities(t *testing.T) {
	for _, c := range marginalCases {
		r := rand.New(rand.NewPCG(3, 4))
		data := make([]float64, 2000)
		for i := range data {
			data[i] = 100 + 10*r.NormFloat64()
		}
		slices.Sort(data)
		m := marginalOf(c.w, c.mu, c.sd, data, knotBudget(len(data)))
		// A knot sits at one of knotProbs, or where the data's CDF steps
		// (i/n) between two knots with no value between them.
		ps := knotProbs(len(data), marginalKnots)
		for i := range len(data) {
			ps = append(ps, float64(i)/float64(len(data)))
		}
		slices.Sort(ps)
		// As precise as the bisection it replaced, which found z to 2⁻⁴¹
		// of the span (±12 sd around the components): in probability that
		// is the density times it, below marginalTolP but where the CDF is
		// steep.
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range c.mu {
			lo, hi = min(lo, c.mu[i]-12*c.sd[i]), max(hi, c.mu[i]+12*c.sd[i])
		}
		worst := 0.0
		for _, z := range m.Z {
			q := mixCDF(c.w, c.mu, c.sd, z)
			pdf := 0.0
			tot := 0.0
			for i := range c.w {
				u := (z - c.mu[i]) / c.sd[i]
				pdf += c.w[i] * math.Exp(-u*u/2) / (c.sd[i] * math.Sqrt(2*math.Pi))
				tot += c.w[i]
			}
			tol := max(2*marginalTolP, pdf/tot*(hi-lo)*0x1p-41)
			j, _ := slices.BinarySearch(ps, q)
			d := math.Inf(1)
			for _, k := range []int{j - 1, j} {
				if k >= 0 && k < len(ps) {
					d = min(d, math.Abs(q-ps[k]))
				}
			}
			worst = max(worst, d/tol)
		}
		if worst > 1 {
			t.Errorf("%s: a knot's CDF is %.3g times its tolerance off its probability", c.name, worst)
		}
	}
}

// marginalOf on a direction's longest map (256 knots over a chain of 18
// components): built for every candidate chain the model search checks.
func BenchmarkMarginalOf(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	var w, mu, sd []float64
	for range 18 {
		w, mu, sd = append(w, r.Float64()), append(mu, 2*r.NormFloat64()), append(sd, 0.1+r.Float64())
	}
	data := make([]float64, 5000)
	for i := range data {
		data[i] = math.Round(500 + 300*r.NormFloat64())
	}
	slices.Sort(data)
	for b.Loop() {
		marginalOf(w, mu, sd, data, knotBudget(len(data)))
	}
}

// A map has no more knots than its data pays for (knotBudget): a quarter
// of n evenly spaced up to marginalKnots, and the tails' order statistics
// (an eighth of them a side, at most marginalTail), each a data value (a
// step where the data has nothing between two knots repeats them, not
// counted); its extremes still the smallest and largest value.
func TestMarginalKnotsBoundedByData(t *testing.T) {
	c := marginalCases[0]
	for _, n := range []int{8, 100, 400, 1024, 5000} {
		r := rand.New(rand.NewPCG(5, uint64(n)))
		data := make([]float64, n)
		for i := range data {
			data[i] = 100 + 10*r.NormFloat64()
		}
		slices.Sort(data)
		m := marginalOf(c.w, c.mu, c.sd, data, knotBudget(len(data)))
		k := min(marginalKnots, max(2, n/4))
		want := k + 2*min(marginalTail, k/8)
		if got := len(slices.Compact(slices.Clone(m.X))); got > want || got < k {
			t.Errorf("n=%d: %d knot values, want %d to %d", n, got, k, want)
		}
		if m.X[0] != data[0] || m.X[len(m.X)-1] != data[n-1] {
			t.Errorf("n=%d: map spans [%g, %g], the data [%g, %g]", n, m.X[0], m.X[len(m.X)-1], data[0], data[n-1])
		}
	}
}
