package rnn

import (
	"fmt"
	"math"

	"github.com/gmm2trex/gmm2trex/internal/fastmath"
	"github.com/gmm2trex/gmm2trex/profiles"
)

// Net is a GRU over K component indices: an embedding of K+1 rows (the last
// is the start of a run, the input before the first packet), one GRU layer
// of H units (update, reset and candidate gates, in that order, as PyTorch
// orders them) and a linear read-out to K logits. All parameters live in P;
// the other slices are views of it.
type Net struct {
	K, E, H int
	P       []float64

	Emb []float64 // (K+1)×E
	Wx  []float64 // 3H×E
	Wh  []float64 // 3H×H
	Bx  []float64 // 3H
	Bh  []float64 // 3H
	Wo  []float64 // K×H
	Bo  []float64 // K
}

// NewNet returns a zero network of k components, embedding width e and h
// hidden units.
func NewNet(k, e, h int) *Net {
	n := &Net{K: k, E: e, H: h}
	sizes := []int{(k + 1) * e, 3 * h * e, 3 * h * h, 3 * h, 3 * h, k * h, k}
	tot := 0
	for _, s := range sizes {
		tot += s
	}
	n.P = make([]float64, tot)
	views := []*[]float64{&n.Emb, &n.Wx, &n.Wh, &n.Bx, &n.Bh, &n.Wo, &n.Bo}
	off := 0
	for i, s := range sizes {
		*views[i] = n.P[off : off+s : off+s]
		off += s
	}
	return n
}

// Clone returns a deep copy.
func (n *Net) Clone() *Net {
	c := NewNet(n.K, n.E, n.H)
	copy(c.P, n.P)
	return c
}

// Start is the input index before a run's first packet.
func (n *Net) Start() int { return n.K }

func sigmoid(x float64) float64 { return 1 / (1 + fastmath.Exp(-x)) }

func tanh(x float64) float64 {
	// 2σ(2x) − 1, through the same exponential as the sigmoid; saturated
	// beyond |x| = 20, where tanh is 1 within float64's precision.
	if x > 20 {
		return 1
	}
	if x < -20 {
		return -1
	}
	e := fastmath.Exp(-2 * x)
	return (1 - e) / (1 + e)
}

// Runner runs a network one packet at a time, as the sampler does. It is
// not safe for concurrent use.
type Runner struct {
	n      *Net
	xp     []float64 // (K+1)×3H: Wx·Emb[i] + Bx, per input index
	h, ah  []float64
	logits []float64
	in     int
}

// NewRunner prepares n for stepping, at the start of a run.
func NewRunner(n *Net) *Runner {
	h3 := 3 * n.H
	r := &Runner{n: n, xp: make([]float64, (n.K+1)*h3), h: make([]float64, n.H), ah: make([]float64, h3), logits: make([]float64, n.K)}
	for i := 0; i <= n.K; i++ {
		x := n.Emb[i*n.E : (i+1)*n.E]
		row := r.xp[i*h3 : (i+1)*h3]
		for j := range h3 {
			s := n.Bx[j]
			w := n.Wx[j*n.E : (j+1)*n.E]
			for k, v := range x {
				s += w[k] * v
			}
			row[j] = s
		}
	}
	r.Reset()
	return r
}

// Reset starts a new run: zero hidden state, the start input.
func (r *Runner) Reset() {
	clear(r.h)
	r.in = r.n.K
}

// Next advances the network one packet and returns the next component
// index, drawn with u (uniform in [0, 1)) from the predicted distribution;
// that index is the input of the following step.
func (r *Runner) Next(u float64) int {
	tot := r.advance()
	t := u * tot
	pick := -1
	for i, e := range r.logits {
		if e > 0 {
			// Rounding can leave t past the last share: the last
			// index with a chance takes it.
			pick = i
		}
		if t < e {
			break
		}
		t -= e
	}
	r.in = pick
	return pick
}

