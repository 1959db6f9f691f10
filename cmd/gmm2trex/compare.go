package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/metrics"
	"github.com/gmm2trex/gmm2trex/pipeline"
	"github.com/gmm2trex/gmm2trex/trace"
)

func init() {
	flags := []cli.Flag{}
	for _, f := range captureFlags() {
		if f.Names()[0] != "pcap" { // the captures are the two arguments
			flags = append(flags, f)
		}
	}
	flags = append(flags,
		&cli.StringFlag{Name: "percentiles", Value: defaultPercentiles, Usage: "trim the original's packets whose IAT lies outside the `LO,HI` percentiles, as estimate does"},
		&cli.IntFlag{Name: "min-packets", Value: pipeline.DefaultMinPackets, Usage: "compare only directions with at least `N` packets (estimate models no others)"},
		&cli.StringFlag{Name: "object", Usage: "compare only the original's object `ID` (the generated side's single object is matched to it)"},
		&cli.BoolFlag{Name: "json", Usage: "print JSON instead of a table"},
		&cli.FloatFlag{Name: "max-ks", Value: -1, Usage: "exit 1 when ks_size or ks_iat of any direction exceeds `X` (negative: no bound)"},
		&cli.FloatFlag{Name: "max-acf-err", Value: -1, Usage: "exit 1 when acf_err_size or acf_err_iat of any direction exceeds `X` (negative: no bound)"},
		quietFlag,
	)
	register(&cli.Command{
		Name:  "compare",
		Usage: "measure how close generated traffic is to the original (KS, KL, Wasserstein, ACF, throughput)",
		UsageText: "gmm2trex compare ORIGINAL GENERATED [-i flow|ip|mac] [-f IDS] [--object ID] [--percentiles LO,HI]\n" +
			"                 [--min-packets N] [--size payload|ip|frame] [--keep-empty] [--json] [--max-ks X] [--max-acf-err X]\n\n" +
			"Examples:\n" +
			"   gmm2trex sample call.profile.yaml -c 5000 -o gen.csv\n" +
			"   gmm2trex compare call.pcap gen.csv\n" +
			"   gmm2trex compare call.pcap gen.pcap --json --max-ks 0.05 --max-acf-err 0.1   # a CI gate",
		Description: "Each side is a capture (pcap/pcapng, gzipped too) or a CSV written by 'sample'\n" +
			"(header time,direction,size,iat). The original is cut into objects and trimmed\n" +
			"like estimate does with the same flags (a CSV original is taken as it is);\n" +
			"the generated side is taken as it is, only --min-packets applies to it.\n\n" +
			"Objects are paired by id. When no id matches and the generated side has a single\n" +
			"object (always so for a CSV), it is paired with --object, or else with the\n" +
			"original's largest object. Per object and direction it prints KS (size, IAT,\n" +
			"1 s throughput), KL, Jensen-Shannon, Wasserstein-1, the mean |ACF difference|\n" +
			"over lags 1..50, Q-Q correlation and rolling-entropy difference.\n" +
			"Exit 1 when a --max-* bound is exceeded (one line per violation on stderr),\n" +
			"2 on bad input.",
		Flags:  flags,
		Action: runCompare,
	})
}

// cmpSide is one argument of compare, cut into objects.
type cmpSide struct {
	path    string
	csv     bool
	objects []cmpObject
}

// cmpObject is an object with the series of its directions (nil: too few
// packets to compare).
type cmpObject struct {
	id      string
	packets [2]int // untrimmed
	dirs    [2]*metrics.Series
}

func (s *cmpSide) find(id string) *cmpObject {
	for i := range s.objects {
		if s.objects[i].id == id {
			return &s.objects[i]
		}
	}
	return nil
}

// describe lists what a side holds, for error messages.
func (s *cmpSide) describe() string {
	if len(s.objects) == 0 {
		return "no object with enough packets"
	}
	var parts []string
	for _, o := range s.objects {
		parts = append(parts, fmt.Sprintf("%q (from %d, to %d packets)", o.id, o.packets[0], o.packets[1]))
	}
	return strings.Join(parts, ", ")
}

