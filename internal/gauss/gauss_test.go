package gauss

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// randSPD returns a random d×d symmetric positive definite matrix B·Bᵀ + εI.
func randSPD(rng *rand.Rand, d int) []float64 {
	b := make([]float64, d*d)
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	a := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			var s float64
			for p := 0; p < d; p++ {
				s += b[i*d+p] * b[j*d+p]
			}
			a[i*d+j] = s
		}
		a[i*d+i] += 0.1
	}
	return a
}

func near(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// Against gonum's Cholesky on random SPD matrices: the factor and the
// log-determinant agree to 1e-10 (relative).
func TestCholeskyMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, d := range []int{1, 2, 3, 5, 8} {
		for rep := 0; rep < 20; rep++ {
			a := randSPD(rng, d)
			l := make([]float64, d*d)
			logdet, ok := Cholesky(a, l, d, 0)
			if !ok {
				t.Fatalf("d=%d: SPD matrix not factored", d)
			}
			var ch mat.Cholesky
			if !ch.Factorize(mat.NewSymDense(d, a)) {
				t.Fatalf("d=%d: gonum does not factor it either", d)
			}
			var want mat.TriDense
			ch.LTo(&want)
			for i := 0; i < d; i++ {
				for j := 0; j < d; j++ {
					if !near(l[i*d+j], want.At(i, j), 1e-10) {
						t.Fatalf("d=%d L[%d][%d] = %v, gonum %v", d, i, j, l[i*d+j], want.At(i, j))
					}
				}
			}
			if !near(logdet, ch.LogDet(), 1e-10) {
				t.Errorf("d=%d: logdet %v, gonum %v", d, logdet, ch.LogDet())
			}
		}
	}
}

func TestCholeskyRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    []float64
		d    int
	}{
		{"negative", []float64{-1}, 1},
		{"zero", []float64{0}, 1},
		{"NaN", []float64{math.NaN()}, 1},
		{"Inf", []float64{math.Inf(1)}, 1},
		{"indefinite", []float64{1, 2, 2, 1}, 2},
		{"singular", []float64{1, 1, 1, 1}, 2},
	} {
		if _, ok := Cholesky(tc.a, make([]float64, tc.d*tc.d), tc.d, 0); ok {
			t.Errorf("%s: factored", tc.name)
		}
	}
	// Jitter makes the singular matrix factor, as a + jitter·I.
	l := make([]float64, 4)
	logdet, ok := Cholesky([]float64{1, 1, 1, 1}, l, 2, 1e-3)
	if !ok || !near(logdet, math.Log(1.001*1.001-1), 1e-9) {
		t.Errorf("with jitter: ok %v logdet %v", ok, logdet)
	}
	if _, ok := CholeskyRows([][]float64{{1, 2}, {2, 1}}); ok {
		t.Error("CholeskyRows factored an indefinite matrix")
	}
	r, ok := CholeskyRows([][]float64{{4, 2}, {2, 5}})
	if !ok || r[0][0] != 2 || r[0][1] != 0 || r[1][0] != 1 || r[1][1] != 2 {
		t.Errorf("CholeskyRows = %v, %v; want [[2 0] [1 2]]", r, ok)
	}
}

// refLogProb is log N(x; mean, a) the way gonum's distmv.Normal.LogProb
// computes it, from an LU inverse and determinant (distmv itself would pull
// golang.org/x/tools into go.sum).
func refLogProb(t *testing.T, x, mean, a []float64) float64 {
	d := len(x)
	var lu mat.LU
	lu.Factorize(mat.NewDense(d, d, append([]float64(nil), a...)))
	logdet, sign := lu.LogDet()
	if sign <= 0 {
		t.Fatal("reference: determinant not positive")
	}
	e := make([]float64, d)
	for i := range e {
		e[i] = x[i] - mean[i]
	}
	var y mat.VecDense
	if err := lu.SolveVecTo(&y, false, mat.NewVecDense(d, e)); err != nil {
		t.Fatal(err)
	}
	q := mat.Dot(mat.NewVecDense(d, e), &y)
	return -0.5 * (float64(d)*math.Log(2*math.Pi) + logdet + q)
}

// Against gonum (an LU solve, as distmv.Normal): LogDensity (and the packed forms for d ≤ 2) give
// the log-density to 1e-10.
func TestLogDensityMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, d := range []int{1, 2, 3, 6} {
		for rep := 0; rep < 20; rep++ {
			a := randSPD(rng, d)
			mean := make([]float64, d)
			x := make([]float64, d)
			for i := range mean {
				mean[i] = 3 * rng.NormFloat64()
				x[i] = mean[i] + 2*rng.NormFloat64()
			}
			w := 0.1 + rng.Float64()
			l := make([]float64, d*d)
			logdet, _ := Cholesky(a, l, d, 0)
			logc := LogNorm(w, d, logdet)
			got := LogDensity(x, mean, l, logc, make([]float64, d))
			want := math.Log(w) + refLogProb(t, x, mean, a)
			if !near(got, want, 1e-10) {
				t.Errorf("d=%d: LogDensity %v, gonum %v", d, got, want)
			}
			var p [Stride2]float64
			switch d {
			case 1:
				Pack1(p[:], logc, mean, l)
				if v := LogDensity1(p[:], x[0]); !near(v, got, 1e-14) {
					t.Errorf("LogDensity1 %v, LogDensity %v", v, got)
				}
			case 2:
				Pack2(p[:], logc, mean, l)
				if v := LogDensity2(p[:], x[0], x[1]); !near(v, got, 1e-14) {
					t.Errorf("LogDensity2 %v, LogDensity %v", v, got)
				}
			}
		}
	}
	if v := LogNorm(0, 2, 0); !math.IsInf(v, -1) {
		t.Errorf("LogNorm of weight 0 = %v, want -Inf", v)
	}
}