// advance runs one step of the GRU on the current input and leaves the
// unnormalised probabilities of the next index in r.logits; it returns
// their sum.
func (r *Runner) advance() float64 {
	n := r.n
	H := n.H
	xp := r.xp[r.in*3*H : (r.in+1)*3*H]
	h, ah := r.h, r.ah
	matVec(ah, n.Wh, h, n.Bh)
	h = h[:H]
	xz, xr, xn := xp[:H:H][:len(h)], xp[H : 2*H : 2*H][:len(h)], xp[2*H : 3*H : 3*H][:len(h)]
	az, ar, an := ah[:H:H][:len(h)], ah[H : 2*H : 2*H][:len(h)], ah[2*H : 3*H : 3*H][:len(h)]
	for j, hj := range h {
		z := fastSigmoid(xz[j] + az[j])
		rr := fastSigmoid(xr[j] + ar[j])
		c := 2*fastSigmoid(2*(xn[j]+rr*an[j])) - 1
		h[j] = (1-z)*c + z*hj
	}
	matVec(r.logits, n.Wo, h, n.Bo)
	mx := math.Inf(-1)
	for i := range n.K {
		mx = max(mx, r.logits[i])
	}
	var tot float64
	for i, l := range r.logits {
		e := fastExpNeg(l - mx)
		r.logits[i] = e
		tot += e
	}
	return tot
}

// Of converts the profile's network (validated: profiles.RNN) into a Net.
func Of(p *profiles.RNN) (*Net, error) {
	k, h := len(p.Components), p.Hidden
	if k == 0 || h <= 0 || len(p.Embed) != k+1 || len(p.Embed[0]) == 0 {
		return nil, fmt.Errorf("rnn: %d components, %d hidden units, %d embedding rows: not a network", k, h, len(p.Embed))
	}
	e := len(p.Embed[0])
	n := NewNet(k, e, h)
	rows := func(dst []float64, src [][]float64, r, c int, name string) error {
		if len(src) != r {
			return fmt.Errorf("rnn: %s has %d rows, want %d", name, len(src), r)
		}
		for i, row := range src {
			if len(row) != c {
				return fmt.Errorf("rnn: %s[%d] has %d values, want %d", name, i, len(row), c)
			}
			copy(dst[i*c:], row)
		}
		return nil
	}
	vec := func(dst, src []float64, name string) error {
		if len(src) != len(dst) {
			return fmt.Errorf("rnn: %s has %d values, want %d", name, len(src), len(dst))
		}
		copy(dst, src)
		return nil
	}
	for _, err := range []error{
		rows(n.Emb, p.Embed, k+1, e, "embed"),
		rows(n.Wx, p.WX, 3*h, e, "wx"),
		rows(n.Wh, p.WH, 3*h, h, "wh"),
		vec(n.Bx, p.BX, "bx"),
		vec(n.Bh, p.BH, "bh"),
		rows(n.Wo, p.WO, k, h, "wo"),
		vec(n.Bo, p.BO, "bo"),
	} {
		if err != nil {
			return nil, err
		}
	}
	return n, nil
}

// Fill writes n's weights into p (its shapes; the components, scale and
// maps are the caller's).
func (n *Net) Fill(p *profiles.RNN) {
	rows := func(src []float64, r, c int) [][]float64 {
		out := make([][]float64, r)
		for i := range out {
			out[i] = append([]float64(nil), src[i*c:(i+1)*c]...)
		}
		return out
	}
	p.Hidden = n.H
	p.Embed = rows(n.Emb, n.K+1, n.E)
	p.WX = rows(n.Wx, 3*n.H, n.E)
	p.WH = rows(n.Wh, 3*n.H, n.H)
	p.BX = append([]float64(nil), n.Bx...)
	p.BH = append([]float64(nil), n.Bh...)
	p.WO = rows(n.Wo, n.K, n.H)
	p.BO = append([]float64(nil), n.Bo...)
}

