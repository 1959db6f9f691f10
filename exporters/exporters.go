package exporters

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gmm2trex/gmm2trex/internal/atomicfile"
	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// ErrInput marks errors caused by the request or the profile (an unknown
// format, object, direction or option value, nothing left to export), as
// opposed to failures writing files.
var ErrInput = errors.New("bad export request")

// inputError is an error caused by the request; errors.Is(err, ErrInput)
// holds, and its message carries no prefix, so a front end can print it as is.
type inputError struct{ msg string }

func (e *inputError) Error() string        { return e.msg }
func (e *inputError) Is(target error) bool { return target == ErrInput }

func inputf(format string, a ...any) error { return &inputError{fmt.Sprintf(format, a...)} }

// FieldError is an ErrInput caused by the value of one field of the options,
// so that a front end can name its own spelling of the field (a flag, a
// configuration key) instead: the message is Field, a space, then Msg.
type FieldError struct {
	Field string // e.g. "Options.MaxFrame", "STLOptions.Loops", "Addresses.LocalIP"
	Msg   string // e.g. "20000 outside 60..9238"
}

func (e *FieldError) Error() string        { return e.Field + " " + e.Msg }
func (e *FieldError) Is(target error) bool { return target == ErrInput }

func fieldf(field, format string, a ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// DefaultCount is the number of packets per direction when Options.Count is 0.
const DefaultCount = 1000

// DefaultMaxFrame is the largest frame (without FCS) when Options.MaxFrame is 0.
const DefaultMaxFrame = 1514

// DefaultMaxBytes caps the files of one Export together when
// Options.MaxBytes is 0: a count or duration typed wrong (-c 1000000000000)
// stops with an error instead of filling the disk.
const DefaultMaxBytes int64 = 1 << 30

// Options are the request. The shared fields apply to every format; each
// format reads its own options struct and ignores the others'. Zero values
// mean the defaults.
type Options struct {
	// Output is the path the path form (Export) writes. Formats that write
	// several files derive the other names from it (see the format's doc).
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
	// Flows is the number of concurrent imitations of each selected object
	// (formats with Format.Flows): each an independent draw of the model
	// with its own seed and start phase, and its own 5-tuple from the
	// address ranges in Addr (see flowSet). 0 and 1 mean one.
	Flows int

	STL  STLOptions  // trex-stl and trex-py
	Pcap PcapOptions // pcap
	ASTF ASTFOptions // trex-astf
	STF  STFOptions  // trex-stf

	// Log receives one-line notes: skipped directions, clamping, splits,
	// files written. nil discards them.
	Log io.Writer

	// Context, when not nil, stops Export once it is done: writes fail
	// with its error and no file is renamed into place.
	Context context.Context
	// MaxBytes caps the bytes of all the files of one Export together; 0
	// means DefaultMaxBytes, a negative value no cap. Past it the export
	// fails and writes nothing.
	MaxBytes int64
	// Protect lists paths Export must not write, under any name of the same
	// file: the profile being exported, say.
	Protect []string

	files *atomicfile.Set // Export's files, renamed together at the end
}

// writeFile writes path with fill's content: as part of Export's set of
// files when there is one (renamed with the others at the end), else
// atomically on its own.
func (o Options) writeFile(path string, fill func(w io.Writer) error) error {
	if o.files != nil {
		return o.files.Write(path, 0o644, fill)
	}
	ctx := o.Context
	if ctx == nil {
		ctx = context.Background()
	}
	return atomicfile.WriteContext(ctx, path, 0o644, fill)
}

// maxBytes is the cap on the export's files: MaxBytes, DefaultMaxBytes for
// 0, and 0 (none) for a negative MaxBytes.
func (o Options) maxBytes() int64 {
	switch {
	case o.MaxBytes == 0:
		return DefaultMaxBytes
	case o.MaxBytes < 0:
		return 0
	}
	return o.MaxBytes
}

// writeBytes is writeFile for content in memory.
func (o Options) writeBytes(path string, b []byte) error {
	return o.writeFile(path, func(w io.Writer) error { _, err := w.Write(b); return err })
}

// Addresses override the profile's endpoints in generated packets. Zero
// values keep the profile's (or the defaults when the profile has none).
type Addresses struct {
	LocalIP, RemoteIP     netip.Addr
	LocalMAC, RemoteMAC   net.HardwareAddr
	LocalPort, RemotePort int
	// Ranges the flows of Options.Flows take their addresses and ports
	// from; zero when not given. A range's first value is also the field
	// above (the address of flow 0 and of a single flow).
	LocalIPs, RemoteIPs     IPRange
	LocalPorts, RemotePorts PortRange
}

// Set parses value, as a command line or a configuration file gives it,
// into the named field (LocalIP, RemoteIP, LocalMAC, RemoteMAC, LocalPort,
// RemotePort). An empty value leaves the field as it is; a port is 1..65535.
// IPs and ports may be ranges for Options.Flows ("10.0.0.1-10.0.3.232",
// "10.0.0.0/22", "5000-5999"; see ParseIPRange, ParsePortRange): the range
// goes to LocalIPs (…) and its first value to LocalIP (…).
func (a *Addresses) Set(field, value string) error {
	if value != "" {
		switch field {
		case "LocalIP", "RemoteIP":
			if strings.ContainsAny(value, "-/") {
				r, err := ParseIPRange(value)
				if err != nil {
					return fieldf("Addresses."+field, "%v", err)
				}
				if field == "LocalIP" {
					a.LocalIP, a.LocalIPs = r.First, r
				} else {
					a.RemoteIP, a.RemoteIPs = r.First, r
				}
				return nil
			}
		case "LocalPort", "RemotePort":
			if strings.Contains(value, "-") {
				r, err := ParsePortRange(value)
				if err != nil {
					return fieldf("Addresses."+field, "%v", err)
				}
				if field == "LocalPort" {
					a.LocalPort, a.LocalPorts = int(r.First), r
				} else {
					a.RemotePort, a.RemotePorts = int(r.First), r
				}
				return nil
			}
		}
	}
	var ip *netip.Addr
	var mac *net.HardwareAddr
	var port *int
	switch field {
	case "LocalIP":
		ip = &a.LocalIP
	case "RemoteIP":
		ip = &a.RemoteIP
	case "LocalMAC":
		mac = &a.LocalMAC
	case "RemoteMAC":
		mac = &a.RemoteMAC
	case "LocalPort":
		port = &a.LocalPort
	case "RemotePort":
		port = &a.RemotePort
	default:
		return inputf("Addresses has no field %q", field)
	}
	if value == "" {
		return nil
	}
	var err error
	switch {
	case ip != nil:
		if *ip, err = netip.ParseAddr(value); err != nil {
			return fieldf("Addresses."+field, "%q is not an IP address", value)
		}
	case mac != nil:
		if *mac, err = net.ParseMAC(value); err != nil || len(*mac) != 6 {
			*mac = nil
			return fieldf("Addresses."+field, "%q is not a 6-byte MAC address", value)
		}
	default:
		if *port, err = strconv.Atoi(value); err != nil || *port < 1 || *port > 65535 {
			*port = 0
			return fieldf("Addresses."+field, "%s outside 1..65535", value)
		}
	}
	return nil
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

// DefaultModel is the model to export o's selection with when the caller
// chose none: sampler.Auto, each direction as its profile chose.
func DefaultModel(p *profiles.Profile, o Options) sampler.Model { return sampler.Auto }

// DescribeModel says what o.Model plays on each selected direction, for a
// note: "hmm", or "auto: from hmm, to iid" when directions differ.
func DescribeModel(p *profiles.Profile, o Options) string {
	dirs := o.Dirs
	if dirs == nil {
		dirs = []profiles.Dir{profiles.From, profiles.To}
	}
	var parts []string
	seen := map[sampler.Model]bool{}
	sel := selection(o.Objects)
	for i := range p.Objects {
		obj := &p.Objects[i]
		if sel != nil && !sel[obj.ID] {
			continue
		}
		for _, d := range dirs {
			if dm := obj.Dir(d); dm != nil {
				m := o.Model.For(dm)
				seen[m] = true
				parts = append(parts, d.String()+" "+m.String())
			}
		}
	}
	if len(parts) == 0 {
		return o.Model.String()
	}
	if len(seen) == 1 {
		for m := range seen {
			if o.Model == sampler.Auto {
				return m.String() + ", as the profile chose"
			}
			return m.String()
		}
	}
	if len(parts) > 6 {
		parts = append(parts[:6], "…")
	}
	return o.Model.String() + ": " + strings.Join(parts, ", ")
}

// Generable lists the directions of obj that model can generate: those with
// a model, for sampler.HMM with hidden chains, for sampler.RNN with a
// recurrent model.
func Generable(obj *profiles.Object, model sampler.Model) []profiles.Dir {
	var ds []profiles.Dir
	for _, d := range []profiles.Dir{profiles.From, profiles.To} {
		if generable(obj.Dir(d), model) {
			ds = append(ds, d)
		}
	}
	return ds
}

func generable(dm *profiles.Direction, model sampler.Model) bool {
	switch model.For(dm) {
	case sampler.HMM:
		return dm != nil && dm.HMM != nil && len(dm.HMM.Chains) > 0
	case sampler.RNN:
		return dm != nil && dm.RNN != nil
	}
	return dm != nil
}

// FitMaxFrame is the MaxFrame that holds every size of obj's directions
// dirs without clamping, jumbo frames included: at least DefaultMaxFrame,
// at most the largest jumbo frame.
func FitMaxFrame(obj *profiles.Object, dirs []profiles.Dir) int {
	n := 0
	for _, d := range dirs {
		if dm := obj.Dir(d); dm != nil {
			n = max(n, int(dm.Size.Max)+frame.EthLen+frame.IPv6Len+frame.TCPLen)
		}
	}
	return min(max(n, DefaultMaxFrame), frame.MaxJumbo)
}

// PickObject returns the object named id or, when id is empty, the
// profile's first (estimate writes them largest first).
func PickObject(p *profiles.Profile, id string) (*profiles.Object, error) {
	if len(p.Objects) == 0 {
		return nil, inputf("the profile has no objects")
	}
	if id == "" {
		return &p.Objects[0], nil
	}
	if o := p.Object(id); o != nil {
		return o, nil
	}
	return nil, inputf("no object %q in the profile (it has %s)", id, quoteList(p.IDs()))
}

// Export writes the files of format for p under o.Output and returns their
// paths. The files are written as a set: all of them are renamed into place
// at the end, or none is (on any error, o.Context done, or o.MaxBytes
// passed). o.Output is checked first (a regular file or a new path in an
// existing directory, none of o.Protect), before any sampling.
func Export(p *profiles.Profile, format string, o Options) ([]string, error) {
	f, err := Lookup(format)
	if err != nil {
		return nil, err
	}
	if o.Output == "" {
		return nil, fieldf("Options.Output", "is empty: the path form needs a path")
	}
	if o, err = f.check(p, o); err != nil {
		return nil, err
	}
	set := atomicfile.NewSet(o.Context)
	set.Limit(max(o.maxBytes(), 0))
	for _, path := range o.Protect {
		set.Protect(path)
	}
	if err := set.Check(o.Output); err != nil {
		return nil, &FieldError{Field: "Options.Output", Msg: err.Error()}
	}
	o.files = set
	files, err := f.Export(p, o)
	if err == nil {
		err = set.Commit()
	}
	if err != nil {
		set.Abort()
		var tl *atomicfile.TooLargeError
		if errors.As(err, &tl) {
			return nil, fieldf("Options.MaxBytes", "limit of %s reached before the export was complete; nothing written", atomicfile.Bytes(tl.Limit))
		}
		return nil, err
	}
	return files, nil
}

// Write writes the one stream of format for p to w: what Export writes to
// o.Output (csv: of one object; trex-stl: of one direction, see WriteSTL).
// Formats whose files name each other (ditg, trex-astf, trex-stf) have only
// the path form. w receives nothing when the request is bad, but may hold
// part of the stream when writing fails.
func Write(w io.Writer, p *profiles.Profile, format string, o Options) error {
	f, err := Lookup(format)
	if err != nil {
		return err
	}
	if f.Write == nil {
		return inputf("format %s writes several files that name each other: use Export", f.Name)
	}
	if o, err = f.check(p, o); err != nil {
		return err
	}
	return f.Write(w, p, o)
}

// check validates o's shared fields against f and p and fills defaults.
func (f *Format) check(p *profiles.Profile, o Options) (Options, error) {
	if o.Count < 0 {
		return o, fieldf("Options.Count", "%d is negative", o.Count)
	}
	if o.Duration < 0 || math.IsNaN(o.Duration) || math.IsInf(o.Duration, 0) {
		return o, fieldf("Options.Duration", "%v is not a number of seconds > 0", o.Duration)
	}
	if o.Duration > 0 && !f.Timed {
		return o, fieldf("Options.Duration", "%v: format %s takes a packet count, not a duration", o.Duration, f.Name)
	}
	if o.Count == 0 && o.Duration == 0 {
		o.Count = DefaultCount
	}
	if o.MaxFrame == 0 {
		o.MaxFrame = DefaultMaxFrame
	}
	if o.MaxFrame < 60 || o.MaxFrame > 9238 {
		return o, fieldf("Options.MaxFrame", "%d outside 60..9238", o.MaxFrame)
	}
	if o.Addr.LocalPort < 0 || o.Addr.LocalPort > 65535 {
		return o, fieldf("Addresses.LocalPort", "%d outside 0..65535", o.Addr.LocalPort)
	}
	if o.Addr.RemotePort < 0 || o.Addr.RemotePort > 65535 {
		return o, fieldf("Addresses.RemotePort", "%d outside 0..65535", o.Addr.RemotePort)
	}
	if err := checkFlows(o); err != nil {
		return o, err
	}
	if o.Flows > 1 && !f.Flows {
		return o, fieldf("Options.Flows", "%d: format %s writes one flow per object (formats with flows: %s)", o.Flows, f.Name, strings.Join(FlowFormats(), ", "))
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if len(p.Objects) == 0 {
		return o, inputf("the profile has no objects")
	}
	// A set, not p.Object per id: an ids file may name tens of thousands.
	have := make(map[string]bool, len(p.Objects))
	for i := range p.Objects {
		have[p.Objects[i].ID] = true
	}
	for _, id := range o.Objects {
		if !have[id] {
			return o, inputf("no object %q in the profile (valid: %s)", id, quoteList(p.IDs()))
		}
	}
	return o, nil
}

func quoteList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = strconv.Quote(id)
	}
	return strings.Join(q, ", ")
}

// notef writes a note to o.Log.
func (o Options) notef(format string, a ...any) {
	fmt.Fprintf(o.Log, format+"\n", a...)
}