type cmpOptions struct {
	trace      trace.Options
	lo, hi     float64
	minPackets int
}

func runCompare(ctx context.Context, cmd *cli.Command) error {
	if cmd.NArg() != 2 {
		return usagef("compare needs two arguments, ORIGINAL and GENERATED; got %d", cmd.NArg())
	}
	opts, err := compareOptions(cmd)
	if err != nil {
		return err
	}
	errw := cmd.Root().ErrWriter
	orig, err := loadCmpSide(cmd, cmd.Args().Get(0), opts, true)
	if err != nil {
		return err
	}
	gen, err := loadCmpSide(cmd, cmd.Args().Get(1), opts, false)
	if err != nil {
		return err
	}
	pairs, err := pairObjects(orig, gen, cmd.String("object"), errw)
	if err != nil {
		return err
	}
	report := compareJSON{Original: orig.path, Generated: gen.path}
	for _, p := range pairs {
		obj := compareObject{ID: p.o.id, GeneratedID: p.g.id}
		for d := range 2 {
			name := [2]string{"from", "to"}[d]
			od, gd := p.o.dirs[d], p.g.dirs[d]
			switch {
			case od == nil && gd == nil:
				continue
			case od == nil:
				fmt.Fprintf(errw, "gmm2trex: %s %s: the original has %d packets (below --min-packets %d), not compared\n",
					p.o.id, name, p.o.packets[d], opts.minPackets)
				continue
			case gd == nil:
				return fmt.Errorf("compare: object %q direction %s: the original has %d packets, %s has %d (at least 2 needed)",
					p.o.id, name, p.o.packets[d], gen.path, p.g.packets[d])
			}
			r := metrics.Compare(*od, *gd)
			dj := newCompareDir(r)
			if d == 0 {
				obj.From = dj
			} else {
				obj.To = dj
			}
		}
		report.Objects = append(report.Objects, obj)
	}
	w := cmd.Root().Writer
	if cmd.Bool("json") {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return err
		}
	} else {
		printCompareTable(w, report)
	}
	violations := checkBounds(report, cmd.Float("max-ks"), cmd.Float("max-acf-err"))
	for _, v := range violations {
		fmt.Fprintf(errw, "gmm2trex: %s\n", v)
	}
	if len(violations) > 0 {
		return checkFailed("compare: %d bound(s) exceeded", len(violations))
	}
	return nil
}

func compareOptions(cmd *cli.Command) (cmpOptions, error) {
	var o cmpOptions
	kind, err := trace.ParseKind(cmd.String("kind"))
	if err != nil {
		return o, usagef("-i: %v", err)
	}
	size, err := trace.ParseSizeMode(cmd.String("size"))
	if err != nil {
		return o, usagef("--size: %v", err)
	}
	o.trace = trace.Options{Kind: kind, Size: size, KeepEmpty: cmd.Bool("keep-empty")}
	if f := cmd.String("ids"); f != "" {
		if o.trace.Select, err = trace.LoadSelectors(f); err != nil {
			return o, err
		}
	}
	o.lo, o.hi, err = parsePercentiles(cmd.String("percentiles"))
	if err != nil {
		return o, err
	}
	o.minPackets = int(cmd.Int("min-packets"))
	if o.minPackets < 0 {
		return o, usagef("--min-packets %d: must not be negative", o.minPackets)
	}
	for _, name := range []string{"max-ks", "max-acf-err"} {
		if math.IsNaN(cmd.Float(name)) {
			return o, usagef("--%s: not a number", name)
		}
	}
	return o, nil
}

// parsePercentiles reads "LO,HI" with 0 ≤ LO < HI ≤ 100.
func parsePercentiles(s string) (lo, hi float64, err error) {
	a, b, ok := strings.Cut(s, ",")
	if ok {
		lo, err = strconv.ParseFloat(strings.TrimSpace(a), 64)
		if err == nil {
			hi, err = strconv.ParseFloat(strings.TrimSpace(b), 64)
		}
	}
	if !ok || err != nil || !(lo >= 0 && lo < hi && hi <= 100) {
		return 0, 0, usagef("--percentiles %q: want LO,HI with 0 ≤ LO < HI ≤ 100", s)
	}
	return lo, hi, nil
}

