package exporters

import (
	"fmt"
	"io"
	"strconv"

	"github.com/gmm2trex/gmm2trex/profiles"
)

func init() {
	Register(&Format{
		Name:    "trex-py",
		Summary: "TRex stateless Python profile (the trex-stl streams as an editable table; port 0 from, port 1 to)",
		Params:  stlParams,
		Flows:   true,
		Export:  exportPy,
		Write:   writePy,
	})
}

// exportPy writes the trex-stl plan as one Python profile: TRex calls
// get_streams with direction = port % 2, so one file serves both ports.
// Each group (object and direction) is a dict with its addresses and either
// a chain table — one (isg µs, payload bytes) row per stream — or a rate.
func exportPy(p *profiles.Profile, o Options) ([]string, error) {
	if err := trexName(o.Output, o.Output, ".py"); err != nil {
		return nil, err
	}
	pl, err := planSTL(p, o, nil)
	if err != nil {
		return nil, err
	}
	clampNote(o, pl.sizers...)
	err = o.writeFile(o.Output, func(w io.Writer) error { return pl.writePy(w, p, o) })
	if err != nil {
		return nil, fmt.Errorf("trex-py: %w", err)
	}
	n := len(pl.groups[0]) + len(pl.groups[1])
	o.notef("wrote %s: %d stream groups (port 0: direction from, port 1: direction to)", o.Output, n)
	return []string{o.Output}, nil
}

func writePy(w io.Writer, p *profiles.Profile, o Options) error {
	pl, err := planSTL(p, o, nil)
	if err != nil {
		return err
	}
	clampNote(o, pl.sizers...)
	return pl.writePy(w, p, o)
}

const pyHead = `from trex.stl.api import *
from scapy.all import Ether, IP, IPv6, TCP, UDP, Raw, Padding

# Each group is one object and direction: its addresses, then either a chain
# (one row per single-packet stream: the gap before it in microseconds, its
# payload in bytes; the last stream loops to the first, 'loops' times, 0 =
# forever) or a rate (a continuous stream at pps whose frame length is drawn
# from 'frame_sizes', quantiles of the sampled sizes).
`

const pyTail = `

class GMM2TRex(object):
    def packet(self, g, payload, zero_udp_checksum=False):
        eth = Ether(src=g["src_mac"], dst=g["dst_mac"])
        if g["ipv6"]:
            l3 = IPv6(src=g["src"], dst=g["dst"], hlim=64)
        else:
            l3 = IP(src=g["src"], dst=g["dst"], flags="DF", id=0, ttl=64)
        if g["proto"] == "TCP":
            l4 = TCP(sport=g["sport"], dport=g["dport"], seq=1, ack=1, flags="PA", window=65535)
        elif zero_udp_checksum:
            l4 = UDP(sport=g["sport"], dport=g["dport"], chksum=0)
        else:
            l4 = UDP(sport=g["sport"], dport=g["dport"])
        pkt = eth / l3 / l4 / Raw(b"\x00" * payload)
        if len(pkt) < 60:  # the Ethernet minimum, as in the YAML export
            pkt = pkt / Padding(b"\x00" * (60 - len(pkt)))
        return pkt

    def rate_vm(self, g, sizes):
        # Trim the largest frame to a random quantile, rewrite the length
        # fields trimming does not touch, fix the checksums.
        l4 = 14 + (40 if g["ipv6"] else 20)
        vm = STLVM()
        # With several flows: one variable per varied field of the 5-tuple,
        # drawn per packet (name, bytes, offset, first, last).
        for name, size, offset, lo, hi in g.get("flow_vars", []):
            vm.var(name=name, min_value=lo, max_value=hi, size=size, op="random", step=1)
        vm.var(name="L", min_value=0, max_value=0, size=2, op="random", value_list=sizes)
        vm.trim(fv_name="L")
        for name, size, offset, lo, hi in g.get("flow_vars", []):
            vm.write(fv_name=name, pkt_offset=offset, add_val=0)
        if g["ipv6"]:
            vm.write(fv_name="L", pkt_offset=18, add_val=-54)
        else:
            vm.write(fv_name="L", pkt_offset=16, add_val=-14)
            vm.fix_chksum(offset=14)
        if g["proto"] == "UDP":
            vm.write(fv_name="L", pkt_offset=l4 + 4, add_val=-l4)
        if g["proto"] == "TCP" or g["ipv6"]:
            vm.fix_chksum_hw(l3_offset=14, l4_offset=l4, l4_type=13 if g["proto"] == "TCP" else 11)
        return vm

    def get_streams(self, direction=0, **kwargs):
        streams = []
        for g in GROUPS:
            if g["direction"] != direction % 2:
                continue
            keep = dict(mac_src_override_by_pkt=g["keep_macs"],
                        mac_dst_override_mode=STLStreamDstMAC_PKT if g["keep_macs"] else STLStreamDstMAC_CFG_FILE)
            if "rate" in g:
                sizes = g["rate"]["frame_sizes"]
                v4udp = g["proto"] == "UDP" and not g["ipv6"]
                pkt = STLPktBuilder(pkt=self.packet(g, max(sizes) - g["header_len"], zero_udp_checksum=v4udp),
                                    vm=self.rate_vm(g, sizes))
                streams.append(STLStream(name=g["name"] + "rate", packet=pkt,
                                         mode=STLTXCont(pps=g["rate"]["pps"]), **keep))
                continue
            chain = g["chain"]
            built = {}
            lead = g.get("lead")
            loops = g["loops"]
            if lead is not None:
                # One of several flows: a lead-in sends the first packet after
                # the flow's start phase, then the ring runs from its second.
                # A one-stream ring counts only its own plays: one fewer, and
                # none at all when the chain plays once.
                alone = len(chain) == 1 and loops == 1
                if len(chain) == 1 and loops > 1:
                    loops -= 1
                built[chain[0][1]] = STLPktBuilder(pkt=self.packet(g, chain[0][1]))
                streams.append(STLStream(name=g["name"] + "lead", packet=built[chain[0][1]],
                                         mode=STLTXSingleBurst(total_pkts=1, percentage=100),
                                         isg=lead, self_start=True,
                                         next=None if alone else g["name"] + "s%d" % (1 % len(chain)), **keep))
                if alone:
                    continue
            for i, (isg, payload) in enumerate(chain):
                if payload not in built:
                    built[payload] = STLPktBuilder(pkt=self.packet(g, payload))
                last = i == len(chain) - 1
                streams.append(STLStream(name=g["name"] + "s%d" % i,
                                         packet=built[payload],
                                         mode=STLTXSingleBurst(total_pkts=1, percentage=100),
                                         isg=isg,
                                         self_start=i == 0 and lead is None,
                                         next=g["name"] + "s%d" % ((i + 1) % len(chain)),
                                         action_count=loops if last else 0,
                                         **keep))
        return streams


def register():
    return GMM2TRex()
`

