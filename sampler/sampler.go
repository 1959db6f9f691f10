package sampler

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"

	"github.com/gmm2trex/gmm2trex/internal/fastmath"
	"github.com/gmm2trex/gmm2trex/internal/gauss"
	"github.com/gmm2trex/gmm2trex/internal/seeds"
	"github.com/gmm2trex/gmm2trex/profiles"
)

// Model selects how a direction's packets are drawn.
type Model int

const (
	// IID draws each gap and size independently from the 1-D mixtures, as the
	// original tool did.
	IID Model = iota
	// HMM walks the direction's hidden Markov chains, which keeps burstiness
	// and the correlation between consecutive packets.
	HMM
	// Auto plays each direction as its profile chose (Direction.Model, the
	// model search's choice); a profile from before the choice was recorded
	// plays its HMM where it has one, else the mixtures.
	Auto
	// RNN walks the direction's recurrent model over mixture components
	// (profiles.RNN).
	// (After Auto, so that the values of the first three stay.)
	RNN
)

func (m Model) String() string {
	switch m {
	case HMM:
		return "hmm"
	case Auto:
		return "auto"
	case RNN:
		return "rnn"
	}
	return "iid"
}

// ParseModel accepts "iid", "hmm", "rnn" and "auto".
func ParseModel(s string) (Model, error) {
	switch s {
	case "iid":
		return IID, nil
	case "hmm":
		return HMM, nil
	case "auto":
		return Auto, nil
	case "rnn":
		return RNN, nil
	}
	return 0, fmt.Errorf("unknown model %q (valid: iid, hmm, rnn, auto)", s)
}

// For returns the model m plays direction d with: m itself, or for Auto
// the direction's recorded choice.
func (m Model) For(d *profiles.Direction) Model {
	if m != Auto || d == nil {
		return m
	}
	switch {
	case d.Model == profiles.ModelRNN:
		return RNN
	case d.Model == profiles.ModelHMM, d.Model == "" && d.HMM != nil && len(d.HMM.Chains) > 0:
		return HMM
	}
	return IID
}

// MaxRedraw is how often a value outside the observed bounds is drawn again
// before it is clamped to the nearest bound (and counted in Clamped).
const MaxRedraw = 64

// Source draws the packets of one direction: a gap (seconds since the
// previous packet of this direction) and a size (bytes) per call. It is not
// safe for concurrent use.
type Source struct {
	rng *rand.Rand
	// Observed bounds, in the features' own units.
	minIAT, maxIAT   float64
	minSize, maxSize float64

	// iid
	iat, size mix1

	// hmm
	chains []*chain
	rnn    *rnnWalk
	out    [2]float64 // iat, size of the current step

	// bursts, when not nil, is the on/off layer over either model; left
	// is how many packets the current burst still has, begun whether a
	// burst has begun (the first one has no idle gap before it).
	bursts *profiles.Bursts
	left   int
	begun  bool
	// With a burst block (profiles.Bursts.Block): the block's lengths and
	// idle gaps, the next one's index, and the maps' knot probabilities.
	bLen, bIdle   []float64
	bPos          int
	bPLen, bPIdle []float64

	clamped int
}

// mix1 is a 1-D mixture prepared for drawing.
type mix1 struct {
	comp      alias // component choice
	mean, std []float64
	log       bool    // the mixture is over log(x)
	round     bool    // whole numbers (sizes): bounds apply to the rounded value
	lo, hi    float64 // observed bounds in the mixture's domain
	// marg, when not nil, maps a draw onto the data's distribution
	// (profiles.Param.Marginal), which lies inside the bounds; mm is it
	// prepared.
	marg *profiles.Marginal
	mm   marginalMap
}

func newMix1(p profiles.Param, round bool) mix1 {
	m := mix1{log: p.Transform == profiles.TransformLog, round: round, lo: p.Min, hi: p.Max, marg: p.Marginal}
	if m.marg != nil {
		m.mm = newMarginalMap(m.marg)
	}
	if m.log {
		// log(0) = -Inf keeps a zero lower bound meaning "no bound".
		m.lo, m.hi = math.Log(p.Min), math.Log(p.Max)
	}
	m.comp = newAlias(len(p.Mixture), func(i int) float64 { return p.Mixture[i].Weight })
	for _, c := range p.Mixture {
		m.mean = append(m.mean, c.Mean)
		m.std = append(m.std, c.Std)
	}
	return m
}

