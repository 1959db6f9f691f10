package estimate

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
)

// TemporalOptions steers FitTemporal. The zero value gives the defaults.
type TemporalOptions struct {
	Seed uint64
	// IATTransform is "log" (default) or "none": the IAT is modelled as
	// log(max(iat, floor)), floor being half the smallest positive gap.
	IATTransform string
	// Structure is "auto" (default: separate or joint, whichever passes the
	// predictive check better), "joint" (one chain over [iat, size]) or
	// "separate" (one chain for each).
	Structure string
	// MaxStates and MaxComponents cap the states per chain and the mixture
	// components per state of every candidate (defaults 64 and 6: a cycle
	// chain has a state per phase of its period, up to cycleMaxLag; the
	// other candidates have at most 16).
	MaxStates, MaxComponents int
	// Sticky, when positive, replaces the sticky prior strength ρ of every
	// regime candidate (defaults 0.5 and 1: dwell times 1.5 and 2 times the
	// maximum-likelihood ones; see hmmFitConfig); negative disables the
	// prior.
	Sticky float64
	// MaxIter caps Baum-Welch iterations per candidate (default 20: on the
	// shared captures 30 gave the same fidelity for half again the time).
	MaxIter int
	// Restarts is how many more times the winning candidate of each chain
	// is fitted from other random starts (default 2; negative: none).
	Restarts int
	// orderless: the direction's order carries no evidence (orderless), so
	// each feature gets a chain of one state (hmmOrderlessCands), separate.
	orderless bool
}

func (o TemporalOptions) withDefaults() TemporalOptions {
	if o.IATTransform == "" {
		o.IATTransform = "log"
	}
	if o.Structure == "" {
		o.Structure = "auto"
	}
	if o.MaxStates <= 0 {
		o.MaxStates = cycleMaxLag
	}
	if o.MaxComponents <= 0 {
		o.MaxComponents = 6
	}
	if o.MaxIter <= 0 {
		o.MaxIter = 20
	}
	if o.Restarts == 0 {
		o.Restarts = 2
	} else if o.Restarts < 0 {
		o.Restarts = 0
	}
	return o
}

// ErrTooFewObservations is returned when a series is too short for any HMM.
var ErrTooFewObservations = errors.New("estimate: too few observations")

// hmmVarFloor is the variance floor in standardised units: a state
// component never gets narrower than 3 % of the feature's spread.
const hmmVarFloor = 1e-3

// hmmMinObs is the shortest series FitTemporal accepts.
const hmmMinObs = 20

// hmmSearchMax bounds the packets the candidate search fits and simulates
// (its cost grows with them; 10k is about three Skype calls' worth), and
// hmmRefineIter is how many Baum-Welch iterations the winner then gets on
// the whole series.
const (
	hmmSearchMax  = 10000
	hmmRefineIter = 10
)

// hmmRefitMax bounds the packets the winner is then refined on (the first
// ones, as the search's): Baum-Welch keeps some 2.4 KiB a packet
// (forward, backward and responsibilities of every state and component),
// so refining on a whole direction of a million packets took 4.7 GB.
// Five search windows pin the transition and emission estimates far below
// what the check can tell apart; the chain's evidence (log-likelihood,
// BIC) is scaled to the whole series, so that it weighs as before against
// models fitted on all of it. Directions up to this length are refined on
// all their packets, as before.
const hmmRefitMax = 50_000

// hmmCand is one candidate chain: k states of m components, initialised as
// init says, with sticky prior strength ρ (0: none).
type hmmCand struct {
	k, m   int
	init   hmmInitSpec
	sticky float64
	// iter, when positive, caps this candidate's Baum-Welch iterations
	// below TemporalOptions.MaxIter.
	iter int
}

