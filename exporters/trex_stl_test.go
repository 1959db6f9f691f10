package exporters

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// stlStreamDoc is one stream of a TRex YAML profile as TRex's loader reads it.
type stlStreamDoc struct {
	Name        *string  `yaml:"name"`
	Enabled     *bool    `yaml:"enabled"`
	SelfStart   *bool    `yaml:"self_start"`
	ISG         *float64 `yaml:"isg"`
	ActionCount *int     `yaml:"action_count"`
	Flags       *int     `yaml:"flags"`
	FlowStats   *struct {
		Enabled bool `yaml:"enabled"`
	} `yaml:"flow_stats"`
	Mode *struct {
		Type      string `yaml:"type"`
		TotalPkts int    `yaml:"total_pkts"`
		Rate      struct {
			Type  string  `yaml:"type"`
			Value float64 `yaml:"value"`
		} `yaml:"rate"`
	} `yaml:"mode"`
	Packet *struct {
		Binary string `yaml:"binary"`
	} `yaml:"packet"`
	VM *struct {
		Instructions []map[string]any `yaml:"instructions"`
	} `yaml:"vm"`
	Next string `yaml:"next"`

	frame []byte
	info  frame.Info
}

// checkSTL reads a trex-stl file and checks what the issue lists: required
// keys, frames that decode with correct lengths and checksums, a next graph
// reachable from a self_start stream, isg >= 0, frame sizes 60..9238, at most
// 20000 streams, value_list within bounds.
func checkSTL(t *testing.T, path string) []stlStreamDoc {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ss []stlStreamDoc
	if err := yaml.Unmarshal(raw, &ss); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(ss) == 0 || len(ss) > maxSTLStreams {
		t.Fatalf("%s: %d streams", path, len(ss))
	}
	byName := map[string]int{}
	for i := range ss {
		s := &ss[i]
		if s.Name == nil || s.Enabled == nil || s.SelfStart == nil || s.ISG == nil || s.ActionCount == nil ||
			s.Flags == nil || s.FlowStats == nil || s.Mode == nil || s.Packet == nil || s.VM == nil {
			t.Fatalf("%s: stream %d misses a required key: %+v", path, i, s)
		}
		if _, dup := byName[*s.Name]; dup {
			t.Fatalf("%s: duplicate name %s", path, *s.Name)
		}
		byName[*s.Name] = i
		if !*s.Enabled || s.FlowStats.Enabled || (*s.Flags != 0 && *s.Flags != 3) || *s.ISG < 0 || math.IsNaN(*s.ISG) {
			t.Errorf("%s: stream %s: enabled %v flow_stats %v flags %d isg %v", path, *s.Name, *s.Enabled, s.FlowStats.Enabled, *s.Flags, *s.ISG)
		}
		switch s.Mode.Type {
		case "single_burst":
			if s.Mode.TotalPkts != 1 {
				t.Errorf("%s: stream %s: total_pkts %d", path, *s.Name, s.Mode.TotalPkts)
			}
		case "continuous":
			if s.Next != "" || !(s.Mode.Rate.Value > 0) || s.Mode.Rate.Type != "pps" {
				t.Errorf("%s: continuous stream %s: next %q rate %+v", path, *s.Name, s.Next, s.Mode.Rate)
			}
		default:
			t.Errorf("%s: stream %s: mode %q", path, *s.Name, s.Mode.Type)
		}
		if s.frame, err = base64.StdEncoding.DecodeString(s.Packet.Binary); err != nil {
			t.Fatalf("%s: stream %s: %v", path, *s.Name, err)
		}
		if len(s.frame) < frame.MinFrame || len(s.frame) > frame.MaxJumbo {
			t.Errorf("%s: stream %s: %d-byte frame", path, *s.Name, len(s.frame))
		}
		if s.info, err = frame.Decode(s.frame); err != nil {
			t.Errorf("%s: stream %s: %v", path, *s.Name, err)
		}
		checkVM(t, path, s)
	}
	// Reachability from the self_start streams along next.
	seen := make([]bool, len(ss))
	for i := range ss {
		if !*ss[i].SelfStart {
			continue
		}
		for j := i; !seen[j]; {
			seen[j] = true
			if ss[j].Next == "" {
				break
			}
			k, ok := byName[ss[j].Next]
			if !ok {
				t.Fatalf("%s: stream %s: next %q does not exist", path, *ss[j].Name, ss[j].Next)
			}
			j = k
		}
	}
	for i, ok := range seen {
		if !ok {
			t.Errorf("%s: stream %s is reached from no self_start stream", path, *ss[i].Name)
		}
	}
	return ss
}

