package exporters

import (
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/profiles"
)

// TRex limits (FORMATS.md): streams per port, and action_count is a uint16.
const (
	maxSTLStreams = 20000
	maxLoops      = 65535
)

func init() {
	Register(&Format{
		Name:    "trex-stl",
		Summary: "TRex stateless YAML streams (one file per direction / TRex port)",
		Params:  stlParams,
		Flows:   true,
		Export:  exportSTL,
		Write:   writeSTLDir,
	})
}

// STLMode is how trex-stl and trex-py turn the sampled packets into streams.
type STLMode string

// STL modes.
const (
	// STLChain writes one single-packet stream per sampled packet, its gap
	// as the stream's isg: it keeps burstiness.
	STLChain STLMode = "chain"
	// STLRate writes one continuous stream at the mean sampled rate whose
	// frame sizes are drawn from quantiles of the sampled sizes.
	STLRate STLMode = "rate"
)

// STLOptions are the options of trex-stl and trex-py.
type STLOptions struct {
	Mode  STLMode // "" means STLChain
	Loops int     // how many times a chain plays, 0..65535; 0 plays forever
}

// stlParams are shared by trex-stl and trex-py.
var stlParams = []Param{
	{Name: "stl-mode", Field: "STLOptions.Mode", Default: string(STLChain), Choices: []string{string(STLChain), string(STLRate)},
		Usage: "chain: one single-packet stream per sampled packet, gaps as isg (keeps burstiness); rate: one continuous stream at the mean rate with random sizes",
		Parse: func(o *Options, v string) error { o.STL.Mode = STLMode(v); return nil }},
	{Name: "loops", Field: "STLOptions.Loops", Default: "0", Usage: "how many times a chain plays (0 = forever)",
		Parse: func(o *Options, v string) (err error) { o.STL.Loops, err = strconv.Atoi(v); return err }},
}

// stlStream is one TRex stream, written as YAML by trex-stl and as a table
// row by trex-py.
type stlStream struct {
	name        string
	next        string // "" when none
	selfStart   bool
	isg         float64 // µs before the stream's packet
	actionCount int
	payload     int // chain: the packet's payload length
	// rate mode: a continuous stream at pps whose frame is trimmed to a
	// random entry of sizes (frame lengths).
	pps   float64
	sizes []int
}

// stlGroup is the streams of one object and direction (and, in chain mode
// with several flows, one flow), sharing a template.
type stlGroup struct {
	t       *target
	prefix  string // of stream names: "" for one object, else "oN"; "fN" added per flow
	dir     profiles.Dir
	flow    int // chain mode: the flow these streams send
	tpl     *frame.Template
	streams []stlStream
	packets int // packets one play of the group sends (chain) or 0 (rate)
	// lead: chain mode with several flows: streams[0] is a lead-in that
	// sends the chain's first packet after the flow's start phase, then
	// hands on to the chain (streams[1:]), which loops without it.
	lead bool
	// plays is the chain's action_count as asked (0 = forever); with a
	// lead-in and a one-stream ring the streams carry it adjusted (chain).
	plays int
	// fvars: rate mode with several flows: the field-engine variables that
	// give each packet the 5-tuple of a flow drawn at random.
	fvars []flowVar
}

// flowVar is a field-engine variable over one field of the 5-tuple: op
// random over min..max, written big-endian at offset.
type flowVar struct {
	name     string
	size     int // bytes: 4 for an address (its low 32 bits), 2 for a port
	offset   int
	min, max uint64
}

// stlPlan is everything trex-stl and trex-py write: groups per direction.
type stlPlan struct {
	mode   string
	loops  int
	groups [2][]stlGroup // by direction (TRex port 0 = from, 1 = to)
	sizers []*sizer
}

