package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/atomicfile"
	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

func init() {
	register(&cli.Command{
		Name:  "sample",
		Usage: "generate a packet sequence from a profile, as CSV or as a pcap",
		UsageText: "gmm2trex sample PROFILE [--object ID] (-c COUNT | -l SECONDS) [--model iid|hmm] [--seed S] -o OUT.csv|OUT.pcap\n\n" +
			"Examples:\n" +
			"   gmm2trex sample call.profile.yaml -c 5000 -o gen.csv\n" +
			"   gmm2trex sample call.profile.yaml -l 60 --model hmm --seed 7 -o gen.pcap",
		Description: "Draws packets (time, direction, size, gap) from one object of the profile:\n" +
			"-c COUNT packets per direction, or every packet in the first -l SECONDS. Both\n" +
			"directions share one timeline from t=0. --model iid draws each gap and size\n" +
			"independently from the mixtures; hmm walks the profile's hidden Markov chains\n" +
			"(estimate --model hmm), which keeps bursts and the packet-to-packet correlation.\n\n" +
			"OUT.csv has the header time,direction,size,iat (seconds from 0; from|to; bytes;\n" +
			"the direction's gap, empty for its first packet). OUT.pcap holds Ethernet frames\n" +
			"with the object's addresses, ports and protocol and valid checksums; the payload\n" +
			"is zeros, sized so that the profile's size unit (payload, ip or frame) matches.\n" +
			"A direction without a model is skipped with a message.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "object", Usage: "the object `ID` to sample (default: the profile's first object)"},
			&cli.IntFlag{Name: "count", Aliases: []string{"c"}, Usage: "`COUNT` packets per direction"},
			&cli.FloatFlag{Name: "length", Aliases: []string{"l"}, Usage: "every packet of the first `SECONDS`"},
			&cli.StringFlag{Name: "model", Value: "iid", Usage: "`iid` (independent mixture draws) or hmm (the hidden Markov chains)"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed `S`: same seed, same output"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "output `FILE`: .csv or .pcap"},
		},
		Action: runSample,
	})
}

func runSample(ctx context.Context, cmd *cli.Command) error {
	if cmd.NArg() != 1 {
		return usagef("sample needs one argument, the PROFILE; got %d", cmd.NArg())
	}
	out := cmd.String("output")
	ext := strings.ToLower(filepath.Ext(out))
	if out == "" || (ext != ".csv" && ext != ".pcap") {
		return usagef("-o %q: give an output file ending in .csv or .pcap", out)
	}
	count, length := cmd.Int("count"), cmd.Float("length")
	// Values, not cmd.IsSet: IsSet stays true across in-process runs (tests).
	switch {
	case (count != 0) == (length != 0):
		return usagef("give exactly one of -c COUNT or -l SECONDS")
	case count < 0:
		return usagef("-c %d: must be at least 1", count)
	case length != 0 && !(length > 0 && !math.IsInf(length, 0)):
		return usagef("-l %v: must be a number of seconds > 0", length)
	}
	model, err := sampler.ParseModel(cmd.String("model"))
	if err != nil {
		return usagef("--model: %v", err)
	}
	p, err := profiles.Load(cmd.Args().First())
	if err != nil {
		return err
	}
	errw := cmd.Root().ErrWriter
	obj, err := pickObject(p, cmd.String("object"), errw)
	if err != nil {
		return err
	}
	var dirs []profiles.Dir
	for _, d := range []profiles.Dir{profiles.From, profiles.To} {
		dm := obj.Dir(d)
		switch {
		case dm == nil:
			fmt.Fprintf(errw, "gmm2trex: %s %s: no model (too few packets in the capture), skipped\n", obj.ID, d)
		case model == sampler.HMM && (dm.HMM == nil || len(dm.HMM.Chains) == 0):
			fmt.Fprintf(errw, "gmm2trex: %s %s: no HMM in the profile (estimate with --model hmm), skipped\n", obj.ID, d)
		default:
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		return fmt.Errorf("sample: %s: object %q has no direction to generate with --model %s", cmd.Args().First(), obj.ID, model)
	}
	st, err := sampler.New(obj, sampler.Options{Model: model, Seed: cmd.Uint64("seed"), Count: int(count), Duration: length, Directions: dirs})
	if err != nil {
		return err
	}
	var n [2]int
	var last float64
	write := func(w io.Writer) error {
		var pk sampler.Packet
		var err error
		if ext == ".csv" {
			n, last, err = writeSampleCSV(w, st, &pk)
		} else {
			n, last, err = writeSamplePcap(w, p, obj, st, &pk, errw)
		}
		return err
	}
	if err := atomicfile.Write(out, 0o644, write); err != nil {
		return err
	}
	fmt.Fprintf(errw, "gmm2trex: wrote %d packets (from %d, to %d) over %.3f s to %s", n[0]+n[1], n[0], n[1], last, out)
	if c := st.Clamped(); c > 0 {
		fmt.Fprintf(errw, "; %d draws clamped to the observed bounds", c)
	}
	fmt.Fprintln(errw)
	return nil
}

// pickObject returns the object named id, or the profile's first object
// (estimate writes them largest first) when id is empty.
func pickObject(p *profiles.Profile, id string, errw io.Writer) (*profiles.Object, error) {
	if len(p.Objects) == 0 {
		return nil, fmt.Errorf("the profile has no objects")
	}
	if id == "" {
		if len(p.Objects) > 1 {
			fmt.Fprintf(errw, "gmm2trex: the profile has %d objects; sampling the first, %q (choose with --object)\n", len(p.Objects), p.Objects[0].ID)
		}
		return &p.Objects[0], nil
	}
	if o := p.Object(id); o != nil {
		return o, nil
	}
	ids := p.IDs()
	for i := range ids {
		ids[i] = strconv.Quote(ids[i])
	}
	return nil, fmt.Errorf("no object %q in the profile (it has %s)", id, strings.Join(ids, ", "))
}

// writeSampleCSV writes the stream as the contract's CSV, reusing one line
// buffer. Times and gaps have nanosecond resolution, as pcaps do.
func writeSampleCSV(w io.Writer, st *sampler.Stream, pk *sampler.Packet) (n [2]int, last float64, err error) {
	if _, err = io.WriteString(w, sampleCSVHeader+"\n"); err != nil {
		return
	}
	buf := make([]byte, 0, 64)
	for st.Next(pk) {
		buf = strconv.AppendFloat(buf[:0], pk.Time, 'f', 9, 64)
		buf = append(buf, ',')
		buf = append(buf, pk.Dir.String()...)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(pk.Size), 10)
		buf = append(buf, ',')
		if !pk.First {
			buf = strconv.AppendFloat(buf, pk.Gap, 'f', 9, 64)
		}
		buf = append(buf, '\n')
		if _, err = w.Write(buf); err != nil {
			return
		}
		n[pk.Dir]++
		last = pk.Time
	}
	return
}

// Addresses for objects whose profile lacks them (devices have no ports, a
// MAC-less link has no MACs): the benchmarking range (RFC 2544) and its IPv6
// documentation counterpart, locally administered MACs, the original tool's
// data port.
var (
	sampleLocalIP4  = netip.MustParseAddr("198.18.0.1")
	sampleRemoteIP4 = netip.MustParseAddr("198.18.0.2")
	sampleLocalIP6  = netip.MustParseAddr("2001:db8::1")
	sampleRemoteIP6 = netip.MustParseAddr("2001:db8::2")
	sampleLocalMAC  = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x01}
	sampleRemoteMAC = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x02}
)

