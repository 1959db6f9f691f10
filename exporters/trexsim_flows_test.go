package exporters

// --flows judged by TRex's own simulator (../shared/tools/trex-sim): the
// tests skip when it is absent; CI has it. Figures go to the test log
// (go test -v -run TestSimFlows ./exporters/) and to README's --flows section.

import (
	"bytes"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/internal/sharedtest"
	"github.com/gmm2trex/gmm2trex/profiles"
)

// simFlowPkts turns simulated records into flow packets; with frames, the
// size a check compares is the frame length (rate mode trims frames),
// else the payload.
func simFlowPkts(t *testing.T, label string, recs []simRecord, offload, frames bool) []flowPkt {
	t.Helper()
	byKey, infos := decodeAll(t, label, recs, offload)
	var out []flowPkt
	for k, rs := range byKey {
		for i, r := range rs {
			sz := infos[k][i].Payload
			if frames {
				sz = len(r.frame)
			}
			out = append(out, flowPkt{ns: r.ns, key: k, payload: sz, bytes: len(r.frame)})
		}
	}
	return out
}

// TestSimFlowsRate: --flows 100 in rate mode, as TRex's scheduler sends
// it: exactly 100 distinct 5-tuples a port, each flow's frame sizes against
// the model's KS ≤ 0.05, the aggregate byte rate 100 × the model's within
// 2 %, flows not in step (each packet's flow is drawn by the field engine).
func TestSimFlowsRate(t *testing.T) {
	sharedtest.TRexSim(t)
	const n, sent = 100, 400_000
	p := builtinProfile(t, "skype-call")
	o := Options{Flows: n, Count: 200_000, Seed: 21, STL: STLOptions{Mode: STLRate}}
	files, _ := export(t, p, "trex-stl", "flows.yaml", o)
	one := o
	one.Flows = 1
	oneFiles, _ := export(t, p, "trex-stl", "one.yaml", one)
	for _, d := range []profiles.Dir{profiles.From, profiles.To} {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			tg, keys := flowKeys(t, p, o, d)
			recs := simSTL(t, portFile(t, files, o, d), "-l", fmt.Sprint(sent), "-i", fmt.Sprint(int(d)))
			label := "rate " + d.String()
			pkts := simFlowPkts(t, label, recs, false, true)
			hdr := frame.EthLen + frame.IPv4Len + frame.UDPLen
			bps, sizes := modelRate(t, tg.obj, d, o.Model, hdr, 400_000)
			for i := range sizes {
				sizes[i] = frameLen(hdr, sizes[i])
			}
			// One flow's rate: the single-flow export of the same seed, simulated.
			single := simSTL(t, portFile(t, oneFiles, o, d), "-l", "10000", "-i", fmt.Sprint(int(d)))
			oneBytes := 0.0
			for _, r := range single[1:] {
				oneBytes += float64(len(r.frame))
			}
			oneBPS := oneBytes / (single[len(single)-1].ns - single[0].ns) * 1e9
			fig := measureFlows(t, label, pkts, keys, oneBPS, sizes)
			t.Logf("%s: one flow %.1f B/s simulated, the model's mean %.1f B/s; aggregate %.4f × N × the model's", label, oneBPS, bps, fig.rate/(n*bps))
			checkFigures(t, label, fig, n, true)
		})
	}
}

