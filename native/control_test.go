package native

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// pipeControl is a control pair over an in-memory connection.
func pipeControl() (*control, *control) {
	a, b := net.Pipe()
	return newControl(a), newControl(b)
}

var testOwn = ctlMsg{Type: "settings", Hash: "0123456789abcdef0123456789abcdef", Object: "UDP 198.18.0.1:5004 198.18.0.2:5004",
	Transport: "udp", Multiplier: 0, DataPort: 8000}

func testSettings() ctlMsg {
	m := testOwn
	m.Duration, m.Multiplier, m.Start = 1, 1, time.Now().UnixNano()
	return m
}

// TestHandshake runs both halves: the same token agrees, and every later
// message is MAC'd in both directions.
func TestHandshake(t *testing.T) {
	l, r := pipeControl()
	done := make(chan handshakeResult, 1)
	go func() { done <- remoteHandshake(r, "s3cret", testOwn, false, false) }()
	acc := make(chan error, 1)
	go func() {
		hr := <-done
		if hr.err != nil {
			acc <- hr.err
			return
		}
		acc <- hr.ctl.send(ctlMsg{Type: "accept", DataPort: 8001})
	}()
	m, err := localHandshake(l, "s3cret", testSettings)
	if err != nil || m.DataPort != 8001 {
		t.Fatalf("local: %+v, %v", m, err)
	}
	if err := <-acc; err != nil {
		t.Fatalf("remote: %v", err)
	}
	if l.key == nil || !bytes.Equal(l.key, r.key) {
		t.Fatal("the two sides derived different session keys")
	}
}

// TestHandshakeWrongTokenLearnsNothing: a peer with another token gets a
// nonce and "authentication failed", nothing about the profile, and the
// remote side says why in its own error.
func TestHandshakeWrongTokenLearnsNothing(t *testing.T) {
	l, r := pipeControl()
	var seen bytes.Buffer
	l.r = bufio.NewReaderSize(teeReader{l.conn, &seen}, 4096)
	done := make(chan handshakeResult, 1)
	go func() { done <- remoteHandshake(r, "s3cret", testOwn, false, false) }()
	_, err := localHandshake(l, "guess", testSettings)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "authentication failed") {
		t.Fatalf("local with the wrong token: %v", err)
	}
	hr := <-done
	if hr.authed || !errors.Is(hr.err, errAuth) {
		t.Fatalf("remote: authed %v, %v", hr.authed, hr.err)
	}
	checkLearnedNothing(t, seen.Bytes(), testOwn)
}

// checkLearnedNothing checks that what a remote side sent before
// authentication holds a challenge and a reject and nothing of own.
func checkLearnedNothing(t *testing.T, b []byte, own ctlMsg) {
	t.Helper()
	for _, secret := range []string{own.Hash[:8], own.Object, "data_port", "hash", "object", "8000"} {
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("the remote side sent %q before authentication: %s", secret, b)
		}
	}
	var types []string
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		types = append(types, m["type"].(string))
		for k := range m {
			if k != "type" && k != "version" && k != "nonce" && k != "reason" {
				t.Errorf("field %q in %s", k, line)
			}
		}
	}
	if strings.Join(types, ",") != "challenge,reject" {
		t.Errorf("the remote side sent %v, want challenge, reject", types)
	}
}

type teeReader struct {
	r net.Conn
	w *bytes.Buffer
}

func (t teeReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.w.Write(p[:n])
	return n, err
}

// TestHandshakeReplay replays a genuine local side's hello and proof,
// recorded against one challenge, to a new session: refused.
func TestHandshakeReplay(t *testing.T) {
	rec := recordLocal(t, "s3cret")
	l, r := pipeControl()
	done := make(chan handshakeResult, 1)
	go func() { done <- remoteHandshake(r, "s3cret", testOwn, false, false) }()
	reply := replayLines(t, l.conn, rec)
	hr := <-done
	if hr.authed || !errors.Is(hr.err, errAuth) {
		t.Fatalf("replayed hello: authed %v, %v", hr.authed, hr.err)
	}
	if !strings.Contains(reply, `"reason":"authentication failed"`) {
		t.Errorf("replayed hello answered %q", reply)
	}
}