// draw returns one value in the mixture's own domain (log(x) for a log
// mixture): the bounds are checked there, so a rejected draw costs no exp.
func (m *mix1) draw(r *rand.Rand) float64 {
	i := m.comp.pick(r.Uint64())
	x := m.mean[i] + m.std[i]*r.NormFloat64()
	if m.round {
		x = math.Round(x)
	}
	return x
}

// value maps a drawn value from the mixture's domain to the feature's units.
func (m *mix1) value(x float64) float64 {
	if m.log {
		return fastmath.Exp(x)
	}
	return x
}

// chain is a hidden Markov chain prepared for walking.
type chain struct {
	dim     int
	slot    []int // output slot (0 iat, 1 size) of each feature
	log     []bool
	round   []bool
	mean    []float64
	std     []float64
	start   alias
	trans   []alias
	states  []mixN
	state   int
	started bool
	z, x    []float64           // scratch
	lo, hi  []float64           // bounds per feature, own units
	marg    []profiles.Marginal // per feature; nil: none (see profiles.Chain.Marginals)
	mm      []marginalMap       // marg prepared

	// Blocks (with marginal maps only): the chain is walked blk steps at a
	// time, and each feature's values in a block are the block's own draws
	// of the capture's distribution, put in the order of the chain's
	// draws (see fill). prob[f][k] is the probability of marg[f]'s knot k
	// under the chain's stationary emission; raw[f] the chain's draws
	// (scaled space) and vals[f] the values of the block; pos the next
	// step's index in it.
	blk  int
	prob [][]float64
	raw  [][]float64
	vals [][]float64
	keys []uint64
	tmp  []uint64 // sortKeys' scratch
	u    []float64
	pos  int
}

// mixN is a d-D mixture with the Cholesky factors of its covariances.
type mixN struct {
	comp alias
	mean [][]float64
	chol [][]float64 // lower factors, d×d row-major
}

// NewSource prepares direction d for drawing with the given model and seed.
// The HMM model needs d.HMM; the profile is assumed valid (profiles.Load
// validates).
func NewSource(d *profiles.Direction, model Model, seed uint64, stream uint64) (*Source, error) {
	if d == nil {
		return nil, fmt.Errorf("sampler: direction has no model")
	}
	model = model.For(d)
	s := &Source{
		bursts: d.Bursts,
		rng:    seeds.New(seed, stream),
		minIAT: d.IAT.Min, maxIAT: d.IAT.Max,
		minSize: d.Size.Min, maxSize: d.Size.Max,
	}
	if b := d.Bursts; b != nil && b.Block > 0 {
		s.bLen, s.bIdle = make([]float64, b.Block), make([]float64, b.Block)
		s.bPos = b.Block
		s.bPLen, s.bPIdle = NormalKnotProbs(&b.Packets), NormalKnotProbs(&b.Idle)
	}
	switch model {
	case IID:
		s.iat = newMix1(d.IAT, false)
		s.size = newMix1(d.Size, true)
	case HMM:
		if d.HMM == nil || len(d.HMM.Chains) == 0 {
			return nil, fmt.Errorf("sampler: direction has no HMM (estimate it with --model hmm)")
		}
		for i := range d.HMM.Chains {
			c, err := newChain(&d.HMM.Chains[i], Bounds{MinIAT: s.minIAT, MaxIAT: s.maxIAT, MinSize: s.minSize, MaxSize: s.maxSize})
			if err != nil {
				return nil, fmt.Errorf("sampler: hmm.chains[%d]: %w", i, err)
			}
			s.chains = append(s.chains, c)
		}
	case RNN:
		if d.RNN == nil {
			return nil, fmt.Errorf("sampler: direction has no RNN (estimate it with --model rnn)")
		}
		w, err := newRNNWalk(d.RNN, Bounds{MinIAT: s.minIAT, MaxIAT: s.maxIAT, MinSize: s.minSize, MaxSize: s.maxSize})
		if err != nil {
			return nil, fmt.Errorf("sampler: %w", err)
		}
		s.rnn = w
	default:
		return nil, fmt.Errorf("sampler: unknown model %d", model)
	}
	return s, nil
}