func pyStr(s string) string { return strconv.Quote(s) }

func (pl *stlPlan) writePy(w io.Writer, p *profiles.Profile, o Options) error {
	var b []byte
	for d := range pl.groups {
		b = append(b, pl.header(p, o, profiles.Dir(d), "#")...)
	}
	b = append(b, "#\n# Load: trex-console> start -f THIS.py --port 0 1   (port 0 sends direction from, port 1 direction to)\n"...)
	b = append(b, pyHead...)
	b = append(b, "GROUPS = [\n"...)
	if _, err := w.Write(b); err != nil {
		return err
	}
	for d := range pl.groups {
		for _, g := range pl.groups[d] {
			src, dst := g.t.flowSide(g.dir, g.flow)
			b = fmt.Appendf(b[:0], "    {  # object %s, direction %s\n", pyStr(g.t.obj.ID), g.dir)
			b = fmt.Appendf(b, "        \"direction\": %d, \"name\": %s, \"proto\": %s, \"ipv6\": %s, \"header_len\": %d,\n",
				d, pyStr(g.prefix), pyStr(g.tpl.Proto().String()), map[bool]string{true: "True", false: "False"}[g.tpl.IPv6()], g.tpl.HeaderLen())
			b = fmt.Appendf(b, "        \"src_mac\": %s, \"dst_mac\": %s, \"src\": %s, \"dst\": %s, \"sport\": %d, \"dport\": %d,\n",
				pyStr(src.mac.String()), pyStr(dst.mac.String()), pyStr(src.ip.String()), pyStr(dst.ip.String()), src.port, dst.port)
			b = fmt.Appendf(b, "        \"keep_macs\": %s,\n", map[bool]string{true: "True", false: "False"}[g.flags() == 3])
			if pl.mode == "rate" {
				s := g.streams[0]
				b = append(b, "        \"rate\": {\"pps\": "...)
				b = strconv.AppendFloat(b, s.pps, 'g', 10, 64)
				b = append(b, ", \"frame_sizes\": ["...)
				b = appendInts(b, s.sizes)
				b = append(b, "]},\n"...)
				if len(g.fvars) > 0 {
					b = append(b, "        \"flow_vars\": ["...)
					for i, v := range g.fvars {
						if i > 0 {
							b = append(b, ", "...)
						}
						b = fmt.Appendf(b, "(%s, %d, %d, %d, %d)", pyStr(v.name), v.size, v.offset, v.min, v.max)
					}
					b = fmt.Appendf(b, "],  # %d flows\n", g.t.flows.n)
				}
				b = append(b, "    },\n"...)
				if _, err := w.Write(b); err != nil {
					return err
				}
				continue
			}
			ring := g.streams
			if g.lead {
				b = append(b, "        \"lead\": "...)
				b = strconv.AppendFloat(b, g.streams[0].isg, 'f', 3, 64)
				b = append(b, ",  # µs: the flow's start phase, before its first packet\n"...)
				ring = g.streams[1:]
				if len(ring) == 0 { // a one-packet chain played once: the lead-in alone
					ring = g.streams[:1]
				}
			}
			b = fmt.Appendf(b, "        \"loops\": %d,\n        \"chain\": [  # (isg_us, payload_bytes)\n", g.plays)
			for i := range ring {
				s := &ring[i]
				b = append(b, "            ("...)
				b = strconv.AppendFloat(b, s.isg, 'f', 3, 64)
				b = append(b, ", "...)
				b = strconv.AppendInt(b, int64(s.payload), 10)
				b = append(b, "),\n"...)
				if len(b) > 32<<10 {
					if _, err := w.Write(b); err != nil {
						return err
					}
					b = b[:0]
				}
			}
			b = append(b, "        ],\n    },\n"...)
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
	}
	_, err := io.WriteString(w, "]\n"+pyTail)
	return err
}