const samplePort = 8000

// sampleSpecs builds the frame specs of both directions (index profiles.Dir)
// from the object's endpoints, with defaults where they are missing.
func sampleSpecs(obj *profiles.Object) ([2]frame.Spec, error) {
	var specs [2]frame.Spec
	addr := func(s string, what string) (netip.Addr, error) {
		if s == "" {
			return netip.Addr{}, nil
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return a, fmt.Errorf("object %q: %s IP %q: %v", obj.ID, what, s, err)
		}
		return a.Unmap(), nil
	}
	lip, err := addr(obj.Local.IP, "local")
	if err != nil {
		return specs, err
	}
	rip, err := addr(obj.Remote.IP, "remote")
	if err != nil {
		return specs, err
	}
	v6 := lip.Is6() || rip.Is6()
	if !lip.IsValid() {
		lip = map[bool]netip.Addr{false: sampleLocalIP4, true: sampleLocalIP6}[v6]
	}
	if !rip.IsValid() {
		rip = map[bool]netip.Addr{false: sampleRemoteIP4, true: sampleRemoteIP6}[v6]
	}
	if lip.Is4() != rip.Is4() {
		return specs, fmt.Errorf("object %q: local %s and remote %s are not of one IP version", obj.ID, lip, rip)
	}
	mac := func(s string, def net.HardwareAddr) (net.HardwareAddr, error) {
		if s == "" {
			return def, nil
		}
		m, err := net.ParseMAC(s)
		if err != nil || len(m) != 6 {
			return nil, fmt.Errorf("object %q: MAC %q is not an Ethernet address", obj.ID, s)
		}
		return m, nil
	}
	lmac, err := mac(obj.Local.MAC, sampleLocalMAC)
	if err != nil {
		return specs, err
	}
	rmac, err := mac(obj.Remote.MAC, sampleRemoteMAC)
	if err != nil {
		return specs, err
	}
	port := func(p int) uint16 {
		if p <= 0 || p > 65535 {
			return samplePort
		}
		return uint16(p)
	}
	proto := frame.UDP
	if obj.Proto != "" {
		if proto, err = frame.ParseProto(obj.Proto); err != nil {
			return specs, fmt.Errorf("object %q: %v", obj.ID, err)
		}
	}
	lp, rp := port(obj.Local.Port), port(obj.Remote.Port)
	specs[profiles.From] = frame.Spec{SrcMAC: lmac, DstMAC: rmac, SrcIP: lip, DstIP: rip, Proto: proto, SrcPort: lp, DstPort: rp}
	specs[profiles.To] = frame.Spec{SrcMAC: rmac, DstMAC: lmac, SrcIP: rip, DstIP: lip, Proto: proto, SrcPort: rp, DstPort: lp}
	return specs, nil
}

