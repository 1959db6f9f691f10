// Package fidelity is the benchmark that says how well gmm2trex imitates
// real captures: for each capture (and each object chosen in it) it runs
// the pipeline's estimate at the given settings, samples every fitted
// direction for the original's span with several seeds, compares each
// sample with the untrimmed original, and reports per object and direction
// the medians over the seeds — for the model the profile plays by default
// and, for reference, for independent draws. scripts/fidelity prints the
// table; CI runs it on the shared captures.
package fidelity

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gmm2trex/gmm2trex/compare"
	"github.com/gmm2trex/gmm2trex/pipeline"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
	"github.com/gmm2trex/gmm2trex/trace"
)

// Case is one capture to judge, cut into objects of Kind; Select, when not
// nil, keeps only the objects it matches (else every object the estimate
// fits is judged).
type Case struct {
	Capture string
	Kind    trace.Kind
	Select  *trace.Selector
	What    string // the selection as written, for the table ("" for all)
}

// Config is one benchmark run.
type Config struct {
	Cases    []Case
	Seeds    []uint64          // sampling seeds; nil means 1..5
	Settings pipeline.Settings // estimate's; Kind is taken from each case
	// Compare says how samples are compared with the original; its Trace
	// options are taken from Settings.
	Compare compare.Options
	// Progress, when not nil, is told each capture as it starts.
	Progress func(capture string)
	// SkipEmpty, when not nil, is told each case whose capture has no
	// object to estimate (pipeline.ErrNoObject), which is then left out
	// instead of failing the run: a capture cut short (Cut) may have none.
	SkipEmpty func(capture string, err error)
}

// DefaultConfig judges cases with estimate's and compare's defaults and
// seeds 1..5.
func DefaultConfig(cases []Case) Config {
	return Config{Cases: cases, Seeds: []uint64{1, 2, 3, 4, 5}, Settings: pipeline.DefaultSettings(), Compare: compare.DefaultOptions()}
}

// Scores are the medians over the seeds of one model's comparisons.
type Scores struct {
	KSSize     Num    `json:"ks_size"`
	KSIAT      Num    `json:"ks_iat"`
	ACFErrSize Num    `json:"acf_err_size"`
	ACFErrIAT  Num    `json:"acf_err_iat"`
	RateRatio  Num    `json:"rate_ratio_bytes"`
	Burst      [3]Num `json:"burst_ratio"`  // 10 ms, 100 ms, 1 s
	CV         [3]Num `json:"cv_generated"` // the generated side's CV per window
	Idle       Num    `json:"idle_generated"`
	ACFBytes   Num    `json:"acf_err_bytes_10ms"`
	Packets    Num    `json:"packets_generated"`
	KSPSize    Num    `json:"ks_pvalue_size"`
	KSPIAT     Num    `json:"ks_pvalue_iat"`
	// The paper's measures (compare's kl_* and entropy_err_*).
	KLSize         Num `json:"kl_size"`
	KLIAT          Num `json:"kl_iat"`
	EntropyErrSize Num `json:"entropy_err_size"`
	EntropyErrIAT  Num `json:"entropy_err_iat"`
	Seeds          int `json:"seeds"`
}

// Num is a figure that encodes NaN (not measurable) and ±Inf as null.
type Num float64

func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', 6, 64), nil
}

// Row is one direction of one object.
type Row struct {
	Capture string  `json:"capture"`
	Object  string  `json:"object"`
	Kind    string  `json:"kind"`
	Dir     string  `json:"direction"`
	Packets int     `json:"packets"`     // the original's
	Span    float64 `json:"span"`        // the original's, seconds
	CV      [3]Num  `json:"cv_original"` // the original's CV of bytes per 10 ms, 100 ms, 1 s
	Idle    Num     `json:"idle_original"`
	Model   string  `json:"model"`            // what the profile plays by default: iid, hmm or rnn
	Bursts  bool    `json:"bursts,omitempty"` // with the on/off layer (profiles.Bursts) over Model
	Scores  Scores  `json:"scores"`
	IID     *Scores `json:"iid,omitempty"` // independent draws (no on/off layer), when Model is not them
	HMM     *Scores `json:"hmm,omitempty"` // the HMM, when the direction has one and does not play it by default
	RNN     *Scores `json:"rnn,omitempty"` // the recurrent model, likewise
}

// Run runs the benchmark. Rows come in case order, then the profile's
// object order, from before to.
func Run(ctx context.Context, cfg Config) ([]Row, error) {
	seeds := cfg.Seeds
	if len(seeds) == 0 {
		seeds = []uint64{1, 2, 3, 4, 5}
	}
	var rows []Row
	for _, c := range cfg.Cases {
		if err := ctx.Err(); err != nil {
			return rows, err
		}
		if cfg.Progress != nil {
			cfg.Progress(c.Capture)
		}
		r, err := runCase(ctx, cfg, c, seeds)
		if err != nil && cfg.SkipEmpty != nil && errors.Is(err, pipeline.ErrNoObject) {
			cfg.SkipEmpty(c.Capture, err)
			continue
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, r...)
	}
	return rows, nil
}