// loadCmpSide reads one argument: a CSV from sample, or a capture. The
// original goes through selection, --min-packets and trimming; the generated
// side only through --min-packets (its ids are not the original's).
func loadCmpSide(cmd *cli.Command, path string, o cmpOptions, original bool) (*cmpSide, error) {
	isCSV, err := looksLikeCSV(path)
	if err != nil {
		return nil, err
	}
	side := &cmpSide{path: path, csv: isCSV}
	if isCSV {
		obj, err := readSampleCSV(path)
		if err != nil {
			return nil, err
		}
		for d := range 2 {
			if obj.packets[d] < max(o.minPackets, 2) {
				obj.dirs[d] = nil
			}
		}
		if obj.dirs[0] != nil || obj.dirs[1] != nil {
			side.objects = append(side.objects, *obj)
		}
		return side, nil
	}
	topts := o.trace
	if !original {
		topts.Select = nil
	}
	update, finish := progress(cmd, "reading "+filepath.Base(path))
	topts.Progress = update
	c, err := trace.ReadFile(path, topts)
	finish()
	if err != nil {
		return nil, err
	}
	for _, w := range c.Warnings {
		fmt.Fprintf(cmd.Root().ErrWriter, "gmm2trex: warning: %s\n", w)
	}
	for _, obj := range c.Objects {
		if !obj.Enough(max(o.minPackets, 2)) {
			continue
		}
		co := cmpObject{id: obj.ID, packets: [2]int{obj.From.Len(), obj.To.Len()}}
		for d, s := range []trace.Series{obj.From, obj.To} {
			if s.Len() < max(o.minPackets, 2) {
				continue
			}
			if original {
				co.dirs[d] = trimmedSeries(trace.Trim(s, o.lo, o.hi))
			} else {
				co.dirs[d] = captureSeries(s)
			}
		}
		side.objects = append(side.objects, co)
	}
	return side, nil
}

// trimmedSeries turns a trimmed direction into metrics' series. Its timeline
// is rebuilt from the kept gaps: the trimmed original is what the models were
// fitted on, and what generated traffic imitates, long silences excluded.
func trimmedSeries(t trace.Trimmed) *metrics.Series {
	s := &metrics.Series{Size: t.Size, IAT: t.IAT, Time: make([]float64, len(t.IAT))}
	var now float64
	for i, g := range t.IAT {
		now += g
		s.Time[i] = now
	}
	return s
}

func captureSeries(cs trace.Series) *metrics.Series {
	s := &metrics.Series{Size: cs.SizesFloat(), IAT: cs.IATs(), Time: make([]float64, cs.Len())}
	for i, t := range cs.Times {
		s.Time[i] = float64(t-cs.Times[0]) / 1e9
	}
	return s
}

// looksLikeCSV tells a CSV from a capture by content: the capture formats
// start with binary magic numbers (pcap, pcapng, gzip); anything else that
// starts with text is taken for a CSV, whose reader then names what is wrong.
func looksLikeCSV(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	var head [4]byte
	n, _ := io.ReadFull(f, head[:])
	if n < 4 {
		return strings.EqualFold(filepath.Ext(path), ".csv"), nil
	}
	switch string(head[:]) {
	case "\xd4\xc3\xb2\xa1", "\xa1\xb2\xc3\xd4", "\x4d\x3c\xb2\xa1", "\xa1\xb2\x3c\x4d", "\x0a\x0d\x0d\x0a":
		return false, nil
	}
	if head[0] == 0x1f && head[1] == 0x8b {
		return false, nil
	}
	for _, b := range head {
		if b < 0x20 || b > 0x7e {
			return false, nil
		}
	}
	return true, nil
}

// sampleCSVHeader is the contract's header of 'sample -o X.csv'.
const sampleCSVHeader = "time,direction,size,iat"

