package exporters

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/internal/sharedtest"
)

// session is one direction's payloads of a flow, in order.
type session struct{ toServer, toClient []int }

// sessions groups decoded frames into sessions keyed by client side, the
// client being the side that sent the session's first frame.
func sessions(frames []frame.Info) (map[flowKey]*session, []flowKey) {
	out := map[flowKey]*session{}
	var order []flowKey
	for _, in := range frames {
		k := flowKey{in.SrcIP, in.DstIP, in.SrcPort, in.DstPort}
		rev := flowKey{in.DstIP, in.SrcIP, in.DstPort, in.SrcPort}
		if s, ok := out[rev]; ok {
			s.toClient = append(s.toClient, in.Payload)
			continue
		}
		s, ok := out[k]
		if !ok {
			s = &session{}
			out[k] = s
			order = append(order, k)
		}
		s.toServer = append(s.toServer, in.Payload)
	}
	return out, order
}

func sum(v []int) int {
	n := 0
	for _, x := range v {
		n += x
	}
	return n
}

func nonZero(v []int) []int {
	return slices.DeleteFunc(slices.Clone(v), func(x int) bool { return x == 0 })
}

// TestSimASTF runs trex-astf exports (a TCP, an IPv6-turned-IPv4 UDP and a
// device flow; the Skype call) through TRex's astf-sim for 5 s and checks the
// structure, not the timing (the simulator's ASTF timer ticks every 50 ms):
// every flow's program runs as sessions from its client to its server, and
// every finished session carries exactly the program's bytes each way (for
// UDP the same payloads in the same order). The tool's scripts/ lacks
// astf_schema.json, which bp-sim-64 insists on: the test runs it from a
// directory of links to scripts/ plus an empty schema, so TRex's profile
// validation is skipped (the Python client still compiles the profile).
func TestSimASTF(t *testing.T) {
	scripts := filepath.Join(sharedtest.TRexSim(t), "scripts")
	for _, name := range []string{"testdata/mixed.yaml", "builtin:skype-call"} {
		// Not in parallel: astf-sim passes the profile to bp-sim-64 through
		// one fixed file, /tmp/astf_sim_root.json.
		t.Run(name, func(t *testing.T) {
			p := simProfile(t, name)
			files, _ := export(t, p, "trex-astf", "astf.py", Options{Count: 60, Seed: 17})
			out := astfSim(t, scripts, files[len(files)-1], "5")
			got, order := sessions(readFrames(t, out))
			for _, pc := range files[:len(files)-1] {
				want, _ := sessions(readFrames(t, pc))
				if len(want) != 1 {
					t.Fatalf("%s: %d flows", pc, len(want))
				}
				var wk flowKey
				var ws *session
				for k, s := range want {
					wk, ws = k, s
				}
				tcp := readFrames(t, pc)[0].Proto == frame.TCP
				full, started := 0, 0
				for _, k := range order {
					// TRex picks the client port; the addresses and the server port are the program's.
					if k.src != wk.src || k.dst != wk.dst || k.dport != wk.dport {
						continue
					}
					started++
					s := got[k]
					up, down := sum(s.toServer), sum(s.toClient)
					if up > sum(ws.toServer) || down > sum(ws.toClient) {
						t.Errorf("%s: session %v sent %d/%d bytes, more than the program's %d/%d", pc, k, up, down, sum(ws.toServer), sum(ws.toClient))
					}
					if up != sum(ws.toServer) || down != sum(ws.toClient) {
						continue
					}
					full++
					if !tcp && (!slices.Equal(s.toServer, ws.toServer) || !slices.Equal(s.toClient, ws.toClient)) {
						t.Errorf("%s: UDP session %v: payloads differ from the program's", pc, k)
					}
					if tcp && len(nonZero(s.toServer)) == 0 {
						t.Errorf("%s: TCP session %v carries no data", pc, k)
					}
				}
				t.Logf("%s %s: %d sessions started, %d finished with the program's %d/%d bytes", name, filepath.Base(pc), started, full, sum(ws.toServer), sum(ws.toClient))
				if full < 2 || full < started-2 {
					t.Errorf("%s: %d of %d sessions carried the program's bytes; want at least 2 and all but the last two", pc, full, started)
				}
			}
		})
	}
}

