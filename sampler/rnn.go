package sampler

import (
	"fmt"
	"math/rand/v2"

	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/rnn"
)

// rnnWalk walks a direction's recurrent model (profiles.RNN): the network
// draws the next component index, the component's Gaussian the packet, as
// a chain's state emits it (same scaling, transforms, maps and bounds).
type rnnWalk struct {
	net *rnn.Net
	run *rnn.Runner
	c   *chain // one state per component
}

func newRNNWalk(p *profiles.RNN, b Bounds) (*rnnWalk, error) {
	net, err := rnn.Of(p)
	if err != nil {
		return nil, err
	}
	// The components as the states of a chain whose transitions the
	// network replaces: the chain's emission code, and nothing else, is
	// used.
	pc := profiles.Chain{Features: p.Features, Transform: p.Transform, Scale: p.Scale, Marginals: p.Marginals,
		Start: make([]float64, len(p.Components))}
	for i, comp := range p.Components {
		pc.Start[i] = 1
		pc.States = append(pc.States, profiles.State{Mixture: []profiles.MVComponent{{Weight: 1, Mean: comp.Mean, Cov: comp.Cov}}})
	}
	c, err := newChain(&pc, b)
	if err != nil {
		return nil, fmt.Errorf("rnn.%w", err)
	}
	return &rnnWalk{net: net, run: rnn.NewRunner(net), c: c}, nil
}

// reset starts the network's run again.
func (w *rnnWalk) reset() {
	w.run = rnn.NewRunner(w.net)
	w.c.reset()
}

// step draws the next packet into w.c.x (own units, inside the bounds).
func (w *rnnWalk) step(r *rand.Rand) (clamped bool) {
	c := w.c
	c.state = w.run.Next(r.Float64())
	for try := 0; ; try++ {
		c.emit(r)
		if c.inside() {
			return false
		}
		if try == MaxRedraw {
			for i := 0; i < c.dim; i++ {
				c.x[i] = min(max(c.x[i], c.lo[i]), c.hi[i])
			}
			return true
		}
	}
}