// planSTL samples the streams of every selected object and direction, or
// of direction only when it is not nil (the streams of one direction do not
// depend on the other's sampling, but their names depend on its objects).
func planSTL(p *profiles.Profile, o Options, only *profiles.Dir) (*stlPlan, error) {
	ts, err := selectTargets(p, o)
	if err != nil {
		return nil, err
	}
	mode := o.STL.Mode
	switch mode {
	case "":
		mode = STLChain
	case STLChain, STLRate:
	default:
		return nil, fieldf("STLOptions.Mode", "%q (valid: %s, %s)", mode, STLChain, STLRate)
	}
	pl := &stlPlan{mode: string(mode), loops: o.STL.Loops}
	if pl.loops < 0 || pl.loops > maxLoops {
		return nil, fieldf("STLOptions.Loops", "%d outside 0..%d (TRex's action_count is 16 bits)", pl.loops, maxLoops)
	}
	// Chain mode: every flow of every object direction on a port gets an
	// equal share of the port's streams, a lead-in included when flows
	// have start phases.
	var perDir [2]int
	for i := range ts {
		for _, d := range ts[i].dirs {
			perDir[d] += ts[i].flows.n
		}
	}
	for i := range ts {
		t := &ts[i]
		prefix := ""
		if len(ts) > 1 {
			prefix = "o" + strconv.Itoa(t.index)
		}
		for _, d := range t.dirs {
			if only != nil && d != *only {
				continue
			}
			if pl.mode == "rate" {
				tpl, err := t.template(d, o.MaxFrame)
				if err != nil {
					return nil, err
				}
				g := stlGroup{t: t, prefix: prefix, dir: d, tpl: tpl}
				sz := newSizer(p, tpl)
				pl.sizers = append(pl.sizers, sz)
				if err := g.rate(o, sz, prefix); err != nil {
					return nil, err
				}
				pl.groups[d] = append(pl.groups[d], g)
				continue
			}
			budget := maxSTLStreams / perDir[d]
			lead := t.flows.n > 1
			if lead {
				budget--
			}
			if budget < 1 {
				return nil, fieldf("Options.Flows", "%d: in chain mode each flow needs at least 2 streams (a lead-in and a one-packet chain), and the %d flows on port %d need more than TRex's %d streams per port; use --stl-mode rate, which takes any number",
					t.flows.n, perDir[d], d, maxSTLStreams)
			}
			for f := range t.flows.n {
				tpl, err := t.flowTemplate(d, f, o.MaxFrame)
				if err != nil {
					return nil, err
				}
				fp := prefix
				if lead {
					fp += "f" + strconv.Itoa(f)
				}
				g := stlGroup{t: t, prefix: fp, dir: d, flow: f, tpl: tpl, lead: lead}
				sz := newSizer(p, tpl)
				pl.sizers = append(pl.sizers, sz)
				if err := g.chain(o, sz, fp, budget, pl.loops, f == 0); err != nil {
					return nil, err
				}
				pl.groups[d] = append(pl.groups[d], g)
			}
		}
	}
	return pl, nil
}

// chain builds a ring of single-packet streams: stream i waits the sampled
// gap of packet i, and the last one loops to the first. More packets than
// budget streams become a shorter chain played several times (note says
// so). With g.lead, a lead-in stream first sends packet 0 after the flow's
// start phase and hands on to stream 1; the ring then loops to stream 0.
func (g *stlGroup) chain(o Options, sz *sizer, prefix string, budget, loops int, note bool) error {
	n := o.Count
	plays := (n + budget - 1) / budget
	l := (n + plays - 1) / plays
	if plays > 1 && note && g.lead {
		o.notef("object %q %s: %d flows × %d packets exceed TRex's %d streams per port: each flow a chain of %d streams (and a lead-in) played %d times (%d packets a round)",
			g.t.obj.ID, g.dir, g.t.flows.n, n, maxSTLStreams, l, plays, l*plays)
	} else if plays > 1 && note {
		o.notef("object %q %s: %d packets exceed TRex's %d streams per port: a chain of %d streams played %d times (%d packets a round)",
			g.t.obj.ID, g.dir, n, maxSTLStreams, l, plays, l*plays)
	}
	ac := plays * loops
	if ac > maxLoops {
		return fmt.Errorf("object %q %s: %w", g.t.obj.ID, g.dir,
			fieldf("STLOptions.Loops", "%d × %d plays (to fit TRex's streams per port) exceeds TRex's limit of %d", loops, plays, maxLoops))
	}
	// One extra draw gives the gap from the last packet back to the first.
	pk, err := sampleFlow(g.t, g.dir, o, g.flow, l+1)
	if err != nil {
		return err
	}
	g.packets = l
	name := func(i int) string { return prefix + "s" + strconv.Itoa(i) }
	var ring []stlStream
	if g.lead {
		phase, err := flowPhase(g.t, o, g.flow)
		if err != nil {
			return err
		}
		g.streams = make([]stlStream, l+1)
		g.streams[0] = stlStream{name: prefix + "lead", next: name(1 % l), selfStart: true, isg: phase * 1e6, payload: sz.payload(pk[0].Size)}
		ring = g.streams[1:]
	} else {
		g.streams = make([]stlStream, l)
		ring = g.streams
	}
	for i := range l {
		s := &ring[i]
		s.name = name(i)
		s.next = name((i + 1) % l)
		s.selfStart = i == 0 && !g.lead
		gap := pk[i].Gap
		if i == 0 {
			gap = pk[l].Gap
		}
		s.isg = gap * 1e6
		s.payload = sz.payload(pk[i].Size)
	}
	ring[l-1].actionCount = ac
	g.plays = ac
	if g.lead && l == 1 {
		// The lead-in is the first play of a one-stream ring, which counts
		// only its own plays: one fewer, or none (no next) when one is all.
		switch {
		case ac == 1:
			g.streams = g.streams[:1]
			g.streams[0].next = ""
		case ac > 1:
			ring[0].actionCount = ac - 1
		}
	}
	return nil
}

