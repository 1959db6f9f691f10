package report

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/profiles/builtin"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// Profile writes p as tables: its source and settings, then per object and
// direction each parameter's mixture components (for a log-transformed gap
// also the gap at the mean) with the observed bounds, then the hidden Markov
// chains (states with their share of time and typical emission, and the most
// likely transitions). It is `gmm2trex show PROFILE`.
func Profile(w io.Writer, p *profiles.Profile) error {
	s := p.Settings
	fmt.Fprintf(w, "profile %s: %s, %d packets, %.3f s", p.Format, p.Source.File, p.Source.Packets, p.Source.Duration)
	if p.Source.Start != "" {
		fmt.Fprintf(w, " from %s", p.Source.Start)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "settings: object %s, size %s, percentiles %v, components %s", s.Object, s.Size, s.Percentiles, s.Components)
	if s.MaxComponents > 0 {
		fmt.Fprintf(w, " (max %d)", s.MaxComponents)
	}
	if s.IATTransform != "" {
		fmt.Fprintf(w, ", iat transform %s", s.IATTransform)
	}
	if s.Model != "" {
		fmt.Fprintf(w, ", model %s", s.Model)
	}
	fmt.Fprintf(w, ", seed %d\n", s.Seed)
	for _, o := range p.Objects {
		fmt.Fprintf(w, "\n%s (%s)\n", o.ID, o.Kind)
		for _, d := range []profiles.Dir{profiles.From, profiles.To} {
			dir := o.Dir(d)
			if dir == nil {
				fmt.Fprintf(w, "  %s: no model\n", d)
				continue
			}
			fmt.Fprintf(w, "  %s: %d packets, plays %s\n", d, dir.Packets, Plays(dir))
			if sm := dir.Sample; sm != nil {
				fmt.Fprintf(w, "    fitted on a sample: %d of the capture's %d packets, in blocks of %d\n", sm.Kept, sm.Of, sm.Block)
			}
			if err := param(w, "size", dir.Size, "bytes"); err != nil {
				return err
			}
			if err := param(w, "iat", dir.IAT, "s"); err != nil {
				return err
			}
			if dir.HMM != nil {
				if err := hmm(w, dir.HMM); err != nil {
					return err
				}
			}
			if r := dir.RNN; r != nil {
				e := 0
				if len(r.Embed) > 0 {
					e = len(r.Embed[0])
				}
				fmt.Fprintf(w, "    rnn: GRU of %d units over %d joint [%s] components (embedding %d), %d epochs, kept epoch %d, held-out loss %.3f nats/packet\n",
					r.Hidden, len(r.Components), strings.Join(r.Features, ", "), e, r.Epochs, r.BestEpoch, r.HeldOutNLL)
			}
			if b := dir.Bursts; b != nil {
				bursts(w, b)
			}
		}
	}
	return nil
}

// bursts writes a direction's on/off layer on one line: the threshold,
// then the median and range of packets per burst and of idle gaps, and
// the block the bursts are drawn in, if any.
func bursts(w io.Writer, b *profiles.Bursts) {
	med := func(m *profiles.Marginal) float64 { return sampler.Marginal(m, 0) }
	pk, id := &b.Packets, &b.Idle
	blocks := ""
	if b.Block > 0 {
		blocks = fmt.Sprintf("; drawn %d at a time (each block the capture's spread of lengths and idle gaps)", b.Block)
	}
	fmt.Fprintf(w, "    bursts: a gap above %s ends one; %.4g packets each (median; %.4g..%.4g), idle %s (median; %s..%s)%s\n",
		value(b.Threshold, "s"), med(pk), pk.X[0], pk.X[len(pk.X)-1],
		value(med(id), "s"), value(id.X[0], "s"), value(id.X[len(id.X)-1], "s"), blocks)
}

