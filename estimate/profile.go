package estimate

import (
	"slices"

	"github.com/gmm2trex/gmm2trex/profiles"
)

// The one place where fitted models become profile types: the fitter's own
// types (Mixture1D, Chain) carry what the search needs (likelihoods, BIC
// tables), the profile what a generator needs.

// paramOf converts a fitted 1-D mixture into a profiles.Param. transform is what the
// mixture was fitted on ("none", "log" or "" for sizes); min and max are the
// observed bounds in the feature's own units.
func paramOf(m *Mixture1D, transform string, min, max float64) profiles.Param {
	p := profiles.Param{Min: min, Max: max, Transform: transform, BIC: slices.Clone(m.BICByK)}
	for _, c := range m.Components {
		p.Mixture = append(p.Mixture, profiles.Component{Weight: c.Weight, Mean: c.Mean, Std: c.Std})
	}
	return p
}

// hmmOf converts a fitted temporal model.
func hmmOf(t *Temporal) *profiles.HMM {
	h := &profiles.HMM{}
	for i := range t.Chains {
		h.Chains = append(h.Chains, chainOf(&t.Chains[i]))
	}
	return h
}

// chainOf converts one fitted chain.
func chainOf(c *Chain) profiles.Chain {
	ch := profiles.Chain{
		Features:  slices.Clone(c.Features),
		Scale:     profiles.Scale{Mean: slices.Clone(c.ScaleMean), Std: slices.Clone(c.ScaleStd)},
		Start:     slices.Clone(c.Start),
		Transform: map[string]string{},
		Marginals: c.Marginals,
	}
	for f, tr := range c.Transform {
		if tr != "" && tr != TransformNone {
			ch.Transform[f] = tr
		}
	}
	if len(ch.Transform) == 0 {
		ch.Transform = nil
	}
	for _, row := range c.Trans {
		ch.Transitions = append(ch.Transitions, slices.Clone(row))
	}
	for _, s := range c.States {
		var st profiles.State
		for _, g := range s.Components {
			mc := profiles.MVComponent{Weight: g.Weight, Mean: slices.Clone(g.Mean)}
			for _, row := range g.Cov {
				mc.Cov = append(mc.Cov, slices.Clone(row))
			}
			st.Mixture = append(st.Mixture, mc)
		}
		ch.States = append(ch.States, st)
	}
	return ch
}

// directionOf converts the models of one direction; iat and size are the
// trimmed series they were fitted on, which give the packet count and the
// bounds generated values stay within; they must not be empty.
func directionOf(f *directionFit, iat, size []float64) *profiles.Direction {
	d := &profiles.Direction{
		Packets: len(size),
		Size:    paramOf(f.Size, "", slices.Min(size), slices.Max(size)),
		IAT:     paramOf(f.IAT, f.IATTransform, slices.Min(iat), slices.Max(iat)),
	}
	if f.Temporal != nil {
		d.HMM = hmmOf(f.Temporal)
	}
	return d
}
