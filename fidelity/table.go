package fidelity

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// WriteMarkdown writes rows as one Markdown table: per object and
// direction the default model's medians, independent draws' for reference
// (the same when the default is iid), then the timeline: byte rate ratio,
// burstiness ratio per window, and the idle share of the original and the
// imitation.
func WriteMarkdown(w io.Writer, rows []Row) error {
	var b strings.Builder
	b.WriteString("| capture | object | dir | packets | model | KS size | KS gap | acf_err size | acf_err gap | iid KS size | iid KS gap | iid acf_err size | iid acf_err gap | rate | burst 10 ms | burst 100 ms | burst 1 s | idle (orig / gen) | bounds missed |\n")
	b.WriteString("|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
	for _, r := range rows {
		iid := r.Scores
		if r.IID != nil {
			iid = *r.IID
		}
		obj := r.Object
		if r.Kind != "flow" {
			obj += " (" + r.Kind + ")"
		}
		s := r.Scores
		model := r.Model
		if r.Bursts {
			model += "+bursts"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s |\n",
			r.Capture, obj, r.Dir, r.Packets, model,
			f3(s.KSSize), f3(s.KSIAT), f3(s.ACFErrSize), f3(s.ACFErrIAT),
			f3(iid.KSSize), f3(iid.KSIAT), f3(iid.ACFErrSize), f3(iid.ACFErrIAT),
			f3(s.RateRatio), f3(s.Burst[0]), f3(s.Burst[1]), f3(s.Burst[2]), f3(r.Idle), f3(s.Idle), failuresCell(r))
	}
	judged, held := 0, 0
	for _, r := range rows {
		if r.Packets >= MinBoundPackets {
			judged++
			if len(Failures(r)) == 0 {
				held++
			}
		}
	}
	fmt.Fprintf(&b, "\n%d of %d directions with at least %d packets hold every bound.\n", held, judged, MinBoundPackets)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteModels writes rows as one Markdown table with a line per direction
// and model (iid, hmm, rnn: those the direction has), each with our measures
// (KS and acf_err of sizes and gaps, |ln| of the byte-rate ratio) and the
// paper's: the KL divergence of the generated sizes and gaps from the
// original's (compare's kl_size, kl_iat: nats, the paper's KDE method) and
// the rolling-entropy error (compare's entropy_err_size, entropy_err_iat:
// bits). The model the profile plays by default is marked with *.
func WriteModels(w io.Writer, rows []Row) error {
	var b strings.Builder
	b.WriteString("| capture | object | dir | packets | model | KS size | KS gap | acf_err size | acf_err gap | rate | KL size | KL gap | entropy err size | entropy err gap |\n")
	b.WriteString("|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		obj := r.Object
		if r.Kind != "flow" {
			obj += " (" + r.Kind + ")"
		}
		refs := map[string]*Scores{"iid": r.IID, "hmm": r.HMM, "rnn": r.RNN}
		line := func(name string, s *Scores) {
			fmt.Fprintf(&b, "| %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
				r.Capture, obj, r.Dir, r.Packets, name,
				f3(s.KSSize), f3(s.KSIAT), f3(s.ACFErrSize), f3(s.ACFErrIAT), f3(Num(math.Abs(math.Log(float64(s.RateRatio))))),
				f3(s.KLSize), f3(s.KLIAT), f3(s.EntropyErrSize), f3(s.EntropyErrIAT))
		}
		for _, m := range []string{"iid", "hmm", "rnn"} {
			if ref := refs[m]; ref != nil {
				line(m, ref)
			}
			if m == r.Model {
				name := m
				if r.Bursts {
					name += "+bursts"
				}
				line(name+"*", &r.Scores)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// f3 writes a figure with three decimals, a ratio of thousands without,
// "–" for one that could not be measured.
func f3(n Num) string {
	v := float64(n)
	switch {
	case math.IsNaN(v):
		return "–"
	case math.IsInf(v, 0):
		return "∞"
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3f", v)
}