// readSampleCSV reads a CSV written by sample into one object. Each
// direction's gaps come from the iat column, or from the time column when a
// row leaves iat empty; a direction's first packet has none.
func readSampleCSV(path string) (*cmpObject, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	obj := &cmpObject{id: filepath.Base(path)}
	var ss [2]metrics.Series
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	line := 0
	prev := math.Inf(-1)
	var fields [4][]byte
	// Rows are split and parsed in place: strconv.ParseFloat(string(b))
	// does not allocate, so a long CSV costs only its series.
	for sc.Scan() {
		line++
		text := bytes.TrimSuffix(sc.Bytes(), []byte("\r"))
		if line == 1 {
			if string(text) != sampleCSVHeader {
				return nil, fmt.Errorf("%s: line 1: header %q, want %q", path, text, sampleCSVHeader)
			}
			continue
		}
		if len(text) == 0 {
			continue
		}
		if n := bytes.Count(text, []byte(",")) + 1; n != 4 {
			return nil, fmt.Errorf("%s: line %d: %d fields, want 4 (%s)", path, line, n, sampleCSVHeader)
		}
		rest := text
		for i := range fields {
			fields[i], rest, _ = bytes.Cut(rest, []byte(","))
		}
		t, err := strconv.ParseFloat(string(fields[0]), 64)
		if err != nil || math.IsNaN(t) || math.IsInf(t, 0) || t < 0 {
			return nil, fmt.Errorf("%s: line %d: time %q is not a number of seconds ≥ 0", path, line, fields[0])
		}
		if t < prev {
			return nil, fmt.Errorf("%s: line %d: time %s is before the previous row's %v (times must not decrease)", path, line, fields[0], prev)
		}
		prev = t
		var d int
		switch string(fields[1]) {
		case "from":
			d = 0
		case "to":
			d = 1
		default:
			return nil, fmt.Errorf("%s: line %d: direction %q, want from or to", path, line, fields[1])
		}
		size, err := strconv.ParseFloat(string(fields[2]), 64)
		if err != nil || !(size >= 0) || math.IsInf(size, 0) {
			return nil, fmt.Errorf("%s: line %d: size %q is not a number of bytes ≥ 0", path, line, fields[2])
		}
		s := &ss[d]
		if len(s.Time) > 0 {
			gap := t - s.Time[len(s.Time)-1]
			if len(fields[3]) > 0 {
				gap, err = strconv.ParseFloat(string(fields[3]), 64)
				if err != nil || !(gap >= 0) || math.IsInf(gap, 0) {
					return nil, fmt.Errorf("%s: line %d: iat %q is not a number of seconds ≥ 0", path, line, fields[3])
				}
			}
			s.IAT = append(s.IAT, gap)
		}
		s.Time = append(s.Time, t)
		s.Size = append(s.Size, size)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: line %d: %w", path, line+1, err)
	}
	if line == 0 {
		return nil, fmt.Errorf("%s: empty file, want the header %q", path, sampleCSVHeader)
	}
	for d := range 2 {
		obj.packets[d] = len(ss[d].Size)
		if len(ss[d].Size) > 0 {
			obj.dirs[d] = &ss[d]
		}
	}
	return obj, nil
}

type cmpPair struct{ o, g *cmpObject }

// pairObjects decides which generated object is compared with which original
// one (see the command's description).
func pairObjects(orig, gen *cmpSide, want string, errw io.Writer) ([]cmpPair, error) {
	missing := func(why string) error {
		return fmt.Errorf("compare: %s; %s has %s; %s has %s", why, orig.path, orig.describe(), gen.path, gen.describe())
	}
	if len(gen.objects) == 0 || len(orig.objects) == 0 {
		return nil, missing("nothing to compare")
	}
	if want != "" {
		o := orig.find(want)
		if o == nil {
			return nil, missing(fmt.Sprintf("object %q is not in the original (after -f and --min-packets)", want))
		}
		g := gen.find(want)
		if g == nil {
			if len(gen.objects) != 1 {
				return nil, missing(fmt.Sprintf("object %q is not in the generated side, which has several objects", want))
			}
			g = &gen.objects[0]
		}
		return []cmpPair{{o, g}}, nil
	}
	var pairs []cmpPair
	var unmatched []string
	for i := range gen.objects {
		g := &gen.objects[i]
		if o := orig.find(g.id); o != nil {
			pairs = append(pairs, cmpPair{o, g})
		} else {
			unmatched = append(unmatched, strconv.Quote(g.id))
		}
	}
	switch {
	case len(pairs) == 0 && len(gen.objects) == 1:
		o := &orig.objects[0] // the largest: trace sorts by packets
		if len(orig.objects) > 1 {
			fmt.Fprintf(errw, "gmm2trex: comparing %s with the original's largest object %q (choose another with --object)\n",
				gen.objects[0].id, o.id)
		}
		return []cmpPair{{o, &gen.objects[0]}}, nil
	case len(unmatched) > 0:
		return nil, missing("generated object(s) " + strings.Join(unmatched, ", ") + " not in the original")
	}
	for _, o := range orig.objects {
		if gen.find(o.id) == nil {
			fmt.Fprintf(errw, "gmm2trex: %q is not in %s, not compared\n", o.id, gen.path)
		}
	}
	return pairs, nil
}

