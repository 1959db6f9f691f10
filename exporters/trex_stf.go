package exporters

import (
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/gmm2trex/gmm2trex/profiles"
)

// maxSTFPackets is TRex's limit on packets per direction of a stateful
// (STF) flow pcap: fewer than 65000.
const maxSTFPackets = 65000

func init() {
	Register(&Format{
		Name:    "trex-stf",
		Summary: "TRex legacy stateful YAML (cap_ipg: true) plus the flow's pcap",
		Params: []Param{cpsParam("STFOptions.CPS", func(o *Options) *float64 { return &o.STF.CPS }),
			floatParam("stf-duration", "STFOptions.Duration", DefaultSTFDuration, "test duration in seconds written in the YAML",
				func(o *Options) *float64 { return &o.STF.Duration })},
		Export: exportSTF,
	})
}

// DefaultSTFDuration is the test duration trex-stf writes when its
// Duration is 0.
const DefaultSTFDuration = 10

// STFOptions are the options of trex-stf.
type STFOptions struct {
	CPS      float64 // new connections (flows) per second; 0 means DefaultCPS
	Duration float64 // the test duration in seconds written in the YAML; 0 means DefaultSTFDuration
}

func baseName(path string) string { return filepath.Base(path) }

func exportSTF(p *profiles.Profile, o Options) ([]string, error) {
	if o.Count >= maxSTFPackets {
		return nil, fmt.Errorf("trex-stf: %w", fieldf("Options.Count", "%d: TRex's stateful mode takes fewer than %d packets a direction per flow", o.Count, maxSTFPackets))
	}
	cps, err := positive("STFOptions.CPS", o.STF.CPS, DefaultCPS)
	if err != nil {
		return nil, err
	}
	dur, err := positive("STFOptions.Duration", o.STF.Duration, DefaultSTFDuration)
	if err != nil {
		return nil, err
	}
	ts, err := statefulTargets(p, o, "trex-stf")
	if err != nil {
		return nil, err
	}
	pcaps := flowPcaps(o, ts)
	files, err := writeFlowPcaps(p, o, pcaps, false)
	if err != nil {
		return files, fmt.Errorf("trex-stf: %w", err)
	}
	t0 := ts[0]
	ff := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	var b []byte
	b = fmt.Appendf(b, "# gmm2trex export: trex-stf, model %s, seed %d, source %s\n", o.Model, o.Seed, p.Source.File)
	b = append(b, "# Pcap names are relative to this file's directory: run t-rex-64 -f THIS.yaml from there,\n# or make them absolute.\n"...)
	b = append(b, "# cap_ipg: true takes every gap from the pcap; ipg and rtt are required but then unused.\n"...)
	b = fmt.Appendf(b, "- duration: %s\n", ff(dur))
	b = append(b, "  generator:\n    distribution: seq\n"...)
	b = fmt.Appendf(b, "    clients_start: %q\n    clients_end: %q\n", t0.local.ip.String(), t0.local.ip.String())
	b = fmt.Appendf(b, "    servers_start: %q\n    servers_end: %q\n", t0.remote.ip.String(), t0.remote.ip.String())
	b = append(b, "    dual_port_mask: \"1.0.0.0\"\n  cap_ipg: true\n  cap_info:\n"...)
	for i, t := range ts {
		rel, err := filepath.Rel(filepath.Dir(o.Output), pcaps[i].name)
		if err != nil {
			rel = pcaps[i].name
		}
		b = fmt.Appendf(b, "    - name: %q  # %s\n      cps: %s\n      ipg: 10000\n      rtt: 10000\n      w: 1\n", rel, t.obj.ID, ff(cps))
	}
	if err := o.writeBytes(o.Output, b); err != nil {
		return files, fmt.Errorf("trex-stf: %w", err)
	}
	o.notef("wrote %s: stateful YAML with %s at %s cps", o.Output, flowCount(len(ts)), ff(cps))
	return append(files, o.Output), nil
}
