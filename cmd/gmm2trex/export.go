package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/exporters"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

func init() {
	register(&cli.Command{
		Name:  "export",
		Usage: "write a profile as input for TRex, MoonGen, D-ITG, a pcap or CSV",
		UsageText: "gmm2trex export PROFILE --format FORMAT -o OUT [--object ID]... [--direction from|to|both] [-c COUNT]\n" +
			"                [--seed S] [--model iid|hmm] [--max-frame N] [address overrides] [format options]\n\n" +
			"Formats:\n" + formatList() + "\n" +
			"Examples:\n" +
			"   gmm2trex export call.profile.yaml --format trex-stl -o call.yaml      # call-from.yaml, call-to.yaml\n" +
			"   gmm2trex export call.profile.yaml --format pcap -c 100000 -o call.pcap --remote-mac 02:00:00:00:00:02",
		Description: "Samples each selected object and direction (-c packets each, seeded) and writes the\n" +
			"target's files atomically. Frames are Ethernet / IPv4 or IPv6 / UDP or TCP with correct\n" +
			"lengths and checksums, the sampled size as payload, padded to 60 bytes; sizes above\n" +
			"--max-frame are clamped and counted in a warning. Notes go to stderr, the paths written\n" +
			"to stdout, one per line.",
		Flags:  exportFlags(),
		Action: runExport,
	})
}

func formatList() string {
	var b strings.Builder
	for _, f := range exporters.Formats() {
		fmt.Fprintf(&b, "   %-10s %s\n", f.Name, f.Summary)
	}
	return b.String()
}

func exportFlags() []cli.Flag {
	fl := []cli.Flag{
		&cli.StringFlag{Name: "format", Usage: "`FORMAT`: " + strings.Join(exporters.Names(), ", ")},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "output `PATH` (formats writing several files derive their names from it)"},
		&cli.StringSliceFlag{Name: "object", Usage: "export only the object with this `ID` (repeatable; default: every object)"},
		&cli.StringFlag{Name: "direction", Value: "both", Usage: "`from`, to or both"},
		&cli.IntFlag{Name: "count", Aliases: []string{"c"}, HideDefault: true, Usage: "`COUNT` packets per direction (default " + strconv.Itoa(exporters.DefaultCount) + ")"},
		&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed `S`: same seed, same output"},
		&cli.StringFlag{Name: "model", Usage: "`iid` (independent mixture draws) or hmm (keeps bursts); default hmm when every selected direction has one, else iid"},
		&cli.IntFlag{Name: "max-frame", Value: exporters.DefaultMaxFrame, Usage: "largest frame in `BYTES` without FCS (60..9238); larger sizes are clamped"},
		&cli.StringFlag{Name: "local-ip", Usage: "`IP` of the local side (default: the profile's)"},
		&cli.StringFlag{Name: "remote-ip", Usage: "`IP` of the remote side (default: the profile's)"},
		&cli.StringFlag{Name: "local-mac", Usage: "`MAC` of the local side (default: the profile's, else 02:00:00:00:00:01)"},
		&cli.StringFlag{Name: "remote-mac", Usage: "`MAC` of the remote side (default: the profile's, else 02:00:00:00:00:02)"},
		&cli.IntFlag{Name: "local-port", HideDefault: true, Usage: "`PORT` of the local side (default: the profile's, else 8000)"},
		&cli.IntFlag{Name: "remote-port", HideDefault: true, Usage: "`PORT` of the remote side (default: the profile's, else 8000)"},
		quietFlag,
	}
	// Format options: one flag per parameter name, whatever format declares it.
	type seen struct {
		p       exporters.Param
		formats []string
	}
	var order []string
	params := map[string]*seen{}
	for _, f := range exporters.Formats() {
		for _, p := range f.Params {
			if s, ok := params[p.Name]; ok {
				s.formats = append(s.formats, f.Name)
				continue
			}
			params[p.Name] = &seen{p, []string{f.Name}}
			order = append(order, p.Name)
		}
	}
	for _, name := range order {
		s := params[name]
		usage := s.p.Usage
		if s.p.Choices != nil {
			usage += " (" + strings.Join(s.p.Choices, ", ") + ")"
		}
		usage += " [" + strings.Join(s.formats, ", ")
		if s.p.Default != "" {
			usage += "; default " + s.p.Default
		}
		usage += "]"
		// Values arrive as text and exporters.Export checks them against the
		// declared kind: an empty string means "not given" (cmd.IsSet stays
		// true across in-process runs, so it cannot tell).
		if s.p.Kind == exporters.Bool {
			fl = append(fl, &cli.BoolFlag{Name: name, Usage: usage})
		} else {
			fl = append(fl, &cli.StringFlag{Name: name, Usage: usage})
		}
	}
	return fl
}