func runCase(ctx context.Context, cfg Config, c Case, seeds []uint64) ([]Row, error) {
	s := cfg.Settings
	s.Kind = c.Kind
	topts := s.TraceOptions()
	topts.Select = c.Select
	capture, err := trace.ReadFileContext(ctx, c.Capture, topts)
	if err != nil {
		return nil, err
	}
	res, err := pipeline.Estimate(ctx, capture, s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Capture, err)
	}
	co := cfg.Compare
	co.Trace = topts
	co.MinPackets = 2
	orig, err := compare.Load(ctx, c.Capture, co, compare.Original)
	if err != nil {
		return nil, err
	}
	var rows []Row
	for i := range res.Profile.Objects {
		obj := &res.Profile.Objects[i]
		o := orig.Find(obj.ID)
		if o == nil {
			return nil, fmt.Errorf("%s: object %q of the profile is not in the capture", c.Capture, obj.ID)
		}
		for _, d := range []profiles.Dir{profiles.From, profiles.To} {
			dm := obj.Dir(d)
			od := o.Dirs[dirIndex(d)]
			if dm == nil || od == nil {
				continue
			}
			span := float64(od.Times[od.Len()-1]-od.Times[0]) / 1e9
			row := Row{Capture: filepath.Base(c.Capture), Object: obj.ID, Kind: c.Kind.String(), Dir: d.String(),
				Packets: od.Len(), Span: span, Model: "iid"}
			row.Model = sampler.Auto.For(dm).String()
			row.Bursts = dm.Bursts != nil
			// The references are the other models as the profile has them,
			// but without the on/off layer: independent draws are the
			// plain 1-D mixtures the acf bound is relative to.
			plain := obj
			if dm.Bursts != nil {
				plain = withoutBursts(obj, d)
			}
			type run struct {
				model string
				obj   *profiles.Object
				into  **Scores
			}
			runs := []run{{row.Model, obj, nil}}
			if row.Model != "iid" || dm.Bursts != nil {
				runs = append(runs, run{"iid", plain, &row.IID})
			}
			if row.Model != "hmm" && dm.HMM != nil {
				runs = append(runs, run{"hmm", plain, &row.HMM})
			}
			if row.Model != "rnn" && dm.RNN != nil {
				runs = append(runs, run{"rnn", plain, &row.RNN})
			}
			for _, r := range runs {
				sc, ref, err := score(ctx, orig, o, r.obj, d, r.model, span, seeds, co, capture.Resolution)
				if err != nil {
					return nil, fmt.Errorf("%s: %s %s: %w", c.Capture, obj.ID, d, err)
				}
				if r.into == nil {
					row.Scores = sc
					row.Idle = Num(ref.IdleOriginal)
					for i, v := range ref.CVOriginal {
						row.CV[i] = Num(v)
					}
					continue
				}
				*r.into = &sc
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

func dirIndex(d profiles.Dir) int {
	if d == profiles.From {
		return 0
	}
	return 1
}

// score samples direction d of obj with each seed for span seconds and
// compares it with the original's; it returns the medians and the first
// comparison (for the original's own timeline figures).
func score(ctx context.Context, orig *compare.Side, o *compare.Object, obj *profiles.Object, d profiles.Dir,
	model string, span float64, seeds []uint64, co compare.Options, clock int64) (Scores, compare.Direction, error) {
	m, err := sampler.ParseModel(model)
	if err != nil {
		return Scores{}, compare.Direction{}, err
	}
	var all []compare.Direction
	for _, seed := range seeds {
		if err := ctx.Err(); err != nil {
			return Scores{}, compare.Direction{}, err
		}
		st, err := sampler.New(obj, sampler.Options{Model: m, Seed: seed, Duration: span, Directions: []profiles.Dir{d}})
		if err != nil {
			return Scores{}, compare.Direction{}, err
		}
		var gen trace.Series
		var pk sampler.Packet
		for st.Next(&pk) {
			gen.Times = append(gen.Times, int64(math.Round(pk.Time*1e9)))
			gen.Sizes = append(gen.Sizes, int32(pk.Size))
		}
		if gen.Len() < 2 {
			return Scores{}, compare.Direction{}, fmt.Errorf("seed %d: %d packets generated in %.3g s", seed, gen.Len(), span)
		}
		// One object, one direction on each side: the pair is the one
		// compared, on the capture's clock (the sample's is 1 ns).
		var one compare.Object
		one.ID, one.Dirs[dirIndex(d)] = o.ID, o.Dirs[dirIndex(d)]
		var g compare.Object
		g.ID, g.Dirs[dirIndex(d)] = o.ID, &gen
		rep, err := compare.Run(&compare.Side{Path: orig.Path, Objects: []compare.Object{one}, Resolution: clock},
			&compare.Side{Path: "sample", Objects: []compare.Object{g}, Resolution: 1}, co)
		if err != nil {
			return Scores{}, compare.Direction{}, err
		}
		dir := rep.Objects[0].From
		if d == profiles.To {
			dir = rep.Objects[0].To
		}
		all = append(all, *dir)
	}
	return medians(all), all[0], nil
}

// medians takes each figure's median over the seeds (NaN ones left out).
func medians(all []compare.Direction) Scores {
	med := func(f func(*compare.Direction) float64) Num {
		var v []float64
		for i := range all {
			if x := f(&all[i]); !math.IsNaN(x) {
				v = append(v, x)
			}
		}
		if len(v) == 0 {
			return Num(math.NaN())
		}
		slices.Sort(v)
		if n := len(v); n%2 == 0 {
			return Num((v[n/2-1] + v[n/2]) / 2)
		}
		return Num(v[len(v)/2])
	}
	s := Scores{
		KSSize:         med(func(d *compare.Direction) float64 { return d.KSSize }),
		KSIAT:          med(func(d *compare.Direction) float64 { return d.KSIAT }),
		ACFErrSize:     med(func(d *compare.Direction) float64 { return d.ACFErrSize }),
		ACFErrIAT:      med(func(d *compare.Direction) float64 { return d.ACFErrIAT }),
		RateRatio:      med(func(d *compare.Direction) float64 { return d.RateRatioBytes }),
		Idle:           med(func(d *compare.Direction) float64 { return d.IdleGenerated }),
		ACFBytes:       med(func(d *compare.Direction) float64 { return d.ACFErrBytes10ms }),
		Packets:        med(func(d *compare.Direction) float64 { return float64(d.PacketsGenerated) }),
		KSPSize:        med(func(d *compare.Direction) float64 { return d.KSPSize }),
		KSPIAT:         med(func(d *compare.Direction) float64 { return d.KSPIAT }),
		KLSize:         med(func(d *compare.Direction) float64 { return d.KLSize }),
		KLIAT:          med(func(d *compare.Direction) float64 { return d.KLIAT }),
		Seeds:          len(all),
		EntropyErrSize: med(func(d *compare.Direction) float64 { return d.EntropyErrSize }),
		EntropyErrIAT:  med(func(d *compare.Direction) float64 { return d.EntropyErrIAT }),
	}
	for i := range s.Burst {
		s.Burst[i] = med(func(d *compare.Direction) float64 { return d.BurstRatio[i] })
		s.CV[i] = med(func(d *compare.Direction) float64 { return d.CVGenerated[i] })
	}
	return s
}

// Captures lists the captures (.pcap, .pcapng, either gzipped) in each
// argument: a file is taken as it is, a directory's files in name order.
func Captures(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		ents, err := os.ReadDir(a)
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			n := strings.TrimSuffix(e.Name(), ".gz")
			if !e.IsDir() && (strings.HasSuffix(n, ".pcap") || strings.HasSuffix(n, ".pcapng")) {
				out = append(out, filepath.Join(a, e.Name()))
			}
		}
	}
	return out, nil
}

// ParseCases reads the objects file: one line per case, "CAPTURE [KIND]
// [ID]" with CAPTURE a file's base name, KIND flow, ip or mac (default
// flow) and ID an object to keep (an IP, a MAC or a flow id: the rest of
// the line); "#" starts a comment. Captures the file does not name are
// judged whole, as flows. A capture may be named on several lines.
func ParseCases(r io.Reader, name string, captures []string) ([]Case, error) {
	listed := map[string][]Case{}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(strings.SplitN(sc.Text(), "#", 2)[0])
		if text == "" {
			continue
		}
		fields := strings.Fields(text)
		c := Case{Kind: trace.Flow}
		rest := fields[1:]
		if len(rest) > 0 {
			if k, err := trace.ParseKind(rest[0]); err == nil {
				c.Kind, rest = k, rest[1:]
			}
		}
		if len(rest) > 0 {
			c.What = strings.Join(rest, " ")
			sel, err := trace.ParseSelectors(strings.NewReader(c.What), fmt.Sprintf("%s: line %d", name, line))
			if err != nil {
				return nil, err
			}
			c.Select = sel
		}
		listed[fields[0]] = append(listed[fields[0]], c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var out []Case
	seen := map[string]bool{}
	for _, p := range captures {
		base := filepath.Base(p)
		seen[base] = true
		cs, ok := listed[base]
		if !ok {
			cs = []Case{{Kind: trace.Flow}}
		}
		for _, c := range cs {
			c.Capture = p
			out = append(out, c)
		}
	}
	for base := range listed {
		if !seen[base] {
			return nil, fmt.Errorf("%s: capture %q is not among the captures given", name, base)
		}
	}
	return out, nil
}

// withoutBursts returns a copy of obj whose direction d has no on/off
// layer (the rest shared).
func withoutBursts(obj *profiles.Object, d profiles.Dir) *profiles.Object {
	o := *obj
	dm := *obj.Dir(d)
	dm.Bursts = nil
	if d == profiles.From {
		o.From = &dm
	} else {
		o.To = &dm
	}
	return &o
}