func newChain(pc *profiles.Chain, b Bounds) (*chain, error) {
	d := len(pc.Features)
	c := &chain{dim: d, z: make([]float64, d), x: make([]float64, d)}
	for _, f := range pc.Features {
		switch f {
		case profiles.FeatureIAT:
			c.slot = append(c.slot, 0)
			c.lo, c.hi = append(c.lo, b.MinIAT), append(c.hi, b.MaxIAT)
		case profiles.FeatureSize:
			c.slot = append(c.slot, 1)
			c.lo, c.hi = append(c.lo, b.MinSize), append(c.hi, b.MaxSize)
		default:
			return nil, fmt.Errorf("unknown feature %q", f)
		}
		c.log = append(c.log, pc.Transform[f] == profiles.TransformLog)
		c.round = append(c.round, f == profiles.FeatureSize)
	}
	c.mean = pc.Scale.Mean
	c.std = pc.Scale.Std
	c.marg = pc.Marginals
	for i := range c.marg {
		c.mm = append(c.mm, newMarginalMap(&c.marg[i]))
	}
	c.start = newAlias(len(pc.Start), func(i int) float64 { return pc.Start[i] })
	for _, row := range pc.Transitions {
		c.trans = append(c.trans, newAlias(len(row), func(i int) float64 { return row[i] }))
	}
	for si, st := range pc.States {
		m := mixN{comp: newAlias(len(st.Mixture), func(i int) float64 { return st.Mixture[i].Weight })}
		for ci, comp := range st.Mixture {
			a := make([]float64, 0, d*d)
			for _, row := range comp.Cov {
				a = append(a, row...)
			}
			l := make([]float64, d*d)
			if _, ok := gauss.Cholesky(a, l, d, 0); !ok {
				return nil, fmt.Errorf("states[%d].mixture[%d].cov: not positive definite", si, ci)
			}
			m.mean = append(m.mean, comp.Mean)
			m.chol = append(m.chol, l)
		}
		c.states = append(c.states, m)
	}
	if c.marg != nil && pc.Block > 0 {
		c.initBlocks(pc)
	}
	return c, nil
}

// reset puts the walk back where newChain leaves it.
func (c *chain) reset() { c.state, c.started, c.pos = 0, false, c.blk }

// initBlocks prepares the block buffers and the knots' probabilities.
func (c *chain) initBlocks(pc *profiles.Chain) {
	c.blk = pc.Block
	c.pos = c.blk
	c.keys, c.tmp, c.u = make([]uint64, c.blk), make([]uint64, c.blk), make([]float64, c.blk)
	c.prob = KnotProbs(pc)
	for range c.dim {
		c.raw = append(c.raw, make([]float64, c.blk))
		c.vals = append(c.vals, make([]float64, c.blk))
	}
}

// KnotProbs returns, per feature of pc (which has Marginals), the
// probability of each knot of its map under the chain's stationary
// emission: the probabilities the estimator placed the knots at
// (estimate.marginalsOf), up to its bisection. With them a map reads as
// a quantile function (blocks: profiles.Chain.Block); exporters that walk
// blocks themselves (the MoonGen Lua) carry them.
func KnotProbs(pc *profiles.Chain) [][]float64 {
	pi := Stationary(pc.Transitions)
	out := make([][]float64, len(pc.Features))
	for f := range pc.Features {
		var w, mu, sd []float64
		tot := 0.0
		for si, st := range pc.States {
			for _, comp := range st.Mixture {
				if wt := pi[si] * comp.Weight; wt > 0 {
					w, mu, sd = append(w, wt), append(mu, comp.Mean[f]), append(sd, math.Sqrt(comp.Cov[f][f]))
					tot += wt
				}
			}
		}
		z := pc.Marginals[f].Z
		p := make([]float64, len(z))
		for k, zk := range z {
			var s float64
			for i := range w {
				s += w[i] * 0.5 * math.Erfc(-(zk-mu[i])/(sd[i]*math.Sqrt2))
			}
			p[k] = s / tot
			if k > 0 && p[k] < p[k-1] {
				p[k] = p[k-1] // rounding must not make it decrease
			}
		}
		out[f] = p
	}
	return out
}

