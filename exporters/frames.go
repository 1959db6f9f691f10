package exporters

import (
	"fmt"
	"math"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"time"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// Addresses used when neither the profile nor an override gives one: the
// benchmarking range (RFC 2544), its IPv6 counterpart (RFC 3849) and locally
// administered MACs, so exported traffic never claims a real host.
var (
	defaultLocalIP4  = netip.MustParseAddr("198.18.0.1")
	defaultRemoteIP4 = netip.MustParseAddr("198.18.0.2")
	defaultLocalIP6  = netip.MustParseAddr("2001:db8::1")
	defaultRemoteIP6 = netip.MustParseAddr("2001:db8::2")
	defaultLocalMAC  = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x01}
	defaultRemoteMAC = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x02}
)

// defaultPort is the data port of the original tool, used for device objects
// whose profile has no ports.
const defaultPort = 8000

// endpoint is one side of an object as it appears in generated frames.
type endpoint struct {
	mac  net.HardwareAddr
	ip   netip.Addr
	port uint16
}

// target is one selected object with the directions that will be exported.
type target struct {
	obj    *profiles.Object
	index  int // position in the profile
	dirs   []profiles.Dir
	proto  frame.Proto
	local  endpoint
	remote endpoint
	macSet bool // a MAC was given on the command line: keep it in TRex
	flows  flowSet
}

// side returns the sender and receiver of direction d.
func (t *target) side(d profiles.Dir) (src, dst endpoint) {
	if d == profiles.To {
		return t.remote, t.local
	}
	return t.local, t.remote
}

// template builds the frame template of direction d.
func (t *target) template(d profiles.Dir, maxFrame int) (*frame.Template, error) {
	return t.flowTemplate(d, 0, maxFrame)
}

// flowSide returns the sender and receiver of direction d in flow f.
func (t *target) flowSide(d profiles.Dir, f int) (src, dst endpoint) {
	l, r := t.flows.tuple(t, f)
	if d == profiles.To {
		return r, l
	}
	return l, r
}

// flowTemplate builds the frame template of direction d of flow f.
func (t *target) flowTemplate(d profiles.Dir, f, maxFrame int) (*frame.Template, error) {
	src, dst := t.flowSide(d, f)
	tpl, err := frame.New(frame.Spec{SrcMAC: src.mac, DstMAC: dst.mac, SrcIP: src.ip, DstIP: dst.ip,
		Proto: t.proto, SrcPort: src.port, DstPort: dst.port, MaxFrame: maxFrame})
	if err != nil {
		return nil, inputf("object %q: %v", t.obj.ID, err)
	}
	return tpl, nil
}

// selectTargets resolves the objects, directions and addresses of a request.
// Directions without a model are skipped with a note; nothing left is an
// error.
func selectTargets(p *profiles.Profile, o Options) ([]target, error) {
	var ts []target
	dirs := o.Dirs
	if dirs == nil {
		dirs = []profiles.Dir{profiles.From, profiles.To}
	}
	sel := selection(o.Objects)
	for i := range p.Objects {
		obj := &p.Objects[i]
		if sel != nil && !sel[obj.ID] {
			continue
		}
		t := target{obj: obj, index: i}
		for _, d := range dirs {
			dm := obj.Dir(d)
			switch {
			case dm == nil:
				o.notef("object %q: direction %s has no model (too few packets in the capture), skipped", obj.ID, d)
			case !generable(dm, o.Model):
				o.notef("object %q: direction %s has no HMM (estimate with --model hmm), skipped", obj.ID, d)
			default:
				t.dirs = append(t.dirs, d)
			}
		}
		if len(t.dirs) == 0 {
			continue
		}
		if err := t.resolve(o.Addr); err != nil {
			return nil, err
		}
		fs, err := newFlowSet(&t, o.Addr, o.Flows)
		if err != nil {
			return nil, err
		}
		t.flows = fs
		ts = append(ts, t)
	}
	if len(ts) == 0 {
		return nil, inputf("nothing to export: no selected object has a model for the selected directions")
	}
	return ts, nil
}

