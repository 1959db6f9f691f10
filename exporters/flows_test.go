package exporters

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/profiles/builtin"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// Tolerances of the flows issue.
const (
	flowsKSTol    = 0.05 // per flow, payload sizes against draws from the model
	flowsRateTol  = 0.02 // aggregate byte rate against N × one flow's (the model's mean)
	flowsXCorrTol = 0.1  // |correlation| of two flows' 10 ms byte counts
)

func TestParseIPRange(t *testing.T) {
	cases := []struct {
		in          string
		first, last string
		n           uint64
		bad         bool
	}{
		{in: "10.0.0.1", first: "10.0.0.1", last: "10.0.0.1", n: 1},
		{in: "10.0.0.1-10.0.3.232", first: "10.0.0.1", last: "10.0.3.232", n: 1000},
		{in: "10.0.0.0/22", first: "10.0.0.1", last: "10.0.3.254", n: 1022},
		{in: "10.0.0.7/31", first: "10.0.0.6", last: "10.0.0.7", n: 2},
		{in: "10.0.0.7/32", first: "10.0.0.7", last: "10.0.0.7", n: 1},
		{in: "2001:db8::/120", first: "2001:db8::1", last: "2001:db8::ff", n: 255},
		{in: "2001:db8::1-2001:db8::1:0", first: "2001:db8::1", last: "2001:db8::1:0", n: 65536},
		{in: "0.0.0.0/0", first: "0.0.0.1", last: "255.255.255.254", n: 1<<32 - 2},
		{in: "10.0.0.9-10.0.0.1", bad: true},
		{in: "10.0.0.1-2001:db8::1", bad: true},
		{in: "2001:db8::/64", bad: true},
		{in: "2001:db8::1-2001:db9::1", bad: true},
		{in: "10.0.0.300", bad: true},
		{in: "10.0.0.0/33", bad: true},
		{in: "a-b", bad: true},
	}
	for _, c := range cases {
		r, err := ParseIPRange(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("%q: got %v, want an error", c.in, r)
			}
			continue
		}
		if err != nil || r.First.String() != c.first || r.Last.String() != c.last || r.Len() != c.n {
			t.Errorf("%q: got %v (%d addresses), %v; want %s-%s (%d)", c.in, r, r.Len(), err, c.first, c.last, c.n)
		}
	}
}

func TestParsePortRange(t *testing.T) {
	cases := []struct {
		in          string
		first, last uint16
		bad         bool
	}{
		{in: "5000", first: 5000, last: 5000},
		{in: "5000-5999", first: 5000, last: 5999},
		{in: "1-65535", first: 1, last: 65535},
		{in: "0-10", bad: true},
		{in: "10-9", bad: true},
		{in: "5000-70000", bad: true},
		{in: "x", bad: true},
	}
	for _, c := range cases {
		r, err := ParsePortRange(c.in)
		if c.bad != (err != nil) || !c.bad && (r.First != c.first || r.Last != c.last) {
			t.Errorf("%q: got %v, %v", c.in, r, err)
		}
	}
}

