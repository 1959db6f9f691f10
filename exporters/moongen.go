package exporters

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/template"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/internal/gauss"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// The moongen format writes one MoonGen userscript (Lua) to o.Output. It carries
// the model itself (the 1-D mixtures and, with --model hmm, the hidden chains
// with the Cholesky factors of their covariances) and draws every gap and size
// at run time with the sampler's semantics, so it runs for any duration
// without repeating a trace. Each selected object direction gets a task on
// its own TX queue, behind a software rate limiter in "custom" mode fed with
// per-packet delays in byte-times at the link speed. Count is not used.
func init() {
	Register(&Format{
		Name:    "moongen",
		Summary: "MoonGen userscript (Lua) that samples the model at run time",
		Flows:   true,
		Export:  exportMoonGen,
		Write:   writeMoonGenStream,
	})
}

// moonBatch is the buffer array size of the generated script: big enough to
// amortise the rate limiter's ring, small enough that a short run stops soon.
const moonBatch = 64

func exportMoonGen(p *profiles.Profile, o Options) ([]string, error) {
	ts, err := selectTargets(p, o)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := writeMoonGen(&buf, p, ts, o); err != nil {
		return nil, err
	}
	if err := o.writeFile(o.Output, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	}); err != nil {
		return nil, fmt.Errorf("moongen: %w", err)
	}
	o.notef("wrote %s (%s model; run: MoonGen %s %s)", o.Output, o.Model, o.Output, moonPortArgs(ts))
	return []string{o.Output}, nil
}

// writeMoonGenStream is moongen's Write; o.Output, when set, is named in the
// script's run line.
func writeMoonGenStream(w io.Writer, p *profiles.Profile, o Options) error {
	ts, err := selectTargets(p, o)
	if err != nil {
		return err
	}
	// Built whole first, so that w gets nothing when a chain is bad.
	var buf bytes.Buffer
	if err := writeMoonGen(&buf, p, ts, o); err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// moonPorts lists the port arguments the script takes, in order.
func moonPorts(ts []target) []profiles.Dir {
	var has [2]bool
	for _, t := range ts {
		for _, d := range t.dirs {
			has[d] = true
		}
	}
	var ds []profiles.Dir
	for _, d := range []profiles.Dir{profiles.From, profiles.To} {
		if has[d] {
			ds = append(ds, d)
		}
	}
	return ds
}

func moonPortArgs(ts []target) string {
	var a []string
	for _, d := range moonPorts(ts) {
		a = append(a, strings.ToUpper(d.String())+"_PORT")
	}
	return strings.Join(a, " ")
}

// lua accumulates the script text.
type lua struct {
	b         *bytes.Buffer
	err       error
	hasMarg   bool // some chain written carries marginal maps
	hasBursts bool // some flow written has an on/off layer
	hasBlocks bool // some chain written walks blocks
}

func (l *lua) f(format string, a ...any) { fmt.Fprintf(l.b, format, a...) }

// num writes a float so that Lua reads back the same double.
func num(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func nums(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = num(x)
	}
	return "{" + strings.Join(s, ", ") + "}"
}

func bools(xs []bool) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.FormatBool(x)
	}
	return "{" + strings.Join(s, ", ") + "}"
}

// luaQuote quotes s as a Lua 5.1 string literal (LuaJIT has no \x or \u
// escapes in 5.1 mode, so everything unusual becomes a decimal escape).
func luaQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// cum is the sampler's cumulative weight table: normalised, last exactly 1.
func cum(w []float64) []float64 {
	c := make([]float64, len(w))
	s := 0.0
	for i, x := range w {
		s += x
		c[i] = s
	}
	for i := range c {
		c[i] /= s
	}
	c[len(c)-1] = 1
	return c
}

