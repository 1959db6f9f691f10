package native

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gmm2trex/gmm2trex/internal/netnstest"
	"github.com/gmm2trex/gmm2trex/profiles"
)

// The adversarial test runs the remote side as a process of its own (this
// test binary, re-executed with remoteHelperEnv set), so that its peak
// memory is its own: TestMain runs the helper instead of the tests.
const remoteHelperEnv = "GMM2TREX_TEST_REMOTE_HELPER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(remoteHelperEnv); spec != "" {
		os.Exit(remoteHelper(spec))
	}
	os.Exit(m.Run())
}

// helperSpec is what the remote helper runs: the remote side of
// testProfile's first object, over UDP.
type helperSpec struct {
	Peer        string
	ControlPort int
	DataPort    int
	Token       string
	Wait        time.Duration
}

// helperResult is what the helper prints on stdout when it ends.
type helperResult struct {
	Err       string
	Sent      int64
	Received  int64
	VmHWMKB   int64
	Refusals  int
	Handshake time.Duration // from start to authenticated peer
}

func remoteHelper(spec string) int {
	var hs helperSpec
	if err := json.Unmarshal([]byte(spec), &hs); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var res helperResult
	var mu sync.Mutex
	prof, err := profiles.Load(testProfile)
	if err == nil {
		cfg := Config{Role: Remote, Peer: netip.MustParseAddr(hs.Peer), Profile: prof, Object: &prof.Objects[0],
			Transport: UDP, Seed: 7, Token: hs.Token, ControlPort: hs.ControlPort, DataPort: hs.DataPort, Wait: hs.Wait,
			Log: func(msg string) {
				mu.Lock()
				res.Refusals++
				mu.Unlock()
				fmt.Fprintln(os.Stderr, msg)
			}}
		start := time.Now()
		var s *Session
		if s, err = Open(context.Background(), cfg); err == nil {
			res.Handshake = time.Since(start)
			var rep *Report
			rep, err = s.Run(context.Background(), nil)
			if rep != nil {
				res.Sent, res.Received = rep.Sent.Packets, rep.Received.Packets
			}
		}
	}
	if err != nil {
		res.Err = err.Error()
	}
	res.VmHWMKB = vmHWM(os.Getpid())
	mu.Lock()
	defer mu.Unlock()
	_ = json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

// vmHWM reads a process's peak resident set size (kB) from /proc.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return -1
}