// selection is the set of ids, nil for nil (every object): a lookup per
// object, where a scan of the list made selecting n objects cost n².
func selection(ids []string) map[string]bool {
	if ids == nil {
		return nil
	}
	s := make(map[string]bool, len(ids))
	for _, id := range ids {
		s[id] = true
	}
	return s
}

// resolve fills the endpoints from the overrides, the profile and defaults.
func (t *target) resolve(a Addresses) error {
	obj := t.obj
	t.proto = frame.UDP
	if obj.Proto != "" {
		p, err := frame.ParseProto(obj.Proto)
		if err != nil {
			return inputf("object %q: %v", obj.ID, err)
		}
		t.proto = p
	}
	var err error
	if t.local.ip, err = pickIP(a.LocalIP, obj.Local.IP); err != nil {
		return inputf("object %q: local IP: %v", obj.ID, err)
	}
	if t.remote.ip, err = pickIP(a.RemoteIP, obj.Remote.IP); err != nil {
		return inputf("object %q: remote IP: %v", obj.ID, err)
	}
	switch {
	case !t.local.ip.IsValid() && !t.remote.ip.IsValid():
		t.local.ip, t.remote.ip = defaultLocalIP4, defaultRemoteIP4
	case !t.local.ip.IsValid():
		t.local.ip = map[bool]netip.Addr{true: defaultLocalIP4, false: defaultLocalIP6}[t.remote.ip.Is4()]
	case !t.remote.ip.IsValid():
		t.remote.ip = map[bool]netip.Addr{true: defaultRemoteIP4, false: defaultRemoteIP6}[t.local.ip.Is4()]
	}
	if t.local.ip.Is4() != t.remote.ip.Is4() {
		return inputf("object %q: local IP %v and remote IP %v are not the same version", obj.ID, t.local.ip, t.remote.ip)
	}
	t.macSet = a.LocalMAC != nil || a.RemoteMAC != nil
	if t.local.mac, err = pickMAC(a.LocalMAC, obj.Local.MAC, defaultLocalMAC); err != nil {
		return inputf("object %q: local MAC: %v", obj.ID, err)
	}
	if t.remote.mac, err = pickMAC(a.RemoteMAC, obj.Remote.MAC, defaultRemoteMAC); err != nil {
		return inputf("object %q: remote MAC: %v", obj.ID, err)
	}
	t.local.port = pickPort(a.LocalPort, obj.Local.Port)
	t.remote.port = pickPort(a.RemotePort, obj.Remote.Port)
	return nil
}

func pickIP(override netip.Addr, profile string) (netip.Addr, error) {
	if override.IsValid() {
		return override.Unmap(), nil
	}
	if profile == "" {
		return netip.Addr{}, nil
	}
	ip, err := netip.ParseAddr(profile)
	if err != nil {
		return netip.Addr{}, err
	}
	return ip.Unmap(), nil
}

func pickMAC(override net.HardwareAddr, profile string, def net.HardwareAddr) (net.HardwareAddr, error) {
	if override != nil {
		if len(override) != 6 {
			return nil, fmt.Errorf("%v is not a 6-byte MAC", override)
		}
		return override, nil
	}
	if profile == "" {
		return def, nil
	}
	m, err := net.ParseMAC(profile)
	if err != nil || len(m) != 6 {
		return nil, fmt.Errorf("%q is not a 6-byte MAC", profile)
	}
	return m, nil
}

func pickPort(override, profile int) uint16 {
	switch {
	case override > 0:
		return uint16(override)
	case profile > 0 && profile <= 65535:
		return uint16(profile)
	}
	return defaultPort
}

// sizer turns sampled sizes (in the profile's size unit) into payload lengths
// that fit the template, counting the ones clamped to --max-frame.
type sizer struct {
	tpl     *frame.Template
	unit    string // payload | ip | frame
	clamped int
	total   int
}

func newSizer(p *profiles.Profile, tpl *frame.Template) *sizer {
	return &sizer{tpl: tpl, unit: p.Settings.Size}
}