// recordLocal runs a local side with token against a fake remote side and
// returns the lines it sent: hello, auth.
func recordLocal(t *testing.T, token string) [][]byte {
	t.Helper()
	l, fake := net.Pipe()
	go func() { _, _ = localHandshake(newControl(l), token, testSettings) }()
	br := bufio.NewReader(fake)
	hello, err := br.ReadBytes('\n')
	if err != nil {
		t.Fatal(err)
	}
	nr := make([]byte, nonceLen) // any challenge: the recording is for another session
	ch, _ := json.Marshal(ctlMsg{Type: "challenge", Version: ProtocolVersion, Nonce: hex.EncodeToString(nr)})
	if _, err := fake.Write(append(ch, '\n')); err != nil {
		t.Fatal(err)
	}
	auth, err := br.ReadBytes('\n')
	if err != nil {
		t.Fatal(err)
	}
	fake.Close()
	if !bytes.Contains(auth, []byte(`"proof"`)) {
		t.Fatalf("recorded %q", auth)
	}
	return [][]byte{hello, auth}
}

// replayLines writes the recorded lines to c, one after each line read
// from it past the first, and returns everything read.
func replayLines(t *testing.T, c net.Conn, lines [][]byte) string {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	var got strings.Builder
	for _, ln := range lines {
		if _, err := c.Write(ln); err != nil {
			break
		}
		b, err := br.ReadBytes('\n')
		got.Write(b)
		if err != nil {
			break
		}
	}
	c.Close()
	return got.String()
}

// TestHandshakeOldPeer: a version 1 hello (with the hostile values)
// is refused naming the versions, and a local side meeting a version 1
// remote side's answer says so.
func TestHandshakeOldPeer(t *testing.T) {
	l, r := pipeControl()
	done := make(chan handshakeResult, 1)
	go func() { done <- remoteHandshake(r, "s3cret", testOwn, false, false) }()
	v1 := `{"type":"hello","version":1,"hash":"x","token":"y","count":-1,"multiplier":1e9,"data_port":9}` + "\n"
	reply := replayLines(t, l.conn, [][]byte{[]byte(v1)})
	hr := <-done
	if hr.err == nil || !strings.Contains(hr.err.Error(), "version differs (local 1, remote 2)") {
		t.Errorf("remote: %v", hr.err)
	}
	if !strings.Contains(reply, `"type":"reject"`) || !strings.Contains(reply, "version differs (local 1, remote 2)") {
		t.Errorf("a v1 hello answered %q", reply)
	}

	// A version 1 remote side answers a version 2 hello with this reject.
	lc, fake := net.Pipe()
	go func() {
		br := bufio.NewReader(fake)
		_, _ = br.ReadBytes('\n')
		_, _ = fake.Write([]byte(`{"type":"reject","reason":"control protocol version differs (local 2, remote 1)"}` + "\n"))
	}()
	_, err := localHandshake(newControl(lc), "s3cret", testSettings)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "version differs (local 2, remote 1)") {
		t.Errorf("local against a v1 remote side: %v", err)
	}
}

// TestHandshakeSettingsChecked: an authenticated peer's out-of-range
// values are refused before anything is sent, each naming the value.
func TestHandshakeSettingsChecked(t *testing.T) {
	now := time.Now().UnixNano()
	for _, tc := range []struct {
		edit func(*ctlMsg)
		want string
	}{
		{func(m *ctlMsg) { m.Count, m.Duration = -1, 0 }, "count -1: must be 0..1000000000"},
		{func(m *ctlMsg) { m.Count, m.Duration = 2e9, 0 }, "count 2000000000"},
		{func(m *ctlMsg) { m.Multiplier = 1e9 }, "rate multiplier 1e+09: must be 1e-06..1e+06"},
		{func(m *ctlMsg) { m.Multiplier = 0 }, "rate multiplier 0"},
		{func(m *ctlMsg) { m.DataPort = 0 }, "data port 0: must be 1..65535"},
		{func(m *ctlMsg) { m.DataPort = 70000 }, "data port 70000"},
		{func(m *ctlMsg) { m.Duration = 1e8 }, "duration 1e+08s"},
		{func(m *ctlMsg) { m.Duration = 0 }, "exactly one must be set"},
		{func(m *ctlMsg) { m.Count = 5 }, "exactly one must be set"},
		{func(m *ctlMsg) { m.Start = now + int64(time.Hour) }, "ahead of this host's clock"},
	} {
		m := testSettings()
		m.Start = now
		tc.edit(&m)
		if why := checkSettings(m, now); !strings.Contains(why, tc.want) {
			t.Errorf("%+v: %q, want %q", m, why, tc.want)
		}
	}
	if why := checkSettings(testSettings(), now); why != "" {
		t.Errorf("valid settings: %q", why)
	}
	// Through the handshake: the peer hears the reason, quoted on its side.
	l, r := pipeControl()
	done := make(chan handshakeResult, 1)
	go func() { done <- remoteHandshake(r, "s3cret", testOwn, false, false) }()
	_, err := localHandshake(l, "s3cret", func() ctlMsg { m := testSettings(); m.Multiplier = 1e9; return m })
	hr := <-done
	if !hr.authed || !errors.Is(hr.err, ErrRefused) || !strings.Contains(hr.err.Error(), "rate multiplier 1e+09") {
		t.Errorf("remote: authed %v, %v", hr.authed, hr.err)
	}
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), `"rate multiplier 1e+09`) {
		t.Errorf("local: %v", err)
	}
}

