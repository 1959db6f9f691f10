package exporters

// Every TRex export judged by TRex's own simulator (../shared/tools/trex-sim,
// its README says how it runs): what TRex's scheduler would put on the wire,
// read back from its ERF output (nanosecond stamps) and compared, packet by
// packet, with what the sampler draws for the same seed. The tests skip when
// the simulator is absent; CI has it. Measured figures go to the test log
// (go test -v -run TestSim ./exporters/) and to README's TRex section.

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/internal/sharedtest"
	"github.com/gmm2trex/gmm2trex/pipeline"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/profiles/builtin"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// Tolerances the issue sets.
const (
	simGapTol  = 10.0 // ns, every gap of a chain against the sampled one
	simRateTol = 0.01 // relative, rate mode's packet rate against the model's mean
	simKSTol   = 0.03 // rate mode's frame sizes against draws from the model
)

// simRecord is one frame the simulator sent.
type simRecord struct {
	ns    float64 // since the start of the simulation
	frame []byte  // without FCS
}

// readERF reads the simulator's ERF output: 16-byte records whose first 8
// bytes are a little-endian 32.32 fixed-point time, bytes 10-11 the
// big-endian record length and 14-15 the wire length (FCS included), then 2
// bytes of padding and the frame.
func readERF(t *testing.T, path string) []simRecord {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []simRecord
	for off := 0; off < len(b); {
		if len(b)-off < 18 {
			t.Fatalf("%s: record %d at offset %d: %d bytes left, shorter than a header", path, len(out)+1, off, len(b)-off)
		}
		ts := binary.LittleEndian.Uint64(b[off:])
		rlen := int(binary.BigEndian.Uint16(b[off+10:]))
		wlen := int(binary.BigEndian.Uint16(b[off+14:]))
		if rlen < 18 || off+rlen > len(b) || wlen < 4 || 18+wlen-4 > rlen {
			t.Fatalf("%s: record %d at offset %d: record length %d, wire length %d, %d bytes left", path, len(out)+1, off, rlen, wlen, len(b)-off)
		}
		sec, frac := ts>>32, ts&0xFFFFFFFF
		out = append(out, simRecord{ns: float64(sec)*1e9 + float64(frac)*1e9/(1<<32), frame: b[off+18 : off+18+wlen-4]})
		off += rlen
	}
	return out
}

// simSTL runs sim-stl on a stateless profile (YAML or Python) with args
// (-l, -i, …) and returns what it sent.
func simSTL(t *testing.T, profile string, args ...string) []simRecord {
	t.Helper()
	dir := sharedtest.TRexSim(t)
	out := filepath.Join(t.TempDir(), "sim.erf")
	cmd := exec.Command(filepath.Join(dir, "sim-stl"), append([]string{profile, out}, args...)...)
	msg, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sim-stl %s %v: %v\n%s", filepath.Base(profile), args, err, msg)
	}
	return readERF(t, out)
}

// flowKey is a frame's addresses and ports, which tell objects apart when
// several share a TRex port (TRex rewrites the MACs).
type flowKey struct {
	src, dst     netip.Addr
	sport, dport uint16
}

func (k flowKey) String() string { return fmt.Sprintf("%v:%d->%v:%d", k.src, k.sport, k.dst, k.dport) }

// objectKeys maps the flow key of every exported object and direction of p
// (as o selects them) to the object, the way the exporter addresses it.
func objectKeys(t *testing.T, p *profiles.Profile, o Options) map[profiles.Dir]map[flowKey]*target {
	t.Helper()
	o.Log = io.Discard
	ts, err := selectTargets(p, o)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[profiles.Dir]map[flowKey]*target{profiles.From: {}, profiles.To: {}}
	for i := range ts {
		for _, d := range ts[i].dirs {
			src, dst := ts[i].side(d)
			keys[d][flowKey{src.ip, dst.ip, src.port, dst.port}] = &ts[i]
		}
	}
	return keys
}

// onesSum is the folded ones' complement sum of b, added to s.
func onesSum(b []byte, s uint32) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xFFFF + s>>16
	}
	return uint16(s)
}