func runExport(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() != 1 {
		return usagef("export takes one PROFILE argument, got %d", cmd.Args().Len())
	}
	format := cmd.String("format")
	if format == "" {
		return usagef("--format is required (valid: %s)", strings.Join(exporters.Names(), ", "))
	}
	f, err := exporters.Lookup(format)
	if err != nil {
		return usagef("--format: %v", err)
	}
	if cmd.String("output") == "" {
		return usagef("-o OUT is required")
	}
	dirs, err := exporters.ParseDirection(cmd.String("direction"))
	if err != nil {
		return usagef("--direction: %v", err)
	}
	p, err := profiles.Load(cmd.Args().First())
	if err != nil {
		return err
	}
	o := exporters.Options{
		Output:   cmd.String("output"),
		Objects:  cmd.StringSlice("object"),
		Dirs:     dirs,
		Count:    int(cmd.Int("count")),
		Seed:     cmd.Uint64("seed"),
		MaxFrame: int(cmd.Int("max-frame")),
		Params:   map[string]string{},
		Log:      prefixWriter{cmd},
	}
	if len(o.Objects) == 0 {
		o.Objects = nil
	}
	if m := cmd.String("model"); m != "" {
		if o.Model, err = sampler.ParseModel(m); err != nil {
			return usagef("--model: %v", err)
		}
	} else {
		o.Model = defaultModel(p, o)
		fmt.Fprintf(cmd.Root().ErrWriter, "gmm2trex: model %s (hmm when every selected direction has one; choose with --model)\n", o.Model)
	}
	if o.Addr, err = addressFlags(cmd); err != nil {
		return err
	}
	for _, pr := range f.Params {
		if pr.Kind == exporters.Bool {
			o.Params[pr.Name] = strconv.FormatBool(cmd.Bool(pr.Name))
		} else {
			o.Params[pr.Name] = cmd.String(pr.Name)
		}
	}
	for _, g := range exporters.Formats() {
		for _, pr := range g.Params {
			given := cmd.String(pr.Name) != ""
			if pr.Kind == exporters.Bool {
				given = cmd.Bool(pr.Name)
			}
			if given && !slices.ContainsFunc(f.Params, func(q exporters.Param) bool { return q.Name == pr.Name }) {
				return usagef("--%s applies to --format %s, not %s", pr.Name, g.Name, format)
			}
		}
	}
	files, err := exporters.Export(p, format, o)
	for _, path := range files {
		fmt.Fprintln(cmd.Root().Writer, path)
	}
	return err
}

// defaultModel is hmm when every selected direction has an HMM, else iid.
func defaultModel(p *profiles.Profile, o exporters.Options) sampler.Model {
	dirs := o.Dirs
	if dirs == nil {
		dirs = []profiles.Dir{profiles.From, profiles.To}
	}
	any := false
	for i := range p.Objects {
		obj := &p.Objects[i]
		if o.Objects != nil && !slices.Contains(o.Objects, obj.ID) {
			continue
		}
		for _, d := range dirs {
			dm := obj.Dir(d)
			if dm == nil {
				continue
			}
			if dm.HMM == nil || len(dm.HMM.Chains) == 0 {
				return sampler.IID
			}
			any = true
		}
	}
	if any {
		return sampler.HMM
	}
	return sampler.IID
}

func addressFlags(cmd *cli.Command) (exporters.Addresses, error) {
	var a exporters.Addresses
	var err error
	for _, ip := range []struct {
		flag string
		dst  *netip.Addr
	}{{"local-ip", &a.LocalIP}, {"remote-ip", &a.RemoteIP}} {
		if s := cmd.String(ip.flag); s != "" {
			if *ip.dst, err = netip.ParseAddr(s); err != nil {
				return a, usagef("--%s: %q is not an IP address", ip.flag, s)
			}
		}
	}
	for _, m := range []struct {
		flag string
		dst  *net.HardwareAddr
	}{{"local-mac", &a.LocalMAC}, {"remote-mac", &a.RemoteMAC}} {
		if s := cmd.String(m.flag); s != "" {
			if *m.dst, err = net.ParseMAC(s); err != nil || len(*m.dst) != 6 {
				return a, usagef("--%s: %q is not a 6-byte MAC address", m.flag, s)
			}
		}
	}
	for _, pt := range []struct {
		flag string
		dst  *int
	}{{"local-port", &a.LocalPort}, {"remote-port", &a.RemotePort}} {
		if v := cmd.Int(pt.flag); v != 0 {
			if v < 1 || v > 65535 {
				return a, usagef("--%s: %d outside 1..65535", pt.flag, v)
			}
			*pt.dst = int(v)
		}
	}
	return a, nil
}

// prefixWriter prints the exporters' notes on stderr, one per line, prefixed
// like every other message of the tool.
type prefixWriter struct{ cmd *cli.Command }

func (w prefixWriter) Write(b []byte) (int, error) {
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if line != "" {
			fmt.Fprint(w.cmd.Root().ErrWriter, "gmm2trex: "+line)
		}
	}
	return len(b), nil
}
