package exporters

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// ErrInput marks errors caused by the request or the profile (an unknown
// format, object, direction or option value, nothing left to export), as
// opposed to failures writing files. The CLI exits 2 on both.
var ErrInput = errors.New("bad export request")

// inputError is an error caused by the request; errors.Is(err, ErrInput)
// holds, and its message carries no prefix, so the CLI can print it as is.
type inputError struct{ msg string }

func (e *inputError) Error() string        { return e.msg }
func (e *inputError) Is(target error) bool { return target == ErrInput }

func inputf(format string, a ...any) error { return &inputError{fmt.Sprintf(format, a...)} }

// DefaultCount is the number of packets per direction when Options.Count is 0.
const DefaultCount = 1000

// DefaultMaxFrame is the largest frame (without FCS) when Options.MaxFrame is 0.
const DefaultMaxFrame = 1514

// Format is one export target. Formats register themselves from an init
// function in their own file (Register), so adding one touches no other file.
type Format struct {
	Name    string // the --format value, e.g. "trex-stl"
	Summary string // one line for help texts
	// Params are the format's own options; the CLI turns each into a flag
	// (--NAME). A name may be declared by several formats with the same kind.
	Params []Param
	// Export writes the files for p and returns their paths. It is called
	// with o.Params holding every declared parameter (defaults filled in,
	// kinds and choices checked) and o's shared fields validated.
	Export func(p *profiles.Profile, o Options) ([]string, error)
	// Timed formats write the sampled stream as it comes and so can stop
	// at Options.Duration instead of a count (csv, pcap).
	Timed bool
}

// ParamKind is the type of a format parameter's value.
type ParamKind int

// Parameter kinds.
const (
	String ParamKind = iota
	Int
	Float
	Bool
)

// Param declares a format-specific option. The CLI makes a Bool parameter a
// flag that is false unless given, so declare Bool parameters with Default
// "false".
type Param struct {
	Name    string
	Kind    ParamKind
	Default string
	Usage   string
	Choices []string // for String: the valid values; nil means any
}

var registry = map[string]*Format{}

// Register adds a format. It panics on a duplicate or empty name: that is a
// programming error found by any test of the package.
func Register(f *Format) {
	if f.Name == "" || f.Export == nil {
		panic("exporters: Register needs a name and an Export function")
	}
	if _, dup := registry[f.Name]; dup {
		panic("exporters: format " + f.Name + " registered twice")
	}
	registry[f.Name] = f
}

// Names lists the registered formats, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Formats lists the registered formats sorted by name.
func Formats() []*Format {
	var fs []*Format
	for _, n := range Names() {
		fs = append(fs, registry[n])
	}
	return fs
}

// Lookup returns the named format, or an error listing the valid names.
func Lookup(name string) (*Format, error) {
	if f, ok := registry[name]; ok {
		return f, nil
	}
	return nil, inputf("unknown format %q (valid: %s)", name, strings.Join(Names(), ", "))
}

// Addresses override the profile's endpoints in generated packets. Zero
// values keep the profile's (or the defaults when the profile has none).
type Addresses struct {
	LocalIP, RemoteIP     netip.Addr
	LocalMAC, RemoteMAC   net.HardwareAddr
	LocalPort, RemotePort int
}

// Options are shared by all formats.
type Options struct {
	// Output is the path given with -o. Formats that write several files
	// derive the other names from it (see the format's doc).
	Output string
	// Objects selects objects by id; nil means every object in the profile.
	Objects []string
	// Dirs selects directions; nil means both.
	Dirs []profiles.Dir
	// Count is the number of packets per direction; 0 means DefaultCount,
	// or no count limit when Duration is set.
	Count int
	// Duration, when > 0, keeps each direction's packets up to this time
	// (seconds from 0); only Timed formats take it.
	Duration float64
	Seed     uint64
	Model    sampler.Model
	Addr     Addresses
	// MaxFrame is the largest frame without FCS; 0 means DefaultMaxFrame.
	// Larger sampled sizes are clamped and counted in a note.
	MaxFrame int
	// Params holds format-specific options by name (Format.Params).
	Params map[string]string
	// Log receives one-line notes: skipped directions, clamping, splits,
	// files written. nil discards them.
	Log io.Writer
}

