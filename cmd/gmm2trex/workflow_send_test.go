package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/internal/netnstest"
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
	for i := range 50 {
		if err := w.WritePacket(int64(1e9+i*1e6), tmpl.Frame(100)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
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