// checkFlowChain compares flow f's simulated frames with its own draws: the
// lead-in sends packet 0 at the flow's start phase, then the ring of l
// streams plays (packet k is stream k mod l, stream 0 waiting the closing
// gap), loops times.
func checkFlowChain(t *testing.T, label string, recs []simRecord, tg *target, d profiles.Dir, o Options, f, l int) (st gapStats, bps float64) {
	t.Helper()
	o.Log = nil
	ref := draws(t, tg.obj, d, o.Model, flowSeed(o, f), l+1)
	phase, err := flowPhase(tg, o, f)
	if err != nil {
		t.Fatal(err)
	}
	total := l * max(o.STL.Loops, 1)
	if len(recs) != total {
		t.Errorf("%s: %d packets, want %d", label, len(recs), total)
	}
	// The chain's own byte rate: one round's frames over its gaps.
	bytes, period := 0.0, ref[l].Gap
	for i := range l {
		hdr := frame.EthLen + frame.IPv4Len + frame.UDPLen
		bytes += float64(frameLen(hdr, wantPayload(ref[i].Size, hdr, DefaultMaxFrame)))
		if i > 0 {
			period += ref[i].Gap
		}
	}
	bps = bytes / period
	prev, bad := 0.0, 0
	for k := range min(len(recs), total) {
		i := k % l
		gap := ref[i].Gap
		switch {
		case k == 0:
			gap = phase
		case i == 0:
			gap = ref[l].Gap
		}
		in, err := frame.Decode(recs[k].frame)
		if err != nil {
			t.Fatalf("%s: packet %d: %v", label, k, err)
		}
		e := recs[k].ns - prev - gap*1e9
		st.add(e)
		if want := wantPayload(ref[i].Size, headerLen(in), DefaultMaxFrame); in.Payload != want || math.Abs(e) > simGapTol {
			if bad++; bad <= 3 {
				t.Errorf("%s: packet %d (stream %d of %d): payload %d, gap %.3f ns; sampled payload %d, gap %.3f ns", label, k, i, l, in.Payload, recs[k].ns-prev, want, gap*1e9)
			}
		}
		prev = recs[k].ns
	}
	return st, bps
}

// TestSimFlowsChain: --flows 100 in chain mode: each flow its own chain of
// 49 streams behind a lead-in, played 10 times, every packet of every flow
// its own draw's size within 10 ns of its own draw's time, exactly 100
// distinct 5-tuples, the aggregate rate 100 × one flow's (the flows' own
// chains) within 2 %, flows not in step. Per-flow KS against the model is
// logged, not bounded: a chain of L streams is an L-draw sample (KS ≈
// 1.36/√L at the 95th percentile), and TRex's 20,000 streams a port give
// 100 flows at most L = 199. The test takes L = 49 because TRex's YAML
// loader takes minutes over 20,000 streams (TestSimSTLChain loads a full
// port once).
func TestSimFlowsChain(t *testing.T) {
	sharedtest.TRexSim(t)
	const n, l = 100, 49
	p := builtinProfile(t, "skype-call")
	o := Options{Flows: n, Count: l, Seed: 22, STL: STLOptions{Loops: 10}}
	files, _ := export(t, p, "trex-stl", "chain.yaml", o)
	for _, d := range []profiles.Dir{profiles.From, profiles.To} {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			tg, keys := flowKeys(t, p, o, d)
			recs := simSTL(t, portFile(t, files, o, d), "-l", "0", "-i", fmt.Sprint(int(d)))
			label := "chain " + d.String()
			byKey, _ := decodeAll(t, label, recs, false)
			var st gapStats
			oneBPS := 0.0 // the mean of the flows' own chain rates
			for f, k := range keys {
				fs, bps := checkFlowChain(t, fmt.Sprintf("%s flow %d", label, f), byKey[k], tg, d, o, f, l)
				st.merge(fs)
				oneBPS += bps / n
			}
			med, mx := st.summary()
			t.Logf("%s: %d packets, gap error median %.3f ns, max %.3f ns", label, len(st.errs), med, mx)
			pkts := simFlowPkts(t, label, recs, false, false)
			hdr := frame.EthLen + frame.IPv4Len + frame.UDPLen
			bps, sizes := modelRate(t, tg.obj, d, o.Model, hdr, 400_000)
			fig := measureFlows(t, label, pkts, keys, oneBPS, sizes)
			t.Logf("%s: one flow's chain %.1f B/s on average, the model's mean %.1f B/s; aggregate %.4f × N × the model's (%d draws a flow)", label, oneBPS, bps, fig.rate/(n*bps), l)
			checkFigures(t, label, fig, n, false)
		})
	}
}

