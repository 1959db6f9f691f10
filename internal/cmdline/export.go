package cmdline

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/exporters"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// FormatList is the formats, one per line with their summary, for help.
func FormatList() string {
	var b strings.Builder
	for _, f := range exporters.Formats() {
		fmt.Fprintf(&b, "   %-10s %s\n", f.Name, f.Summary)
	}
	return b.String()
}

// ExportFlags are export's flags, which imitate shares: what to write
// and where, the addresses, and one flag per format option.
func ExportFlags() []cli.Flag {
	fl := []cli.Flag{
		&cli.StringFlag{Name: "format", Usage: "`FORMAT`: " + strings.Join(exporters.Names(), ", ")},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "output `PATH` (formats writing several files derive their names from it; - for standard output)"},
		ObjectFlag("export only the object `ID` (either orientation, any case) or #N, the Nth of gmm2trex show (repeatable; default: every object)"),
		&cli.StringFlag{Name: "direction", Value: "both", Usage: "`DIR`: from, to or both"},
		// countUnset stands for "not given", so that -c 0 is an error, as sample's -l 0.
		&cli.IntFlag{Name: "count", Aliases: []string{"c"}, Value: countUnset, HideDefault: true, Usage: "`COUNT` packets per direction (default " + strconv.Itoa(exporters.DefaultCount) + ")"},
		&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed `S`: same seed, same output"},
		PlayModelFlag(),
		&cli.IntFlag{Name: "max-frame", Value: exporters.DefaultMaxFrame, Usage: "largest frame in `BYTES` without FCS (60..9238); larger sizes are clamped"},
		&cli.IntFlag{Name: "flows", HideDefault: true, Usage: "`N` concurrent imitations of each object, each its own draw, start phase and 5-tuple (" + strings.Join(exporters.FlowFormats(), ", ") + "; default 1)"},
		&cli.StringFlag{Name: "local-ip", Usage: "`IP` of the local side (default: the profile's); with --flows also a range A-B or a prefix A/N"},
		&cli.StringFlag{Name: "remote-ip", Usage: "`IP` of the remote side (default: the profile's); with --flows also a range A-B or a prefix A/N"},
		&cli.StringFlag{Name: "local-mac", Usage: "`MAC` of the local side (default: the profile's, else 02:00:00:00:00:01)"},
		&cli.StringFlag{Name: "remote-mac", Usage: "`MAC` of the remote side (default: the profile's, else 02:00:00:00:00:02)"},
		&cli.StringFlag{Name: "local-port", Usage: "`PORT` of the local side (default: the profile's, else 8000); with --flows also a range A-B"},
		&cli.StringFlag{Name: "remote-port", Usage: "`PORT` of the remote side (default: the profile's, else 8000); with --flows also a range A-B"},
		MaxOutputFlag(),
		&cli.BoolFlag{Name: "json", Usage: "print what was written, per object and direction, as JSON"},
		QuietFlag,
	}
	// Format options: one flag per parameter name, whatever format declares it.
	for _, u := range exporters.Params() {
		fl = append(fl, ParamFlag(u))
	}
	return fl
}

// Export is an export the flags ask for, before the profile is read.
type Export struct {
	Format string
	exporters.Options
}