// rate builds one continuous stream at the mean sampled rate whose sizes are
// quantiles of the sampled sizes.
func (g *stlGroup) rate(o Options, sz *sizer, prefix string) error {
	if o.Count < 2 {
		return fieldf("STLOptions.Mode", "rate needs a count of at least 2 to estimate a rate, got %d", o.Count)
	}
	pk, err := sampleDir(g.t, g.dir, o, o.Count)
	if err != nil {
		return err
	}
	sum := 0.0
	frames := make([]int, len(pk))
	for i, p := range pk {
		sum += p.Gap // the first packet's gap is 0
		frames[i] = g.tpl.FrameLen(sz.payload(p.Size))
	}
	if sum <= 0 {
		return inputf("object %q %s: sampled gaps sum to %g s, no rate", g.t.obj.ID, g.dir, sum)
	}
	slices.Sort(frames)
	q := min(len(frames), 1000)
	sizes := make([]int, q)
	small := 0
	for j := range q {
		sizes[j] = frames[(2*j+1)*len(frames)/(2*q)]
	}
	for _, f := range sizes {
		if f == frame.MinFrame {
			small++
		}
	}
	if small > 0 {
		o.notef("object %q %s: %d of %d size quantiles are below the 60-byte minimum frame; TRex sends them as %d-byte payloads", g.t.obj.ID, g.dir, small, q, frame.MinFrame-g.tpl.HeaderLen())
	}
	pps := float64(len(pk)-1) / sum
	if n := g.t.flows.n; n > 1 {
		if err := g.flowVars(); err != nil {
			return err
		}
		pps *= float64(n)
	}
	g.streams = []stlStream{{name: prefix + "rate" + g.dir.String(), selfStart: true,
		pps: pps, sizes: sizes, payload: sizes[q-1] - g.tpl.HeaderLen()}}
	return nil
}

// flowVars sets the field-engine variables of a rate stream serving all
// of its target's flows: one per varied field of the 5-tuple, each drawn
// uniformly per packet, so each packet belongs to a flow drawn uniformly
// (independent fields over a product set) and one stream set serves any
// number of flows. The flows' counts of packets in a window are then
// multinomial: not in lock-step, unlike a round robin.
func (g *stlGroup) flowVars() error {
	fs := &g.t.flows
	if !fs.product {
		var parts []string
		for i := range fs.f {
			parts = append(parts, fmt.Sprintf("%d %s", fs.f[i].count, flowFieldNames[i]))
		}
		return fieldf("Options.Flows", "%d: rate mode draws each varied field independently, so the flows must be all combinations of the ranges (%s of object %q); make --flows the product of the range sizes",
			fs.n, strings.Join(parts, " × "), g.t.obj.ID)
	}
	v6 := g.tpl.IPv6()
	l4 := g.tpl.HeaderLen() - map[frame.Proto]int{frame.UDP: frame.UDPLen, frame.TCP: frame.TCPLen}[g.tpl.Proto()]
	srcIP, dstIP := frame.EthLen+12, frame.EthLen+16
	if v6 {
		srcIP, dstIP = frame.EthLen+8+12, frame.EthLen+24+12 // the low 32 bits
	}
	// Offsets as sender/receiver: the local side sends direction from.
	off := [nFlowFields]int{l4, srcIP, l4 + 2, dstIP}
	names := [nFlowFields]string{"LP", "LA", "RP", "RA"}
	if g.dir == profiles.To {
		off = [nFlowFields]int{l4 + 2, dstIP, l4, srcIP}
	}
	for i, ff := range fs.f {
		if ff.count <= 1 {
			continue
		}
		v := flowVar{name: names[i], size: 2, offset: off[i], min: uint64(ff.port)}
		if i == fLocalIP || i == fRemoteIP {
			v.size, v.min = 4, ipLow(ff.ip)
		}
		v.max = v.min + ff.count - 1
		g.fvars = append(g.fvars, v)
	}
	return nil
}