func TestInvertLower(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, d := range []int{1, 2, 4, 7} {
		a := randSPD(rng, d)
		l := make([]float64, d*d)
		Cholesky(a, l, d, 0)
		inv := make([]float64, d*d)
		InvertLower(l, inv, d)
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				var s float64
				for p := 0; p < d; p++ {
					s += inv[i*d+p] * l[p*d+j]
				}
				want := 0.0
				if i == j {
					want = 1
				}
				if math.Abs(s-want) > 1e-10 {
					t.Fatalf("d=%d: (L⁻¹L)[%d][%d] = %v", d, i, j, s)
				}
			}
		}
	}
}

// Draws from mean + L·z have the covariance L·Lᵀ (4 standard errors).
func TestDraw(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const d, n = 3, 200000
	a := randSPD(rng, d)
	l := make([]float64, d*d)
	Cholesky(a, l, d, 0)
	mean := []float64{1, -2, 3}
	z, x := make([]float64, d), make([]float64, d)
	s1 := make([]float64, d)
	s2 := make([]float64, d*d)
	for range n {
		for i := range z {
			z[i] = rng.NormFloat64()
		}
		Draw(x, mean, l, z)
		for i := 0; i < d; i++ {
			s1[i] += x[i]
			for j := 0; j < d; j++ {
				s2[i*d+j] += x[i] * x[j]
			}
		}
	}
	m, c := make([]float64, d), make([]float64, d*d)
	Moments(n, s1, s2, m, c)
	for i := 0; i < d; i++ {
		if se := math.Sqrt(a[i*d+i] / n); math.Abs(m[i]-mean[i]) > 4*se {
			t.Errorf("mean[%d] = %v, want %v ± %v", i, m[i], mean[i], 4*se)
		}
		for j := 0; j < d; j++ {
			se := math.Sqrt((a[i*d+j]*a[i*d+j] + a[i*d+i]*a[j*d+j]) / n)
			if math.Abs(c[i*d+j]-a[i*d+j]) > 4*se {
				t.Errorf("cov[%d][%d] = %v, want %v ± %v", i, j, c[i*d+j], a[i*d+j], 4*se)
			}
		}
	}
}

func TestMomentsConstrain(t *testing.T) {
	// Three points (0,0), (2,0), (1,3) with weights 1, 1, 2.
	pts := [][2]float64{{0, 0}, {2, 0}, {1, 3}}
	w := []float64{1, 1, 2}
	var s0 float64
	s1, s2 := make([]float64, 2), make([]float64, 4)
	for i, p := range pts {
		s0 += w[i]
		for a := 0; a < 2; a++ {
			s1[a] += w[i] * p[a]
			for b := 0; b <= a; b++ {
				s2[a*2+b] += w[i] * p[a] * p[b]
			}
		}
	}
	mean, cov := make([]float64, 2), make([]float64, 4)
	Moments(s0, s1, s2, mean, cov)
	want := []float64{0.5, 0, 0, 2.25}
	if mean[0] != 1 || mean[1] != 1.5 {
		t.Errorf("mean %v, want [1 1.5]", mean)
	}
	for i := range want {
		if math.Abs(cov[i]-want[i]) > 1e-15 {
			t.Errorf("cov %v, want %v", cov, want)
			break
		}
	}
	c := []float64{1e-9, 5, 5, 4}
	Constrain(c, 2, 1e-4, 0.999)
	lim := 0.999 * math.Sqrt(1e-4*4)
	if c[0] != 1e-4 || c[3] != 4 || c[1] != lim || c[2] != lim {
		t.Errorf("constrained %v, want [1e-4 %v %v 4]", c, lim, lim)
	}
}

func BenchmarkCholesky2(b *testing.B) {
	a, l := []float64{2, 0.3, 0.3, 1}, make([]float64, 4)
	for b.Loop() {
		Cholesky(a, l, 2, 0)
	}
}

func BenchmarkCholesky8(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	a, l := randSPD(rng, 8), make([]float64, 64)
	for b.Loop() {
		Cholesky(a, l, 8, 0)
	}
}

func BenchmarkLogDensity2(b *testing.B) {
	l := make([]float64, 4)
	logdet, _ := Cholesky([]float64{2, 0.3, 0.3, 1}, l, 2, 0)
	var p [Stride2]float64
	Pack2(p[:], LogNorm(0.5, 2, logdet), []float64{1, 2}, l)
	x := 0.0
	for b.Loop() {
		x += LogDensity2(p[:], 1.5, x*1e-300)
	}
}

func BenchmarkLogDensity8(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	a, l := randSPD(rng, 8), make([]float64, 64)
	logdet, _ := Cholesky(a, l, 8, 0)
	mean, x, z := make([]float64, 8), make([]float64, 8), make([]float64, 8)
	logc := LogNorm(1, 8, logdet)
	for b.Loop() {
		LogDensity(x, mean, l, logc, z)
	}
}