// checkVM checks a rate stream's field engine and, for UDP over IPv4, runs it
// on the template: every trimmed frame must decode with right lengths.
func checkVM(t *testing.T, path string, s *stlStreamDoc) {
	ins := s.VM.Instructions
	if len(ins) == 0 {
		return
	}
	if ins[0]["type"] != "flow_var" || ins[0]["size"] != 2 || ins[0]["op"] != "random" || ins[1]["type"] != "trim_pkt_size" {
		t.Fatalf("%s: stream %s: vm %v", path, *s.Name, ins)
	}
	vl, _ := ins[0]["value_list"].([]any)
	if len(vl) == 0 || len(vl) > 65535 {
		t.Fatalf("%s: stream %s: value_list of %d", path, *s.Name, len(vl))
	}
	for _, v := range vl {
		n, _ := v.(int)
		if n < frame.MinFrame || n > len(s.frame) {
			t.Errorf("%s: stream %s: value_list entry %v outside 60..%d", path, *s.Name, v, len(s.frame))
			continue
		}
		if s.info.Proto != frame.UDP || !s.info.SrcIP.Is4() {
			continue
		}
		b := append([]byte(nil), s.frame[:n]...)
		for _, in := range ins[2:] {
			switch in["type"] {
			case "write_flow_var":
				binary.BigEndian.PutUint16(b[in["pkt_offset"].(int):], uint16(n+in["add_value"].(int)))
			case "fix_checksum_ipv4":
				off := in["pkt_offset"].(int)
				b[off+10], b[off+11] = 0, 0
				binary.BigEndian.PutUint16(b[off+10:], frame.Checksum(b[off:off+20]))
			}
		}
		info, err := frame.Decode(b)
		if err != nil || (n > frame.MinFrame && info.Payload != n-42) {
			t.Errorf("%s: stream %s: trimmed to %d: %+v %v", path, *s.Name, n, info, err)
		}
	}
}

// The chain is the sampler's draws: stream i carries packet i's size and
// waits packet i's gap; stream 0 waits the gap that closes the loop.
func TestSTLChainIsTheSample(t *testing.T) {
	p := tiny(t)
	for _, model := range []sampler.Model{sampler.IID, sampler.HMM} {
		o := Options{Count: 300, Seed: 3, Model: model, Dirs: []profiles.Dir{profiles.From}, STL: STLOptions{Loops: 4}}
		files, notes := export(t, p, "trex-stl", "chain.yaml", o)
		if len(files) != 1 || !strings.HasSuffix(files[0], "chain.yaml") {
			t.Fatalf("files %v", files)
		}
		ss := checkSTL(t, files[0])
		want := draws(t, &p.Objects[0], profiles.From, model, 3, 301)
		if len(ss) != 300 {
			t.Fatalf("%d streams", len(ss))
		}
		for i, s := range ss {
			gap := want[i].Gap
			if i == 0 {
				gap = want[300].Gap
			}
			if s.info.Payload != want[i].Size || math.Abs(*s.ISG-gap*1e6) > 0.0005 {
				t.Fatalf("%v stream %d: payload %d isg %v, sampled %d and %v µs", model, i, s.info.Payload, *s.ISG, want[i].Size, gap*1e6)
			}
			if wantAC := map[bool]int{true: 4, false: 0}[i == 299]; *s.ActionCount != wantAC || *s.SelfStart != (i == 0) {
				t.Errorf("stream %d: action_count %d self_start %v", i, *s.ActionCount, *s.SelfStart)
			}
		}
		if strings.Contains(notes, "clamped") {
			t.Errorf("unexpected clamping: %s", notes)
		}
	}
}