// TestSimFlowsPy: the Python profile with --flows makes TRex send what the
// YAML does: the same frames at the same times in chain mode, the same
// compiled streams in rate mode (TCP, IPv6 and UDP objects sharing a port).
func TestSimFlowsPy(t *testing.T) {
	sharedtest.TRexSim(t)
	for _, mode := range []STLMode{STLChain, STLRate} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			p := simProfile(t, "testdata/mixed.yaml")
			o := Options{Flows: 4, Count: 50, Seed: 23, STL: STLOptions{Mode: mode, Loops: 2}}
			limit := "0"
			if mode == STLRate {
				o.Count, limit = 3000, "2000"
			}
			yml, _ := export(t, p, "trex-stl", "y.yaml", o)
			py, _ := export(t, p, "trex-py", "p.py", o)
			for _, d := range []profiles.Dir{profiles.From, profiles.To} {
				streams := "identical frames"
				if mode == STLRate {
					// Random sizes differ run to run: the compiled streams must be equal.
					a, b := stlJSON(t, portFile(t, yml, o, d), int(d)), stlJSON(t, py[0], int(d))
					if len(a) == 0 || !reflect.DeepEqual(a, b) {
						t.Fatalf("port %d: TRex compiles the YAML into %d streams, the Python profile into %d, not the same", d, len(a), len(b))
					}
					streams = fmt.Sprintf("the same %d compiled streams", len(b))
				}
				ra := simSTL(t, portFile(t, yml, o, d), "-l", limit, "-i", fmt.Sprint(int(d)))
				rb := simSTL(t, py[0], "-l", limit, "-i", fmt.Sprint(int(d)))
				if len(ra) != len(rb) || len(ra) == 0 {
					t.Fatalf("port %d: YAML sent %d frames, Python %d", d, len(ra), len(rb))
				}
				for i := range ra {
					if math.Abs(ra[i].ns-rb[i].ns) > 1 || mode == STLChain && !bytes.Equal(ra[i].frame, rb[i].frame) {
						t.Fatalf("port %d frame %d: YAML %d bytes at %.3f ns, Python %d bytes at %.3f ns", d, i, len(ra[i].frame), ra[i].ns, len(rb[i].frame), rb[i].ns)
					}
				}
				byKey, _ := decodeAll(t, "py", rb, mode == STLRate)
				objs := len(objectKeys(t, p, o)[d])
				t.Logf("%s port %d: %s, %d frames of %d 5-tuples, as the YAML's", mode, d, streams, len(rb), len(byKey))
				if len(byKey) != o.Flows*objs {
					t.Errorf("%s port %d: %d distinct 5-tuples, want %d flows × %d objects", mode, d, len(byKey), o.Flows, objs)
				}
			}
		})
	}
}

// TestSimFlows10000: --flows 10000 in rate mode exports in well under 10 s
// and runs in the simulator: 300,000 packets carry exactly the 10,000
// 5-tuples, and the simulator's memory stays what one flow costs.
func TestSimFlows10000(t *testing.T) {
	dir := sharedtest.TRexSim(t)
	p := builtinProfile(t, "skype-call")
	o := Options{Flows: 10000, Count: 20000, Seed: 24, Dirs: []profiles.Dir{profiles.From}, STL: STLOptions{Mode: STLRate}}
	start := time.Now()
	files, _ := export(t, p, "trex-stl", "f10k.yaml", o)
	took := time.Since(start)
	if took > 10*time.Second {
		t.Errorf("exporting 10,000 flows took %v, over 10 s", took)
	}
	one := o
	one.Flows = 1
	oneFiles, _ := export(t, p, "trex-stl", "f1.yaml", one)
	// Peak RSS of the simulator's processes: python3 (which the simulator
	// runs on anyway) starts it and reports its children's peak, which a
	// child of this test would not (it starts as a copy of the test's memory).
	run := func(profile, limit string) ([]simRecord, int64) {
		out := filepath.Join(t.TempDir(), "sim.erf")
		cmd := exec.Command("/usr/bin/python3", "-c", "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True); "+
			"sys.stderr.buffer.write(r.stdout + r.stderr); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)",
			filepath.Join(dir, "sim-stl"), profile, out, "-l", limit, "-i", "0")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("sim-stl: %v\n%s", err, stderr.String())
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(stdout.String()), 10, 64)
		if err != nil {
			t.Fatalf("peak RSS %q: %v", stdout.String(), err)
		}
		return readERF(t, out), kb
	}
	recs, rss := run(files[0], "300000")
	_, rss1 := run(oneFiles[0], "3000")
	byKey, _ := decodeAll(t, "10000 flows", recs, false)
	_, keys := flowKeys(t, p, o, profiles.From)
	want := map[flowKey]bool{}
	for _, k := range keys {
		want[k] = true
	}
	for k := range byKey {
		if !want[k] {
			t.Errorf("frames of %v, which is none of the flows", k)
		}
	}
	t.Logf("10,000 flows: export %v; simulator: %d packets of %d distinct 5-tuples, peak RSS %d MiB (one flow: %d MiB)",
		took.Round(time.Millisecond), len(recs), len(byKey), rss>>10, rss1>>10)
	if len(byKey) != len(keys) {
		t.Errorf("%d distinct 5-tuples in %d packets, want %d", len(byKey), len(recs), len(keys))
	}
	if rss > rss1*3/2+16<<10 {
		t.Errorf("the simulator's peak RSS is %d MiB with 10,000 flows against %d MiB with one: memory grows with the flows", rss>>10, rss1>>10)
	}
}