// payload converts a sampled size to a payload length within the template.
func (s *sizer) payload(size int) int {
	n := size
	switch s.unit {
	case "ip":
		n = size - (s.tpl.HeaderLen() - frame.EthLen)
	case "frame":
		n = size - s.tpl.HeaderLen()
	}
	n = max(n, 0)
	s.total++
	if n > s.tpl.MaxPayload() {
		s.clamped++
		n = s.tpl.MaxPayload()
	}
	return n
}

// clampNotes reports clamping once per export.
func clampNote(o Options, sizers ...*sizer) {
	c, t := 0, 0
	for _, s := range sizers {
		if s != nil {
			c, t = c+s.clamped, t+s.total
		}
	}
	if c > 0 {
		o.notef("warning: %d of %d packets did not fit --max-frame %d and were clamped to it", c, t, o.MaxFrame)
	}
}

// sampleDir draws n packets of direction d of t's object.
func sampleDir(t *target, d profiles.Dir, o Options, n int) ([]sampler.Packet, error) {
	return sampleFlow(t, d, o, 0, n)
}

// sampleFlow draws n packets of direction d of flow f of t's object.
func sampleFlow(t *target, d profiles.Dir, o Options, f, n int) ([]sampler.Packet, error) {
	s, err := sampler.New(t.obj, sampler.Options{Model: o.Model, Seed: flowSeed(o, f), Count: n, Directions: []profiles.Dir{d}})
	if err != nil {
		return nil, inputf("%v", err)
	}
	pk := make([]sampler.Packet, 0, n)
	var p sampler.Packet
	for s.Next(&p) {
		pk = append(pk, p)
	}
	return pk, nil
}

// stream opens the merged stream of t's selected directions, Count each.
func stream(t *target, o Options) (*sampler.Stream, error) {
	return flowStream(t, o, 0, 0)
}

// flowStream opens the stream of flow f of t, whose times will be shifted
// by phase: with a Duration, it ends so that shifted times stay within it.
func flowStream(t *target, o Options, f int, phase float64) (*sampler.Stream, error) {
	// Gaps are clamped to [iat.min, iat.max]: time advances by at most
	// iat.max a packet, and not at all when it is 0.
	for _, d := range t.dirs {
		if dm := t.obj.Dir(d); o.Duration > 0 && dm != nil && !(dm.IAT.Max > 0) {
			return nil, fieldf("Options.Duration", "%v s: object %q direction %s has no gap above 0 (iat.max %v), so no duration bounds its packets; give a packet count",
				o.Duration, t.obj.ID, d, dm.IAT.Max)
		}
	}
	dur := o.Duration
	if dur > 0 {
		if dur -= phase; dur <= 0 {
			dur = 1e-300 // only a packet at the flow's own t = 0 (none after the shift)
		}
	}
	s, err := sampler.New(t.obj, sampler.Options{Model: o.Model, Seed: flowSeed(o, f), Count: o.Count, Duration: dur, Directions: t.dirs})
	if err != nil {
		return nil, inputf("%v", err)
	}
	return s, nil
}

// epochNS is the wall-clock start of synthetic captures: the profile's
// capture start when known, else a fixed date, so output stays deterministic.
func epochNS(p *profiles.Profile) int64 {
	if ts, err := time.Parse(time.RFC3339Nano, p.Source.Start); err == nil && ts.Unix() > 0 {
		return ts.UnixNano()
	}
	return time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
}

// ns converts seconds to nanoseconds, rounded.
func ns(sec float64) int64 { return int64(math.Round(sec * 1e9)) }

// suffixed inserts suffix before path's extension: out.yaml -> out-from.yaml.
func suffixed(path, suffix string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + suffix + ext
}

// withExt replaces path's extension (or adds one).
func withExt(path, ext string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ext
}

// trexName checks that TRex's loaders will take the file path: they pick the
// type from the one suffix after the base name's only dot, and import Python
// profiles by the name before it.
func trexName(output, path, ext string) error {
	base := filepath.Base(path)
	name, ok := strings.CutSuffix(base, ext)
	if !ok || name == "" || strings.Contains(name, ".") {
		return fieldf("Options.Output", "%q: TRex loads %q only as NAME%s with no other dot in the name (it splits on dots)", output, base, ext)
	}
	return nil
}