func TestSTLSplitsLongChains(t *testing.T) {
	o := Options{Count: 45000, Dirs: []profiles.Dir{profiles.To}, STL: STLOptions{Loops: 2}}
	files, notes := export(t, tiny(t), "trex-stl", "long.yaml", o)
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	// Parsing 15000 streams with yaml.v3 takes seconds: count them, and
	// check the last one, which loops.
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "- {") {
			n++
		}
	}
	var last []stlStreamDoc
	if err := yaml.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		t.Fatal(err)
	}
	if n != 15000 || *last[0].ActionCount != 6 || last[0].Next != "s0" {
		t.Errorf("%d streams, last %s: action_count %d next %s; want 15000 streams played 3×2 times", n, *last[0].Name, *last[0].ActionCount, last[0].Next)
	}
	if !strings.Contains(notes, "a chain of 15000 streams played 3 times") {
		t.Errorf("notes: %s", notes)
	}
}

// Both directions, several objects, IPv6, TCP, clamping and overrides.
func TestSTLBothDirectionsAndObjects(t *testing.T) {
	p := mixed(t)
	o := Options{Count: 400, Addr: Addresses{RemotePort: 9999}}
	files, notes := export(t, p, "trex-stl", "m.yaml", o)
	if len(files) != 2 || !strings.HasSuffix(files[0], "m-from.yaml") || !strings.HasSuffix(files[1], "m-to.yaml") {
		t.Fatalf("files %v", files)
	}
	from, to := checkSTL(t, files[0]), checkSTL(t, files[1])
	if len(from) != 1200 || len(to) != 800 {
		t.Errorf("%d and %d streams", len(from), len(to))
	}
	if !strings.Contains(notes, "did not fit --max-frame 1514") {
		t.Errorf("no clamping warning: %s", notes)
	}
	protos := map[string]int{}
	for _, s := range from {
		protos[fmt.Sprintf("%v/v4=%v/dport=%d", s.info.Proto, s.info.SrcIP.Is4(), s.info.DstPort)]++
	}
	for _, s := range to {
		if len(s.frame) > 1514 {
			t.Fatalf("frame of %d bytes above --max-frame", len(s.frame))
		}
	}
	if len(protos) != 3 || protos["TCP/v4=true/dport=9999"] != 400 || protos["UDP/v4=false/dport=9999"] != 400 {
		t.Errorf("frames: %v", protos)
	}
}

func TestSTLRate(t *testing.T) {
	for _, path := range []string{"../profiles/testdata/tiny.yaml", "testdata/mixed.yaml"} {
		p := loadProfile(t, path)
		files, _ := export(t, p, "trex-stl", "rate.yaml", Options{Count: 5000, STL: STLOptions{Mode: STLRate}})
		for _, f := range files {
			ss := checkSTL(t, f)
			for _, s := range ss {
				if s.Mode.Type != "continuous" || len(s.VM.Instructions) < 4 {
					t.Errorf("%s: stream %s: %s with %d instructions", f, *s.Name, s.Mode.Type, len(s.VM.Instructions))
				}
			}
		}
		if path == "../profiles/testdata/tiny.yaml" {
			// tiny's "to" direction sends 20-byte payloads every 20 ms.
			ss := checkSTL(t, files[1])
			if r := ss[0].Mode.Rate.Value; math.Abs(r-50) > 1 {
				t.Errorf("rate %v pps, want about 50", r)
			}
		}
	}
}

func BenchmarkSTLChain20000(b *testing.B) {
	p := tiny(b)
	dir := b.TempDir()
	o := Options{Output: dir + "/bench.yaml", Count: 20000, Dirs: []profiles.Dir{profiles.From}}
	for b.Loop() {
		if _, err := Export(p, "trex-stl", o); err != nil {
			b.Fatal(err)
		}
	}
}