// TestSimFlowsASTF: --flows 100 as trex-astf, through TRex's astf-sim
// (structure only: its ASTF timer ticks every 50 ms): 100 programs, each
// its own draw, on 100 server ports (ASTF takes one program a port); every
// session TRex opens is one flow's program and carries exactly that
// program's UDP payloads both ways, and the sessions show 100 distinct
// 5-tuples.
func TestSimFlowsASTF(t *testing.T) {
	scripts := filepath.Join(sharedtest.TRexSim(t), "scripts")
	const n = 100
	p := builtinProfile(t, "skype-call")
	files, _ := export(t, p, "trex-astf", "astf.py", Options{Flows: n, Count: 20, Seed: 25, ASTF: ASTFOptions{CPS: 2}})
	if len(files) != n+1 {
		t.Fatalf("%d files, want %d pcaps and the profile", len(files), n)
	}
	out := astfSim(t, scripts, files[n], "5")
	got, order := sessions(readFrames(t, out))
	// Each flow's program, keyed by its server port.
	want := map[uint16]*session{}
	for _, pc := range files[:n] {
		s, _ := sessions(readFrames(t, pc))
		for k, ws := range s {
			want[k.dport] = ws
		}
	}
	if len(want) != n {
		t.Fatalf("the %d pcaps hold %d distinct server ports, want %d", n, len(want), n)
	}
	programs := map[string]bool{}
	for _, ws := range want {
		programs[fmt.Sprint(ws.toServer, ws.toClient)] = true
	}
	if len(programs) != n {
		t.Errorf("%d distinct programs among %d flows: flows are not independent draws", len(programs), n)
	}
	tuples, full, servers := map[flowKey]bool{}, 0, map[uint16]bool{}
	for _, k := range order {
		ws, ok := want[k.dport]
		if !ok {
			t.Errorf("session %v to a server port no flow has", k)
			continue
		}
		tuples[k], servers[k.dport] = true, true
		s := got[k]
		if reflect.DeepEqual(s.toServer, ws.toServer) && reflect.DeepEqual(s.toClient, ws.toClient) {
			full++
		} else if len(s.toServer) >= len(ws.toServer) && len(s.toClient) >= len(ws.toClient) {
			t.Errorf("session %v: payloads differ from its flow's program", k)
		}
	}
	t.Logf("astf-sim, %d flows: %d sessions of %d distinct 5-tuples on %d server ports, %d with their program's payloads in full",
		n, len(order), len(tuples), len(servers), full)
	if len(servers) != n || len(tuples) < n {
		t.Errorf("%d server ports and %d distinct 5-tuples, want %d each", len(servers), len(tuples), n)
	}
	if full < n/2 {
		t.Errorf("only %d sessions carried their program in full", full)
	}
}

