package rnn

import (
	"math"
	"testing"

	"github.com/gmm2trex/gmm2trex/internal/seeds"
)

// randomNet is a network with weights large enough that every gate works
// away from its linear range.
func randomNet(k, e, h int, seed uint64) *Net {
	n := NewNet(k, e, h)
	r := seeds.New(seed, 1)
	for i := range n.P {
		n.P[i] = r.NormFloat64() * 0.7
	}
	return n
}

func randomSeq(n, k int, seed uint64) []int {
	r := seeds.New(seed, 2)
	out := make([]int, n)
	for i := range out {
		out[i] = r.IntN(k)
	}
	return out
}

// TestGradientCheck compares the backpropagated gradient of a window's mean
// loss with central finite differences, parameter by parameter.
func TestGradientCheck(t *testing.T) {
	const k, e, h, T = 5, 3, 4, 7
	n := randomNet(k, e, h, 3)
	seq := randomSeq(12, k, 4)
	tr := newTrainer(n, T)
	h0 := make([]float64, h)
	for i := range h0 {
		h0[i] = 0.3 * float64(i-1)
	}
	// A window in mid-series, entered with a non-zero state, so that
	// every path of the recursion (embedding, both weight sets, the
	// carried state) is exercised.
	const s = 3
	loss := func() float64 {
		copy(tr.h0, h0)
		return tr.grad(seq, s, s+T)
	}
	loss()
	g := append([]float64(nil), tr.g...)
	const eps = 1e-6
	worst := 0.0
	for i := range n.P {
		old := n.P[i]
		n.P[i] = old + eps
		lp := loss()
		n.P[i] = old - eps
		lm := loss()
		n.P[i] = old
		num := (lp - lm) / (2 * eps)
		if d := math.Abs(num-g[i]) / math.Max(1e-3, math.Abs(num)+math.Abs(g[i])); d > worst {
			worst = d
		}
		if math.Abs(num-g[i]) > 1e-6+1e-5*math.Abs(num) {
			t.Errorf("parameter %d: backprop %.9g, finite difference %.9g", i, g[i], num)
		}
	}
	t.Logf("worst relative difference %.2g over %d parameters", worst, len(n.P))
}

// TestRunnerMatchesTrainer: the sampler's step predicts what training's
// forward pass predicts, packet by packet (within the sampler's table
// sigmoid's error).
func TestRunnerMatchesTrainer(t *testing.T) {
	const k = 6
	n := randomNet(k, 4, 8, 5)
	seq := randomSeq(40, k, 6)
	tr := newTrainer(n, 1)
	r := NewRunner(n)
	H := n.H
	hp, h := make([]float64, H), make([]float64, H)
	z, rr, c, an, p := make([]float64, H), make([]float64, H), make([]float64, H), make([]float64, H), make([]float64, k)
	for i := range seq {
		in := input(seq, i, k)
		tr.forward(in, hp, z, rr, c, an, h, p, -1)
		hp, h = h, hp
		r.in = in
		tot := r.advance()
		for a := range k {
			if d := math.Abs(r.logits[a]/tot - p[a]); d > 1e-5 {
				t.Fatalf("packet %d index %d: runner %v, trainer %v", i, a, r.logits[a]/tot, p[a])
			}
		}
	}
}

// longMemory is a source an order-1 chain cannot hold: runs of one index,
// 3 or 4 packets long (equally likely), the indices cycling 0→1→2→3 (with
// probability 0.9, else skipping one). Knowing the index alone, a chain
// cannot tell the first packet of a run from the third.
func longMemory(n int, seed uint64) []int {
	r := seeds.New(seed, 7)
	out := make([]int, 0, n)
	c := 0
	for len(out) < n {
		l := 3 + r.IntN(2)
		for i := 0; i < l && len(out) < n; i++ {
			out = append(out, c)
		}
		if r.Float64() < 0.9 {
			c = (c + 1) % 4
		} else {
			c = (c + 2) % 4
		}
	}
	return out
}

