package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gmm2trex/gmm2trex/internal/cmdline"
	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/internal/netnstest"
	"github.com/gmm2trex/gmm2trex/native"
	"github.com/gmm2trex/gmm2trex/profiles"
)

const sendProfile = "../../profiles/testdata/tiny.yaml"

func TestSendUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"send", "-m", "local", "-o", sendProfile}, "-d missing"},
		{[]string{"send", "-m", "sideways", "-d", "127.0.0.1", "-o", sendProfile}, "valid: local, remote"},
		{[]string{"send", "-m", "local", "-d", "255.255.255.255", "-o", sendProfile}, "broadcast"},
		{[]string{"send", "-m", "local", "-d", "224.0.0.5", "-o", sendProfile}, "multicast"},
		{[]string{"send", "-m", "local", "-d", "0.0.0.0", "-o", sendProfile}, "unspecified"},
		{[]string{"send", "-m", "local", "-d", "127.0.0.1", "-o", sendProfile, "--protocol", "sctp"}, "udp, tcp or raw"},
		{[]string{"send", "-m", "local", "-d", "127.0.0.1", "-o", sendProfile, "--protocol", "raw"}, "-I missing"},
		{[]string{"send", "-m", "local", "-d", "127.0.0.1", "-o", sendProfile, "-l", "1", "-c", "5"}, "not both"},
		{[]string{"send", "-m", "local", "-d", "127.0.0.1", "-o", sendProfile, "-x", "0"}, "-x"},
		{[]string{"send", "-m", "local", "-d", "127.0.0.1"}, "-o PROFILE is required"},
		{[]string{"send", "-m", "local", "-d", "127.0.0.1", "-o", sendProfile, "--object", "nope"}, "no object"},
		{[]string{"send", "-m", "local", "-d", "127.0.0.1", "-o", sendProfile, "--token", ""}, "--token missing: both sides need the same secret, or --insecure-no-token"},
		{[]string{"send", "-m", "local", "-d", "127.0.0.1", "-o", sendProfile, "--insecure-no-token"}, "--insecure-no-token with a --token"},
		{[]string{"send", "-m", "local", "-d", "127.0.0.1", "-o", sendProfile, "-x", "1e9"}, "-x 1e+09: must be 1e-06..1e+06"},
		{[]string{"send", "-m", "local", "-d", "127.0.0.1", "-o", sendProfile, "-c", "2000000000"}, "-c 2000000000: must be 1..1000000000"},
	} {
		// A token unless the case is about it (the last given wins).
		code, _, errs := runCLI(t, append([]string{c.args[0], "--token", "t"}, c.args[1:]...)...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
}

func TestSendNoPeerExit1(t *testing.T) {
	code, _, errs := runCLI(t, "send", "-m", "remote", "-d", "127.0.0.1", "-o", sendProfile, "--token", "t",
		"--control-port", strconv.Itoa(netnstest.FreePort(t)), "--data-port", strconv.Itoa(netnstest.FreePort(t)), "--wait", "300ms")
	if code != 1 || !strings.Contains(errs, "no peer") {
		t.Errorf("exit %d, stderr %q; want 1 and \"no peer\"", code, errs)
	}
}

// With no token on either side the run goes ahead only with
// --insecure-no-token, which warns in capitals naming the port.
func TestSendInsecureNoToken(t *testing.T) {
	netnstest.Exclusive(t)
	code, _, errs, remote, rerr := sendPair(t, []string{"-l", "0.5", "--insecure-no-token"}, "")
	if code != 0 || rerr != nil || remote.Received.Packets == 0 {
		t.Fatalf("local exit %d, stderr %q; remote %+v, %v", code, errs, remote, rerr)
	}
	if !strings.Contains(errs, "WARNING: --insecure-no-token: the control channel is unauthenticated; anyone who reaches port") {
		t.Errorf("stderr %q: want the warning", errs)
	}
	code, _, errs = runCLI(t, "send", "-m", "remote", "-d", "127.0.0.1", "-o", sendProfile, "--wait", "100ms")
	if code != 2 || !strings.Contains(errs, "--token missing") {
		t.Errorf("remote without a token: exit %d, stderr %q; want 2 and \"--token missing\"", code, errs)
	}
}

// sendPair runs the local side through the CLI and the remote side through
// native directly (the CLI's commands are shared values: two in-process
// runs at once would mix their outputs). It returns the local side's exit
// status, stdout and stderr, and the remote side's report and error.
func sendPair(t *testing.T, local []string, remoteToken string) (code int, out, errs string, rep *native.Report, rerr error) {
	prof, err := profiles.Load(sendProfile)
	if err != nil {
		t.Fatal(err)
	}
	ctlPort, localPort, remotePort := strconv.Itoa(netnstest.FreePort(t)), strconv.Itoa(netnstest.FreePort(t)), strconv.Itoa(netnstest.FreePort(t))
	cfg := native.Config{Role: native.Remote, Peer: netip.MustParseAddr("127.0.0.1"), Profile: prof, Object: &prof.Objects[0],
		Transport: native.UDP, Token: remoteToken, InsecureNoToken: remoteToken == "", Wait: 5 * time.Second}
	cfg.ControlPort, _ = strconv.Atoi(ctlPort)
	cfg.DataPort, _ = strconv.Atoi(remotePort)
	wait := startRemote(cfg)
	code, out, errs = runCLI(t, append([]string{"send", "-m", "local", "-d", "127.0.0.1", "-o", sendProfile,
		"--control-port", ctlPort, "--data-port", localPort, "--wait", "5s", "--json"}, local...)...)
	rep, rerr = wait()
	return code, out, errs, rep, rerr
}

// startRemote runs the remote side of cfg in the background; wait returns
// its report once it has ended.
func startRemote(cfg native.Config) (wait func() (*native.Report, error)) {
	done := make(chan struct{})
	var rep *native.Report
	var rerr error
	go func() {
		defer close(done)
		s, err := native.Open(context.Background(), cfg)
		if err != nil {
			rerr = err
			return
		}
		rep, rerr = s.Run(context.Background(), nil)
	}()
	return func() (*native.Report, error) { <-done; return rep, rerr }
}

// TestSendLoopbackJSON runs both sides over loopback and checks the JSON
// report's exact shape and that the two sides agree.
func TestSendLoopbackJSON(t *testing.T) {
	netnstest.Exclusive(t) // its pacers spin in real time: no traffic test beside it
	code, out, errs, remote, rerr := sendPair(t, []string{"-l", "1", "--token", "a"}, "a")
	if code != 0 || rerr != nil {
		t.Fatalf("local exit %d, stderr %q; remote error %v", code, errs, rerr)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"delay_us", "gap_error_us", "late", "received", "sent"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	rep := map[string]map[string]float64{}
	want := map[string][]string{"sent": {"bytes", "packets"}, "received": {"bytes", "lost", "packets", "reordered"},
		"delay_us": {"median", "p99"}, "gap_error_us": {"max", "median", "p99"}}
	for k, fields := range want {
		m := map[string]float64{}
		if err := json.Unmarshal(raw[k], &m); err != nil {
			t.Fatal(err)
		}
		rep[k] = m
		var got []string
		for f := range m {
			got = append(got, f)
		}
		slices.Sort(got)
		if !reflect.DeepEqual(got, fields) {
			t.Errorf("%s has %v, want %v", k, got, fields)
		}
	}
	if s := rep["sent"]; s["packets"] < 10 || int64(s["packets"]) != remote.Received.Packets || int64(s["bytes"]) != remote.Received.Bytes || remote.Received.Lost != 0 {
		t.Errorf("local sent %v, remote received %+v", s, remote.Received)
	}
	if r := rep["received"]; int64(r["packets"]) != remote.Sent.Packets || int64(r["bytes"]) != remote.Sent.Bytes || r["lost"] != 0 {
		t.Errorf("remote sent %+v, local received %v", remote.Sent, r)
	}
}

func TestSendTokenMismatchExit1(t *testing.T) {
	code, _, errs, _, rerr := sendPair(t, []string{"-l", "1", "--token", "a"}, "b")
	if code != 1 || !strings.Contains(errs, "authentication failed") || !strings.Contains(errs, "--token") {
		t.Errorf("local: exit %d, stderr %q; want 1 and \"authentication failed\" naming --token", code, errs)
	}
	if !errors.Is(rerr, native.ErrRefused) || !strings.Contains(rerr.Error(), "authentication failed") {
		t.Errorf("remote: %v, want a refusal saying authentication failed", rerr)
	}
}

// TestReplayCommand replays a generated pcap from one namespace and checks
// the report; the capture side is covered by native's tests.
func TestReplayCommand(t *testing.T) {
	p := netnstest.New(t)
	path := replayPcap(t, p, 200)
	var code int
	var out, errb bytes.Buffer
	_ = p.Do(0, func() error {
		code = run(context.Background(), []string{"gmm2trex", "replay", path, "-I", p.Iface[0], "--loop", "2", "--json"}, &out, &errb)
		return nil
	})
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	var rep struct {
		Packets int64   `json:"packets"`
		Seconds float64 `json:"seconds"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v in %q", err, out.String())
	}
	// 400 frames 1 ms apart, two rounds: about 0.4 s.
	if rep.Packets != 400 || rep.Seconds < 0.39 || rep.Seconds > 0.6 {
		t.Errorf("report %+v, want 400 frames in about 0.4 s", rep)
	}
	// The capture on standard input.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	old := cmdline.Stdin
	cmdline.Stdin = bytes.NewReader(b)
	out.Reset()
	_ = p.Do(0, func() error {
		code = run(context.Background(), []string{"gmm2trex", "replay", "-", "-I", p.Iface[0], "-t", "--json"}, &out, &errb)
		return nil
	})
	cmdline.Stdin = old
	if err := json.Unmarshal(out.Bytes(), &rep); code != 0 || err != nil || rep.Packets != 200 {
		t.Errorf("replay -: exit %d, %v, report %+v, stderr %q", code, err, rep, errb.String())
	}
	code, _, errs := runCLI(t, "replay", path)
	if code != 2 || !strings.Contains(errs, "-I missing") {
		t.Errorf("replay without -I: exit %d, stderr %q", code, errs)
	}
}

// replayPcap writes a pcap of n 100-byte UDP frames 1 ms apart from the
// pair's first end to its second, for replay.
func replayPcap(t *testing.T, p *netnstest.Pair, n int) string {
	t.Helper()
	tmpl, err := frame.New(frame.Spec{SrcMAC: p.MAC[0], DstMAC: p.MAC[1], SrcIP: p.IP[0], DstIP: p.IP[1],
		Proto: frame.UDP, SrcPort: 9000, DstPort: 9001})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "in.pcap")
	var buf bytes.Buffer
	w, err := frame.NewPcapWriter(&buf, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := w.WritePacket(int64(1e9+i*1e6), tmpl.Frame(100)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