// TestSimFlowsRanges: flows over address and port ranges on both sides
// (5 local IPs × 4 remote ports × 2 remote IPs = 40 flows; IPv4, and IPv6
// whose local range crosses a 16-bit boundary), in rate mode: TRex sends exactly the 40 5-tuples of the flow set on each port,
// every frame with valid lengths and checksums after the field engine
// rewrote its addresses.
func TestSimFlowsRanges(t *testing.T) {
	sharedtest.TRexSim(t)
	cases := []struct {
		name    string
		profile string
		objects []string
		ranges  [][2]string
		v6      bool
	}{
		{"IPv4", "builtin:skype-call", nil, [][2]string{{"LocalIP", "10.9.0.1-10.9.0.5"}, {"RemotePort", "7000-7003"}, {"RemoteIP", "10.8.0.0/30"}}, false},
		{"IPv6", "testdata/mixed.yaml", []string{"UDP [2001:db8::a]:5000 [2001:db8::b]:6000"},
			[][2]string{{"LocalIP", "2001:db8::fffe-2001:db8::1:2"}, {"RemotePort", "7000-7003"}, {"RemoteIP", "2001:db8:1::/127"}}, true},
	}
	for _, c := range cases {
		p := simProfile(t, c.profile)
		var a Addresses
		for _, kv := range c.ranges {
			if err := a.Set(kv[0], kv[1]); err != nil {
				t.Fatal(err)
			}
		}
		// Chain mode's frames are built whole per flow, so the field
		// engine's rewrites (rate mode) are what needs TRex.
		for _, mode := range []STLMode{STLRate} {
			t.Run(c.name+" "+string(mode), func(t *testing.T) {
				t.Parallel()
				o := Options{Flows: 40, Count: 20, Seed: 26, Addr: a, Objects: c.objects, STL: STLOptions{Mode: mode, Loops: 1}}
				limit := "0"
				if mode == STLRate {
					o.Count, limit = 2000, "20000"
				}
				files, _ := export(t, p, "trex-stl", "ranges.yaml", o)
				for _, d := range []profiles.Dir{profiles.From, profiles.To} {
					if len(objectKeys(t, p, o)[d]) == 0 {
						continue
					}
					_, keys := flowKeys(t, p, o, d)
					recs := simSTL(t, portFile(t, files, o, d), "-l", limit, "-i", fmt.Sprint(int(d)))
					byKey, _ := decodeAll(t, string(mode), recs, mode == STLRate && c.v6)
					for _, k := range keys {
						if len(byKey[k]) == 0 {
							t.Errorf("%s %s: flow %v sent nothing", mode, d, k)
						}
						delete(byKey, k)
					}
					for k, rs := range byKey {
						t.Errorf("%s %s: %d frames of %v, which is none of the flows", mode, d, len(rs), k)
					}
					t.Logf("%s %s %s: %d frames of the 40 flows' 5-tuples, first %v, last %v", c.name, mode, d, len(recs), keys[0], keys[len(keys)-1])
				}
			})
		}
	}
}

// TestSimFlowsOnePacketChains: the most flows chain mode fits are
// one-packet chains behind their lead-ins; TRex counts a one-stream ring's
// plays without the lead-in's, so --loops N must still send N packets a
// flow (1: the lead-in alone), the YAML and the Python profile alike.
func TestSimFlowsOnePacketChains(t *testing.T) {
	sharedtest.TRexSim(t)
	p := builtinProfile(t, "skype-call")
	for _, loops := range []int{1, 3} {
		t.Run(fmt.Sprint("loops ", loops), func(t *testing.T) {
			t.Parallel()
			o := Options{Flows: 5, Count: 1, Seed: 27, Dirs: []profiles.Dir{profiles.From}, STL: STLOptions{Loops: loops}}
			yml, _ := export(t, p, "trex-stl", "one.yaml", o)
			py, _ := export(t, p, "trex-py", "one.py", o)
			a, b := simSTL(t, yml[0], "-l", "0"), simSTL(t, py[0], "-l", "0")
			byKey, _ := decodeAll(t, "one-packet chains", a, false)
			if len(a) != o.Flows*loops || len(byKey) != o.Flows {
				t.Errorf("%d packets of %d flows, want %d of %d", len(a), len(byKey), o.Flows*loops, o.Flows)
			}
			if len(a) != len(b) {
				t.Fatalf("YAML sent %d frames, Python %d", len(a), len(b))
			}
			for i := range a {
				if !bytes.Equal(a[i].frame, b[i].frame) || math.Abs(a[i].ns-b[i].ns) > 1 {
					t.Fatalf("frame %d: YAML %d bytes at %.3f ns, Python %d bytes at %.3f ns", i, len(a[i].frame), a[i].ns, len(b[i].frame), b[i].ns)
				}
			}
		})
	}
}