// astfSim runs TRex's astf-sim on profile for seconds and returns its pcap.
// The tool's scripts/ lacks astf_schema.json, which bp-sim-64 insists on:
// it runs from a directory of links to scripts/ plus an empty schema, so
// TRex's profile validation is skipped (the Python client still compiles
// the profile). Not for parallel tests: astf-sim passes the profile to
// bp-sim-64 through one fixed file, /tmp/astf_sim_root.json.
func astfSim(t *testing.T, scripts, profile, seconds string) string {
	t.Helper()
	run := t.TempDir()
	ents, err := os.ReadDir(scripts)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if err := os.Symlink(filepath.Join(scripts, e.Name()), filepath.Join(run, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(run, "astf_schema.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "astf.pcap")
	cmd := exec.Command("/usr/bin/python3", "-m", "trex.astf.sim", "-p", run, "-r", "--pcap", "--full", "-d", seconds,
		"-f", profile, "-o", out)
	cmd.Dir = run
	cmd.Env = append(os.Environ(), "PYTHONWARNINGS=ignore", "PYTHONPATH="+filepath.Join(scripts, "automation", "trex_control_plane", "interactive"))
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("astf-sim: %v\n%s", err, msg)
	}
	return out
}

// TestSimSTF runs a trex-stf export through bp-sim-64 (TRex's stateful
// simulator, which takes the legacy YAML as it is) and checks that every
// flow TRex opens replays the flow pcap's packets, in order, with its sizes;
// it logs how far the replayed gaps are from the pcap's (cap_ipg: true).
func TestSimSTF(t *testing.T) {
	dir := sharedtest.TRexSim(t)
	p := simProfile(t, "builtin:skype-call")
	files, _ := export(t, p, "trex-stf", "stf.yaml", Options{Count: 200, Seed: 19, STF: STFOptions{CPS: 2, Duration: 5}})
	out := filepath.Join(t.TempDir(), "stf.erf")
	cmd := exec.Command(filepath.Join(dir, "scripts", "bp-sim-64"), "-f", filepath.Base(files[1]), "-o", out)
	cmd.Dir = filepath.Dir(files[1])
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bp-sim-64: %v\n%s", err, msg)
	}
	recs := readERF(t, out)
	byKey, infos := decodeAll(t, "stf", recs, false)
	want := readFrames(t, files[0])
	var wantPay []int
	for _, in := range want {
		wantPay = append(wantPay, in.Payload)
	}
	// One flow's two directions are two keys; the client side is the one
	// whose first frame is the pcap's first.
	flows, full := 0, 0
	for k, in := range infos {
		if in[0].Payload != want[0].Payload || k.dport != want[0].DstPort {
			continue
		}
		flows++
		rev := flowKey{k.dst, k.src, k.dport, k.sport}
		var got []int
		a, b := byKey[k], byKey[rev]
		ia, ib := infos[k], infos[rev]
		for i, j := 0, 0; i < len(a) || j < len(b); {
			if j >= len(b) || i < len(a) && a[i].ns <= b[j].ns {
				got, i = append(got, ia[i].Payload), i+1
			} else {
				got, j = append(got, ib[j].Payload), j+1
			}
		}
		if len(got) == len(wantPay) {
			full++
		}
		if !slices.Equal(got, wantPay[:min(len(got), len(wantPay))]) {
			t.Errorf("flow %v: payloads %v… differ from the pcap's %v…", k, got[:min(10, len(got))], wantPay[:10])
		}
	}
	t.Logf("stf: %d frames, %d flows opened, %d replayed the whole pcap (%d packets)", len(recs), flows, full, len(want))
	if full < 1 {
		t.Errorf("no flow replayed the whole pcap: %d flows of %d frames", flows, len(recs))
	}
}