// nicOffload does what a NIC's checksum offload does to a frame whose
// stream asks for it (fix_checksum_hw: rate mode over TCP or IPv6), which
// the simulator does not emulate: it checks that TRex prepared the frame as
// the offload expects (an IPv4 header checksum of 0, the L4 checksum field
// holding the pseudo-header sum) and returns a copy with both checksums
// computed. Other frames (UDP over IPv4, whose checksum is 0) pass as they are.
func nicOffload(b []byte) ([]byte, error) {
	if len(b) < frame.EthLen+frame.IPv6Len {
		return b, nil
	}
	var l4, pseudo []byte
	var proto byte
	v4 := binary.BigEndian.Uint16(b[12:]) == 0x0800
	ihl := 0
	if v4 {
		ihl = int(b[14]&0xF) * 4
		tot := int(binary.BigEndian.Uint16(b[16:]))
		proto = b[23]
		if proto == byte(frame.UDP) || frame.EthLen+tot > len(b) {
			return b, nil
		}
		if cs := binary.BigEndian.Uint16(b[24:]); cs != 0 {
			return nil, fmt.Errorf("IPv4 header checksum 0x%04x where hardware offload expects 0", cs)
		}
		l4 = b[frame.EthLen+ihl : frame.EthLen+tot]
		pseudo = slices.Clone(b[26:34])
	} else {
		pl := int(binary.BigEndian.Uint16(b[18:]))
		if frame.EthLen+frame.IPv6Len+pl > len(b) {
			return b, nil
		}
		proto = b[20]
		l4 = b[frame.EthLen+frame.IPv6Len : frame.EthLen+frame.IPv6Len+pl]
		pseudo = slices.Clone(b[22:54])
	}
	off := map[byte]int{byte(frame.UDP): 6, byte(frame.TCP): 16}[proto]
	if off == 0 || len(l4) < off+2 {
		return b, nil
	}
	pseudo = binary.BigEndian.AppendUint16(append(pseudo, 0, proto), uint16(len(l4)))
	ps := onesSum(pseudo, 0)
	if cs := binary.BigEndian.Uint16(l4[off:]); cs != ps {
		return nil, fmt.Errorf("L4 checksum field 0x%04x where hardware offload expects the pseudo-header sum 0x%04x", cs, ps)
	}
	c := slices.Clone(b)
	start := frame.EthLen + frame.IPv6Len
	if v4 {
		start = frame.EthLen + ihl
		binary.BigEndian.PutUint16(c[24:], ^onesSum(c[frame.EthLen:frame.EthLen+ihl], 0))
	}
	seg := c[start : start+len(l4)]
	binary.BigEndian.PutUint16(seg[off:], 0)
	binary.BigEndian.PutUint16(seg[off:], ^onesSum(seg, uint32(ps)))
	return c, nil
}

// decodeAll decodes every frame (valid IPv4/IPv6, UDP/TCP lengths and
// checksums, or the test fails; with offload, after nicOffload) and splits
// the records by flow key.
func decodeAll(t *testing.T, label string, recs []simRecord, offload bool) (map[flowKey][]simRecord, map[flowKey][]frame.Info) {
	t.Helper()
	byKey, infos := map[flowKey][]simRecord{}, map[flowKey][]frame.Info{}
	bad := 0
	for i, r := range recs {
		b, err := r.frame, error(nil)
		if offload {
			b, err = nicOffload(b)
		}
		var in frame.Info
		if err == nil {
			in, err = frame.Decode(b)
		}
		if err != nil {
			if bad++; bad <= 3 {
				t.Errorf("%s: frame %d (%d bytes): %v", label, i, len(r.frame), err)
			}
			continue
		}
		k := flowKey{in.SrcIP, in.DstIP, in.SrcPort, in.DstPort}
		byKey[k] = append(byKey[k], r)
		infos[k] = append(infos[k], in)
	}
	if bad > 0 {
		t.Fatalf("%s: %d of %d frames do not decode", label, bad, len(recs))
	}
	return byKey, infos
}

// wantPayload is the payload a sampled size becomes in a frame whose headers
// are hdr bytes long, when p's sizes are payload sizes.
func wantPayload(size, hdr, maxFrame int) int { return min(size, maxFrame-hdr) }

