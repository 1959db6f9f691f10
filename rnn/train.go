package rnn

import (
	"errors"
	"fmt"
	"math"

	"github.com/gmm2trex/gmm2trex/internal/fastmath"
	"github.com/gmm2trex/gmm2trex/internal/seeds"
)

// Options controls Train. Zero values take the defaults.
type Options struct {
	Embed     int     // embedding width (DefaultEmbed)
	Hidden    int     // GRU units (DefaultHidden)
	Window    int     // truncated BPTT window, packets (DefaultWindow)
	MaxEpochs int     // passes over the training part (DefaultMaxEpochs)
	Patience  int     // epochs without a better held-out loss before stopping (DefaultPatience)
	Rate      float64 // Adam's step size (DefaultRate)
	HeldOut   float64 // share of the series, at its end, kept for early stopping (DefaultHeldOut)
	Clip      float64 // the gradient's norm is cut to this (DefaultClip)
	Seed      uint64
}

// Defaults of Options; README ("The RNN") says how they were chosen.
const (
	DefaultEmbed     = 8
	DefaultHidden    = 12
	DefaultWindow    = 32
	DefaultMaxEpochs = 60
	DefaultPatience  = 6
	DefaultRate      = 0.01
	DefaultHeldOut   = 0.2
	DefaultClip      = 5
)

// trainStream seeds the initial weights apart from any other stream.
const trainStream = 0x726e6e // "rnn"

func (o Options) withDefaults() Options {
	if o.Embed <= 0 {
		o.Embed = DefaultEmbed
	}
	if o.Hidden <= 0 {
		o.Hidden = DefaultHidden
	}
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.MaxEpochs <= 0 {
		o.MaxEpochs = DefaultMaxEpochs
	}
	if o.Patience <= 0 {
		o.Patience = DefaultPatience
	}
	if o.Rate <= 0 {
		o.Rate = DefaultRate
	}
	if !(o.HeldOut > 0 && o.HeldOut < 1) {
		o.HeldOut = DefaultHeldOut
	}
	if o.Clip <= 0 {
		o.Clip = DefaultClip
	}
	return o
}

// Result is a trained network and its training record.
type Result struct {
	Net        *Net
	Epochs     int     // epochs run
	BestEpoch  int     // the epoch whose weights were kept (1-based)
	HeldOutNLL float64 // its mean loss per held-out packet, nats
	TrainN     int     // packets trained on (the rest held out)
}

// ErrTooShort is returned for a series too short to train and hold out on.
var ErrTooShort = errors.New("rnn: series too short to train on")

// Train fits a network over k components to seq (indices in 0..k-1) by
// truncated backpropagation through time with Adam: the series' first
// 1 − HeldOut is cut into windows of Window packets, walked in order with
// the hidden state carried from one window into the next (the gradient is
// not), one Adam step per window; after every epoch the network is run over
// the whole series and its mean loss (−ln p of each packet's index) on the
// held-out tail decides: the weights of the best epoch are kept, and
// training stops after Patience epochs without improvement. The math runs
// in one goroutine in a fixed order, so the result depends only on the
// arguments.
func Train(seq []int, k int, o Options) (*Result, error) {
	o = o.withDefaults()
	if k < 1 {
		return nil, fmt.Errorf("rnn: %d components", k)
	}
	for i, c := range seq {
		if c < 0 || c >= k {
			return nil, fmt.Errorf("rnn: index %d at packet %d outside 0..%d", c, i, k-1)
		}
	}
	nTrain := int(math.Round(float64(len(seq)) * (1 - o.HeldOut)))
	if nTrain < 2 || len(seq)-nTrain < 1 {
		return nil, fmt.Errorf("%w (%d packets)", ErrTooShort, len(seq))
	}
	n := NewNet(k, o.Embed, o.Hidden)
	initNet(n, seq[:nTrain], o.Seed)
	t := newTrainer(n, o.Window)
	ad := newAdam(len(n.P), o.Rate)
	res := &Result{Net: n.Clone(), TrainN: nTrain, HeldOutNLL: math.Inf(1)}
	res.HeldOutNLL = t.evalTail(seq, nTrain)
	stale := 0
	for epoch := 1; epoch <= o.MaxEpochs; epoch++ {
		res.Epochs = epoch
		clear(t.h0)
		for s := 0; s < nTrain; s += o.Window {
			e := min(s+o.Window, nTrain)
			t.grad(seq, s, e)
			clipNorm(t.g, o.Clip)
			ad.step(n.P, t.g)
		}
		nll := t.evalTail(seq, nTrain)
		if nll < res.HeldOutNLL-1e-4 {
			copy(res.Net.P, n.P)
			res.HeldOutNLL, res.BestEpoch, stale = nll, epoch, 0
			continue
		}
		if stale++; stale >= o.Patience {
			break
		}
	}
	return res, nil
}

