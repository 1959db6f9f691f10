package estimate

import (
	"math"
	"slices"

	"github.com/gmm2trex/gmm2trex/metrics"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// chooseSegments is how many runs of the data's length each model is
// scored on; the score is their median. Chosen on the fidelity benchmark:
// with 8 runs the Skype `from` direction's two scores came within 0.01 of
// each other and the choice fell to the mixtures, which lose its
// correlation; with 16 the HMM wins there by 0.05, and the benchmark's sum
// of KS + acf_err + |ln rate| over all directions drops from 3.44 to 3.36.
const chooseSegments = 16

// chooseStream seeds the choosing runs apart from any other stream.
const chooseStream = 0x63686f6f7365 // "choose"

// cvFloor is added to both CVs before their ratio is taken: it keeps the
// burstiness term finite where a side is perfectly regular, and makes it
// weigh CVs as the models issue's bound does — by their ratio where they
// are large, by their difference where the original's is below 0.2 (a
// constant-rate flow, where the ratio of two tiny CVs means nothing). With
// 0.01 the term let a 1 s CV of 0.04 against 0.017 (Opus, well inside the
// bound) outweigh every other difference between two chains.
const cvFloor = 0.2

// ChooseModel scores the direction's models — the 1-D mixtures (iid) and,
// when d has one, the HMM — by generating each with the shipped sampler in
// runs as long as the data (iat, size: the series d was fitted on) and
// comparing each run with the data as compare does: KS of sizes and of
// gaps, the mean |ACF difference| (lags 1..50) of each, and the timeline:
// |ln| of the byte-rate ratio, the mean |ln| of the burstiness ratios at
// 10 ms, 100 ms and 1 s, and the difference of idle shares. The terms are
// added unweighted (each is 0 for a perfect imitation and about 1 for a
// useless one); a model's score is the median over runs. Generated gaps
// are rounded to the capture's clock (resolution, seconds; 0: none), as
// compare puts both sides on it. alts are other HMMs of the direction (of
// another structure): the best-scoring HMM is kept in d. It sets d.Model to
// the lower-scoring model (iid on a tie: fewer moving parts) and d.Scores to
// the scores: "iid", "hmm" (the kept HMM's) and per structure "hmm-joint",
// "hmm-separate"; and when d has a recurrent model, "rnn", which it plays
// when that is the lowest.
func ChooseModel(d *profiles.Direction, iat, size []float64, resolution float64, seed uint64, alts ...*profiles.HMM) error {
	ref := newChooseRef(iat, size)
	score := func(dm *profiles.Direction, m sampler.Model) (float64, error) {
		runs := make([]float64, 0, chooseSegments)
		for seg := range chooseSegments {
			src, err := sampler.NewSource(dm, m, seed, chooseStream+uint64(seg))
			if err != nil {
				return 0, err
			}
			runs = append(runs, ref.score(src, resolution))
		}
		slices.Sort(runs)
		return (runs[chooseSegments/2-1] + runs[chooseSegments/2]) / 2, nil
	}
	d.Scores = map[string]float64{}
	iid, err := score(d, sampler.IID)
	if err != nil {
		return err
	}
	d.Scores[profiles.ModelIID] = iid
	d.Model = profiles.ModelIID
	// The HMM candidates: the one fitted, then alternatives of another
	// structure (joint against separate chains); the best is kept.
	var best *profiles.HMM
	bestScore := math.Inf(1)
	for _, h := range append([]*profiles.HMM{d.HMM}, alts...) {
		if h == nil {
			continue
		}
		dm := *d
		dm.HMM = h
		sc, err := score(&dm, sampler.HMM)
		if err != nil {
			return err
		}
		d.Scores[profiles.ModelHMM+"-"+structureOf(h)] = sc
		if sc < bestScore {
			best, bestScore = h, sc
		}
	}
	d.HMM = best
	if best != nil {
		d.Scores[profiles.ModelHMM] = bestScore
		if bestScore < iid {
			d.Model = profiles.ModelHMM
		}
	}
	if d.RNN != nil {
		sc, err := score(d, sampler.RNN)
		if err != nil {
			return err
		}
		if d.Scores[profiles.ModelRNN] = sc; sc < min(iid, bestScore) {
			d.Model = profiles.ModelRNN
		}
	}
	return nil
}

// structureOf names an HMM's structure: one joint chain or separate ones.
func structureOf(h *profiles.HMM) string {
	if len(h.Chains) == 1 && len(h.Chains[0].Features) == 2 {
		return "joint"
	}
	return "separate"
}

// chooseRef is the data as the score needs it.
type chooseRef struct {
	iat, size       []float64
	sIAT, sSize     []float64 // sorted
	acfIAT, acfSize []float64
	tl              metrics.Timeline
}

func newChooseRef(iat, size []float64) *chooseRef {
	r := &chooseRef{iat: iat, size: size, sIAT: slices.Sorted(slices.Values(iat)), sSize: slices.Sorted(slices.Values(size))}
	r.acfIAT, r.acfSize = make([]float64, metrics.ACFLags), make([]float64, metrics.ACFLags)
	hmmACFInto(iat, r.acfIAT)
	hmmACFInto(size, r.acfSize)
	r.tl = metrics.TimelineOf(timelineSeries(iat, size))
	return r
}

// timelineSeries places packets at the cumulative gaps.
func timelineSeries(iat, size []float64) metrics.Series {
	s := metrics.Series{Size: size, Time: make([]float64, len(iat))}
	var now float64
	for i, g := range iat {
		now += g
		s.Time[i] = now
	}
	return s
}

func (r *chooseRef) score(src *sampler.Source, res float64) float64 {
	n := len(r.iat)
	gi, gs := make([]float64, n), make([]float64, n)
	for i := range n {
		g, s := src.Next()
		if res > 0 {
			g = math.Round(g/res) * res
		}
		gi[i], gs[i] = g, float64(s)
	}
	tl := metrics.TimelineOf(timelineSeries(gi, gs))
	acf := make([]float64, metrics.ACFLags)
	var e float64
	for _, f := range []struct{ gen, ref, sorted []float64 }{{gi, r.acfIAT, r.sIAT}, {gs, r.acfSize, r.sSize}} {
		hmmACFInto(f.gen, acf)
		var a float64
		for k := range acf {
			a += math.Abs(acf[k] - f.ref[k])
		}
		e += a / float64(len(acf))
		sorted := slices.Sorted(slices.Values(f.gen))
		e += metrics.KS(sorted, f.sorted)
	}
	if r.tl.Bytes > 0 && tl.Bytes > 0 {
		e += math.Abs(math.Log(tl.Bytes / r.tl.Bytes))
	}
	var b float64
	nb := 0
	for k := range r.tl.CV {
		if !math.IsNaN(r.tl.CV[k]) && !math.IsNaN(tl.CV[k]) {
			b += math.Abs(math.Log((tl.CV[k] + cvFloor) / (r.tl.CV[k] + cvFloor)))
			nb++
		}
	}
	if nb > 0 {
		e += b / float64(nb)
	}
	if !math.IsNaN(r.tl.Idle) && !math.IsNaN(tl.Idle) {
		e += math.Abs(tl.Idle - r.tl.Idle)
	}
	return e
}
