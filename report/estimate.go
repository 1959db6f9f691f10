package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/gmm2trex/gmm2trex/pipeline"
	"github.com/gmm2trex/gmm2trex/profiles"
)

// Estimate writes a line per fitted direction of res (packets, size and gap
// component counts, the HMM chains as feature:states), then the objects
// skipped for want of packets, the first 20 of them. It is what `gmm2trex
// estimate` prints before the path it wrote.
func Estimate(w io.Writer, res *pipeline.Result) {
	p := res.Profile
	idw := len("OBJECT")
	for _, o := range p.Objects {
		idw = max(idw, len(o.ID))
	}
	fmt.Fprintf(w, "%-*s  %-4s  %7s  %6s  %5s  %-15s  %s\n", idw, "OBJECT", "DIR", "PACKETS", "SIZE k", "IAT k", "HMM", "PLAYS")
	for _, o := range p.Objects {
		for _, dir := range []profiles.Dir{profiles.From, profiles.To} {
			d := o.Dir(dir)
			if d == nil {
				continue
			}
			hmm := "-"
			if d.HMM != nil {
				var parts []string
				for _, ch := range d.HMM.Chains {
					parts = append(parts, fmt.Sprintf("%s:%d", strings.Join(ch.Features, "+"), len(ch.States)))
				}
				hmm = strings.Join(parts, " ")
			}
			fmt.Fprintf(w, "%-*s  %-4s  %7d  %6d  %5d  %-15s  %s\n", idw, o.ID, dir, d.Packets, len(d.Size.Mixture), len(d.IAT.Mixture), hmm, Plays(d))
		}
	}
	sampled(w, p)
	if len(res.Skipped) > 0 {
		const show = 20
		fmt.Fprintf(w, "skipped (fewer than --min-packets %d packets), with their packet counts:\n", p.Settings.MinPackets)
		for i, s := range res.Skipped {
			if i == show {
				fmt.Fprintf(w, "  … and %d more\n", len(res.Skipped)-show)
				break
			}
			fmt.Fprintf(w, "  %s\n", s)
		}
	}
}

// sampled lists the directions fitted on a sample (longer than
// --max-packets), the first 20 objects: "ID: from 1048576 of 15000000".
func sampled(w io.Writer, p *profiles.Profile) {
	n := 0
	for _, o := range p.Objects {
		var parts []string
		for _, dir := range []profiles.Dir{profiles.From, profiles.To} {
			if d := o.Dir(dir); d != nil && d.Sample != nil {
				parts = append(parts, fmt.Sprintf("%s %d of %d", dir, d.Sample.Kept, d.Sample.Of))
			}
		}
		if len(parts) == 0 {
			continue
		}
		if n == 0 {
			fmt.Fprintln(w, "sampled (longer than --max-packets), fitted on blocks of packets spread over the capture:")
		}
		if n++; n > 20 {
			continue
		}
		fmt.Fprintf(w, "  %s: %s\n", o.ID, strings.Join(parts, ", "))
	}
	if n > 20 {
		fmt.Fprintf(w, "  … and %d more\n", n-20)
	}
}

// Plays says what a direction plays by default ("+bursts" where it has an
// on/off layer) and, when the model search scored them, the scores:
// "hmm (score 0.39; iid 0.66)".
func Plays(d *profiles.Direction) string {
	m := d.Model
	if m == "" {
		m = profiles.ModelIID
		if d.HMM != nil {
			m = profiles.ModelHMM
		}
	}
	if d.Bursts != nil {
		m += "+bursts"
	}
	if len(d.Scores) == 0 {
		return m
	}
	out := fmt.Sprintf("%s (score %.3g", m, d.Scores[m])
	for _, other := range []string{profiles.ModelIID, profiles.ModelHMM, profiles.ModelRNN} {
		if sc, ok := d.Scores[other]; ok && other != m {
			out += fmt.Sprintf("; %s %.3g", other, sc)
		}
	}
	return out + ")"
}