// initNet draws the initial weights (uniform in ±1/√H, PyTorch's GRU
// initialisation; the embedding in ±1) and sets the read-out biases to the
// log frequencies of the training indices, so training starts from the
// independent model.
func initNet(n *Net, seq []int, seed uint64) {
	r := seeds.New(seed, trainStream)
	s := 1 / math.Sqrt(float64(n.H))
	for i := range n.P {
		n.P[i] = (2*r.Float64() - 1) * s
	}
	for i := range n.Emb {
		n.Emb[i] = 2*r.Float64() - 1
	}
	cnt := make([]float64, n.K)
	for _, c := range seq {
		cnt[c]++
	}
	for i := range n.Bo {
		n.Bo[i] = math.Log((cnt[i] + 0.5) / (float64(len(seq)) + 0.5*float64(n.K)))
	}
}

// trainer holds the forward caches of one window and the gradient.
type trainer struct {
	n  *Net
	g  []float64 // gradient, laid out as n.P
	gn *Net      // views of g
	h0 []float64 // hidden state entering the window
	// per step of the window: input, and the activations backward needs
	in                 []int
	hp, z, r, c, an, h [][]float64 // previous hidden, gates, candidate, WHn·h+BHn, new hidden
	p                  [][]float64 // softmax
	ax, ah, dh, dah    []float64   // scratch
	dax, dhp           []float64
}

func newTrainer(n *Net, window int) *trainer {
	t := &trainer{n: n, gn: NewNet(n.K, n.E, n.H), h0: make([]float64, n.H)}
	t.g = t.gn.P
	H := n.H
	mk := func(w int) [][]float64 {
		out := make([][]float64, window)
		for i := range out {
			out[i] = make([]float64, w)
		}
		return out
	}
	t.in = make([]int, window)
	t.hp, t.z, t.r, t.c, t.an, t.h, t.p = mk(H), mk(H), mk(H), mk(H), mk(H), mk(H), mk(n.K)
	t.ax, t.ah = make([]float64, 3*H), make([]float64, 3*H)
	t.dh, t.dah, t.dax, t.dhp = make([]float64, H), make([]float64, 3*H), make([]float64, 3*H), make([]float64, H)
	return t
}

// input is the network's input at packet i: the index before it.
func input(seq []int, i, start int) int {
	if i == 0 {
		return start
	}
	return seq[i-1]
}

// forward runs one step from hp with input in into the step's caches
// (z, r, c, an, h, p) and returns −ln p[target] (target < 0: no loss).
func (t *trainer) forward(in int, hp, z, r, c, an, h, p []float64, target int) float64 {
	n := t.n
	H, E := n.H, n.E
	x := n.Emb[in*E : (in+1)*E]
	for j := range 3 * H {
		s := n.Bx[j]
		w := n.Wx[j*E : (j+1)*E]
		for k, v := range x {
			s += w[k] * v
		}
		t.ax[j] = s
		s = n.Bh[j]
		w = n.Wh[j*H : (j+1)*H]
		for k, v := range hp {
			s += w[k] * v
		}
		t.ah[j] = s
	}
	for j := range H {
		z[j] = sigmoid(t.ax[j] + t.ah[j])
		r[j] = sigmoid(t.ax[H+j] + t.ah[H+j])
		an[j] = t.ah[2*H+j]
		c[j] = tanh(t.ax[2*H+j] + r[j]*an[j])
		h[j] = (1-z[j])*c[j] + z[j]*hp[j]
	}
	mx := math.Inf(-1)
	for i := range n.K {
		s := n.Bo[i]
		w := n.Wo[i*H : (i+1)*H]
		for k, v := range h {
			s += w[k] * v
		}
		p[i] = s
		mx = max(mx, s)
	}
	var tot float64
	for i := range p {
		p[i] = fastmath.Exp(p[i] - mx)
		tot += p[i]
	}
	for i := range p {
		p[i] /= tot
	}
	if target < 0 {
		return 0
	}
	return -math.Log(max(p[target], 1e-300))
}