// TestControlMAC: after authentication an altered or re-sent line fails
// its MAC.
func TestControlMAC(t *testing.T) {
	a, b := net.Pipe()
	ca, cb := newControl(a), newControl(b)
	nl, nr := make([]byte, nonceLen), make([]byte, nonceLen)
	ca.keyed("k", nl, nr, Local)
	cb.keyed("k", nl, nr, Remote)
	var sent bytes.Buffer
	go func() {
		_ = ca.send(ctlMsg{Type: "done", Sent: 5})
	}()
	// Read the line as sent, then feed it to cb twice and altered.
	br := bufio.NewReader(b)
	line, err := br.ReadBytes('\n')
	if err != nil {
		t.Fatal(err)
	}
	sent.Write(line)
	feed := func(l []byte) (ctlMsg, error) {
		x, y := net.Pipe()
		c := newControl(y)
		c.key, c.recvLbl, c.recvSeq = cb.key, cb.recvLbl, cb.recvSeq
		go func() { _, _ = x.Write(l); x.Close() }()
		m, err := c.recv(time.Second)
		cb.recvSeq = c.recvSeq
		return m, err
	}
	if m, err := feed(line); err != nil || m.Sent != 5 {
		t.Fatalf("the genuine line: %+v, %v", m, err)
	}
	if _, err := feed(line); err == nil || !strings.Contains(err.Error(), "fails its MAC") {
		t.Errorf("the same line again: %v", err)
	}
	alt := bytes.Replace(sent.Bytes(), []byte(`"sent":5`), []byte(`"sent":9`), 1)
	if _, err := feed(alt); err == nil || !strings.Contains(err.Error(), "fails its MAC") {
		t.Errorf("an altered line: %v", err)
	}
}

// TestReadLineCap: a line over 64 KiB ends the read after at most that.
func TestReadLineCap(t *testing.T) {
	a, b := net.Pipe()
	c := newControl(b)
	go func() {
		chunk := bytes.Repeat([]byte("a"), 1<<20)
		for range 100 {
			if _, err := a.Write(chunk); err != nil {
				return
			}
		}
	}()
	_, err := c.recv(5 * time.Second)
	if !errors.Is(err, errLong) {
		t.Fatalf("a 100 MB line: %v", err)
	}
	if cap(c.line) > 2*maxLine {
		t.Errorf("buffered %d bytes", cap(c.line))
	}
	b.Close()
	a.Close()
}

// TestPeerStringsQuoted: what a peer sends is never printed raw: a
// remote side's reject reason and a local side's settings holding a
// terminal escape come out quoted.
func TestPeerStringsQuoted(t *testing.T) {
	esc := "\x1b[2J\x1b]0;pwned\x07"
	lc, fake := net.Pipe()
	go func() {
		br := bufio.NewReader(fake)
		_, _ = br.ReadBytes('\n')
		b, _ := json.Marshal(ctlMsg{Type: "reject", Reason: esc})
		_, _ = fake.Write(append(b, '\n'))
	}()
	_, err := localHandshake(newControl(lc), "s3cret", testSettings)
	if err == nil || strings.ContainsRune(err.Error(), 0x1b) || !strings.Contains(err.Error(), `\x1b[2J`) {
		t.Errorf("a reject reason holding escapes: %q", err)
	}
	for _, edit := range []func(*ctlMsg){
		func(m *ctlMsg) { m.Hash = esc },
		func(m *ctlMsg) { m.Object = esc },
		func(m *ctlMsg) { m.Transport = esc },
	} {
		m := testSettings()
		edit(&m)
		why := compareHello(m, testOwn, false, false)
		if why == "" || strings.ContainsRune(why, 0x1b) {
			t.Errorf("settings holding escapes: %q", why)
		}
	}
}
