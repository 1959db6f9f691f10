package exporters

import (
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/gmm2trex/gmm2trex/profiles"
)

// Format is one export target. Formats register themselves from an init
// function in their own file (Register), so adding one touches no other file.
type Format struct {
	Name    string // e.g. "trex-stl"
	Summary string // one line for help texts
	// Params are the format's own options, each the text form of a field of
	// the format's options struct in Options (STLOptions, ...), for front
	// ends that take options as text; Set parses them.
	Params []Param
	// Export writes the files for p under o.Output and returns their paths.
	// It is called with o's shared fields checked and defaults filled in.
	Export func(p *profiles.Profile, o Options) ([]string, error)
	// Write writes the format's one stream to w, as Export would write it
	// to o.Output. It is nil for formats whose files name each other.
	Write func(w io.Writer, p *profiles.Profile, o Options) error
	// Timed formats write the sampled stream as it comes and so can stop
	// at Options.Duration instead of a count (csv, pcap).
	Timed bool
	// Flows formats take Options.Flows: N concurrent imitations per object.
	Flows bool
}

// Param is the text form of one field of a format's options.
type Param struct {
	Name    string // the option's name, e.g. "loops" (the CLI's --loops)
	Field   string // the field it sets, as errors name it, e.g. "STLOptions.Loops"
	Switch  bool   // a boolean that is false unless given: Set it to "true"
	Default string // the meaning of the field's zero value, for help texts
	Usage   string
	Choices []string // the valid values; nil means any
	// Parse parses value into the field of o. Set checks Choices first
	// and wraps its errors with the field and value.
	Parse func(o *Options, value string) error
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

// FlowFormats lists the formats that take Options.Flows, sorted.
func FlowFormats() []string {
	var names []string
	for _, f := range Formats() {
		if f.Flows {
			names = append(names, f.Name)
		}
	}
	return names
}

// Lookup returns the named format, or an error listing the valid names.
func Lookup(name string) (*Format, error) {
	if f, ok := registry[name]; ok {
		return f, nil
	}
	return nil, inputf("unknown format %q (valid: %s)", name, strings.Join(Names(), ", "))
}

// Param returns the format's parameter called name.
func (f *Format) Param(name string) (Param, bool) {
	i := slices.IndexFunc(f.Params, func(p Param) bool { return p.Name == name })
	if i < 0 {
		return Param{}, false
	}
	return f.Params[i], true
}

// Set parses value into the field of o that f's parameter name stands for.
// Errors are FieldErrors naming the field.
func (f *Format) Set(o *Options, name, value string) error {
	pr, ok := f.Param(name)
	if !ok {
		return inputf("format %s has no option %q", f.Name, name)
	}
	if pr.Choices != nil && !slices.Contains(pr.Choices, value) {
		return fieldf(pr.Field, "%q for %s (valid: %s)", value, f.Name, strings.Join(pr.Choices, ", "))
	}
	err := pr.Parse(o, value)
	var fe *FieldError
	if err != nil && !errors.As(err, &fe) {
		return fieldf(pr.Field, "%q for %s: %v", value, f.Name, err)
	}
	return err
}

// floatParam declares a float field; positive ones reject values <= 0,
// since their zero value stands for the default.
func floatParam(name, field string, def float64, usage string, dst func(*Options) *float64) Param {
	return Param{Name: name, Field: field, Default: strconv.FormatFloat(def, 'g', -1, 64), Usage: usage,
		Parse: func(o *Options, v string) error {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return err
			}
			if !(x > 0) {
				return fieldf(field, "%g must be positive", x)
			}
			*dst(o) = x
			return nil
		}}
}

// ParamUse is a parameter name with the formats that declare it.
type ParamUse struct {
	Param            // as the first of Formats declares it
	Formats []string // sorted
}

// Help is the parameter's one-line help: its usage, choices, the formats
// that take it and its default.
func (u ParamUse) Help() string {
	h := u.Usage
	if u.Choices != nil {
		h += " (" + strings.Join(u.Choices, ", ") + ")"
	}
	h += " [" + strings.Join(u.Formats, ", ")
	if u.Default != "" {
		h += "; default " + u.Default
	}
	return h + "]"
}

// Params lists every parameter name the formats declare, once, in the order
// of Formats: what a front end offers as options (the CLI's flags).
func Params() []ParamUse {
	var us []ParamUse
	for _, f := range Formats() {
		for _, p := range f.Params {
			i := slices.IndexFunc(us, func(u ParamUse) bool { return u.Name == p.Name })
			if i < 0 {
				us = append(us, ParamUse{Param: p})
				i = len(us) - 1
			}
			us[i].Formats = append(us[i].Formats, f.Name)
		}
	}
	return us
}
