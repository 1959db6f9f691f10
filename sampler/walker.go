package sampler

import (
	"math/rand/v2"

	"fmt"

	"github.com/gmm2trex/gmm2trex/internal/seeds"
	"github.com/gmm2trex/gmm2trex/profiles"
)

// Bounds are the observed ranges of a direction's features in their own
// units (seconds, bytes), which generated values never leave: a draw outside
// is drawn again, up to MaxRedraw times, then clamped.
type Bounds struct {
	MinIAT, MaxIAT   float64
	MinSize, MaxSize float64
}

// Walker walks one hidden Markov chain on its own. It is what Source runs
// for each chain of a direction, exposed so that a model search can score a
// candidate chain by generating from it exactly as the product will.
type Walker struct {
	c       *chain
	rng     *rand.Rand
	clamped int
}

// NewWalker prepares ch for walking within b, seeded by (seed, stream) as
// NewSource seeds a direction. ch is assumed valid except for its
// covariances, which must factor.
func NewWalker(ch *profiles.Chain, b Bounds, seed, stream uint64) (*Walker, error) {
	c, err := newChain(ch, b)
	if err != nil {
		return nil, fmt.Errorf("sampler: %w", err)
	}
	return &Walker{c: c, rng: seeds.New(seed, stream)}, nil
}

// Step advances the chain one packet and returns its features in the
// chain's Features order. The slice is reused by the next call.
func (w *Walker) Step() []float64 {
	if w.c.step(w.rng) {
		w.clamped++
	}
	return w.c.x
}

// Restart makes the next Step draw a state from the chain's start
// distribution, as at the beginning of a new run; the random sequence goes
// on.
func (w *Walker) Restart() { w.c.started, w.c.pos = false, w.c.blk }

// Clamped is how many steps were clamped to the bounds.
func (w *Walker) Clamped() int { return w.clamped }
