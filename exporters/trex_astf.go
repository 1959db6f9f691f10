package exporters

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/profiles"
)

func init() {
	Register(&Format{
		Name:    "trex-astf",
		Summary: "TRex advanced stateful: a Python profile replaying the flow's pcap (TCP handshake first) at --cps",
		Params:  []Param{cpsParam("ASTFOptions.CPS", func(o *Options) *float64 { return &o.ASTF.CPS })},
		Flows:   true,
		Export:  exportASTF,
	})
}

// DefaultCPS is the connections per second of trex-astf and trex-stf when
// their CPS is 0.
const DefaultCPS = 1

// ASTFOptions are the options of trex-astf.
type ASTFOptions struct {
	CPS float64 // new connections (flows) per second TRex opens; 0 means DefaultCPS
}

func cpsParam(field string, dst func(*Options) *float64) Param {
	return floatParam("cps", field, DefaultCPS, "new connections (flows) per second TRex opens", dst)
}

// positive returns x, or def when x is 0; other values must be positive
// numbers.
func positive(field string, x, def float64) (float64, error) {
	if x == 0 {
		return def, nil
	}
	if !(x > 0) || math.IsInf(x, 0) {
		return 0, fieldf(field, "%g must be positive", x)
	}
	return x, nil
}

// flowPcap is the pcap of one flow of a target.
type flowPcap struct {
	name string
	ref  flowRef
}

// flowPcaps names the pcap of each target and flow: OUT.pcap for one
// object, OUT-N.pcap (N the object's position in the profile) for several;
// with several flows -fF (F the flow) is added.
func flowPcaps(o Options, ts []target) []flowPcap {
	var out []flowPcap
	for i := range ts {
		name := o.Output
		if len(ts) > 1 {
			name = suffixed(name, "-"+strconv.Itoa(ts[i].index))
		}
		for f := range ts[i].flows.n {
			n := name
			if ts[i].flows.n > 1 {
				n = suffixed(n, "-f"+strconv.Itoa(f))
			}
			out = append(out, flowPcap{withExt(n, ".pcap"), flowRef{&ts[i], f, len(out)}})
		}
	}
	return out
}

// statefulTargets selects targets for TRex's stateful modes, which replay
// IPv4 flows: IPv6 objects get the default IPv4 addresses (TRex's own IPv6
// options translate them) and a note. With Options.Flows, ASTF's limits
// decide the addresses: TRex picks client ports itself and takes one
// program per server port, so the flows vary the remote (server) port
// unless ranges say otherwise, and must not share one.
func statefulTargets(p *profiles.Profile, o Options, format string) ([]target, error) {
	ts, err := selectTargets(p, o)
	if err != nil {
		return nil, err
	}
	for i := range ts {
		t := &ts[i]
		if !t.local.ip.Is4() {
			o.notef("object %q: %s replays IPv4 flows; using %v -> %v (TRex's --ipv6 maps them)", t.obj.ID, format, defaultLocalIP4, defaultRemoteIP4)
			t.local.ip, t.remote.ip = defaultLocalIP4, defaultRemoteIP4
		}
		if o.Flows > 1 {
			if t.flows, err = newFlowSetFor(t, o.Addr, o.Flows, true); err != nil {
				return nil, err
			}
			if c := t.flows.f[fRemotePort].count; c < uint64(t.flows.n) {
				return nil, fieldf("Options.Flows", "%d: %s takes one program per server port, and the flows of object %q share %d remote ports (give --remote-port a range of %d)",
					t.flows.n, format, t.obj.ID, c, t.flows.n)
			}
		}
	}
	return ts, nil
}