func (l *lua) mix1(name string, p profiles.Param, round bool) {
	w := make([]float64, len(p.Mixture))
	mean := make([]float64, len(p.Mixture))
	std := make([]float64, len(p.Mixture))
	for i, c := range p.Mixture {
		w[i], mean[i], std[i] = c.Weight, c.Mean, c.Std
	}
	l.f("    %s = {cum = %s, mean = %s, std = %s, log = %t, round = %t, lo = %s, hi = %s",
		name, nums(cum(w)), nums(mean), nums(std), p.Transform == profiles.TransformLog, round, num(p.Min), num(p.Max))
	if m := p.Marginal; m != nil {
		keep := runKnots(m.X)
		l.f(",\n      marg = {z = %s,\n        x = %s}", knots(m.Z, keep), knots(m.X, keep))
		l.hasMarg = true
	}
	l.f("},\n")
}

func (l *lua) chain(i int, c *profiles.Chain, dm *profiles.Direction) {
	var slot []string
	var logs, rounds []bool
	var lo, hi []float64
	for _, f := range c.Features {
		switch f {
		case profiles.FeatureIAT:
			slot = append(slot, "1")
			lo, hi = append(lo, dm.IAT.Min), append(hi, dm.IAT.Max)
		case profiles.FeatureSize:
			slot = append(slot, "2")
			lo, hi = append(lo, dm.Size.Min), append(hi, dm.Size.Max)
		default:
			l.err = fmt.Errorf("%w: hmm.chains[%d]: unknown feature %q", ErrInput, i, f)
			return
		}
		logs = append(logs, c.Transform[f] == profiles.TransformLog)
		rounds = append(rounds, f == profiles.FeatureSize)
	}
	l.f("      {dim = %d, slot = {%s}, log = %s, round = %s,\n", len(c.Features), strings.Join(slot, ", "), bools(logs), bools(rounds))
	l.f("       mean = %s, std = %s, lo = %s, hi = %s,\n", nums(c.Scale.Mean), nums(c.Scale.Std), nums(lo), nums(hi))
	l.f("       start = %s,\n       trans = {", nums(cum(c.Start)))
	for r, row := range c.Transitions {
		if r > 0 {
			l.f(", ")
		}
		l.f("%s", nums(cum(row)))
	}
	l.f("},\n       states = {\n")
	for si, st := range c.States {
		w := make([]float64, len(st.Mixture))
		var means, chols []string
		for ci, comp := range st.Mixture {
			w[ci] = comp.Weight
			means = append(means, nums(comp.Mean))
			ch, ok := gauss.CholeskyRows(comp.Cov)
			if !ok {
				l.err = fmt.Errorf("%w: hmm.chains[%d].states[%d].mixture[%d].cov: not positive definite", ErrInput, i, si, ci)
				return
			}
			// Lower triangle only, row i holding L[i][0..i].
			var rows []string
			for r := range ch {
				rows = append(rows, nums(ch[r][:r+1]))
			}
			chols = append(chols, "{"+strings.Join(rows, ", ")+"}")
		}
		l.f("         {cum = %s, mean = {%s}, chol = {%s}},\n", nums(cum(w)), strings.Join(means, ", "), strings.Join(chols, ", "))
	}
	l.f("       }")
	if c.Marginals != nil {
		var probs [][]float64
		if c.Block > 0 {
			probs = sampler.KnotProbs(c)
			l.f(",\n       block = %d", c.Block)
			l.hasBlocks = true
		}
		l.marginals(c.Marginals, probs)
	}
	l.f("},\n")
}

// marginals writes a chain's maps onto the data's distribution (see
// profiles.Chain.Marginals) as marg = {{z = …, x = …}, …}, one per feature,
// with each knot's probability p = … when the chain walks blocks (probs,
// from sampler.KnotProbs; nil otherwise). Interior knots of a run of three
// or more equal x are left out: both segments beside such a knot are flat,
// so the map (and its quantile function) gives the same value at every
// point without it (exactly, not approximately), and the repeated values
// the estimator writes as runs cost two knots each instead of up to a few
// hundred.
func (l *lua) marginals(ms []profiles.Marginal, probs [][]float64) {
	l.f(",\n       marg = {")
	for i := range ms {
		if i > 0 {
			l.f(",")
		}
		keep := runKnots(ms[i].X)
		l.f("\n         {z = %s,\n          x = %s", knots(ms[i].Z, keep), knots(ms[i].X, keep))
		if probs != nil {
			l.f(",\n          p = %s", knots(probs[i], keep))
		}
		l.f("}")
	}
	l.f("}")
	l.hasMarg = true
}