// fieldsDesc says which fields of the 5-tuple the flows vary, and over what.
func (g *stlGroup) fieldsDesc() string {
	fs := &g.t.flows
	var parts []string
	for i, ff := range fs.f {
		if ff.count <= 1 {
			continue
		}
		if i == fLocalIP || i == fRemoteIP {
			parts = append(parts, fmt.Sprintf("%s %v", strings.TrimSuffix(flowFieldNames[i], "s"), IPRange{ff.ip, ipAdd(ff.ip, ff.count-1)}))
		} else {
			parts = append(parts, fmt.Sprintf("%s %d-%d", strings.TrimSuffix(flowFieldNames[i], "s"), ff.port, uint64(ff.port)+ff.count-1))
		}
	}
	return strings.Join(parts, ", ")
}

// vmInstr is one field-engine instruction of a rate stream.
type vmInstr struct {
	kind    string  // flow_var, trim_pkt_size, write_flow_var, fix_checksum_ipv4, fix_checksum_hw
	offset  int     // pkt_offset or l2_len
	add     int     // write: add_value
	l3len   int     // fix_checksum_hw
	l4type  int     // fix_checksum_hw: 11 UDP, 13 TCP
	valList []int   // flow_var
	fv      flowVar // tuple_var, tuple_write
}

// rateVM is the field-engine program of a rate stream: trim to a random
// length, rewrite the IP and UDP length fields, fix checksums.
func (g *stlGroup) rateVM(s *stlStream) []vmInstr {
	l4 := g.tpl.HeaderLen() - map[frame.Proto]int{frame.UDP: frame.UDPLen, frame.TCP: frame.TCPLen}[g.tpl.Proto()]
	var vm []vmInstr
	for _, v := range g.fvars {
		vm = append(vm, vmInstr{kind: "tuple_var", fv: v})
	}
	vm = append(vm, vmInstr{kind: "flow_var", valList: s.sizes}, vmInstr{kind: "trim_pkt_size"})
	for _, v := range g.fvars {
		vm = append(vm, vmInstr{kind: "tuple_write", fv: v})
	}
	if g.tpl.IPv6() {
		vm = append(vm, vmInstr{kind: "write_flow_var", offset: frame.EthLen + 4, add: -(frame.EthLen + frame.IPv6Len)})
	} else {
		vm = append(vm, vmInstr{kind: "write_flow_var", offset: frame.EthLen + 2, add: -frame.EthLen})
		vm = append(vm, vmInstr{kind: "fix_checksum_ipv4", offset: frame.EthLen})
	}
	if g.tpl.Proto() == frame.UDP {
		vm = append(vm, vmInstr{kind: "write_flow_var", offset: l4 + 4, add: -l4})
	}
	if g.tpl.Proto() == frame.TCP || g.tpl.IPv6() {
		vm = append(vm, vmInstr{kind: "fix_checksum_hw", offset: frame.EthLen, l3len: l4 - frame.EthLen,
			l4type: map[frame.Proto]int{frame.UDP: 11, frame.TCP: 13}[g.tpl.Proto()]})
	}
	return vm
}

// packet returns the frame of stream s. For rate streams over UDP/IPv4 the
// UDP checksum is 0 (none), since trimming changes the length it covers and
// no NIC offload is then needed.
func (g *stlGroup) packet(s *stlStream) []byte {
	b := g.tpl.TCPFrame(s.payload, 1, 1, frame.FlagPSH|frame.FlagACK)
	if s.pps > 0 && g.tpl.Proto() == frame.UDP && !g.tpl.IPv6() {
		b = slices.Clone(b)
		l4 := g.tpl.HeaderLen() - frame.UDPLen
		b[l4+6], b[l4+7] = 0, 0
	}
	return b
}

// flags is the TRex stream flags field: 3 keeps the MACs written in the
// packet (when given on the command line); 0 lets TRex use its port's MACs.
func (g *stlGroup) flags() int {
	if g.t.macSet {
		return 3
	}
	return 0
}