func param(w io.Writer, name string, p profiles.Param, unit string) error {
	logT := p.Transform == profiles.TransformLog
	bounds := fmt.Sprintf("%s..%s", value(p.Min, unit), value(p.Max, unit))
	k := fmt.Sprintf("%d components", len(p.Mixture))
	if len(p.BIC) > 0 {
		k += fmt.Sprintf(" (BIC over 1..%d)", len(p.BIC))
	}
	mapped := ""
	if p.Marginal != nil {
		mapped = ", draws mapped onto the capture's values"
	}
	if logT {
		fmt.Fprintf(w, "    %s: %s, fitted on log(%s), observed %s%s\n", name, k, name, bounds, mapped)
	} else {
		fmt.Fprintf(w, "    %s: %s, observed %s%s\n", name, k, bounds, mapped)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	if logT {
		fmt.Fprintln(tw, "      #\tweight\tmean (log s)\tstd (log)\tgap at mean\t")
	} else {
		fmt.Fprintf(tw, "      #\tweight\tmean\tstd\t\n")
	}
	for i, c := range p.Mixture {
		if logT {
			fmt.Fprintf(tw, "      %d\t%.4f\t%.4f\t%.4g\t%s\t\n", i+1, c.Weight, c.Mean, c.Std, value(math.Exp(c.Mean), unit))
		} else {
			fmt.Fprintf(tw, "      %d\t%.4f\t%s\t%s\t\n", i+1, c.Weight, value(c.Mean, unit), value(c.Std, unit))
		}
	}
	return tw.Flush()
}

// value prints bytes plainly and seconds with a readable unit.
func value(v float64, unit string) string {
	if unit != "s" {
		return fmt.Sprintf("%.4g", v)
	}
	if v == 0 {
		return "0"
	}
	d := time.Duration(v * float64(time.Second))
	if d != 0 && math.Abs(v) < 1000 {
		return d.Round(roundFor(d)).String()
	}
	return fmt.Sprintf("%.4gs", v)
}

// roundFor keeps about four significant digits.
func roundFor(d time.Duration) time.Duration {
	d = max(d, -d)
	r := time.Duration(1)
	for d >= 10000*r {
		r *= 10
	}
	return r
}

func hmm(w io.Writer, h *profiles.HMM) error {
	for ci, ch := range h.Chains {
		k := len(ch.States)
		blocks := ""
		if ch.Block > 0 {
			blocks = fmt.Sprintf(", walked in blocks of %d (each block's values drawn from the capture's distribution, in the chain's order)", ch.Block)
		}
		fmt.Fprintf(w, "    hmm chain %d over [%s]: %d states%s\n", ci+1, strings.Join(ch.Features, ", "), k, blocks)
		occ := sampler.Stationary(ch.Transitions)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		head := "      state\ttime share\tstay"
		for _, f := range ch.Features {
			head += "\ttypical " + f
		}
		fmt.Fprintln(tw, head+"\tmost likely next (p)")
		for s := range k {
			row := fmt.Sprintf("      %d\t%.3f\t%.3f", s+1, occ[s], ch.Transitions[s][s])
			for fi, f := range ch.Features {
				unit := "bytes"
				if f == profiles.FeatureIAT {
					unit = "s"
				}
				row += "\t" + value(sampler.StateTypical(&h.Chains[ci], s, fi), unit)
			}
			row += "\t" + topTransitions(ch.Transitions[s], s, 3)
			fmt.Fprintln(tw, row)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// topTransitions lists up to n most likely moves to other states.
func topTransitions(row []float64, self, n int) string {
	idx := sampler.LikelyNext(row, self, n, 0.005)
	if len(idx) == 0 {
		return "-"
	}
	parts := make([]string, len(idx))
	for i, j := range idx {
		parts[i] = fmt.Sprintf("%d (%.3f)", j+1, row[j])
	}
	return strings.Join(parts, ", ")
}

// Builtins writes the list of built-in profiles as a table and a hint, or,
// asJSON, as one JSON array of {"name","description","objects"}. It is
// `gmm2trex show --builtin`.
func Builtins(w io.Writer, list []builtin.Info, asJSON bool) error {
	if asJSON {
		fmt.Fprint(w, "[")
		for i, b := range list {
			if i > 0 {
				fmt.Fprint(w, ",")
			}
			fmt.Fprintf(w, "{%q:%q,%q:%q,%q:%d}", "name", b.Name, "description", b.Description, "objects", b.Objects)
		}
		_, err := fmt.Fprintln(w, "]")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tOBJECTS\tDESCRIPTION")
	for _, b := range list {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", b.Name, b.Objects, b.Description)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\nshow one with: gmm2trex show --builtin NAME")
	return err
}