// matVec sets y = W·x + b for W of len(y) rows of len(x) values, several
// rows at a time so that each x[k] is loaded once for several products. Each row's
// sum runs over k in order: the same bits on every machine.
func matVec(y, w, x, b []float64) {
	c := len(x)
	j := 0
	// Six rows at a time: six independent sums keep the adder busy (each
	// add waits for the one before it in its own sum only), and six sums
	// and six products still fit the registers (eight spill).
	for ; j+6 <= len(y); j += 6 {
		w0 := w[j*c : (j+1)*c : (j+1)*c]
		w1 := w[(j+1)*c : (j+2)*c : (j+2)*c][:len(w0)]
		w2 := w[(j+2)*c : (j+3)*c : (j+3)*c][:len(w0)]
		w3 := w[(j+3)*c : (j+4)*c : (j+4)*c][:len(w0)]
		w4 := w[(j+4)*c : (j+5)*c : (j+5)*c][:len(w0)]
		w5 := w[(j+5)*c : (j+6)*c : (j+6)*c][:len(w0)]
		xx := x[:len(w0)]
		bb := b[j : j+6 : j+6]
		s0, s1, s2, s3, s4, s5 := bb[0], bb[1], bb[2], bb[3], bb[4], bb[5]
		for k, v := range xx {
			s0 += w0[k] * v
			s1 += w1[k] * v
			s2 += w2[k] * v
			s3 += w3[k] * v
			s4 += w4[k] * v
			s5 += w5[k] * v
		}
		yy := y[j : j+6 : j+6]
		yy[0], yy[1], yy[2], yy[3], yy[4], yy[5] = s0, s1, s2, s3, s4, s5
	}
	for ; j+4 <= len(y); j += 4 {
		w0 := w[j*c : (j+1)*c : (j+1)*c]
		w1 := w[(j+1)*c : (j+2)*c : (j+2)*c]
		w2 := w[(j+2)*c : (j+3)*c : (j+3)*c]
		w3 := w[(j+3)*c : (j+4)*c : (j+4)*c]
		w1, w2, w3 = w1[:len(w0)], w2[:len(w0)], w3[:len(w0)]
		xx := x[:len(w0)]
		s0, s1, s2, s3 := b[j], b[j+1], b[j+2], b[j+3]
		for k, v := range xx {
			s0 += w0[k] * v
			s1 += w1[k] * v
			s2 += w2[k] * v
			s3 += w3[k] * v
		}
		y[j], y[j+1], y[j+2], y[j+3] = s0, s1, s2, s3
	}
	for ; j < len(y); j++ {
		s := b[j]
		for k, v := range w[j*c : (j+1)*c] {
			s += v * x[k]
		}
		y[j] = s
	}
}

// dot is Σ w[k]·x[k] over len(w) ≤ len(x) values, in four running sums
// (a fixed order: the same bits on every machine).
func dot(w, x []float64) float64 {
	x = x[:len(w)]
	var s0, s1, s2, s3 float64
	for len(w) >= 4 && len(x) >= 4 {
		s0 += w[0] * x[0]
		s1 += w[1] * x[1]
		s2 += w[2] * x[2]
		s3 += w[3] * x[3]
		w, x = w[4:], x[4:]
	}
	for i := range w {
		s0 += w[i] * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// The sampler's sigmoid is read from a table with linear interpolation
// (absolute error below 1e-6, which moves no draw that matters), at about a
// tenth of an exponential's cost: a step has 3H of them.
const (
	sigRange = 16.0
	sigSteps = 4096
)

var sigTable = func() [sigSteps + 2]float64 {
	var t [sigSteps + 2]float64
	for i := range t {
		t[i] = 1 / (1 + math.Exp(-(float64(i)*2*sigRange/sigSteps - sigRange)))
	}
	return t
}()

func fastSigmoid(x float64) float64 {
	// Clamped into the table (NaN, which validated weights never give,
	// lands on its first entry).
	f := (x + sigRange) * (sigSteps / (2 * sigRange))
	if !(f > 0) {
		return sigTable[0]
	}
	if f >= sigSteps {
		return sigTable[sigSteps]
	}
	i := int(f)
	f -= float64(i)
	t := sigTable[i : i+2 : i+2]
	return t[0] + f*(t[1]-t[0])
}

// The sampler's exponential of the softmax (arguments ≤ 0) is read from a
// table too: e^x at 64 points per unit over [−expRange, 0], interpolated
// linearly (relative error below 4e-5, which moves a draw's probability by
// as much), and 0 below: a logit that far below the largest has a chance
// under e^−expRange.
const (
	expRange = 40.0
	expSteps = 64 * 40
)

var expTable = func() [expSteps + 2]float64 {
	var t [expSteps + 2]float64
	for i := range t {
		t[i] = math.Exp(float64(i)*expRange/expSteps - expRange)
	}
	return t
}()

func fastExpNeg(x float64) float64 {
	if !(x > -expRange) {
		return 0
	}
	f := (x + expRange) * (expSteps / expRange)
	i := min(int(f), expSteps)
	f -= float64(i)
	return expTable[i] + f*(expTable[i+1]-expTable[i])
}