// runKnots returns which knots of a map with values x to keep: all but
// the interior ones of runs of equal x (nil when that is all of them).
func runKnots(x []float64) []int {
	n := len(x)
	drop := func(k int) bool { return k > 0 && k < n-1 && x[k-1] == x[k] && x[k] == x[k+1] }
	var keep []int
	dropped := false
	for k := range n {
		if drop(k) {
			dropped = true
			continue
		}
		keep = append(keep, k)
	}
	if !dropped {
		return nil
	}
	return keep
}

// knots is nums without the spaces (a map has up to 256 knots), of the
// knots keep (all when nil).
func knots(xs []float64, keep []int) string {
	var s []string
	if keep == nil {
		for _, x := range xs {
			s = append(s, num(x))
		}
	} else {
		for _, k := range keep {
			s = append(s, num(xs[k]))
		}
	}
	return "{" + strings.Join(s, ",") + "}"
}

// moonScript is the userscript: the fixed Lua (the sampler, the master and
// the TX task) with the header, the FLOWS table and the port arguments left
// for writeMoonGen to fill in. Keeping it a .lua file lets it be read and
// edited as Lua.
//
//go:embed moongen.lua
var moonScript string

var moonTemplate = template.Must(template.New("moongen.lua").Parse(moonScript))

// moonData fills moonTemplate. Strings are inserted as they are: the ones
// from the profile or the request are made safe for a comment (luaComment)
// or quoted (luaQuote) here.
type moonData struct {
	Model, Source, Hash, Output, PortArgs, SizeUnit string
	Seed                                            uint64
	MaxRedraw, Batch, MinFrame                      int
	From, To                                        bool   // the port arguments the script takes
	Marginals                                       bool   // some chain carries marginal maps
	Bursts                                          bool   // some flow has an on/off layer
	Blocks                                          bool   // some chain walks blocks
	BurstRedraw                                     int    // profiles.MaxRedraw
	Flows                                           string // the FLOWS entries
	Description                                     string // a quoted Lua string
}

func writeMoonGen(b *bytes.Buffer, p *profiles.Profile, ts []target, o Options) error {
	l := &lua{b: &bytes.Buffer{}}
	for ti := range ts {
		t := &ts[ti]
		for _, d := range t.dirs {
			if err := l.flow(p, t, d, o); err != nil {
				return err
			}
		}
	}
	data := moonData{
		Model: o.Model.String(), Source: luaComment(p.Source.File), Hash: p.Hash()[:16], Seed: o.Seed,
		MaxRedraw: sampler.MaxRedraw, Batch: moonBatch, MinFrame: frame.MinFrame,
		Output: luaComment(o.Output), PortArgs: moonPortArgs(ts), SizeUnit: luaComment(sizeUnit(p)),
		Flows: l.b.String(), Marginals: l.hasMarg, Bursts: l.hasBursts, Blocks: l.hasBlocks, BurstRedraw: profiles.MaxRedraw,
		Description: luaQuote("Sends traffic drawn from a gmm2trex profile (" + o.Model.String() + " model)."),
	}
	for _, d := range moonPorts(ts) {
		data.From, data.To = data.From || d == profiles.From, data.To || d == profiles.To
	}
	return moonTemplate.Execute(b, data)
}