// frameLen is the frame length of payload behind hdr header bytes.
func frameLen(hdr, payload int) int { return max(frame.MinFrame, hdr+payload) }

// headerLen is the length of a decoded frame's headers.
func headerLen(in frame.Info) int {
	h := frame.EthLen + frame.IPv4Len + frame.UDPLen
	if !in.SrcIP.Is4() {
		h += frame.IPv6Len - frame.IPv4Len
	}
	if in.Proto == frame.TCP {
		h += frame.TCPLen - frame.UDPLen
	}
	return h
}

// gapStats collects |simulated - sampled| gap errors in ns.
type gapStats struct {
	errs []float64
}

func (g *gapStats) add(e float64) { g.errs = append(g.errs, math.Abs(e)) }

func (g *gapStats) merge(o gapStats) { g.errs = append(g.errs, o.errs...) }

func (g gapStats) summary() (median, max float64) {
	if len(g.errs) == 0 {
		return 0, 0
	}
	e := slices.Clone(g.errs)
	slices.Sort(e)
	return e[len(e)/2], e[len(e)-1]
}

// checkChain compares one object's simulated frames of a chain with the
// sampler's draws ref (l+1 of them for a chain of l streams: the last draw's
// gap closes the loop): packet k is stream k mod l, so its payload is
// ref[k mod l]'s size and the gap before it ref[k mod l]'s gap, or for
// stream 0 ref[l]'s gap, also before the very first packet (from t = 0).
func checkChain(t *testing.T, label string, recs []simRecord, infos []frame.Info, ref []sampler.Packet, total, maxFrame int) gapStats {
	t.Helper()
	l := len(ref) - 1
	if len(recs) != total {
		t.Errorf("%s: the simulator sent %d packets, want %d", label, len(recs), total)
	}
	var st gapStats
	prev := 0.0
	bad := 0
	for k := range min(len(recs), total) {
		i := k % l
		gap := ref[i].Gap
		if i == 0 {
			gap = ref[l].Gap
		}
		hdr := headerLen(infos[k])
		pay := wantPayload(ref[i].Size, hdr, maxFrame)
		e := recs[k].ns - prev - gap*1e9
		st.add(e)
		if infos[k].Payload != pay || len(recs[k].frame) != frameLen(hdr, pay) || math.Abs(e) > simGapTol {
			if bad++; bad <= 3 {
				t.Errorf("%s: packet %d (stream %d of %d): %d bytes, payload %d, gap %.3f ns; sampled size %d (payload %d, frame %d), gap %.3f ns",
					label, k, i, l, len(recs[k].frame), infos[k].Payload, recs[k].ns-prev, ref[i].Size, pay, frameLen(hdr, pay), gap*1e9)
			}
		}
		prev = recs[k].ns
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d packets differ from the sample", label, bad, len(recs))
	}
	return st
}

// skypeEstimated is the profile fitted in-process from skypeLANhome.pcap,
// shared by the tests that need it.
var estimated struct {
	once sync.Once
	p    *profiles.Profile
	err  error
}

func skypeEstimated(path string) (*profiles.Profile, error) {
	estimated.once.Do(func() {
		r, err := pipeline.EstimateFile(context.Background(), path, pipeline.DefaultSettings())
		if err != nil {
			estimated.err = err
			return
		}
		estimated.p = r.Profile
	})
	return estimated.p, estimated.err
}