// The JSON document: DESIGN.md's keys per object and direction, then extras.
type compareJSON struct {
	Original  string          `json:"original"`
	Generated string          `json:"generated"`
	Objects   []compareObject `json:"objects"`
}

type compareObject struct {
	ID          string      `json:"id"`
	GeneratedID string      `json:"generated_id"`
	From        *compareDir `json:"from,omitempty"`
	To          *compareDir `json:"to,omitempty"`
}

type compareDir struct {
	KSSize           jsonNum `json:"ks_size"`
	KSIAT            jsonNum `json:"ks_iat"`
	KLSize           jsonNum `json:"kl_size"`
	KLIAT            jsonNum `json:"kl_iat"`
	WassersteinSize  jsonNum `json:"wasserstein_size"`
	WassersteinIAT   jsonNum `json:"wasserstein_iat"`
	ACFErrSize       jsonNum `json:"acf_err_size"`
	ACFErrIAT        jsonNum `json:"acf_err_iat"`
	KSThroughput     jsonNum `json:"ks_throughput"`
	PacketsOriginal  int     `json:"packets_original"`
	PacketsGenerated int     `json:"packets_generated"`
	// Beyond the contract.
	KSPSize          jsonNum `json:"ks_pvalue_size"`
	KSPIAT           jsonNum `json:"ks_pvalue_iat"`
	JSSize           jsonNum `json:"js_size"`
	JSIAT            jsonNum `json:"js_iat"`
	QQSize           jsonNum `json:"qq_size"`
	QQIAT            jsonNum `json:"qq_iat"`
	EntropyErrSize   jsonNum `json:"entropy_err_size"`
	EntropyErrIAT    jsonNum `json:"entropy_err_iat"`
	WindowsOriginal  int     `json:"windows_original"`
	WindowsGenerated int     `json:"windows_generated"`
}

func newCompareDir(r metrics.Result) *compareDir {
	return &compareDir{
		KSSize: jsonNum(r.KSSize), KSIAT: jsonNum(r.KSIAT),
		KLSize: jsonNum(r.KLSize), KLIAT: jsonNum(r.KLIAT),
		WassersteinSize: jsonNum(r.WassersteinSize), WassersteinIAT: jsonNum(r.WassersteinIAT),
		ACFErrSize: jsonNum(r.ACFErrSize), ACFErrIAT: jsonNum(r.ACFErrIAT),
		KSThroughput:    jsonNum(r.KSThroughput),
		PacketsOriginal: r.PacketsOriginal, PacketsGenerated: r.PacketsGenerated,
		KSPSize: jsonNum(r.KSPSize), KSPIAT: jsonNum(r.KSPIAT),
		JSSize: jsonNum(r.JSSize), JSIAT: jsonNum(r.JSIAT),
		QQSize: jsonNum(r.QQSize), QQIAT: jsonNum(r.QQIAT),
		EntropyErrSize: jsonNum(r.EntropyErrSize), EntropyErrIAT: jsonNum(r.EntropyErrIAT),
		WindowsOriginal: r.WindowsOriginal, WindowsGenerated: r.WindowsGenerated,
	}
}

// jsonNum is a float that encodes NaN and ±Inf (undefined or unbounded
// distances) as null, which JSON has no number for.
type jsonNum float64

func (n jsonNum) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', 6, 64), nil
}