// flow writes the FLOWS entry of t's direction d: addresses, frame layout,
// the 1-D mixtures and, for the HMM model, the chains.
func (l *lua) flow(p *profiles.Profile, t *target, d profiles.Dir, o Options) error {
	dm := t.obj.Dir(d)
	if o.Model.For(dm) == sampler.RNN {
		// The script draws on the device's cores in Lua; the network's
		// forward pass is not written there.
		return inputf("object %q direction %s plays the rnn model, which the MoonGen script cannot run: export it with --model hmm or --model iid", t.obj.ID, d)
	}
	tpl, err := t.template(d, o.MaxFrame)
	if err != nil {
		return err
	}
	src, dst := t.side(d)
	v4 := src.ip.Is4()
	ipKey := "ip6"
	if v4 {
		ipKey = "ip4"
	}
	off := 0
	switch sizeUnit(p) {
	case "ip":
		off = tpl.HeaderLen() - frame.EthLen
	case "frame":
		off = tpl.HeaderLen()
	}
	l.f("  { -- %s, direction %s\n", luaComment(t.obj.ID), d)
	l.f("    name = %s, port = %q, tcp = %t, ip4 = %t,\n", luaQuote(t.obj.ID+" "+d.String()), d.String(), t.proto == frame.TCP, v4)
	l.f("    fill = {ethSrc = %q, ethDst = %q, %sSrc = %q, %sDst = %q},\n", src.mac.String(), dst.mac.String(), ipKey, src.ip.String(), ipKey, dst.ip.String())
	l.f("    srcPort = %d, dstPort = %d, hdr = %d, maxPayload = %d, sizeOffset = %d,\n", src.port, dst.port, tpl.HeaderLen(), tpl.MaxPayload(), off)
	if t.flows.n > 1 {
		l.flowSet(t)
	}
	l.mix1("iat", dm.IAT, false)
	l.mix1("size", dm.Size, true)
	if b := dm.Bursts; b != nil {
		pk, ik := runKnots(b.Packets.X), runKnots(b.Idle.X)
		l.f("    bursts = {threshold = %s,\n      packets = {z = %s,\n        x = %s", num(b.Threshold), knots(b.Packets.Z, pk), knots(b.Packets.X, pk))
		if b.Block > 0 {
			l.f(",\n        p = %s", knots(sampler.NormalKnotProbs(&b.Packets), pk))
		}
		l.f("},\n      idle = {z = %s,\n        x = %s", knots(b.Idle.Z, ik), knots(b.Idle.X, ik))
		if b.Block > 0 {
			l.f(",\n        p = %s},\n      block = %d},\n", knots(sampler.NormalKnotProbs(&b.Idle), ik), b.Block)
		} else {
			l.f("}},\n")
		}
		l.hasBursts = true
	}
	if o.Model.For(dm) == sampler.HMM {
		l.f("    chains = {\n")
		for ci := range dm.HMM.Chains {
			l.chain(ci, &dm.HMM.Chains[ci], dm)
			if l.err != nil {
				return fmt.Errorf("object %q direction %s: %w", t.obj.ID, d, l.err)
			}
		}
		l.f("    },\n")
	}
	l.f("  },\n")
	return nil
}

// flowSet writes the entry's flows (Options.Flows) as the script's
// txFlowsTask reads them: flow i (0-based) is the i-th tuple of local port ×
// local IP × remote port × remote IP in mixed radix (as flowSet.tuple),
// each field a first value and a count; addresses as their low 32 bits
// (an IPv4 address, or the end of an IPv6 one whose first 96 bits are
// prefix, "2001:db8:0:0:0:0:").
func (l *lua) flowSet(t *target) {
	fs := &t.flows
	f := fs.f
	prefix := ""
	if ip := f[fLocalIP].ip; !ip.Is4() {
		b := ip.As16()
		for i := 0; i < 12; i += 2 {
			prefix += strconv.FormatUint(uint64(b[i])<<8|uint64(b[i+1]), 16) + ":"
		}
	}
	l.f("    flows = {n = %d, prefix = %q,\n", fs.n, prefix)
	l.f("      lport = %d, nlport = %d, lip = %d, nlip = %d, rport = %d, nrport = %d, rip = %d, nrip = %d},\n",
		f[fLocalPort].port, f[fLocalPort].count, ipLow(f[fLocalIP].ip), f[fLocalIP].count,
		f[fRemotePort].port, f[fRemotePort].count, ipLow(f[fRemoteIP].ip), f[fRemoteIP].count)
}

// sizeUnit is the profile's size unit, payload when unset.
func sizeUnit(p *profiles.Profile) string {
	if p.Settings.Size == "" {
		return "payload"
	}
	return p.Settings.Size
}

// luaComment keeps a value on one comment line.
func luaComment(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