// stlFiles names the output file of each direction: OUT-from / OUT-to when
// both directions were asked for, OUT otherwise.
func stlFiles(o Options) [2]string {
	if o.Dirs == nil {
		return [2]string{suffixed(o.Output, "-from"), suffixed(o.Output, "-to")}
	}
	return [2]string{o.Output, o.Output}
}

func exportSTL(p *profiles.Profile, o Options) ([]string, error) {
	names := stlFiles(o)
	for _, n := range names {
		if err := trexName(o.Output, n, ".yaml"); err != nil {
			return nil, err
		}
	}
	pl, err := planSTL(p, o, nil)
	if err != nil {
		return nil, err
	}
	clampNote(o, pl.sizers...)
	var files []string
	for d, groups := range pl.groups {
		if len(groups) == 0 {
			continue
		}
		path := names[d]
		err := o.writeFile(path, func(w io.Writer) error { return pl.writeYAML(w, p, o, profiles.Dir(d)) })
		if err != nil {
			return files, fmt.Errorf("trex-stl: %w", err)
		}
		n := 0
		for _, g := range groups {
			n += len(g.streams)
		}
		o.notef("wrote %s: %d streams for TRex port %d (direction %s)", path, n, d, profiles.Dir(d))
		files = append(files, path)
	}
	return files, nil
}

// WriteSTL writes the trex-stl streams of direction d (TRex port d) to w:
// the file Export writes for d, OUT-from.yaml or OUT-to.yaml when both
// directions are selected, OUT otherwise.
func WriteSTL(w io.Writer, p *profiles.Profile, o Options, d profiles.Dir) error {
	f, err := Lookup("trex-stl")
	if err != nil {
		return err
	}
	if o, err = f.check(p, o); err != nil {
		return err
	}
	return writeSTL(w, p, o, d)
}

// writeSTLDir is trex-stl's Write: one direction must be selected.
func writeSTLDir(w io.Writer, p *profiles.Profile, o Options) error {
	if len(o.Dirs) != 1 {
		return fieldf("Options.Dirs", "selects %d directions: trex-stl writes one stream per direction (TRex port); select one, or use WriteSTL", max(len(o.Dirs), 2))
	}
	return writeSTL(w, p, o, o.Dirs[0])
}

func writeSTL(w io.Writer, p *profiles.Profile, o Options, d profiles.Dir) error {
	pl, err := planSTL(p, o, &d)
	if err != nil {
		return err
	}
	if len(pl.groups[d]) == 0 {
		return inputf("nothing to export: no selected object has a model for direction %s", d)
	}
	clampNote(o, pl.sizers...)
	return pl.writeYAML(w, p, o, d)
}

func (pl *stlPlan) header(p *profiles.Profile, o Options, d profiles.Dir, comment string) []byte {
	var b []byte
	line := func(format string, a ...any) { b = fmt.Appendf(b, comment+" "+format+"\n", a...) }
	line("gmm2trex export: %s, direction %s (TRex port %d), model %s, seed %d, source %s", pl.mode, d, d, o.Model, o.Seed, p.Source.File)
	for _, g := range pl.groups[d] {
		if pl.mode == "rate" {
			s := g.streams[0]
			line("object %q: stream %s: %.6g pps, %d size quantiles %d..%d bytes", g.t.obj.ID, s.name, s.pps, len(s.sizes), s.sizes[0], s.sizes[len(s.sizes)-1])
			if len(g.fvars) > 0 {
				line("  serving %d flows: each packet's %s drawn by the field engine (a flow drawn at random), %.6g pps a flow", g.t.flows.n, g.fieldsDesc(), s.pps/float64(g.t.flows.n))
			}
			continue
		}
		plays := "forever"
		if ac := g.plays; ac > 0 {
			plays = strconv.Itoa(ac) + " times"
		}
		if g.lead {
			if g.flow == 0 {
				last := pl.groups[d][len(pl.groups[d])-1]
				line("object %q: %d flows, each its own draw and 5-tuple (%s), streams fNlead then fNs0..fNs%d, one sampled packet each; each chain plays %s;",
					g.t.obj.ID, g.t.flows.n, g.fieldsDesc(), g.packets-1, plays)
				line("  fNlead waits the flow's start phase and sends packet 0, fNs0's isg is the gap from the last packet back to the first (%s..%s)", g.streams[0].name, last.streams[len(last.streams)-1].name)
			}
			continue
		}
		line("object %q: streams %s..%s, one sampled packet each, isg = its gap (µs); the chain plays %s;", g.t.obj.ID, g.streams[0].name, g.streams[len(g.streams)-1].name, plays)
		line("  %s's isg is the gap from the last packet back to the first (it also delays the very first packet)", g.streams[0].name)
	}
	return b
}

