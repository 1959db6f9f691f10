package exporters

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/gmm2trex/gmm2trex/internal/atomicfile"
	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// D-ITG limits (2.8.1, checked by running it): the smallest UDP payload for
// each -p mode (0: sequence number and timestamps, 1: sequence number only,
// 2: nothing; smaller sizes are silently raised by ITGSend), and the largest
// payload (larger ones are silently cut).
var ditgMinPayload = [3]int{20, 8, 4}

const ditgMaxPayload = 64000

// The ditg format writes D-ITG inputs: per direction a script for ITGSend with one line
// per object (OUT, or OUT-from.EXT and OUT-to.EXT when both directions are
// exported, since each direction is sent by its own side), per line an
// inter-departure file (-Ft, milliseconds) and a payload size file (-Fs) of
// Count lines each, and OUT-commands.txt with the ITGRecv, ITGSend and
// ITGDec commands (D-ITG rejects comment lines in scripts). The first IDT
// line is a drawn gap, slept before the first packet, so the files loop
// seamlessly when -z is raised; packets 2..Count are the same as in the
// other exports for the same seed.
func init() {
	Register(&Format{
		Name:    "ditg",
		Summary: "D-ITG script with per-packet IDT (-Ft, ms) and size (-Fs) files",
		Export:  exportDITG,
	})
}

// ditgFlow is one line of a D-ITG script.
type ditgFlow struct {
	t        *target
	d        profiles.Dir
	idt, ps  string // file names, relative to the script's directory
	pmode    int
	raised   int
	totalMS  float64
	src, dst endpoint
	proto    frame.Proto
	gaps     []float64 // ms
	sizes    []int
}

func exportDITG(p *profiles.Profile, o Options) ([]string, error) {
	ts, err := selectTargets(p, o)
	if err != nil {
		return nil, err
	}
	dirs := moonPorts(ts) // the directions present, from first
	ext := filepath.Ext(o.Output)
	base := strings.TrimSuffix(o.Output, ext)
	var files []string
	var commands strings.Builder
	fmt.Fprintf(&commands, "# D-ITG export of %s: gmm2trex export --format ditg --model %s --seed %d -c %d\n",
		p.Source.File, o.Model, o.Seed, o.Count)
	fmt.Fprintf(&commands, "# (D-ITG scripts take no comment lines, so the commands are here.)\n")
	fmt.Fprintf(&commands, "# Run ITGSend in the directory holding its script and the .ft/.fs files it names.\n")
	fmt.Fprintf(&commands, "# ITGSend picks the source port (its -sp option fails with \"Address family not supported\" in 2.8.1).\n")
	for _, d := range dirs {
		script := o.Output
		if len(dirs) == 2 {
			script = base + "-" + d.String() + ext
		}
		sbase := strings.TrimSuffix(script, ext)
		var lines []string
		var flows []*ditgFlow
		receivers := map[string]bool{}
		senders := map[string]bool{}
		for ti := range ts {
			t := &ts[ti]
			if !containsDir(t.dirs, d) {
				continue
			}
			f, err := ditgSample(p, t, d, o)
			if err != nil {
				return nil, err
			}
			stem := fmt.Sprintf("%s-%d", sbase, t.index)
			f.idt, f.ps = stem+".ft", stem+".fs"
			if err := writeLines(o, f.idt, len(f.gaps), func(b []byte, i int) []byte { return strconv.AppendFloat(b, f.gaps[i], 'f', 6, 64) }); err != nil {
				return nil, err
			}
			if err := writeLines(o, f.ps, len(f.sizes), func(b []byte, i int) []byte { return strconv.AppendInt(b, int64(f.sizes[i]), 10) }); err != nil {
				return nil, err
			}
			files = append(files, f.idt, f.ps)
			lines = append(lines, f.line())
			flows = append(flows, f)
			receivers[f.dst.ip.String()] = true
			senders[f.src.ip.String()] = true
			if f.raised > 0 {
				o.notef("warning: object %q direction %s: %d of %d sizes below D-ITG's minimum payload of %d bytes (-p %d) raised to it",
					t.obj.ID, d, f.raised, len(f.sizes), ditgMinPayload[f.pmode], f.pmode)
			}
		}
		if err := writeLines(o, script, len(lines), func(b []byte, i int) []byte { return append(b, lines[i]...) }); err != nil {
			return nil, err
		}
		files = append(files, script)
		side := "local side's packets (direction from)"
		if d == profiles.To {
			side = "remote side's packets (direction to)"
		}
		fmt.Fprintf(&commands, "#\n# %s: the %s, %s\n", filepath.Base(script), side, flowCount(len(flows)))
		fmt.Fprintf(&commands, "#   on %s:\n", joinKeys(receivers))
		fmt.Fprintf(&commands, "ITGRecv -l recv-%s.log\n", d)
		fmt.Fprintf(&commands, "#   on %s, in %s:\n", joinKeys(senders), displayDir(script))
		fmt.Fprintf(&commands, "ITGSend %s -l send-%s.log\n", filepath.Base(script), d)
		fmt.Fprintf(&commands, "#   afterwards, on the receiver (-l FILE writes one line per packet):\n")
		fmt.Fprintf(&commands, "ITGDec recv-%s.log\n", d)
	}
	cmdPath := base + "-commands.txt"
	if err := o.writeFile(cmdPath, func(w io.Writer) error {
		_, err := io.WriteString(w, commands.String())
		return err
	}); err != nil {
		return nil, fmt.Errorf("ditg: %w", err)
	}
	files = append(files, cmdPath)
	o.notef("wrote %d D-ITG files; commands in %s", len(files), cmdPath)
	return files, nil
}