// TestFlowSets: the flow set gives exactly N distinct 5-tuples (defaults,
// ranges, the local port running out), says when it is a product of its
// fields (what rate mode needs), and refuses ranges too small.
func TestFlowSets(t *testing.T) {
	p := tiny(t)
	set := func(a *Addresses, field, v string) {
		if err := a.Set(field, v); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name    string
		flows   int
		addr    func(*Addresses)
		product bool
		err     bool
	}{
		{"default 100", 100, func(*Addresses) {}, true, false},
		{"default beyond the ports", 70000, func(*Addresses) {}, true, false},
		{"1000 local IPs", 1000, func(a *Addresses) { set(a, "LocalIP", "10.0.0.1-10.0.3.232") }, true, false},
		{"10 IPs × 100 ports", 1000, func(a *Addresses) { set(a, "LocalIP", "10.0.0.1-10.0.0.10"); set(a, "LocalPort", "5000-5099") }, true, false},
		{"not a product", 150, func(a *Addresses) { set(a, "LocalIP", "10.0.0.1-10.0.0.10"); set(a, "LocalPort", "5000-5099") }, false, false},
		{"remote side", 64, func(a *Addresses) { set(a, "RemoteIP", "10.1.0.0/29"); set(a, "RemotePort", "9000-9015") }, true, false},
		{"remote side, not a product", 70, func(a *Addresses) { set(a, "RemoteIP", "10.1.0.0/29"); set(a, "RemotePort", "9000-9015") }, false, false},
		{"too few", 101, func(a *Addresses) { set(a, "LocalPort", "5000-5099") }, false, true},
		{"wrong family", 10, func(a *Addresses) { set(a, "LocalIP", "2001:db8::1-2001:db8::10") }, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := Options{Flows: c.flows, Log: io.Discard}
			c.addr(&o.Addr)
			ts, err := selectTargets(p, o)
			if c.err {
				if !errors.Is(err, ErrInput) {
					t.Fatalf("got %v, want an input error", err)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tg := &ts[0]
			if tg.flows.product != c.product {
				t.Errorf("product %v, want %v (%+v)", tg.flows.product, c.product, tg.flows.f)
			}
			seen := map[flowKey]int{}
			for f := range c.flows {
				l, r := tg.flows.tuple(tg, f)
				k := flowKey{l.ip, r.ip, l.port, r.port}
				if g, dup := seen[k]; dup {
					t.Fatalf("flows %d and %d share the 5-tuple %v", g, f, k)
				}
				seen[k] = f
			}
			if l, r := tg.flows.tuple(tg, 0); l.ip != tg.local.ip || l.port != tg.local.port || r.ip != tg.remote.ip || r.port != tg.remote.port {
				t.Errorf("flow 0 is %v/%v, not the object's own endpoints", l, r)
			}
		})
	}
}

// flowPkt is one packet of a multi-flow output, as the checks see it.
type flowPkt struct {
	ns      float64
	key     flowKey
	payload int
	bytes   int // frame length without FCS
}

// flowFigures are the flows issue's figures for one direction's output.
type flowFigures struct {
	tuples      int
	worstKS     float64 // per flow, payload sizes against the model's draws
	medianKS    float64
	rate, want  float64 // aggregate bytes/s, and N × one flow's (the reference)
	xcorr       float64 // flows 0 and 1: 10 ms byte counts
	meanXCorr   float64 // mean over the disjoint pairs (0,1), (2,3), …
	perFlowPkts int     // the fewest packets of a flow
}

func (f flowFigures) String() string {
	return fmt.Sprintf("%d distinct 5-tuples (≥ %d packets each); per-flow size KS median %.4f, worst %.4f; aggregate %.1f B/s = %.4f × N × one flow's %.1f B/s; xcorr of flows 0,1 %+.4f, mean over pairs %+.4f",
		f.tuples, f.perFlowPkts, f.medianKS, f.worstKS, f.rate, f.rate/f.want, f.want/float64(max(f.tuples, 1)), f.xcorr, f.meanXCorr)
}

// modelRate is the model's mean byte rate (frames of hdr header bytes) and
// its payload sizes, from n draws of one direction.
func modelRate(t *testing.T, obj *profiles.Object, d profiles.Dir, m sampler.Model, hdr, n int) (float64, []int) {
	t.Helper()
	pk := draws(t, obj, d, m, 424242, n)
	bytes, sizes := 0.0, make([]int, len(pk))
	for i, p := range pk {
		sizes[i] = wantPayload(p.Size, hdr, DefaultMaxFrame)
		bytes += float64(frameLen(hdr, sizes[i]))
	}
	return bytes / (pk[len(pk)-1].Time - pk[0].Time), sizes
}

// measureFlows computes the figures of pkts, which must come from the n
// flows keys lists (in flow order, flow 0 first): the aggregate rate over
// the span where every flow is sending (against n × oneBPS, one flow's
// rate), the per-flow KS against the model's sizes, the correlation of
// 10 ms byte counts over the same span.
func measureFlows(t *testing.T, label string, pkts []flowPkt, keys []flowKey, oneBPS float64, modelSizes []int) flowFigures {
	t.Helper()
	idx := map[flowKey]int{}
	for i, k := range keys {
		idx[k] = i
	}
	n := len(keys)
	per := make([][]flowPkt, n)
	for _, p := range pkts {
		i, ok := idx[p.key]
		if !ok {
			t.Fatalf("%s: a packet of %v, which is none of the %d flows", label, p.key, n)
		}
		per[i] = append(per[i], p)
	}
	fig := flowFigures{perFlowPkts: math.MaxInt}
	lo, hi := math.Inf(-1), math.Inf(1)
	var kss []float64
	for i, ps := range per {
		if len(ps) == 0 {
			t.Errorf("%s: flow %d (%v) sent nothing", label, i, keys[i])
			continue
		}
		fig.tuples++
		fig.perFlowPkts = min(fig.perFlowPkts, len(ps))
		lo, hi = max(lo, ps[0].ns), min(hi, ps[len(ps)-1].ns)
		sz := make([]int, len(ps))
		for j, p := range ps {
			sz[j] = p.payload
		}
		kss = append(kss, ks2(sz, modelSizes))
	}
	if fig.tuples != n {
		t.Fatalf("%s: %d of %d flows sent", label, fig.tuples, n)
	}
	slices.Sort(kss)
	fig.medianKS, fig.worstKS = kss[len(kss)/2], kss[len(kss)-1]
	if !(hi > lo) {
		t.Fatalf("%s: the flows never all send at once (span %.0f..%.0f ns)", label, lo, hi)
	}
	bytes := 0.0
	for _, p := range pkts {
		if p.ns >= lo && p.ns < hi {
			bytes += float64(p.bytes)
		}
	}
	fig.rate, fig.want = bytes/(hi-lo)*1e9, float64(n)*oneBPS
	// 10 ms byte counts of each flow over [lo, hi).
	nw := int((hi - lo) / 1e7)
	counts := func(ps []flowPkt) []float64 {
		c := make([]float64, nw)
		for _, p := range ps {
			if w := int((p.ns - lo) / 1e7); p.ns >= lo && w < nw {
				c[w] += float64(p.bytes)
			}
		}
		return c
	}
	pairs := 0
	for i := 0; i+1 < n && pairs < 50; i += 2 {
		r := pearson(counts(per[i]), counts(per[i+1]))
		if i == 0 {
			fig.xcorr = r
		}
		fig.meanXCorr += r
		pairs++
	}
	fig.meanXCorr /= float64(pairs)
	return fig
}

func pearson(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx, my = mx+x[i], my+y[i]
	}
	mx, my = mx/float64(len(x)), my/float64(len(y))
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

// checkFigures applies the bounds; ks says whether the per-flow KS
// bound applies (not to chain mode, whose flows repeat short chains).
func checkFigures(t *testing.T, label string, fig flowFigures, n int, ks bool) {
	t.Helper()
	t.Logf("%s: %v", label, fig)
	if fig.tuples != n {
		t.Errorf("%s: %d distinct 5-tuples, want %d", label, fig.tuples, n)
	}
	if ks && fig.worstKS > flowsKSTol {
		t.Errorf("%s: a flow's size KS is %.4f against the model, above %g", label, fig.worstKS, flowsKSTol)
	}
	if e := fig.rate/fig.want - 1; math.Abs(e) > flowsRateTol {
		t.Errorf("%s: aggregate byte rate %.1f B/s is %+.2f %% off N × one flow's (tolerance %g %%)", label, fig.rate, 100*e, 100*flowsRateTol)
	}
	if math.Abs(fig.xcorr) > flowsXCorrTol || math.Abs(fig.meanXCorr) > flowsXCorrTol/2 {
		t.Errorf("%s: flows in step: correlation of 10 ms byte counts %+.3f (pair 0,1), %+.3f (mean over pairs), bounds %g / %g",
			label, fig.xcorr, fig.meanXCorr, flowsXCorrTol, flowsXCorrTol/2)
	}
}

// flowKeys lists the 5-tuples of t's n flows for direction d, flow 0 first.
func flowKeys(t *testing.T, p *profiles.Profile, o Options, d profiles.Dir) (*target, []flowKey) {
	t.Helper()
	o.Log = io.Discard
	ts, err := selectTargets(p, o)
	if err != nil {
		t.Fatal(err)
	}
	tg := &ts[0]
	var keys []flowKey
	for f := range tg.flows.n {
		src, dst := tg.flowSide(d, f)
		keys = append(keys, flowKey{src.ip, dst.ip, src.port, dst.port})
	}
	return tg, keys
}

// readPcapFlows reads a pcap's packets with their times.
func readPcapFlows(t *testing.T, path string) []flowPkt {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []flowPkt
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		in, err := frame.Decode(data)
		if err != nil {
			t.Fatalf("%s packet %d: %v", path, len(out)+1, err)
		}
		out = append(out, flowPkt{ns: float64(ci.Timestamp.UnixNano()), key: flowKey{in.SrcIP, in.DstIP, in.SrcPort, in.DstPort},
			payload: in.Payload, bytes: len(data)})
	}
}