// writeYAML writes one stream per line in flow style: the keys
// STLStream.to_json produces, which STLProfile.load_yaml reads back.
func (pl *stlPlan) writeYAML(w io.Writer, p *profiles.Profile, o Options, d profiles.Dir) error {
	if _, err := w.Write(pl.header(p, o, d, "#")); err != nil {
		return err
	}
	var b []byte
	cache := map[int][]byte{} // payload length -> base64 frame
	for gi := range pl.groups[d] {
		g := &pl.groups[d][gi]
		clear(cache)
		for i := range g.streams {
			s := &g.streams[i]
			b = append(b[:0], "- {name: "...)
			b = append(b, s.name...)
			b = append(b, ", enabled: true, self_start: "...)
			b = strconv.AppendBool(b, s.selfStart)
			b = append(b, ", isg: "...)
			b = strconv.AppendFloat(b, s.isg, 'f', 3, 64)
			b = append(b, ", action_count: "...)
			b = strconv.AppendInt(b, int64(s.actionCount), 10)
			b = append(b, ", flags: "...)
			b = strconv.AppendInt(b, int64(g.flags()), 10)
			b = append(b, ", flow_stats: {enabled: false}, mode: "...)
			if s.pps > 0 {
				b = append(b, "{type: continuous, rate: {type: pps, value: "...)
				b = strconv.AppendFloat(b, s.pps, 'g', 10, 64)
				b = append(b, "}}"...)
			} else {
				b = append(b, "{type: single_burst, total_pkts: 1, rate: {type: percentage, value: 100}}"...)
			}
			b = append(b, ", packet: {binary: '"...)
			enc, ok := cache[s.payload]
			if !ok || s.pps > 0 {
				fr := g.packet(s)
				enc = base64.StdEncoding.AppendEncode(nil, fr)
				cache[s.payload] = enc
			}
			b = append(b, enc...)
			b = append(b, "', meta: ''}, vm: {instructions: ["...)
			if s.pps > 0 {
				b = appendVMYAML(b, g.rateVM(s))
			}
			b = append(b, "]}"...)
			if s.next != "" {
				b = append(b, ", next: "...)
				b = append(b, s.next...)
			}
			b = append(b, "}\n"...)
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
	}
	return nil
}

// appendInts appends v as "1, 2, 3" (a YAML flow or Python list body).
func appendInts(b []byte, v []int) []byte {
	for i, x := range v {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(b, int64(x), 10)
	}
	return b
}

func appendVMYAML(b []byte, vm []vmInstr) []byte {
	for i, in := range vm {
		if i > 0 {
			b = append(b, ", "...)
		}
		switch in.kind {
		case "flow_var":
			b = append(b, "{type: flow_var, name: L, size: 2, op: random, step: 1, value_list: ["...)
			b = appendInts(b, in.valList)
			b = append(b, "]}"...)
		case "tuple_var":
			b = fmt.Appendf(b, "{type: flow_var, name: %s, size: %d, op: random, step: 1, min_value: %d, max_value: %d}", in.fv.name, in.fv.size, in.fv.min, in.fv.max)
		case "tuple_write":
			b = fmt.Appendf(b, "{type: write_flow_var, name: %s, pkt_offset: %d, add_value: 0, is_big_endian: true}", in.fv.name, in.fv.offset)
		case "trim_pkt_size":
			b = append(b, "{type: trim_pkt_size, name: L}"...)
		case "write_flow_var":
			b = fmt.Appendf(b, "{type: write_flow_var, name: L, pkt_offset: %d, add_value: %d, is_big_endian: true}", in.offset, in.add)
		case "fix_checksum_ipv4":
			b = fmt.Appendf(b, "{type: fix_checksum_ipv4, pkt_offset: %d}", in.offset)
		case "fix_checksum_hw":
			b = fmt.Appendf(b, "{type: fix_checksum_hw, l2_len: %d, l3_len: %d, l4_type: %d}", in.offset, in.l3len, in.l4type)
		}
	}
	return b
}