// writeFlowPcaps writes one pcap per flow, the flow's both directions.
func writeFlowPcaps(p *profiles.Profile, o Options, pcaps []flowPcap, handshake bool) ([]string, error) {
	var files []string
	var sizers []*sizer
	for _, fp := range pcaps {
		var n int64
		err := o.writeFile(fp.name, func(w io.Writer) error {
			sz, c, err := writeFlows(w, p, []flowRef{fp.ref}, o, false, handshake)
			sizers, n = append(sizers, sz...), c
			return err
		})
		if err != nil {
			return files, err
		}
		if len(pcaps) <= 10 {
			o.notef("wrote %s: %d packets of object %q", fp.name, n, fp.ref.t.obj.ID)
		}
		files = append(files, fp.name)
	}
	if len(pcaps) > 10 {
		o.notef("wrote %d pcaps, %s .. %s", len(pcaps), pcaps[0].name, pcaps[len(pcaps)-1].name)
	}
	clampNote(o, sizers...)
	return files, nil
}

func exportASTF(p *profiles.Profile, o Options) ([]string, error) {
	if err := trexName(o.Output, o.Output, ".py"); err != nil {
		return nil, err
	}
	ts, err := statefulTargets(p, o, "trex-astf")
	if err != nil {
		return nil, err
	}
	cps, err := positive("ASTFOptions.CPS", o.ASTF.CPS, DefaultCPS)
	if err != nil {
		return nil, err
	}
	pcaps := flowPcaps(o, ts)
	files, err := writeFlowPcaps(p, o, pcaps, true)
	if err != nil {
		return files, fmt.Errorf("trex-astf: %w", err)
	}
	for _, t := range ts {
		if t.proto == frame.UDP {
			o.notef("object %q: ASTF replays UDP gaps above 50 µs, clips those above 0.7 s, and waits for the peer when the direction changes", t.obj.ID)
		} else {
			o.notef("object %q: ASTF replays the TCP payload; its TCP stack, not the sampled gaps, sets the timing", t.obj.ID)
		}
	}
	var b []byte
	b = fmt.Appendf(b, "# gmm2trex export: trex-astf, model %s, seed %d, source %s\n", o.Model, o.Seed, p.Source.File)
	b = append(b, "# Load: trex-console> start -f THIS.py   (or astf-sim -f THIS.py --json to inspect)\n"...)
	b = append(b, "import os\n\nfrom trex.astf.api import *\n\n# (pcap beside this file, client IP, server IP, connections per second)\nFLOWS = [\n"...)
	for _, fp := range pcaps {
		t := fp.ref.t
		l, r := t.flows.tuple(t, fp.ref.f)
		b = fmt.Appendf(b, "    (%q, %q, %q, %s),  # %s", baseName(fp.name), l.ip.String(), r.ip.String(),
			strconv.FormatFloat(cps, 'g', -1, 64), t.obj.ID)
		if t.flows.n > 1 {
			b = fmt.Appendf(b, ", flow %d", fp.ref.f)
		}
		b = fmt.Appendf(b, ", %d packets a direction\n", o.Count)
	}
	b = append(b, astfTail...)
	if err := o.writeBytes(o.Output, b); err != nil {
		return files, fmt.Errorf("trex-astf: %w", err)
	}
	o.notef("wrote %s: ASTF profile replaying %s", o.Output, flowCount(len(pcaps)))
	return append(files, o.Output), nil
}

const astfTail = `]


class GMM2TRexASTF(object):
    def get_profile(self, tunables, **kwargs):
        here = os.path.dirname(os.path.abspath(__file__))
        caps = []
        ip_gen = None
        for pcap, client, server, cps in FLOWS:
            gen = ASTFIPGen(glob=ASTFIPGenGlobal(ip_offset="1.0.0.0"),
                            dist_client=ASTFIPGenDist(ip_range=[client, client], distribution="seq"),
                            dist_server=ASTFIPGenDist(ip_range=[server, server], distribution="seq"))
            ip_gen = ip_gen or gen
            caps.append(ASTFCapInfo(file=os.path.join(here, pcap), cps=cps, ip_gen=gen))
        return ASTFProfile(default_ip_gen=ip_gen, cap_list=caps)


def register():
    return GMM2TRexASTF()
`
