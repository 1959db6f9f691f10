package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gmm2trex/gmm2trex/internal/cmdline"
	"github.com/gmm2trex/gmm2trex/internal/netnstest"
	"github.com/gmm2trex/gmm2trex/native"
	"github.com/gmm2trex/gmm2trex/pipeline"
	"github.com/gmm2trex/gmm2trex/trace"
)

// send takes the profile as its argument, or a capture to estimate with
// -p; with no peer the run gets as far as waiting for one (exit 1).
func TestSendProfileArgumentAndCapture(t *testing.T) {
	ports := func() []string {
		return []string{"--control-port", strconv.Itoa(netnstest.FreePort(t)), "--data-port", strconv.Itoa(netnstest.FreePort(t)), "--wait", "300ms", "--token", "t"}
	}
	code, _, errs := runCLI(t, append([]string{"send", "-m", "remote", "-d", "127.0.0.1", sendProfile}, ports()...)...)
	if code != 1 || !strings.Contains(errs, "no peer") {
		t.Errorf("send PROFILE: exit %d, stderr %q", code, errs)
	}
	code, _, errs = runCLI(t, append([]string{"send", "-m", "remote", "-d", "127.0.0.1", "-p", samplePcap(t), "-q"}, ports()...)...)
	if code != 1 || !strings.Contains(errs, "no peer") || !strings.Contains(errs, "largest object, \""+rtpMain+"\"") {
		t.Errorf("send -p CAPTURE: exit %d, stderr %q", code, errs)
	}
	for _, args := range [][]string{
		{sendProfile, "-o", "other.yaml"},
		{sendProfile, "-p", "x.pcap"},
		{sendProfile, sendProfile},
		{},
	} {
		code, out, errs := runCLI(t, append([]string{"send", "-m", "local", "-d", "127.0.0.1"}, args...)...)
		if code != 2 || out != "" || strings.Count(errs, "\n") != 1 {
			t.Errorf("send %v: exit %d, stderr %q", args, code, errs)
		}
	}
}

// replay --loop 0 plays until interrupted, and stops within a second of it.
func TestReplayLoopForever(t *testing.T) {
	p := netnstest.New(t)
	path := replayPcap(t, p, 50)
	var code int
	var out, errb bytes.Buffer
	var stopped time.Duration
	_ = p.Do(0, func() error {
		ctx, cancel := context.WithCancel(context.Background())
		var at time.Time
		time.AfterFunc(700*time.Millisecond, func() { at = time.Now(); cancel() })
		code = run(ctx, []string{"gmm2trex", "replay", path, "-I", p.Iface[0], "--loop", "0", "--json"}, &out, &errb)
		stopped = time.Since(at)
		return nil
	})
	if code != 130 || stopped > time.Second {
		t.Fatalf("exit %d after %v, stderr %q; want 130 within a second", code, stopped, errb.String())
	}
	var rep struct {
		Packets int64 `json:"packets"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v in %q", err, out.String())
	}
	// 50 frames 1 ms apart a round: 0.7 s is more than ten rounds.
	if rep.Packets < 500 {
		t.Errorf("%d frames sent in 0.7 s, want more than ten rounds of 50", rep.Packets)
	}
}

// send -p CAPTURE on one side and the same capture's estimate on the other
// agree (the profile hashes match) and run: the estimate is deterministic.
func TestSendCaptureLoopback(t *testing.T) {
	netnstest.Exclusive(t)
	path := samplePcap(t)
	c, err := trace.ReadFile(path, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cmdline.SelectCapture(c, []string{cmdline.Largest}); err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Estimate(context.Background(), c, pipeline.DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	prof := res.Profile
	ctlPort, localPort, remotePort := netnstest.FreePort(t), strconv.Itoa(netnstest.FreePort(t)), netnstest.FreePort(t)
	cfg := native.Config{Role: native.Remote, Peer: netip.MustParseAddr("127.0.0.1"), Profile: prof, Object: &prof.Objects[0],
		Transport: native.UDP, Token: "a", Wait: 10 * time.Second, ControlPort: ctlPort, DataPort: remotePort}
	wait := startRemote(cfg)
	code, out, errs := runCLI(t, "send", "-m", "local", "-d", "127.0.0.1", "-p", path, "--token", "a", "-c", "20", "--json", "-q",
		"--control-port", strconv.Itoa(ctlPort), "--data-port", localPort, "--wait", "10s")
	rep, rerr := wait()
	if code != 0 || rerr != nil {
		t.Fatalf("local exit %d, stderr %q; remote %v", code, errs, rerr)
	}
	var local struct {
		Sent struct{ Packets int64 } `json:"sent"`
	}
	if err := json.Unmarshal([]byte(out), &local); err != nil || local.Sent.Packets != 20 || rep.Received.Packets != 20 {
		t.Errorf("local sent %d (%v), remote received %d", local.Sent.Packets, err, rep.Received.Packets)
	}
}