// simProfile returns a test profile by name: a built-in ("builtin:NAME"),
// the Skype capture estimated here ("estimated:skypeLANhome"), or a file.
func simProfile(t *testing.T, name string) *profiles.Profile {
	t.Helper()
	var p *profiles.Profile
	var err error
	switch {
	case strings.HasPrefix(name, "builtin:"):
		p, err = builtin.Load(strings.TrimPrefix(name, "builtin:"))
	case name == "estimated:skypeLANhome":
		p, err = skypeEstimated(sharedtest.Path(t, "pcaps", "skypeLANhome.pcap"))
	default:
		p, err = profiles.Load(name)
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if p.Settings.Size != "payload" {
		t.Fatalf("%s: sizes are %s sizes; these tests compare payload sizes", name, p.Settings.Size)
	}
	return p
}

// portFile is the trex-stl file of direction d among files (OUT-from,
// OUT-to, or one file when one direction is selected).
func portFile(t *testing.T, files []string, o Options, d profiles.Dir) string {
	t.Helper()
	if o.Dirs != nil {
		return files[0]
	}
	for _, f := range files {
		if strings.HasSuffix(f, "-"+d.String()+".yaml") {
			return f
		}
	}
	t.Fatalf("no file for direction %s in %v", d, files)
	return ""
}

// TestSimSTLChain: in chain mode every frame TRex's scheduler sends has the
// sampled size, and every gap is within 10 ns of the sampled gap, for every
// packet: both ports, --loops, a chain looping forever, a chain split to fit
// 20000 streams, several objects sharing a port, TCP and IPv6.
func TestSimSTLChain(t *testing.T) {
	sharedtest.TRexSim(t)
	cases := []struct {
		name    string
		profile string
		o       Options
		limit   int // -l: packets per port, 0 = until the chain ends
	}{
		{"skype-call both ports loops 2", "builtin:skype-call", Options{Count: 600, Seed: 5, STL: STLOptions{Loops: 2}}, 0},
		{"sample-rtp forever", "builtin:sample-rtp", Options{Count: 400, Seed: 6}, 1500},
		{"estimated skype iid loops 1", "estimated:skypeLANhome", Options{Count: 500, Seed: 7, Model: sampler.IID, STL: STLOptions{Loops: 1}}, 0},
		{"three objects share port 0", "testdata/mixed.yaml", Options{Count: 300, Seed: 8, STL: STLOptions{Loops: 2}}, 0},
		// 20001 packets are two plays of a 10001-stream chain: the smallest
		// split, and still the slowest test (TRex's YAML loader).
		{"split chain", "builtin:sample-rtp", Options{Count: 20001, Seed: 9, Dirs: []profiles.Dir{profiles.From}, STL: STLOptions{Loops: 1}}, 0},
	}
	var mu sync.Mutex
	var all gapStats
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := simProfile(t, c.profile)
			files, _ := export(t, p, "trex-stl", "chain.yaml", c.o)
			keys := objectKeys(t, p, c.o)
			var st gapStats
			for _, d := range []profiles.Dir{profiles.From, profiles.To} {
				if len(keys[d]) == 0 {
					continue
				}
				recs := simSTL(t, portFile(t, files, c.o, d), "-l", fmt.Sprint(c.limit), "-i", fmt.Sprint(int(d)))
				byKey, infos := decodeAll(t, c.name, recs, false)
				perDir := len(keys[d])
				for k, tg := range keys[d] {
					budget := maxSTLStreams / perDir
					plays := (c.o.Count + budget - 1) / budget
					l := (c.o.Count + plays - 1) / plays
					total := l * plays * max(c.o.STL.Loops, 1)
					if c.limit > 0 {
						total = c.limit / perDir
					}
					ref := draws(t, tg.obj, d, c.o.Model, c.o.Seed, l+1)
					label := fmt.Sprintf("%s: %s %s (port %d)", c.name, tg.obj.ID, d, d)
					st.merge(checkChain(t, label, byKey[k], infos[k], ref, total, DefaultMaxFrame))
					delete(byKey, k)
				}
				for k, rs := range byKey {
					t.Errorf("%s: port %d: %d frames of %v, which no object sends", c.name, d, len(rs), k)
				}
			}
			med, mx := st.summary()
			t.Logf("%s: %d gaps, error median %.3f ns, max %.3f ns", c.name, len(st.errs), med, mx)
			mu.Lock()
			all.merge(st)
			mu.Unlock()
		})
	}
	t.Cleanup(func() {
		med, mx := all.summary()
		t.Logf("all chains: %d gaps, error median %.3f ns, max %.3f ns", len(all.errs), med, mx)
	})
}