func containsDir(ds []profiles.Dir, d profiles.Dir) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}

func joinKeys(m map[string]bool) string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return strings.Join(k, ", ")
}

func displayDir(path string) string {
	d := filepath.Dir(path)
	if d == "." {
		return "the current directory"
	}
	return d
}

// ditgSample draws the direction's packets with the sampler's per-direction
// source (the same draws as every other export for the seed) and converts
// them to D-ITG's units.
// ditgMaxCount bounds a direction's packets (4 GiB of values in memory).
const ditgMaxCount = 1 << 28

func ditgSample(p *profiles.Profile, t *target, d profiles.Dir, o Options) (*ditgFlow, error) {
	tpl, err := t.template(d, o.MaxFrame)
	if err != nil {
		return nil, err
	}
	src, err := sampler.NewSource(t.obj.Dir(d), o.Model, o.Seed, uint64(d))
	if err != nil {
		return nil, fmt.Errorf("%w: object %q direction %s: %v", ErrInput, t.obj.ID, d, err)
	}
	// The values are held in memory (16 bytes a packet) and written as
	// lines of at least 2 bytes each, in two files.
	if o.Count > ditgMaxCount {
		return nil, fieldf("Options.Count", "%d: D-ITG's values files are sampled in memory, at most %d packets a direction", o.Count, ditgMaxCount)
	}
	if limit := o.maxBytes(); limit > 0 && int64(o.Count) > limit/4 {
		return nil, &atomicfile.TooLargeError{Limit: limit}
	}
	f := &ditgFlow{t: t, d: d, proto: t.proto, gaps: make([]float64, o.Count), sizes: make([]int, o.Count)}
	f.src, f.dst = t.side(d)
	sz := newSizer(p, tpl)
	minPay := math.MaxInt
	for i := range o.Count {
		if i%4096 == 0 && o.Context != nil && o.Context.Err() != nil {
			return nil, o.Context.Err()
		}
		g, s := src.Next()
		f.gaps[i] = g * 1e3
		f.totalMS += f.gaps[i]
		n := min(sz.payload(s), ditgMaxPayload)
		f.sizes[i] = n
		minPay = min(minPay, n)
	}
	clampNote(o, sz)
	// The richest metadata whose minimum fits every size: with -p 0 ITGRecv
	// logs sequence numbers and send times, with -p 1 sequence numbers only.
	f.pmode = 2
	for m, lo := range ditgMinPayload {
		if minPay >= lo {
			f.pmode = m
			break
		}
	}
	lo := ditgMinPayload[f.pmode]
	for i, n := range f.sizes {
		if n < lo {
			f.sizes[i] = lo
			f.raised++
		}
	}
	return f, nil
}

// line is the flow's script line. -t bounds the flow generously (twice the
// planned time plus 1 s): ITGSend's default of 10 s would cut longer flows,
// and -z stops it at the end of the files anyway.
func (f *ditgFlow) line() string {
	proto := "UDP"
	extra := ""
	if f.proto == frame.TCP {
		proto, extra = "TCP", " -D"
	}
	limit := int64(math.Ceil(2*f.totalMS)) + 1000
	return fmt.Sprintf("-a %s -rp %d -T %s%s -Ft %s -Fs %s -z %d -t %d -p %d -poll",
		f.dst.ip, f.dst.port, proto, extra, filepath.Base(f.idt), filepath.Base(f.ps), len(f.sizes), limit, f.pmode)
}

// writeLines writes n lines atomically; line appends line i to a buffer
// reused for every line, so the values files cost no allocation per packet.
func writeLines(o Options, path string, n int, line func(b []byte, i int) []byte) error {
	err := o.writeFile(path, func(w io.Writer) error {
		var b []byte
		for i := 0; i < n; i++ {
			b = append(line(b[:0], i), '\n')
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ditg: %w", err)
	}
	return nil
}