// fill walks the next block: blk steps of the chain, each feature's raw
// draws kept; then per feature blk values drawn independently from the
// capture's distribution (the marginal map read as a quantile function
// over the knots' probabilities) are handed out in the order of the raw
// draws' ranks: the smallest value to the step with the smallest draw, and
// so on. The block's values are a sample of the capture's distribution
// whatever states the chain visited (a slow regime that stays high for
// most of a short run no longer skews it), and their order is the chain's
// (ranks, so the correlation and the regimes stay).
//
// The block's probabilities are stratified — one uniform draw in each of
// blk equal slices of the unit interval, so already in order — rather than
// blk independent ones: the block's values are then the capture's
// distribution to within one slice, and a run of whole blocks carries the
// capture's mean size and mean gap (its byte rate) to within the slices'
// width instead of a sample's 1/√blk. The ranks come from one sort of
// integer keys (each draw's order-keeping bits with its index in the low
// bits, sorted by radix: no comparison); the quantile function is then read by one
// walk along the knots (quantilesInto).
func (c *chain) fill(r *rand.Rand) {
	for t := range c.blk {
		c.move(r)
		c.draw(r)
		for f := range c.dim {
			c.raw[f][t] = c.x[f]
		}
	}
	mask := uint64(1)<<bits.Len(uint(c.blk-1)) - 1
	for f := range c.dim {
		keys := c.keys
		for i, v := range c.raw[f] {
			keys[i] = orderKey(v)&^mask | uint64(i)
		}
		sortKeys(keys, c.tmp)
		stratify(r, c.u)
		quantilesInto(c.u, c.marg[f].X, c.prob[f], c.u)
		vals := c.vals[f]
		for j, key := range keys {
			v := c.u[j]
			if c.round[f] {
				v = math.Round(v)
			}
			vals[key&mask] = v
		}
	}
	c.pos = 0
}

// stratify fills u with a stratified sample of the unit interval,
// ascending: u[j] uniform in [j/n, (j+1)/n).
func stratify(r *rand.Rand, u []float64) {
	n := float64(len(u))
	for j := range u {
		u[j] = (float64(j) + r.Float64()) / n
	}
}

// quantilesInto writes to out[j] the quantile of probability q[j] (q
// ascending; out may be q) under the map of values x at knot
// probabilities p (KnotProbs): the linear interpolation between knots,
// held at the ends, exact on a run of equal values. One walk along the
// knots serves the whole sorted batch.
func quantilesInto(out, x, p, q []float64) {
	n, k := len(p), -1 // k: the last knot with p[k] <= q
	for j, qj := range q {
		for k+1 < n && p[k+1] <= qj {
			k++
		}
		var v float64
		switch {
		case k < 0 || !(qj > p[0]):
			v = x[0]
		case k >= n-1:
			v = x[n-1]
		case x[k] == x[k+1]:
			v = x[k]
		default:
			v = x[k] + (x[k+1]-x[k])*(qj-p[k])/(p[k+1]-p[k])
		}
		out[j] = v
	}
}