// writeSamplePcap writes the stream as Ethernet frames. Sizes are in the
// profile's unit: payload bytes are the size itself, less the IP and
// transport headers for --size ip, less every header for --size frame.
// TCP frames carry consistent sequence and acknowledgement numbers.
func writeSamplePcap(w io.Writer, p *profiles.Profile, obj *profiles.Object, st *sampler.Stream, pk *sampler.Packet, errw io.Writer) (n [2]int, last float64, err error) {
	specs, err := sampleSpecs(obj)
	if err != nil {
		return n, 0, err
	}
	var tpl [2]*frame.Template
	var biggest float64
	for _, d := range []profiles.Dir{profiles.From, profiles.To} {
		if dm := obj.Dir(d); dm != nil {
			biggest = max(biggest, dm.Size.Max)
		}
	}
	for d := range specs {
		// Room for the largest size of the profile, jumbo frames included.
		specs[d].MaxFrame = min(max(1514, int(biggest)+frame.EthLen+frame.IPv6Len+frame.TCPLen), frame.MaxJumbo)
		if tpl[d], err = frame.New(specs[d]); err != nil {
			return n, 0, fmt.Errorf("object %q: %v", obj.ID, err)
		}
	}
	var overhead int
	switch p.Settings.Size {
	case "ip":
		overhead = tpl[0].HeaderLen() - frame.EthLen
	case "frame":
		overhead = tpl[0].HeaderLen()
	}
	base := time.Unix(0, 0)
	if t, perr := time.Parse(time.RFC3339Nano, p.Source.Start); perr == nil {
		base = t
	}
	pw, err := frame.NewPcapWriter(w, 0, true)
	if err != nil {
		return n, 0, err
	}
	seq := [2]uint32{1, 1}
	clipped := 0
	for st.Next(pk) {
		d := pk.Dir
		payload := pk.Size - overhead
		if payload < 0 || payload > tpl[d].MaxPayload() {
			clipped++
			payload = min(max(payload, 0), tpl[d].MaxPayload())
		}
		var fr []byte
		if tpl[d].Proto() == frame.TCP {
			fr = tpl[d].TCPFrame(payload, seq[d], seq[1-d], frame.FlagPSH|frame.FlagACK)
			seq[d] += uint32(payload)
		} else {
			fr = tpl[d].Frame(payload)
		}
		ns := base.UnixNano() + int64(math.Round(pk.Time*1e9))
		if err = pw.WritePacket(ns, fr); err != nil {
			return
		}
		n[d]++
		last = pk.Time
	}
	if clipped > 0 {
		fmt.Fprintf(errw, "gmm2trex: %d packets had sizes that no frame can carry (unit %q) and were clipped\n", clipped, p.Settings.Size)
	}
	return
}