// ks2 is the two-sample Kolmogorov-Smirnov statistic of integer samples.
func ks2(x, y []int) float64 {
	a, b := slices.Clone(x), slices.Clone(y)
	slices.Sort(a)
	slices.Sort(b)
	d, i, j := 0.0, 0, 0
	for i < len(a) && j < len(b) {
		v := min(a[i], b[j])
		for i < len(a) && a[i] == v {
			i++
		}
		for j < len(b) && b[j] == v {
			j++
		}
		d = max(d, math.Abs(float64(i)/float64(len(a))-float64(j)/float64(len(b))))
	}
	return d
}

// modelMeanGap is the model's mean gap, from a long independent draw.
func modelMeanGap(t *testing.T, obj *profiles.Object, d profiles.Dir, m sampler.Model) float64 {
	t.Helper()
	pk := draws(t, obj, d, m, 1001, 1_000_000)
	return (pk[len(pk)-1].Time - pk[0].Time) / float64(len(pk)-1)
}

// TestSimSTLRate: in rate mode TRex sends at the model's mean rate (within
// 1 %), its frame sizes follow the model's (KS ≤ 0.03 against fresh draws),
// and every frame has valid IPv4/IPv6 and UDP/TCP lengths and checksums.
func TestSimSTLRate(t *testing.T) {
	sharedtest.TRexSim(t)
	const sent = 8000 // packets simulated per object and port
	profs := []string{"builtin:skype-call", "builtin:sample-rtp", "estimated:skypeLANhome", "testdata/mixed.yaml"}
	var mu sync.Mutex
	worstRate, worstKS := 0.0, 0.0
	for _, name := range profs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := simProfile(t, name)
			// A long sample makes the exported rate the model's mean.
			o := Options{Count: 400_000, Seed: 11, STL: STLOptions{Mode: STLRate}}
			files, _ := export(t, p, "trex-stl", "rate.yaml", o)
			keys := objectKeys(t, p, o)
			for _, d := range []profiles.Dir{profiles.From, profiles.To} {
				if len(keys[d]) == 0 {
					continue
				}
				// Long enough for the slowest object of the port to send sent packets.
				means := map[flowKey]float64{}
				longest := 0.0
				for k, tg := range keys[d] {
					means[k] = modelMeanGap(t, tg.obj, d, o.Model)
					longest = max(longest, means[k])
				}
				recs := simSTL(t, portFile(t, files, o, d), "-l", "0", "-d", fmt.Sprintf("%.3f", float64(sent)*longest*1.01), "-i", fmt.Sprint(int(d)))
				byKey, infos := decodeAll(t, name, recs, true)
				for k, tg := range keys[d] {
					rs, in := byKey[k], infos[k]
					delete(byKey, k)
					label := fmt.Sprintf("%s: %s %s", name, tg.obj.ID, d)
					if len(rs) < sent {
						t.Errorf("%s: %d packets of %d simulated, want at least %d", label, len(rs), len(recs), sent)
						continue
					}
					rate := float64(len(rs)-1) / (rs[len(rs)-1].ns - rs[0].ns) * 1e9
					want := 1 / means[k]
					rerr := rate/want - 1
					got := make([]int, len(rs))
					for i, r := range rs {
						got[i] = len(r.frame)
					}
					hdr := headerLen(in[0])
					var model []int
					for _, pk := range draws(t, tg.obj, d, o.Model, 12, 20000) {
						model = append(model, frameLen(hdr, wantPayload(pk.Size, hdr, DefaultMaxFrame)))
					}
					ks := ks2(got, model)
					t.Logf("%s: %d packets at %.4f pps, model mean %.4f pps (%+.3f %%), frame sizes KS %.4f", label, len(rs), rate, want, 100*rerr, ks)
					if math.Abs(rerr) > simRateTol {
						t.Errorf("%s: rate %.4f pps, model mean %.4f pps: off by %+.2f %% (tolerance %g %%)", label, rate, want, 100*rerr, 100*simRateTol)
					}
					if ks > simKSTol {
						t.Errorf("%s: frame sizes KS %.4f against the model's, above %g", label, ks, simKSTol)
					}
					mu.Lock()
					worstRate, worstKS = max(worstRate, math.Abs(rerr)), max(worstKS, ks)
					mu.Unlock()
				}
				for k, rs := range byKey {
					t.Errorf("%s: port %d: %d frames of %v, which no object sends", name, d, len(rs), k)
				}
			}
		})
	}
	t.Cleanup(func() { t.Logf("rate mode: worst rate error %.3f %%, worst size KS %.4f", 100*worstRate, worstKS) })
}