func (n *jsonNum) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*n = jsonNum(math.NaN())
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	*n = jsonNum(f)
	return err
}

func fmtNum(f jsonNum, prec int) string {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return "-"
	case math.IsInf(v, 1):
		return "inf"
	}
	return strconv.FormatFloat(v, 'g', prec, 64)
}

func printCompareTable(w io.Writer, r compareJSON) {
	type row struct {
		name string
		get  func(*compareDir) string
	}
	num := func(f func(*compareDir) jsonNum) func(*compareDir) string {
		return func(d *compareDir) string { return fmtNum(f(d), 4) }
	}
	rows := []row{
		{"packets (orig / gen)", func(d *compareDir) string {
			return fmt.Sprintf("%d / %d", d.PacketsOriginal, d.PacketsGenerated)
		}},
		{"ks_size", num(func(d *compareDir) jsonNum { return d.KSSize })},
		{"ks_iat", num(func(d *compareDir) jsonNum { return d.KSIAT })},
		{"kl_size (nats)", num(func(d *compareDir) jsonNum { return d.KLSize })},
		{"kl_iat (nats)", num(func(d *compareDir) jsonNum { return d.KLIAT })},
		{"js_size (bits)", num(func(d *compareDir) jsonNum { return d.JSSize })},
		{"js_iat (bits)", num(func(d *compareDir) jsonNum { return d.JSIAT })},
		{"wasserstein_size (B)", num(func(d *compareDir) jsonNum { return d.WassersteinSize })},
		{"wasserstein_iat (s)", num(func(d *compareDir) jsonNum { return d.WassersteinIAT })},
		{"acf_err_size", num(func(d *compareDir) jsonNum { return d.ACFErrSize })},
		{"acf_err_iat", num(func(d *compareDir) jsonNum { return d.ACFErrIAT })},
		{"ks_throughput (1 s)", num(func(d *compareDir) jsonNum { return d.KSThroughput })},
		{"qq_size", num(func(d *compareDir) jsonNum { return d.QQSize })},
		{"qq_iat", num(func(d *compareDir) jsonNum { return d.QQIAT })},
		{"entropy_err_size (bits)", num(func(d *compareDir) jsonNum { return d.EntropyErrSize })},
		{"entropy_err_iat (bits)", num(func(d *compareDir) jsonNum { return d.EntropyErrIAT })},
	}
	for i, o := range r.Objects {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s", o.ID)
		if o.GeneratedID != o.ID {
			fmt.Fprintf(w, "  (generated: %s)", o.GeneratedID)
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "  %-24s %18s %18s\n", "", "from", "to")
		for _, rw := range rows {
			cell := func(d *compareDir) string {
				if d == nil {
					return "(not compared)"
				}
				return rw.get(d)
			}
			fmt.Fprintf(w, "  %-24s %18s %18s\n", rw.name, cell(o.From), cell(o.To))
		}
	}
}

// checkBounds returns one line per violated --max-* bound; a NaN distance
// (too few values to measure) violates any bound set on it.
func checkBounds(r compareJSON, maxKS, maxACF float64) []string {
	var out []string
	check := func(id, dir, name string, v jsonNum, bound float64, flag string) {
		if bound < 0 {
			return
		}
		f := float64(v)
		if math.IsNaN(f) || f > bound {
			out = append(out, fmt.Sprintf("%s %s: %s %s > --%s %g", id, dir, name, fmtNum(v, 4), flag, bound))
		}
	}
	for _, o := range r.Objects {
		for _, dd := range []struct {
			name string
			d    *compareDir
		}{{"from", o.From}, {"to", o.To}} {
			if dd.d == nil {
				continue
			}
			check(o.ID, dd.name, "ks_size", dd.d.KSSize, maxKS, "max-ks")
			check(o.ID, dd.name, "ks_iat", dd.d.KSIAT, maxKS, "max-ks")
			check(o.ID, dd.name, "acf_err_size", dd.d.ACFErrSize, maxACF, "max-acf-err")
			check(o.ID, dd.name, "acf_err_iat", dd.d.ACFErrIAT, maxACF, "max-acf-err")
		}
	}
	return out
}