// TestAdversarialControl attacks a remote side (a process of its own in
// namespace 1) from its peer's address (namespace 0) as the issue did: a
// replayed genuine hello, the hostile version 1 hello, a
// wrong-token peer, a 100 MB line and 200 connections held open; then the
// real local side runs. The remote side must refuse every attack, send
// nothing to the hostile data port, stay under 50 MB peak RSS, and run with
// the real peer.
func TestAdversarialControl(t *testing.T) {
	p := netnstest.New(t)
	const token = "s3cret"
	ctlPort, dataPort := 7999, 8000
	spec, _ := json.Marshal(helperSpec{Peer: p.IP[0].String(), ControlPort: ctlPort, DataPort: dataPort, Token: token, Wait: 60 * time.Second})
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	remote := p.Command(1, exe, "-test.run=^$")
	remote.Env = append(os.Environ(), remoteHelperEnv+"="+string(spec))
	var rout, rerr bytes.Buffer
	remote.Stdout, remote.Stderr = &rout, &rerr
	remote.WaitDelay = 2 * time.Second
	if err := remote.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = remote.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = remote.Process.Kill()
			<-exited
		}
	})
	addr := netip.AddrPortFrom(p.IP[1], uint16(ctlPort)).String()
	dial := func() net.Conn {
		t.Helper()
		var c net.Conn
		err := p.Do(0, func() error {
			var err error
			for range 50 {
				if c, err = net.DialTimeout("tcp", addr, time.Second); err == nil {
					return nil
				}
				time.Sleep(100 * time.Millisecond)
			}
			return err
		})
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		return c
	}
	prof, err := profiles.Load(testProfile)
	if err != nil {
		t.Fatal(err)
	}
	own := ctlMsg{Hash: prof.Hash(), Object: prof.Objects[0].ID}

	// What lands on the port the hostile hello names.
	var port9 *net.UDPConn
	if err := p.Do(0, func() (err error) {
		port9, err = net.ListenUDP("udp", &net.UDPAddr{Port: 9})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer port9.Close()
	var hits9 atomic.Int64
	go func() {
		buf := make([]byte, 65536)
		for {
			if _, _, err := port9.ReadFromUDP(buf); err != nil {
				return
			}
			hits9.Add(1)
		}
	}()

	// 1. A genuine local side's hello and proof, recorded against another
	// challenge, replayed.
	start := time.Now()
	reply := replayLines(t, dial(), recordLocal(t, token))
	t.Logf("replayed hello: answered %q in %v", strings.TrimSpace(reply), time.Since(start))
	if !strings.Contains(reply, `"reason":"authentication failed"`) {
		t.Errorf("replayed hello answered %q, want authentication failed", reply)
	}
	checkLearnedNothing(t, []byte(reply), own)

	// 2. The hostile version 1 hello.
	v1 := fmt.Sprintf(`{"type":"hello","version":1,"hash":%q,"object":%q,"token":"0000","transport":"udp","count":-1,"multiplier":1e9,"data_port":9}`+"\n",
		prof.Hash(), prof.Objects[0].ID)
	reply = replayLines(t, dial(), [][]byte{[]byte(v1)})
	t.Logf("v1 hostile hello: answered %q", strings.TrimSpace(reply))
	if !strings.Contains(reply, "version differs (local 1, remote 2)") || strings.Contains(reply, prof.Hash()[:8]) {
		t.Errorf("v1 hello answered %q", reply)
	}

	// 3. A peer with the wrong token, speaking the protocol.
	c := newControl(dial())
	var seen bytes.Buffer
	c.r = bufio.NewReaderSize(teeReader{c.conn, &seen}, 4096)
	_, err = localHandshake(c, "guess", func() ctlMsg { return ctlMsg{Type: "settings"} })
	c.conn.Close()
	t.Logf("wrong token: %v; received %q", err, strings.TrimSpace(seen.String()))
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "authentication failed") {
		t.Errorf("wrong token: %v", err)
	}
	checkLearnedNothing(t, seen.Bytes(), own)

	// 4. A 100 MB line and 200 connections held open, at once.
	var wg sync.WaitGroup
	wg.Add(1)
	var lineSent int64
	var lineTook time.Duration
	go func() {
		defer wg.Done()
		c := dial()
		defer c.Close()
		chunk := bytes.Repeat([]byte("A"), 1<<20)
		t0 := time.Now()
		_ = c.SetWriteDeadline(time.Now().Add(30 * time.Second))
		for range 100 {
			n, err := c.Write(chunk)
			lineSent += int64(n)
			if err != nil {
				break
			}
		}
		lineTook = time.Since(t0)
	}()
	var held []net.Conn
	for range 200 {
		c := dial()
		_, _ = c.Write([]byte(`{"type":"hel`)) // a hello that never ends
		held = append(held, c)
	}
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	wg.Wait()
	t.Logf("100 MB line: %d bytes written before the remote side cut it, in %v", lineSent, lineTook)
	if lineSent >= 100<<20 {
		t.Errorf("the remote side took the whole 100 MB line")
	}

	// 5. The real local side, while the 200 connections are still held.
	var rep *Report
	t0 := time.Now()
	err = p.Do(0, func() error {
		s, err := Open(context.Background(), Config{Role: Local, Peer: p.IP[1], Profile: prof, Object: &prof.Objects[0],
			Transport: UDP, Seed: 7, Token: token, ControlPort: ctlPort, DataPort: dataPort, Duration: time.Second, Wait: 30 * time.Second})
		if err != nil {
			return err
		}
		rep, err = s.Run(context.Background(), nil)
		return err
	})
	t.Logf("real local side: %v after %v", err, time.Since(t0))
	if err != nil {
		t.Fatalf("real local side: %v", err)
	}
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the remote side did not end after the run")
	}
	var res helperResult
	if err := json.Unmarshal(rout.Bytes(), &res); err != nil {
		t.Fatalf("remote helper printed %q (stderr %q): %v", rout.String(), rerr.String(), err)
	}
	t.Logf("remote side: %+v; local sent %d, received %d; %d datagrams on port 9", res, rep.Sent.Packets, rep.Received.Packets, hits9.Load())
	t.Logf("remote side's log (first lines): %s", firstLines(rerr.String(), 8))
	if res.Err != "" || res.Sent == 0 || res.Received != rep.Sent.Packets || rep.Received.Packets != res.Sent {
		t.Errorf("remote side: %+v; local report %+v", res, rep)
	}
	if res.VmHWMKB <= 0 || res.VmHWMKB > 50<<10 {
		t.Errorf("remote side's peak RSS %d kB, want under 50 MB", res.VmHWMKB)
	}
	if n := hits9.Load(); n != 0 {
		t.Errorf("%d datagrams reached the hostile hello's port 9", n)
	}
	if res.Refusals < 5 {
		t.Errorf("the remote side logged %d refusals, want one per attack at least", res.Refusals)
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], " | ")
}