// stlJSON is what TRex's client compiles a stateless profile into for port
// (stl-sim --json): the streams it would hand the server, names dropped.
func stlJSON(t *testing.T, profile string, port int) []map[string]any {
	t.Helper()
	scripts := filepath.Join(sharedtest.TRexSim(t), "scripts")
	cmd := exec.Command("./stl-sim", "-r", "-f", profile, "--json", "-i", fmt.Sprint(port))
	cmd.Dir = scripts
	cmd.Env = append(os.Environ(), "PYTHONWARNINGS=ignore", "PYTHON3=/usr/bin/python3")
	out, err := cmd.Output()
	i := bytes.IndexByte(out, '[')
	if err != nil || i < 0 {
		t.Fatalf("stl-sim --json %s: %v\n%s", filepath.Base(profile), err, out)
	}
	var ss []map[string]any
	if err := json.Unmarshal(out[i:], &ss); err != nil {
		t.Fatalf("stl-sim --json %s: %v", filepath.Base(profile), err)
	}
	for _, s := range ss {
		delete(s, "name")
	}
	return ss
}

// TestSimPyMatchesSTL: the Python profile, loaded for port 0 and port 1,
// makes TRex send the same frames at the same times as the YAML files of the
// same seed. In rate mode the simulator's field engine seeds its random
// sizes from the clock (two runs of one file differ), so there the streams
// TRex's client compiles must be equal (names aside: the YAML's carry the
// direction) and the send times the same.
func TestSimPyMatchesSTL(t *testing.T) {
	sharedtest.TRexSim(t)
	for _, mode := range []STLMode{STLChain, STLRate} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			p := simProfile(t, "testdata/mixed.yaml")
			o := Options{Count: 300, Seed: 13, STL: STLOptions{Mode: mode, Loops: 2}}
			limit := "0"
			if mode == STLRate {
				o.Count, limit = 3000, "3000"
			}
			yml, _ := export(t, p, "trex-stl", "y.yaml", o)
			py, _ := export(t, p, "trex-py", "p.py", o)
			for _, d := range []profiles.Dir{profiles.From, profiles.To} {
				port := fmt.Sprint(int(d))
				if mode == STLRate {
					a, b := stlJSON(t, portFile(t, yml, o, d), int(d)), stlJSON(t, py[0], int(d))
					if len(a) == 0 || !reflect.DeepEqual(a, b) {
						t.Errorf("port %d: TRex compiles the YAML into %d streams, the Python profile into %d, not the same:\n%v\n%v", d, len(a), len(b), a, b)
					}
				}
				a := simSTL(t, portFile(t, yml, o, d), "-l", limit, "-i", port)
				b := simSTL(t, py[0], "-l", limit, "-i", port)
				if len(a) != len(b) || len(a) == 0 {
					t.Fatalf("port %d: YAML sent %d frames, Python %d", d, len(a), len(b))
				}
				worst := 0.0
				for i := range a {
					worst = max(worst, math.Abs(a[i].ns-b[i].ns))
					same := mode == STLRate || bytes.Equal(a[i].frame, b[i].frame)
					if !same || math.Abs(a[i].ns-b[i].ns) > 1 {
						t.Fatalf("port %d frame %d: YAML %d bytes at %.3f ns, Python %d bytes at %.3f ns (bytes equal: %v)",
							d, i, len(a[i].frame), a[i].ns, len(b[i].frame), b[i].ns, bytes.Equal(a[i].frame, b[i].frame))
					}
				}
				t.Logf("%s port %d: %d frames, times within %.3f ns%s", mode, d, len(a), worst,
					map[bool]string{true: ", identical bytes", false: ", the same compiled streams"}[mode == STLChain])
			}
		})
	}
}