// markov1NLL fits an order-1 chain (add-½ counts) on train and returns its
// mean loss on test, whose first packet follows train's last.
func markov1NLL(train, test []int, k int) float64 {
	cnt := make([][]float64, k)
	for i := range cnt {
		cnt[i] = make([]float64, k)
		for j := range cnt[i] {
			cnt[i][j] = 0.5
		}
	}
	for i := 1; i < len(train); i++ {
		cnt[train[i-1]][train[i]]++
	}
	prev := train[len(train)-1]
	var loss float64
	for _, c := range test {
		var row float64
		for _, x := range cnt[prev] {
			row += x
		}
		loss -= math.Log(cnt[prev][c] / row)
		prev = c
	}
	return loss / float64(len(test))
}

// runShort is the share of runs shorter than 3 in seq (none in the source).
func runShort(seq []int) float64 {
	runs, short, l := 0, 0, 1
	for i := 1; i <= len(seq); i++ {
		if i < len(seq) && seq[i] == seq[i-1] {
			l++
			continue
		}
		runs++
		if l < 3 {
			short++
		}
		l = 1
	}
	return float64(short) / float64(runs)
}

// TestRecoversLongMemory: on the long-memory source the network must beat an
// order-1 chain on the held-out tail by a wide margin (≈0.29 against ≈0.69
// nats per packet for the ideal predictors), and what it generates must keep
// the run lengths the chain loses.
func TestRecoversLongMemory(t *testing.T) {
	seq := longMemory(5000, 1)
	res, err := Train(seq, 4, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	m1 := markov1NLL(seq[:res.TrainN], seq[res.TrainN:], 4)
	t.Logf("held-out NLL: rnn %.3f (epoch %d of %d), order-1 chain %.3f", res.HeldOutNLL, res.BestEpoch, res.Epochs, m1)
	if !(res.HeldOutNLL < m1-0.2) {
		t.Errorf("rnn held-out NLL %.3f, not 0.2 below the order-1 chain's %.3f", res.HeldOutNLL, m1)
	}
	r := NewRunner(res.Net)
	u := seeds.New(9, 9)
	gen := make([]int, 20000)
	for i := range gen {
		gen[i] = r.Next(u.Float64())
	}
	// An order-1 chain fitted to the source: its runs are geometric.
	chain := make([]int, 20000)
	stay := 2.5 / 3.5
	c := 0
	for i := range chain {
		if u.Float64() >= stay {
			c = (c + 1) % 4
		}
		chain[i] = c
	}
	rs, cs := runShort(gen), runShort(chain)
	t.Logf("runs shorter than 3: source 0, rnn %.3f, order-1 chain %.3f", rs, cs)
	if !(rs < 0.05) || !(cs > 0.3) {
		t.Errorf("runs shorter than 3: rnn %.3f (want < 0.05), order-1 chain %.3f (want > 0.3)", rs, cs)
	}
}

// TestTrainDeterministic: same series and seed, the same weights bit for
// bit; another seed, other weights.
func TestTrainDeterministic(t *testing.T) {
	seq := longMemory(600, 2)
	o := Options{Seed: 3, MaxEpochs: 5}
	a, err := Train(seq, 4, o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Train(seq, 4, o)
	for i := range a.Net.P {
		if math.Float64bits(a.Net.P[i]) != math.Float64bits(b.Net.P[i]) {
			t.Fatalf("parameter %d: %v then %v", i, a.Net.P[i], b.Net.P[i])
		}
	}
	o.Seed = 4
	c, _ := Train(seq, 4, o)
	same := true
	for i := range a.Net.P {
		same = same && a.Net.P[i] == c.Net.P[i]
	}
	if same {
		t.Error("seeds 3 and 4 trained the same weights")
	}
}

func TestTrainBadInput(t *testing.T) {
	if _, err := Train([]int{0, 1, 5}, 3, Options{}); err == nil {
		t.Error("index 5 of 3 components accepted")
	}
	if _, err := Train([]int{0}, 3, Options{}); err == nil {
		t.Error("one packet accepted")
	}
}