// grad runs packets s..e−1 of seq forward from t.h0 and back, leaving the
// gradient of their mean loss in t.g and the hidden state after packet e−1
// in t.h0. It returns the mean loss.
func (t *trainer) grad(seq []int, s, e int) float64 {
	n := t.n
	H, E := n.H, n.E
	T := e - s
	var loss float64
	prev := t.h0
	for i := range T {
		t.in[i] = input(seq, s+i, n.K)
		copy(t.hp[i], prev)
		loss += t.forward(t.in[i], t.hp[i], t.z[i], t.r[i], t.c[i], t.an[i], t.h[i], t.p[i], seq[s+i])
		prev = t.h[i]
	}
	copy(t.h0, prev)
	clear(t.g)
	g := t.gn
	inv := 1 / float64(T)
	dh := t.dh
	clear(dh)
	for i := T - 1; i >= 0; i-- {
		h, p := t.h[i], t.p[i]
		target := seq[s+i]
		// Read-out: d logits = (p − onehot) / T.
		for a := range n.K {
			dl := p[a] * inv
			if a == target {
				dl -= inv
			}
			g.Bo[a] += dl
			w := n.Wo[a*H : (a+1)*H]
			gw := g.Wo[a*H : (a+1)*H]
			for k := range H {
				gw[k] += dl * h[k]
				dh[k] += dl * w[k]
			}
		}
		z, r, c, an, hp := t.z[i], t.r[i], t.c[i], t.an[i], t.hp[i]
		dax, dah, dhp := t.dax, t.dah, t.dhp
		for j := range H {
			dz := dh[j] * (hp[j] - c[j])
			dc := dh[j] * (1 - z[j])
			dhp[j] = dh[j] * z[j]
			dac := dc * (1 - c[j]*c[j])
			dr := dac * an[j]
			daz := dz * z[j] * (1 - z[j])
			dar := dr * r[j] * (1 - r[j])
			dax[j], dax[H+j], dax[2*H+j] = daz, dar, dac
			dah[j], dah[H+j], dah[2*H+j] = daz, dar, dac*r[j]
		}
		x := n.Emb[t.in[i]*E : (t.in[i]+1)*E]
		gx := g.Emb[t.in[i]*E : (t.in[i]+1)*E]
		for j := range 3 * H {
			a, b := dax[j], dah[j]
			g.Bx[j] += a
			g.Bh[j] += b
			wx, gwx := n.Wx[j*E:(j+1)*E], g.Wx[j*E:(j+1)*E]
			for k := range E {
				gwx[k] += a * x[k]
				gx[k] += a * wx[k]
			}
			wh, gwh := n.Wh[j*H:(j+1)*H], g.Wh[j*H:(j+1)*H]
			for k := range H {
				gwh[k] += b * hp[k]
				dhp[k] += b * wh[k]
			}
		}
		copy(dh, dhp)
	}
	return loss * inv
}

// evalTail runs the network over the whole of seq from a zero state and
// returns the mean loss over packets from..len(seq)−1.
func (t *trainer) evalTail(seq []int, from int) float64 {
	H := t.n.H
	hp, h := make([]float64, H), make([]float64, H)
	z, r, c, an, p := make([]float64, H), make([]float64, H), make([]float64, H), make([]float64, H), make([]float64, t.n.K)
	var loss float64
	for i := range seq {
		target := -1
		if i >= from {
			target = seq[i]
		}
		loss += t.forward(input(seq, i, t.n.K), hp, z, r, c, an, h, p, target)
		hp, h = h, hp
	}
	return loss / float64(len(seq)-from)
}

// NLL is the mean loss of n over the whole of seq (−ln p per packet, nats),
// run from the start of a run.
func NLL(n *Net, seq []int) float64 {
	t := newTrainer(n, 1)
	return t.evalTail(seq, 0)
}

func clipNorm(g []float64, c float64) {
	var s float64
	for _, v := range g {
		s += v * v
	}
	if s = math.Sqrt(s); s > c {
		f := c / s
		for i := range g {
			g[i] *= f
		}
	}
}

// adam is Adam (Kingma and Ba) with the usual β1 0.9, β2 0.999, ε 1e-8.
type adam struct {
	m, v   []float64
	rate   float64
	b1, b2 float64 // β^t
}

func newAdam(n int, rate float64) *adam {
	return &adam{m: make([]float64, n), v: make([]float64, n), rate: rate, b1: 1, b2: 1}
}

func (a *adam) step(p, g []float64) {
	const beta1, beta2, eps = 0.9, 0.999, 1e-8
	a.b1 *= beta1
	a.b2 *= beta2
	lr := a.rate * math.Sqrt(1-a.b2) / (1 - a.b1)
	for i, gi := range g {
		a.m[i] = beta1*a.m[i] + (1-beta1)*gi
		a.v[i] = beta2*a.v[i] + (1-beta2)*gi*gi
		p[i] -= lr * a.m[i] / (math.Sqrt(a.v[i]) + eps)
	}
}