// NewExport checks export's flags; profile is the input the output
// must not replace.
func NewExport(ctx context.Context, cmd *cli.Command, profile string) (*Export, error) {
	req := &Export{Format: cmd.String("format")}
	if req.Format == "" {
		return nil, Usagef("--format is required (valid: %s)", strings.Join(exporters.Names(), ", "))
	}
	f, err := exporters.Lookup(req.Format)
	if err != nil {
		return nil, Usagef("--format: %v", err)
	}
	o := &req.Options
	if o.Output = cmd.String("output"); o.Output == "" {
		return nil, Usagef("-o OUT is required (- for standard output)")
	}
	if o.Output == "-" && cmd.Bool("json") {
		return nil, Usagef("-o - writes the traffic to standard output: --json cannot go there too")
	}
	if o.Dirs, err = exporters.ParseDirection(cmd.String("direction")); err != nil {
		return nil, Usagef("--direction: %v", err)
	}
	switch count := cmd.Int("count"); count {
	case 0:
		return nil, Usagef("-c 0: give a count of at least 1 packet per direction (default %d)", exporters.DefaultCount)
	case countUnset:
	default:
		o.Count = int(count)
	}
	if o.MaxBytes, err = MaxOutput(cmd); err != nil {
		return nil, err
	}
	o.Seed, o.MaxFrame, o.Flows = cmd.Uint64("seed"), int(cmd.Int("max-frame")), int(cmd.Int("flows"))
	o.Log, o.Context, o.Protect = LogWriter{Cmd: cmd}, ctx, Inputs(profile)
	if o.Model, err = PlayModel(cmd); err != nil {
		return nil, err
	}
	for _, a := range AddrFlags {
		if err := o.Addr.Set(a[0], cmd.String(a[1])); err != nil {
			return nil, FlagError(err)
		}
	}
	for _, u := range exporters.Params() {
		v := cmd.String(u.Name)
		if u.Switch {
			v = map[bool]string{true: "true"}[cmd.Bool(u.Name)]
		}
		if _, ok := f.Param(u.Name); v != "" && !ok {
			return nil, Usagef("--%s applies to --format %s, not %s", u.Name, u.Formats[0], req.Format)
		} else if v != "" {
			if err := f.Set(o, u.Name, v); err != nil {
				return nil, FlagError(err)
			}
		}
	}
	return req, nil
}

// WriteExport writes req's files from p (or its stream to standard output
// for -o -, whole once it is complete) and prints their paths, or with
// --json what went into them.
func WriteExport(cmd *cli.Command, p *profiles.Profile, req *Export) error {
	ModelNote(cmd, p, req.Options)
	w := cmd.Root().Writer
	if req.Output == "-" {
		var b bytes.Buffer
		if err := exporters.Write(&b, p, req.Format, req.Options); err != nil {
			return FlagError(err)
		}
		_, err := w.Write(b.Bytes())
		return err
	}
	files, err := exporters.Export(p, req.Format, req.Options)
	if err != nil {
		return FlagError(err)
	}
	if cmd.Bool("json") {
		count := cmp.Or(req.Count, exporters.DefaultCount)
		if req.Duration > 0 && req.Count == 0 {
			count = 0 // bounded by the duration instead
		}
		return NewWritten(files, p, req.Objects, req.Dirs, req.Model, count, req.Duration).Encode(w)
	}
	for _, path := range files {
		if cmd.Name != "sample" { // whose note says it, as before
			fmt.Fprintln(w, path)
		}
	}
	return nil
}

// PlayModel is --model of the commands that play a profile (export,
// sample, send, imitate): auto, the default, plays what the profile chose
// for each direction.
func PlayModel(cmd *cli.Command) (sampler.Model, error) {
	m, err := sampler.ParseModel(cmd.String("model"))
	if err != nil {
		return m, Usagef("--model %q: %v", cmd.String("model"), Message(err))
	}
	return m, nil
}

// ModelNote says on stderr which model each direction plays, when it
// matters: --model auto and the selected directions do not all play one.
func ModelNote(cmd *cli.Command, p *profiles.Profile, o exporters.Options) {
	if d := exporters.DescribeModel(p, o); o.Model == sampler.Auto && strings.HasPrefix(d, "auto:") {
		Note(cmd, "model %s (choose with --model)", d)
	}
}

// PlayModelFlag is --model of the commands that play a profile.
func PlayModelFlag() cli.Flag {
	return &cli.StringFlag{Name: "model", Value: "auto", Usage: "`MODEL` to play: auto (each direction as its profile chose), iid (independent mixture draws), hmm (the hidden Markov chains; keeps bursts) or rnn (the recurrent network; not for moongen)"}
}

// countUnset is export's -c when it is not given.
const countUnset = math.MinInt64

// PickObject returns the object --object names (an id in either
// orientation or #N), or the profile's first object when it names none,
// saying that it is "<doing> the first" when there were several.
func PickObject(cmd *cli.Command, p *profiles.Profile, path, doing string) (*profiles.Object, error) {
	var want []string
	if id := cmd.String("object"); id != "" {
		want = []string{id}
	}
	ids, err := ProfileObjects(p, path, want)
	if err != nil {
		return nil, err
	}
	obj, err := exporters.PickObject(p, strings.Join(ids, ""))
	if err == nil && ids == nil && len(p.Objects) > 1 {
		Note(cmd, "the profile has %d objects; %s the first, %q (choose with --object)", len(p.Objects), doing, obj.ID)
	}
	return obj, err
}