// The candidates, from experiments on the shared captures (see README):
// gap chains need states that know their place in a repeating pattern
// (windows of the raw gaps), size chains need slow regimes (moving
// averages) held by the sticky prior. Plain clustering stays in every list
// so memoryless series are not forced into patterns. The lists are fixed,
// not cut by a clock, so the result depends on the seed alone.
var (
	hmmIATCands = []hmmCand{
		{k: 6, m: 6},
		{k: 12, m: 3, init: hmmInitSpec{embed: 4, smooth: 50, regimes: 2, raw: true}},
		{k: 16, m: 2, init: hmmInitSpec{embed: 8, smooth: 50, regimes: 2, raw: true}},
		// Pair chains (hmmPairModel) get 3 iterations: enough to fit the
		// marginal (KS 0.035 → 0.017 on the Skype `to` gaps), few enough
		// to keep the counted dynamics (more drift towards the alternating
		// chain, and lag-2 autocorrelation grows).
		{k: 16, m: 3, init: hmmInitSpec{pairs: 4}, iter: 3},
		// A tied pair chain is an MA(1) process: exactly the jittered
		// clock's structure (on a simulated one it reaches the noise
		// floor of the ACF error, 0.026 against 0.034 for independent
		// draws, where the pair chain spills +0.1 into lag 3).
		{k: 9, m: 2, init: hmmInitSpec{jitter: 3, smooth: 50}, iter: 10},
	}
	hmmSizeCands = []hmmCand{
		{k: 6, m: 6, init: hmmInitSpec{smooth: 50}},
		{k: 8, m: 3, init: hmmInitSpec{smooth: 50}, sticky: 0.5},
		{k: 4, m: 6, init: hmmInitSpec{smooth: 100}, sticky: 0.5},
		{k: 6, m: 4, init: hmmInitSpec{smooth: 25}, sticky: 0.5},
		{k: 6, m: 6, init: hmmInitSpec{smooth: 50}, sticky: 1},
		{k: 4, m: 6, init: hmmInitSpec{smooth: 100}, sticky: 1},
	}
	// In "auto" only the first joint candidate is tried: on the shared
	// captures joint chains lost to separate ones by a wide margin.
	hmmJointCands = []hmmCand{
		{k: 8, m: 3, init: hmmInitSpec{smooth: 50}, sticky: 0.5},
		{k: 6, m: 6},
		{k: 12, m: 3, init: hmmInitSpec{embed: 8, raw: true}},
	}
)

// hmmOrderlessCands is the chain of a direction whose order carries no
// evidence (orderless): one state of one component, whose draws the
// marginal map carries onto the data's values — independent draws of the
// capture's distribution, which ChooseModel can also walk in blocks (a run
// as long as the capture then holds its distribution to within a stratum,
// its rare long gaps included, where independent draws scatter the run's
// marginal and byte rate about the capture's: on 60 synthetic flows of 500
// packets a direction, the 70 directions judged orderless scored 1.93 on
// average with these chains, 3.79 with the mixtures, and 1.87 with the
// chains the full search chose for them).
var hmmOrderlessCands = []hmmCand{{k: 1, m: 1}}

// fitOrderless fits feature f's chain of one state (hmmOrderlessCands) on
// the packets held (hmmFeatureHead), its evidence scaled to the whole
// series; nil if it cannot be fitted. There is nothing to choose between,
// so no check is run: ChooseModel scores the direction.
func fitOrderless(o TemporalOptions, stream uint64, f hmmFeat) *hmmChoice {
	c := hmmOrderlessCands[0]
	cfg := hmmFitConfig{maxIter: o.MaxIter, tol: 1e-4, pseudo: 1e-3, varFloor: hmmVarFloor}
	rng := rand.New(rand.NewPCG(o.Seed, stream<<32))
	h, ll, _, err := fitHMM(rng, f.z, nil, 1, c.k, c.m, c.init, &cfg)
	if err != nil {
		return nil
	}
	ch := hmmChainOf(h, ll*float64(f.n)/float64(len(f.z)), f.n, []hmmFeat{f})
	return &hmmChoice{bic: ch.BIC, chain: ch, cand: c, model: h, cfg: cfg}
}

// hmmObsPerParam is how many observations each free parameter of a
// candidate must be paid with: a candidate with more parameters than
// n / hmmObsPerParam is not tried. Chosen on the fidelity benchmark (README,
// "Model size"): with no bound a 191-packet SSH direction got 16 gap states
// (≈ 380 parameters).
var hmmObsPerParam = 4.0

// hmmSmallCands stand in when a series affords none of a list's
// candidates: two or three states, the fewest components.
var hmmSmallCands = []hmmCand{
	{k: 2, m: 2, init: hmmInitSpec{smooth: 25}, sticky: 0.5},
	{k: 3, m: 1, init: hmmInitSpec{smooth: 25}, sticky: 0.5},
	{k: 2, m: 1},
}

// candParams is a candidate's free parameter count with every component
// live (hmmModel.params of the fitted model can only be lower).
func candParams(c hmmCand, d int) int {
	per := d + d*(d+1)/2
	if c.init.cycle >= 2 {
		return cycleParams(c.k) + c.k*(c.m-1+c.m*per)
	}
	return (c.k - 1) + c.k*(c.k-1) + c.k*(c.m-1+c.m*per)
}