// orderKey maps a float64 to a uint64 of the same order (negative values
// below positive ones, each in its order), for sorting draws as integers.
func orderKey(v float64) uint64 {
	b := math.Float64bits(v)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

// emit draws one observation of the chain's features from its current
// state into x (own units), untruncated.
func (c *chain) emit(r *rand.Rand) {
	c.draw(r)
	for i, v := range c.x {
		if c.marg != nil {
			// Mapped onto the data's distribution, which lies inside
			// the bounds: no redraw ever happens for this feature.
			v = c.mm[i].at(v)
			if c.round[i] {
				v = math.Round(v)
			}
			c.x[i] = v
			continue
		}
		v = v*c.std[i] + c.mean[i]
		if c.log[i] {
			v = fastmath.Exp(v)
		}
		if c.round[i] {
			v = math.Round(v)
		}
		c.x[i] = v
	}
}

// draw draws one observation of the current state into x, in the chain's
// scaled space.
func (c *chain) draw(r *rand.Rand) {
	m := &c.states[c.state]
	k := m.comp.pick(r.Uint64())
	mu, l := m.mean[k], m.chol[k]
	for i := 0; i < c.dim; i++ {
		c.z[i] = r.NormFloat64()
	}
	gauss.Draw(c.x, mu, l, c.z)
}

// Marginal maps v through m: the piecewise-linear interpolation of m.X
// over m.Z, held at the ends. A run of equal X (a value the capture
// repeats) gives that value exactly.
func Marginal(m *profiles.Marginal, v float64) float64 {
	z := m.Z
	n := len(z)
	if !(v > z[0]) {
		return m.X[0]
	}
	if v >= z[n-1] {
		return m.X[n-1]
	}
	return interpolate(m, knotBelow(z, v, 0, n-1), v)
}

// knotBelow is the last knot i in [lo, hi) with z[i] ≤ v, given z[lo] ≤ v
// < z[hi]: a binary search.
func knotBelow(z []float64, v float64, lo, hi int) int {
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if z[mid] <= v {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// interpolate is m's value at v between knots i and i+1 (z[i] ≤ v <
// z[i+1]); equal values give that value exactly.
func interpolate(m *profiles.Marginal, i int, v float64) float64 {
	x0, x1 := m.X[i], m.X[i+1]
	if x0 == x1 {
		return x0
	}
	return x0 + (x1-x0)*(v-m.Z[i])/(m.Z[i+1]-m.Z[i])
}

func (c *chain) inside() bool {
	for i := 0; i < c.dim; i++ {
		if !(c.x[i] >= c.lo[i] && c.x[i] <= c.hi[i]) {
			return false
		}
	}
	return true
}

// move makes the chain's next transition (the first step draws the start).
func (c *chain) move(r *rand.Rand) {
	if !c.started {
		c.state = c.start.pick(r.Uint64())
		c.started = true
	} else {
		c.state = c.trans[c.state].pick(r.Uint64())
	}
}

// step advances the chain one packet and leaves its features in c.x (own
// units, inside the bounds). It is the one walk of a hidden Markov chain:
// Source uses it to generate, Walker to let the model search score a
// candidate exactly as it will be generated.
func (c *chain) step(r *rand.Rand) (clamped bool) {
	if c.blk > 0 {
		if c.pos == c.blk {
			c.fill(r)
		}
		for f := range c.dim {
			c.x[f] = c.vals[f][c.pos]
		}
		c.pos++
		return false
	}
	c.move(r)
	for try := 0; ; try++ {
		c.emit(r)
		if c.inside() {
			break
		}
		if try == MaxRedraw {
			for i := 0; i < c.dim; i++ {
				c.x[i] = min(max(c.x[i], c.lo[i]), c.hi[i])
			}
			clamped = true
			break
		}
	}
	return clamped
}

// Next draws the next packet of the direction: its gap since the previous
// packet (seconds) and its size (whole bytes). Values stay inside the
// observed bounds (sizes are rounded before the bounds are checked, so a
// constant size series with min == max keeps that size). The gap of a
// direction's first draw has no meaning for its first packet; Stream starts
// each direction at t=0 and ignores it.
//
// With a burst layer (profiles.Bursts), a burst's length is drawn when it
// begins, its first packet's gap is the idle gap (but the first burst's),
// and the model's gaps above the threshold within a burst are drawn again.
func (s *Source) Next() (gap float64, size int) {
	b := s.bursts
	if b == nil {
		return s.next()
	}
	if s.left == 0 {
		var n, idle float64
		if b.Block > 0 {
			if s.bPos == b.Block {
				s.fillBursts()
			}
			n, idle = s.bLen[s.bPos], s.bIdle[s.bPos]
			s.bPos++
		} else {
			n = Marginal(&b.Packets, s.rng.NormFloat64())
		}
		s.left = int(max(1, math.Round(n)))
		_, size = s.next()
		if s.begun {
			if b.Block == 0 {
				idle = Marginal(&b.Idle, s.rng.NormFloat64())
			}
			gap = idle
		}
		s.begun = true
		s.left--
		return gap, size
	}
	s.left--
	for try := 0; ; try++ {
		gap, size = s.next()
		if gap <= b.Threshold {
			return gap, size
		}
		if try == profiles.MaxRedraw {
			s.clamped++
			return b.Threshold, size
		}
	}
}

// fillBursts draws the next block of bursts: per map, a stratified
// sample of its distribution (profiles.Bursts.Block), shuffled.
func (s *Source) fillBursts() {
	b := s.bursts
	for _, f := range []struct {
		out, p []float64
		m      *profiles.Marginal
	}{{s.bLen, s.bPLen, &b.Packets}, {s.bIdle, s.bPIdle, &b.Idle}} {
		stratify(s.rng, f.out)
		quantilesInto(f.out, f.m.X, f.p, f.out)
		s.rng.Shuffle(len(f.out), func(i, j int) { f.out[i], f.out[j] = f.out[j], f.out[i] })
	}
	s.bPos = 0
}

// NormalKnotProbs returns the probabilities of m's knots when m maps a
// standard normal draw (profiles.Bursts' maps): Φ(Z), with which the map
// reads as a quantile function.
func NormalKnotProbs(m *profiles.Marginal) []float64 {
	p := make([]float64, len(m.Z))
	for k, z := range m.Z {
		p[k] = 0.5 * math.Erfc(-z/math.Sqrt2)
		if k > 0 && p[k] < p[k-1] {
			p[k] = p[k-1]
		}
	}
	return p
}

// next is the model's own next packet.
func (s *Source) next() (gap float64, size int) {
	var sz float64
	if s.rnn != nil {
		if s.rnn.step(s.rng) {
			s.clamped++
		}
		for i, v := range s.rnn.c.x {
			s.out[s.rnn.c.slot[i]] = v
		}
		gap, sz = s.out[0], s.out[1]
	} else if s.chains != nil {
		for _, c := range s.chains {
			if c.step(s.rng) {
				s.clamped++
			}
			for i, v := range c.x {
				s.out[c.slot[i]] = v
			}
		}
		gap, sz = s.out[0], s.out[1]
	} else {
		gap = s.bounded(&s.iat)
		sz = s.bounded(&s.size)
	}
	return gap, int(sz)
}

func (s *Source) bounded(m *mix1) float64 {
	if m.marg != nil {
		// Unrounded, in the mixture's domain, then mapped: no redraw.
		i := m.comp.pick(s.rng.Uint64())
		v := m.mm.at(m.mean[i] + m.std[i]*s.rng.NormFloat64())
		if m.round {
			v = math.Round(v)
		}
		return v
	}
	for try := 0; try < MaxRedraw; try++ {
		x := m.draw(s.rng)
		if x >= m.lo && x <= m.hi {
			return m.value(x)
		}
	}
	s.clamped++
	return m.value(min(max(m.draw(s.rng), m.lo), m.hi))
}

// Reset makes s draw as NewSource(d, model, seed, stream) would, for the
// direction and model s was made for, without preparing them again: the
// model search (estimate.ChooseModel) walks each candidate in many seeded
// runs, and preparing a chain in blocks costs its knots' probabilities
// (KnotProbs), more than a short run's draws.
func (s *Source) Reset(seed, stream uint64) {
	s.rng = seeds.New(seed, stream)
	s.out = [2]float64{}
	s.left, s.begun, s.clamped = 0, false, 0
	if b := s.bursts; b != nil && b.Block > 0 {
		s.bPos = b.Block
	}
	for _, c := range s.chains {
		c.reset()
	}
	if s.rnn != nil {
		s.rnn.reset()
	}
}

// Clamped is how many draws stayed outside the observed bounds after
// MaxRedraw tries and were clamped to them, and how many gaps within a
// burst stayed above the burst threshold after profiles.MaxRedraw tries
// and were held at it.
func (s *Source) Clamped() int { return s.clamped }