func builtinProfile(t testing.TB, name string) *profiles.Profile {
	t.Helper()
	p, err := builtin.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFlowsPcap: --flows 100 in a pcap: exactly 100 distinct 5-tuples per
// direction, each flow's sizes against the model KS ≤ 0.05, the aggregate
// byte rate 100 × the model's within 2 %, flows not in step; flow 0 sends
// the single-flow export's packets (shifted by its start phase); the same
// seed gives the same bytes.
func TestFlowsPcap(t *testing.T) {
	p := builtinProfile(t, "skype-call")
	const n = 100
	o := Options{Flows: n, Count: 3000, Seed: 3, Pcap: PcapOptions{Nanosecond: true}}
	files, _ := export(t, p, "pcap", "flows.pcap", o)
	pkts := readPcapFlows(t, files[0])
	one, _ := export(t, p, "pcap", "one.pcap", Options{Count: o.Count, Seed: 3, Pcap: PcapOptions{Nanosecond: true}})
	single := readPcapFlows(t, one[0])
	if got, want := len(pkts), 2*n*o.Count; got != want {
		t.Errorf("%d packets, want %d (%d flows × %d a direction × 2)", got, want, n, o.Count)
	}
	for _, d := range []profiles.Dir{profiles.From, profiles.To} {
		tg, keys := flowKeys(t, p, o, d)
		var dp []flowPkt
		for _, pk := range pkts {
			if slices.Contains(keys, pk.key) {
				dp = append(dp, pk)
			}
		}
		hdr := frame.EthLen + frame.IPv4Len + frame.UDPLen
		bps, sizes := modelRate(t, tg.obj, d, o.Model, hdr, 400_000)
		fig := measureFlows(t, "pcap "+d.String(), dp, keys, bps, sizes)
		checkFigures(t, "pcap "+d.String(), fig, n, true)
		// Flow 0 is the single flow's packets, in order.
		var a, b []int
		for _, pk := range dp {
			if pk.key == keys[0] {
				a = append(a, pk.payload)
			}
		}
		for _, pk := range single {
			if pk.key == keys[0] {
				b = append(b, pk.payload)
			}
		}
		if !slices.Equal(a, b) {
			t.Errorf("%s: flow 0 sends %d packets unlike the single-flow export's %d", d, len(a), len(b))
		}
	}
	again, _ := export(t, p, "pcap", "again.pcap", o)
	x, _ := os.ReadFile(files[0])
	y, _ := os.ReadFile(again[0])
	if string(x) != string(y) {
		t.Error("the same seed gave a different pcap")
	}
}

// TestFlowsMoonGen: --flows 100 in the MoonGen script, run under luajit
// with the stand-in: per direction exactly 100 distinct 5-tuples, each
// flow's sizes against the model KS ≤ 0.05, the aggregate byte rate 100 ×
// the model's within 2 %, flows not in step.
func TestFlowsMoonGen(t *testing.T) {
	const n, per = 100, 3000
	p := builtinProfile(t, "skype-call")
	o := Options{Flows: n, Seed: 5}
	rs, out := runMoonGen(t, p, o, n*per, "0", "1")
	t.Log(strings.TrimSpace(out))
	ports := byPort(rs)
	for _, d := range []profiles.Dir{profiles.From, profiles.To} {
		tg, keys := flowKeys(t, p, o, d)
		var pkts []flowPkt
		clock := 0.0
		for _, r := range ports[int(d)] {
			clock += float64(r.delay) * 8 / (moonLink * 1e6) * 1e9
			src, err1 := netip.ParseAddr(r.src)
			dst, err2 := netip.ParseAddr(r.dst)
			if err1 != nil || err2 != nil {
				t.Fatalf("record %+v: addresses do not parse", r)
			}
			pkts = append(pkts, flowPkt{ns: clock, key: flowKey{src, dst, uint16(r.sport), uint16(r.dport)}, payload: r.payload, bytes: r.size})
		}
		hdr := frame.EthLen + frame.IPv4Len + frame.UDPLen
		bps, sizes := modelRate(t, tg.obj, d, o.Model, hdr, 400_000)
		label := "moongen " + d.String()
		checkFigures(t, label, measureFlows(t, label, pkts, keys, bps, sizes), n, true)
	}
}

// TestFlowsBadInput: --flows on a format without flows, out of range, or
// beyond what the ranges hold, is an input error naming the field, and
// writes nothing.
func TestFlowsBadInput(t *testing.T) {
	p := tiny(t)
	var a Addresses
	if err := a.Set("LocalPort", "5000-5009"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		format string
		o      Options
	}{
		{"csv", Options{Flows: 2}},
		{"trex-stf", Options{Flows: 2}},
		{"pcap", Options{Flows: -1}},
		{"pcap", Options{Flows: MaxFlows + 1}},
		{"pcap", Options{Flows: 11, Addr: a}},
		{"trex-stl", Options{Flows: 12, Addr: a, STL: STLOptions{Mode: STLRate}}},
		{"trex-stl", Options{Flows: 10001}},
	} {
		dir := t.TempDir()
		c.o.Output = dir + "/out.yaml"
		_, err := Export(p, c.format, c.o)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "Options.Flows" {
			t.Errorf("%s %+v: got %v, want a FieldError on Options.Flows", c.format, c.o.Flows, err)
			continue
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("%s: %v left behind", c.format, ents)
		}
	}
	if err := a.Set("LocalIP", "10.0.0.9-10.0.0.1"); err == nil {
		t.Error("a reversed range was taken")
	}
}

// BenchmarkExportFlows10000 exports 10,000 flows: rate mode (one stream
// set with field-engine variables, so N costs nothing), chain mode (a
// lead-in and one stream a flow, the most a port takes) and 10 packets a
// flow as a pcap.
func BenchmarkExportFlows10000(b *testing.B) {
	p := builtinProfile(b, "skype-call")
	for _, c := range []struct {
		name   string
		format string
		o      Options
	}{
		{"trex-stl-rate", "trex-stl", Options{Flows: 10000, Count: 20000, STL: STLOptions{Mode: STLRate}}},
		{"trex-stl-chain", "trex-stl", Options{Flows: 10000, Count: 1}},
		{"pcap-10-a-flow", "pcap", Options{Flows: 10000, Count: 10}},
	} {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			c.o.Output = dir + "/flows.yaml"
			if c.format == "pcap" {
				c.o.Output = dir + "/flows.pcap"
			}
			for b.Loop() {
				if _, err := Export(p, c.format, c.o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