// affordable keeps the candidates n observations of d features can pay
// for (hmmObsPerParam), else the small ones that fit, else the smallest.
func affordable(cands []hmmCand, d, n int) []hmmCand {
	limit := float64(n) / hmmObsPerParam
	var out []hmmCand
	for _, list := range [][]hmmCand{cands, hmmSmallCands} {
		for _, c := range list {
			if float64(candParams(c, d)) <= limit {
				out = append(out, c)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return hmmSmallCands[len(hmmSmallCands)-1:]
}

// FitTemporal fits the temporal model of one direction from its aligned
// trimmed series iat[i] (seconds) and size[i] (bytes). It returns an error
// when the lengths differ, a value is NaN, Inf or negative, or there are fewer
// than 20 observations. The result is deterministic for opts.Seed.
//
// Each chain is chosen from a fixed list of candidates (state count,
// components per state, initialisation, sticky prior): every candidate is
// fitted by Baum-Welch and scored by a posterior predictive check of its
// autocorrelation and marginals (temporal_check.go); among the candidates
// within hmmScoreTie of the best score, the lowest BIC wins. With Structure
// "auto" the best joint chain is set against the best pair of separate
// chains the same way.
func FitTemporal(iat, size []float64, opts TemporalOptions) (*Temporal, error) {
	t, _, err := fitTemporal(iat, size, opts, nil)
	return t, err
}

// temporalSearches are the chain searches a fit ran, for a fit of the same
// series with the same options but another Structure to reuse: a search's
// result depends on the series, the options and its own stream alone, so
// the separate chains an "auto" fit searched are exactly those a
// "separate" fit would search, and its joint search (one candidate, the
// rest of the list where the series affords none of it) the one a "joint"
// fit would make where both leave the same candidates, less restarts
// (FitDirection weighs both structures; the second fit took a third of a
// 500-packet direction's estimate).
type temporalSearches struct {
	separate  bool         // iat and size were searched
	iat, size *hmmChoice   // their best (nil: none could be fitted)
	joint     *chainSearch // the joint chain's search, resumable (nil: none)
}

// fitTemporal is FitTemporal, reusing prior's searches where it has them
// (prior may be nil) and returning the searches it ran or reused.
func fitTemporal(iat, size []float64, opts TemporalOptions, prior *temporalSearches) (*Temporal, *temporalSearches, error) {
	o := opts.withDefaults()
	if len(iat) != len(size) {
		return nil, nil, fmt.Errorf("estimate: temporal: %d IATs but %d sizes", len(iat), len(size))
	}
	if len(iat) < hmmMinObs {
		return nil, nil, fmt.Errorf("%w: temporal model needs at least %d packets, got %d", ErrTooFewObservations, hmmMinObs, len(iat))
	}
	for i := range iat {
		if math.IsNaN(iat[i]) || math.IsInf(iat[i], 0) || iat[i] < 0 {
			return nil, nil, fmt.Errorf("estimate: temporal: iat[%d] = %v: must be finite and >= 0", i, iat[i])
		}
		if math.IsNaN(size[i]) || math.IsInf(size[i], 0) || size[i] < 0 {
			return nil, nil, fmt.Errorf("estimate: temporal: size[%d] = %v: must be finite and >= 0", i, size[i])
		}
	}
	switch o.IATTransform {
	case "log", "none":
	default:
		return nil, nil, fmt.Errorf("estimate: temporal: unknown IAT transform %q (want log or none)", o.IATTransform)
	}
	switch o.Structure {
	case "auto", "joint", "separate":
	default:
		return nil, nil, fmt.Errorf("estimate: temporal: unknown structure %q (want auto, joint or separate)", o.Structure)
	}
	keep := min(len(iat), hmmRefitMax)
	fi := hmmFeatureHead("iat", iat, o.IATTransform == "log", keep)
	fs := hmmFeatureHead("size", size, false, keep)
	raw := hmmFeatureHead("iat", iat, false, keep)
	// The model search runs on the first hmmSearchMax packets at most; the
	// winner is then refined on the first hmmRefitMax (searchChain).
	nw := min(len(iat), hmmSearchMax)
	ti := newHMMTarget(iat[:nw], false)
	ts := newHMMTarget(size[:nw], true)
	ti.withSizes(ts.v)

	// The three searches are independent (own data views, own random
	// streams): run side by side, they use both cores of a small machine
	// and give the same result as run one after the other.
	var ci, cs, cj *hmmChoice
	var wg sync.WaitGroup
	searched := &temporalSearches{}
	switch {
	case o.orderless:
		ci, cs = fitOrderless(o, 1, fi), fitOrderless(o, 2, fs)
	case o.Structure == "joint":
	case prior != nil && prior.separate:
		ci, cs = prior.iat, prior.size
	default:
		wg.Go(func() {
			ci = searchChain(o, 1, []hmmFeat{fi}, [][]float64{raw.z}, []*hmmTarget{ti}, hmmIATCands, o.Restarts, nil)
		})
		wg.Go(func() {
			cs = searchChain(o, 2, []hmmFeat{fs}, nil, []*hmmTarget{ts}, hmmSizeCands, o.Restarts, &fi)
		})
	}
	newJoint := func(cands []hmmCand) *chainSearch {
		return newChainSearch(o, 3, []hmmFeat{fi, fs}, [][]float64{raw.z, fs.z}, []*hmmTarget{ti, ts}, cands, nil)
	}
	var js *chainSearch // the joint search
	switch structure := o.Structure; {
	case o.orderless:
	case structure == "joint":
		wg.Go(func() {
			// The auto fit's joint search is this one where the full list
			// leaves the same candidates (those a short series affords):
			// it is restarted, not searched again.
			if prior != nil && prior.joint != nil && reflect.DeepEqual(prior.joint.candsFor(hmmJointCands), prior.joint.cands) {
				js = prior.joint
			} else {
				js = newJoint(hmmJointCands)
			}
			js.restart(o.Restarts)
			cj = js.result()
		})
	case structure == "auto":
		// One joint fit, no restarts, to weigh the structure; restarts
		// only if it wins (below).
		wg.Go(func() {
			js = newJoint(hmmJointCands[:1])
			cj = js.result()
		})
	}
	wg.Wait()
	if o.Structure == "auto" && cj != nil && o.Restarts > 0 && (ci == nil || cs == nil ||
		cj.better(&hmmChoice{score: ci.score + cs.score, acf: ci.acf + cs.acf, bic: ci.chain.BIC + cs.chain.BIC})) {
		js.restart(o.Restarts)
		cj = js.result()
	}
	searched.joint = js
	var sep, joint *hmmChoice
	if ci != nil && cs != nil {
		sep = &hmmChoice{score: ci.score + cs.score, acf: ci.acf + cs.acf, bic: ci.chain.BIC + cs.chain.BIC,
			chains: []Chain{ci.chain, cs.chain}}
	}
	if cj != nil {
		joint = &hmmChoice{score: cj.score, acf: cj.acf, bic: cj.chain.BIC, chains: []Chain{cj.chain}}
	}
	best := sep
	if joint != nil && (best == nil || joint.better(best)) {
		best = joint
	}
	if best == nil {
		return nil, nil, fmt.Errorf("estimate: temporal: no HMM could be fitted to %d observations", len(iat))
	}
	// The chosen chains carry the whole series' distribution.
	sortedOf := map[string][]float64{"iat": slices.Sorted(slices.Values(iat)), "size": slices.Sorted(slices.Values(size))}
	for i := range best.chains {
		c := &best.chains[i]
		pc := chainOf(c)
		var sorted [][]float64
		for _, f := range c.Features {
			sorted = append(sorted, sortedOf[f])
		}
		c.Marginals = marginalsOf(&pc, sorted)
	}
	if o.Structure != "joint" && !o.orderless {
		searched.separate, searched.iat, searched.size = true, ci, cs
	}
	return &Temporal{Chains: best.chains}, searched, nil
}

// hmmScoreTie is how close two predictive scores must be to count as
// equal, so that BIC decides. It is kept small: the score is what the
// profile is for, and BIC (which rewards one-step likelihood) would
// otherwise overrule it between candidates that differ in their dynamics.
const hmmScoreTie = 0.002

// hmmACFTie: within a score tie, a candidate whose ACF part is lower by
// more than this wins before BIC is asked. The KS part of a score varies
// from segment to segment about three times as much as the ACF part
// (sd 0.005 against 0.002 per segment on the Skype `to` gaps), so two
// scores within hmmScoreTie may still differ clearly in their ACF part;
// the autocorrelation is what a chain adds over independent draws and what
// BIC, a one-step likelihood, does not see.
const hmmACFTie = 0.001

// hmmSharpenStages: in hmmBest, every candidate whose score is within
// band of the lowest is checked again on segs segments, stage by stage.
// The median of 16 segments moves by up to ±0.004 between checks of one
// model (mostly the KS part), so closer scores cannot be told apart
// without more segments; after 32 segments ±0.002 remains, and in the ACF
// part alone ±0.0006 after 16 and ±0.0003 after 64: as much as the gain of
// reproducing a lag-1 autocorrelation of −0.12 and nothing else (0.0023 on
// the Skype `to` gaps). Candidates clearly behind keep their quick check.
var hmmSharpenStages = []struct {
	segs int
	band float64
}{{32, 0.006}, {64, 0.003}}

type hmmChoice struct {
	cand       hmmCand
	model      *hmmModel
	cfg        hmmFitConfig
	score, bic float64
	acf        float64 // the ACF part of score (hmmChecker)
	chain      Chain
	chains     []Chain
	// recheck, when not nil, extends the model's check to segs segments
	// and returns the new score (see hmmBest).
	recheck func(segs int) (score, acf float64)
}

// sharpen replaces the score by one from segs simulated segments.
func (c *hmmChoice) sharpen(segs int) {
	if c.recheck != nil {
		c.score, c.acf = c.recheck(segs)
	}
}

// better says whether c beats than: within hmmScoreTie the ACF part
// decides when it differs by more than hmmACFTie, else BIC.
func (c *hmmChoice) better(than *hmmChoice) bool {
	if math.Abs(c.score-than.score) <= hmmScoreTie {
		if math.Abs(c.acf-than.acf) > hmmACFTie {
			return c.acf < than.acf
		}
		return c.bic < than.bic
	}
	return c.score < than.score
}

// hmmBest returns the best of cs (nil if empty). Candidates close to the
// lowest score are first checked on more segments (hmmSharpenStages), so
// that the choice among close ones rests on precise scores.
func hmmBest(cs []*hmmChoice) *hmmChoice {
	if len(cs) == 0 {
		return nil
	}
	for _, st := range hmmSharpenStages {
		low := math.Inf(1)
		for _, c := range cs {
			low = math.Min(low, c.score)
		}
		for _, c := range cs {
			if c.score <= low+st.band {
				c.sharpen(st.segs)
			}
		}
	}
	best := cs[0]
	for _, c := range cs[1:] {
		if c.better(best) {
			best = c
		}
	}
	return best
}

// searchChain fits every candidate over feats and returns the best by the
// predictive check, BIC breaking ties, after restarts of its configuration
// and the refinement on the whole window; nil when no candidate could be
// fitted. raw, when not nil, holds per feature the untransformed
// standardised series that raw-view initialisations cluster. gaps, when
// not nil, are the direction's gaps as fitted (aligned with feats) for the
// size chain, whose burst-position candidates they label.
func searchChain(o TemporalOptions, stream uint64, feats []hmmFeat, raw [][]float64, tg []*hmmTarget, cands []hmmCand, restarts int, gaps *hmmFeat) *hmmChoice {
	s := newChainSearch(o, stream, feats, raw, tg, cands, gaps)
	s.restart(restarts)
	return s.result()
}

// chainSearch is one chain's search, resumable: its candidates fitted and
// the best of them (newChainSearch), then restarts of the best's
// configuration up to a count (restart), and the best refined (result),
// which leaves the search as it was, so that it can be restarted further
// and refined again. A search resumed so gives what a search asked for
// every restart at once gives: each restart has its own stream, and the
// checks compare in the same order.
type chainSearch struct {
	o        TemporalOptions
	stream   uint64
	feats    []hmmFeat
	cands    []hmmCand // as tried: with the series' own, affordable
	own      []hmmCand // the series' own candidates (cycles, burst positions)
	x        []float64 // the first nr packets, d features each
	n, nw    int       // packets in all, in the search window
	fit      func(c hmmCand, streamID uint64) *hmmChoice
	best     *hmmChoice
	restarts int // restarts run
}

func newChainSearch(o TemporalOptions, stream uint64, feats []hmmFeat, raw [][]float64, tg []*hmmTarget, cands []hmmCand, gaps *hmmFeat) *chainSearch {
	d := len(feats)
	// n packets in all, of which the first nr (up to hmmRefitMax) are
	// held: what the search and the refinement read.
	n, nr := feats[0].n, len(feats[0].z)
	x := make([]float64, nr*d)
	var rx []float64
	if raw != nil {
		rx = make([]float64, nr*d)
	}
	for a, f := range feats {
		for t, v := range f.z {
			x[t*d+a] = v
			if raw != nil {
				rx[t*d+a] = raw[a][t]
			}
		}
	}
	nw := len(tg[0].v) // the search window
	xs := x[:nw*d]
	// A series that repeats also gets cycle chains of its period.
	own := cycleCands(hmmPeriods(xs, d, nw))
	// A size chain also gets burst-position chains where the gaps cut the
	// series into bursts of several packets (hmm_burst.go).
	if gaps != nil {
		own = append(own, burstCands(gaps.z[:nw], gaps.scale)...)
	}
	var rxs []float64
	if rx != nil {
		rxs = rx[:nw*d]
	}
	s := &chainSearch{o: o, stream: stream, feats: feats, own: own, x: x, n: n, nw: nw}
	cands = s.candsFor(cands)
	s.cands = cands
	s.fit = func(c hmmCand, streamID uint64) *hmmChoice {
		k, m := min(c.k, o.MaxStates), min(c.m, o.MaxComponents)
		if c.init.cycle >= 2 && k < c.k {
			return nil // a cycle needs a state per phase
		}
		cfg := hmmFitConfig{maxIter: o.MaxIter, tol: 1e-4, pseudo: 1e-3, varFloor: hmmVarFloor}
		if c.iter > 0 {
			cfg.maxIter = min(cfg.maxIter, c.iter)
		}
		if c.sticky > 0 {
			switch {
			case o.Sticky < 0:
				return nil // the prior is disabled: this candidate would repeat another
			case o.Sticky > 0:
				cfg.sticky = o.Sticky
			default:
				cfg.sticky = c.sticky
			}
		}
		if k < 1 || nw < 2*k {
			return nil
		}
		if c.init.pairs >= 2 {
			// k caps the states, L² of them.
			c.init.pairs = min(c.init.pairs, int(math.Sqrt(float64(k))))
			if c.init.pairs < 2 {
				return nil
			}
		}
		if c.init.jitter >= 2 {
			c.init.jitter = min(c.init.jitter, int(math.Sqrt(float64(k))))
			if c.init.jitter < 2 {
				return nil
			}
		}
		rng := rand.New(rand.NewPCG(o.Seed, streamID))
		h, ll, _, err := fitHMM(rng, xs, rxs, d, k, m, c.init, &cfg)
		if err != nil {
			return nil
		}
		ch := hmmChainOf(h, ll, nw, feats)
		chk := newHMMChecker(o.Seed^streamID, h, feats, tg)
		score, acf := chk.run(hmmCheckSegments)
		return &hmmChoice{score: score, acf: acf, bic: ch.BIC, chain: ch, cand: c, model: h, cfg: cfg,
			recheck: chk.run}
	}
	var fitted []*hmmChoice
	for i, c := range cands {
		if cand := s.fit(c, stream<<32|uint64(i)); cand != nil {
			fitted = append(fitted, cand)
		}
	}
	s.best = hmmBest(fitted)
	return s
}

// candsFor is the list a search of these series would try given the
// candidates base: base and the series' own, those affordable.
func (s *chainSearch) candsFor(base []hmmCand) []hmmCand {
	return affordable(append(slices.Clone(base), s.own...), len(s.feats), s.n)
}

// restart runs the restarts of the best's configuration up to upTo in all.
// Baum-Welch finds a local optimum that depends on the initial
// clustering: the winning configuration gets further starts.
func (s *chainSearch) restart(upTo int) {
	for ; s.best != nil && s.restarts < upTo; s.restarts++ {
		r := s.restarts + 1
		if cand := s.fit(s.best.cand, s.stream<<32|uint64(1000+r)); cand != nil {
			s.best = hmmBest([]*hmmChoice{s.best, cand})
		}
	}
}

// result is the best so far, refined on the refinement's window when that
// is longer than the search's: a copy, the search's own left unrefined.
func (s *chainSearch) result() *hmmChoice {
	if s.best == nil {
		return nil
	}
	best := *s.best
	nr := len(s.x) / len(s.feats)
	if s.nw == nr {
		return &best
	}
	// The refinement's window and the factor that scales its evidence to
	// the whole series.
	xr, whole := s.x, float64(s.n)/float64(nr)
	d := len(s.feats)
	if best.cand.init.pairs >= 2 {
		// A pair chain is counted, then barely iterated: build it again
		// on the refinement's window rather than iterate it further.
		rng := rand.New(rand.NewPCG(s.o.Seed, s.stream<<32|2000))
		if h := hmmPairModel(rng, xr, d, best.cand.init.pairs, best.model.m, best.cfg.varFloor); h != nil {
			if ll, _, err := hmmBaumWelch(h, xr, &best.cfg); err == nil {
				best.model = h
				best.chain = hmmChainOf(h, ll*whole, s.n, s.feats)
				best.bic = best.chain.BIC
			}
		}
		return &best
	}
	// A few iterations on the refinement's window from the chosen model.
	cfg := best.cfg
	cfg.maxIter = hmmRefineIter
	h := best.model.clone()
	if ll, _, err := hmmBaumWelch(h, xr, &cfg); err == nil {
		best.model = h
		best.chain = hmmChainOf(h, ll*whole, s.n, s.feats)
		best.bic = best.chain.BIC
	}
	return &best
}

// hmmChainOf converts a model fitted to n observations of feats, with
// log-likelihood ll in the scaled space, into a Chain with its evidence.
func hmmChainOf(h *hmmModel, ll float64, n int, feats []hmmFeat) Chain {
	ch := h.chainFrom()
	// The log-likelihood of the transformed features in their own units:
	// undo the standardisation's Jacobian.
	for _, f := range feats {
		ll -= float64(n) * math.Log(f.std)
	}
	ch.LogLik = ll
	ch.BIC = -2*ll + float64(h.params())*math.Log(float64(n))
	for _, f := range feats {
		ch.Features = append(ch.Features, f.name)
		ch.ScaleMean = append(ch.ScaleMean, f.mean)
		ch.ScaleStd = append(ch.ScaleStd, f.std)
		if f.log {
			if ch.Transform == nil {
				ch.Transform = map[string]string{}
			}
			ch.Transform[f.name] = "log"
		}
	}
	return ch
}

// hmmFeat is one feature transformed and standardised for fitting.
type hmmFeat struct {
	name      string
	log       bool
	mean, std float64
	// z is the standardised series, or its first values only (see
	// hmmFeatureHead); n is the whole series' length.
	z []float64
	n int
	// floor is the log transform's floor (see hmmFeatureHead).
	floor float64
}

// scale maps a value in data units (seconds, bytes) onto the fitted,
// standardised units of z.
func (f hmmFeat) scale(v float64) float64 {
	if f.log {
		v = math.Log(math.Max(v, f.floor))
	}
	return (v - f.mean) / f.std
}

func hmmFeature(name string, v []float64, logT bool) hmmFeat {
	return hmmFeatureHead(name, v, logT, len(v))
}

// hmmFeatureHead is hmmFeature keeping only the first keep standardised
// values: the scale is the whole series', computed in the same order (the
// same floats), while the model search and refinement read no further
// than hmmRefitMax packets, so a long direction costs no copy of its own
// length.
func hmmFeatureHead(name string, v []float64, logT bool, keep int) hmmFeat {
	keep = min(keep, len(v))
	f := hmmFeat{name: name, log: logT, z: make([]float64, keep), n: len(v)}
	floor := math.Inf(1)
	if logT {
		for _, x := range v {
			if x > 0 && x < floor {
				floor = x
			}
		}
		if math.IsInf(floor, 1) {
			floor = 1e-9 // every gap is zero: any positive floor will do
		} else {
			floor /= 2
		}
		f.floor = floor
	}
	tr := func(x float64) float64 {
		if logT {
			return math.Log(math.Max(x, floor))
		}
		return x
	}
	for i, x := range v {
		x = tr(x)
		if i < keep {
			f.z[i] = x
		}
		f.mean += x
	}
	f.mean /= float64(len(v))
	for _, x := range v {
		x = tr(x)
		f.std += (x - f.mean) * (x - f.mean)
	}
	f.std = math.Sqrt(f.std / float64(len(v)))
	if !(f.std > 0) {
		f.std = 1 // a constant feature: nothing to scale
	}
	for i := range f.z {
		f.z[i] = (f.z[i] - f.mean) / f.std
	}
	return f
}

// hmmInitSpec says how the initial state labels are found: by k-means on
// windows of embed consecutive observations (embed ≤ 1: single
// observations), or, when smooth > 1, on the centred moving average over
// smooth observations, which makes states slow regimes rather than values.
type hmmInitSpec struct {
	embed, smooth int
	// raw clusters the untransformed (standardised) values instead of the
	// transformed ones: for a log-IAT chain this spends the states on the
	// long gaps that dominate the IAT's autocorrelation, not on telling
	// 10 µs from 100 µs apart.
	raw bool
	// pairs ≥ 2 builds the chain directly, without Baum-Welch (see
	// hmmPairModel): the observations are cut at quantiles into that many
	// groups and each state is a pair (previous group, current group).
	pairs int
	// jitter ≥ 2 builds a tied pair chain over that many latent levels
	// (hmmJitterModel, with smooth as its drift window), fitted by
	// Baum-Welch with the tie (hmmFitConfig.pairTie).
	jitter int
	// cycle ≥ 2 starts a cycle chain of that period (hmmCycleModel): one
	// state per phase, moving only forward. rigid keeps its transitions
	// as started, with slips of rigidSlip (Baum-Welch re-estimates only
	// the emissions).
	cycle int
	rigid bool
	// burst ≥ 2 starts a burst-position chain telling bursts of up to
	// that many packets apart (hmmBurstModel, hmm_burst.go): a burst ends
	// where burstGaps, the direction's gaps as fitted (search window),
	// exceed burstCut. rigid holds its counted transitions.
	burst     int
	burstCut  float64
	burstGaps []float64
	// regimes > 1 first splits the series into that many slow regimes
	// (k-means on the moving average over smooth observations), then
	// clusters each regime's windows into its share of the k states, so
	// the initial chain is regimes of patterns: transitions between
	// regimes are rare, and each regime keeps its own repeating pattern.
	regimes int
}

// fitHMM initialises a model from clustered labels and runs Baum-Welch. It
// returns the model and its log-likelihood in the scaled space.
//
// raw holds the untransformed standardised observations (same shape as x),
// used for clustering when init.raw is set.
func fitHMM(rng *rand.Rand, x, raw []float64, d, k, m int, init hmmInitSpec, cfg *hmmFitConfig) (*hmmModel, float64, int, error) {
	var h *hmmModel
	switch {
	case init.pairs >= 2:
		h = hmmPairModel(rng, x, d, init.pairs, m, cfg.varFloor)
	case init.cycle >= 2:
		h = hmmCycleModel(rng, x, d, init.cycle, m, cfg.varFloor, init.rigid)
		cfg.cycle = h != nil
		cfg.fixTrans = cfg.fixTrans || h != nil && init.rigid
	case init.burst >= 2:
		h = hmmBurstModel(rng, x, d, init, m, cfg.varFloor)
		cfg.fixTrans = cfg.fixTrans || h != nil && init.rigid
	case init.jitter >= 2:
		if d != 1 {
			return nil, 0, 0, errHMMNotApplicable
		}
		h = hmmJitterModel(rng, x, raw, init.jitter, m, init.smooth, cfg.varFloor)
		if h != nil {
			cfg.pairTie = int(math.Round(math.Sqrt(float64(h.k))))
		}
	default:
		h = hmmInitFromLabels(rng, x, d, k, m, hmmInitLabels(rng, x, raw, d, k, init), cfg.varFloor)
	}
	if h == nil {
		return nil, 0, 0, errHMMNotApplicable
	}
	ll, it, err := hmmBaumWelch(h, x, cfg)
	if err != nil {
		return nil, ll, it, err
	}
	return h, ll, it, nil
}

// hmmInitLabels clusters the series (raw, the untransformed one, when
// init.raw asks for it) into the k labels a clustering start begins from.
func hmmInitLabels(rng *rand.Rand, x, raw []float64, d, k int, init hmmInitSpec) []int {
	view := x
	if init.raw && raw != nil {
		view = raw
	}
	switch {
	case init.regimes > 1 && k >= init.regimes:
		return hmmRegimeLabels(rng, view, d, k, init)
	case init.smooth > 1:
		return hmmKMeans(rng, hmmSmooth(view, d, init.smooth), d, k, 50)
	case init.embed > 1:
		return hmmKMeans(rng, hmmEmbed(view, d, init.embed), d*init.embed, k, 50)
	default:
		return hmmKMeans(rng, view, d, k, 50)
	}
}

// hmmRegimeLabels labels observations as (regime, pattern) pairs: regimes
// from the moving average, patterns from windows within each regime.
func hmmRegimeLabels(rng *rand.Rand, view []float64, d, k int, init hmmInitSpec) []int {
	n := len(view) / d
	win := max(init.smooth, 2)
	reg := hmmKMeans(rng, hmmSmooth(view, d, win), d, init.regimes, 50)
	emb, ed := view, d
	if init.embed > 1 {
		emb, ed = hmmEmbed(view, d, init.embed), d*init.embed
	}
	labels := make([]int, n)
	base := 0
	for r := 0; r < init.regimes; r++ {
		kr := k / init.regimes
		if r == init.regimes-1 {
			kr = k - base
		}
		var idx []int
		var pts []float64
		for t := 0; t < n; t++ {
			if reg[t] == r {
				idx = append(idx, t)
				pts = append(pts, emb[t*ed:(t+1)*ed]...)
			}
		}
		if len(idx) > 0 {
			sub := hmmKMeans(rng, pts, ed, kr, 50)
			for i, t := range idx {
				labels[t] = base + sub[i]
			}
		}
		base += kr
	}
	return labels
}

// hmmSmooth is the centred moving average of each dimension over win
// observations (shorter at the ends).
func hmmSmooth(x []float64, d, win int) []float64 {
	n := len(x) / d
	out := make([]float64, len(x))
	half := win / 2
	for a := 0; a < d; a++ {
		var sum float64
		lo, hi := 0, 0 // window [lo, hi)
		for t := 0; t < n; t++ {
			for hi < n && hi <= t+half {
				sum += x[hi*d+a]
				hi++
			}
			for lo < t-half {
				sum -= x[lo*d+a]
				lo++
			}
			out[t*d+a] = sum / float64(hi-lo)
		}
	}
	return out
}