// ParseDirection turns from|to|both into a direction list (nil for both).
func ParseDirection(s string) ([]profiles.Dir, error) {
	switch s {
	case "", "both":
		return nil, nil
	case "from":
		return []profiles.Dir{profiles.From}, nil
	case "to":
		return []profiles.Dir{profiles.To}, nil
	}
	return nil, inputf("unknown direction %q (valid: from, to, both)", s)
}

// Export checks o against the format and the profile and runs the format.
func Export(p *profiles.Profile, format string, o Options) ([]string, error) {
	f, err := Lookup(format)
	if err != nil {
		return nil, err
	}
	if o.Output == "" {
		return nil, inputf("no output path (-o)")
	}
	if o.Count < 0 {
		return nil, inputf("count %d is negative", o.Count)
	}
	if o.Duration < 0 || math.IsNaN(o.Duration) || math.IsInf(o.Duration, 0) {
		return nil, inputf("duration %v is not a number of seconds > 0", o.Duration)
	}
	if o.Duration > 0 && !f.Timed {
		return nil, inputf("format %s takes a packet count, not a duration", f.Name)
	}
	if o.Count == 0 && o.Duration == 0 {
		o.Count = DefaultCount
	}
	if o.MaxFrame == 0 {
		o.MaxFrame = DefaultMaxFrame
	}
	if o.MaxFrame < 60 || o.MaxFrame > 9238 {
		return nil, inputf("--max-frame %d outside 60..9238", o.MaxFrame)
	}
	for _, port := range []int{o.Addr.LocalPort, o.Addr.RemotePort} {
		if port < 0 || port > 65535 {
			return nil, inputf("port %d outside 0..65535", port)
		}
	}
	params, err := f.checkParams(o.Params)
	if err != nil {
		return nil, err
	}
	o.Params = params
	if o.Log == nil {
		o.Log = io.Discard
	}
	if len(p.Objects) == 0 {
		return nil, inputf("the profile has no objects")
	}
	for _, id := range o.Objects {
		if p.Object(id) == nil {
			return nil, inputf("no object %q in the profile (valid: %s)", id, quoteList(p.IDs()))
		}
	}
	return f.Export(p, o)
}

func quoteList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = strconv.Quote(id)
	}
	return strings.Join(q, ", ")
}

// checkParams fills defaults and validates kinds and choices; a parameter
// the format does not declare is ignored (the CLI sets every format's flags).
func (f *Format) checkParams(in map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(f.Params))
	for _, pr := range f.Params {
		v, ok := in[pr.Name]
		if !ok || v == "" {
			v = pr.Default
		}
		var err error
		switch pr.Kind {
		case Int:
			_, err = strconv.Atoi(v)
		case Float:
			_, err = strconv.ParseFloat(v, 64)
		case Bool:
			_, err = strconv.ParseBool(v)
		case String:
			if pr.Choices != nil && !slices.Contains(pr.Choices, v) {
				return nil, inputf("--%s %q for %s (valid: %s)", pr.Name, v, f.Name, strings.Join(pr.Choices, ", "))
			}
		}
		if err != nil {
			return nil, inputf("--%s %q for %s: %v", pr.Name, v, f.Name, err)
		}
		out[pr.Name] = v
	}
	return out, nil
}

// Str, Int, Float and Bool read a parameter checked by Export.
func (o Options) Str(name string) string { return o.Params[name] }

// Int reads an integer parameter.
func (o Options) Int(name string) int { v, _ := strconv.Atoi(o.Params[name]); return v }

// Float reads a float parameter.
func (o Options) Float(name string) float64 {
	v, _ := strconv.ParseFloat(o.Params[name], 64)
	return v
}

// Bool reads a boolean parameter.
func (o Options) Bool(name string) bool { v, _ := strconv.ParseBool(o.Params[name]); return v }

// notef writes a note to o.Log.
func (o Options) notef(format string, a ...any) {
	fmt.Fprintf(o.Log, format+"\n", a...)
}
