package native

import (
	"bufio"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"sync"
	"time"
)

// ProtocolVersion is the control channel's version; peers with another
// refuse each other. Version 2 replaced the static token digest of version 1
// with a challenge-response over fresh nonces and MACs every later message.
const ProtocolVersion = 2

// Sentinel errors a caller maps to exit statuses.
var (
	// ErrNoPeer: no peer connected (or accepted) within the wait.
	ErrNoPeer = errors.New("no peer")
	// ErrPeerLost: the control connection broke or went silent mid-run.
	ErrPeerLost = errors.New("peer lost")
	// ErrRefused: the peers' profile, object, token or settings differ.
	ErrRefused = errors.New("refused")
)

// Limits on what a peer may send. A line is one message; the handshake of a
// connection, from accept to settings, must end within handshakeTimeout.
const (
	maxLine          = 64 << 10
	handshakeTimeout = 5 * time.Second
	// maxHandshakes bounds the connections the remote side authenticates at
	// once; more are closed at accept (the local side retries).
	maxHandshakes = 64
	nonceLen      = 32
	// maxStartAhead bounds how far ahead of the remote side's clock the
	// agreed start may lie.
	maxStartAhead = time.Minute
)

// Bounds of the run's length and rate that both sides accept; Config.Validate
// applies them to this side, the handshake to the peer's settings.
const (
	MaxCount      = 1_000_000_000
	MaxDuration   = 1e7 * time.Second
	MinMultiplier = 1e-6
	MaxMultiplier = 1e6
)

// ctlMsg is one message of the control channel (JSON, newline-terminated).
// Before authentication a line is the message itself; after it, a line is
// an envelope {"mac":…,"msg":…} (see control.send).
type ctlMsg struct {
	// hello, challenge, auth (both ways), reject; then settings, accept,
	// reject, ping, done
	Type string `json:"type"`

	// hello and challenge
	Version int    `json:"version,omitempty"`
	Nonce   string `json:"nonce,omitempty"` // nonceLen random bytes, hex

	// auth: HMAC-SHA256 keyed by the token over the role and both nonces
	Proof string `json:"proof,omitempty"`

	// settings (local to remote, after authentication)
	Hash       string  `json:"hash,omitempty"`
	Object     string  `json:"object,omitempty"`
	Transport  string  `json:"transport,omitempty"`
	Start      int64   `json:"start,omitempty"` // Unix ns
	Duration   float64 `json:"duration,omitempty"`
	Count      int     `json:"count,omitempty"`
	Multiplier float64 `json:"multiplier,omitempty"`

	// settings and accept
	DataPort int `json:"data_port,omitempty"`

	// reject
	Reason string `json:"reason,omitempty"`

	// done
	Sent  int64 `json:"sent,omitempty"`
	Bytes int64 `json:"bytes,omitempty"`
}

// envelope is a line after authentication: the message and its MAC.
type envelope struct {
	MAC string          `json:"mac"`
	Msg json.RawMessage `json:"msg"`
}

// Labels bind each MAC to its purpose and direction, so that no value one
// side computes is ever accepted from the other.
const (
	labelLocal   = "gmm2trex control/2 local proof\x00"
	labelRemote  = "gmm2trex control/2 remote proof\x00"
	labelSession = "gmm2trex control/2 session key\x00"
	labelL2R     = "local to remote\x00"
	labelR2L     = "remote to local\x00"
)

func mac(key []byte, parts ...[]byte) []byte {
	h := hmac.New(sha256.New, key)
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// proof is what a side sends to show it holds the token.
func proof(token, label string, nl, nr []byte) []byte {
	return mac([]byte(token), []byte(label), nl, nr)
}

func newNonce() ([]byte, error) {
	b := make([]byte, nonceLen)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("control: nonce: %w", err)
	}
	return b, nil
}

func encodeHex(b []byte) string { return hex.EncodeToString(b) }

// decodeHex reads a hex field of exactly n bytes.
func decodeHex(s string, n int, what string) ([]byte, error) {
	if len(s) != 2*n {
		return nil, fmt.Errorf("%s: %d hex digits, want %d", what, len(s), 2*n)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%s: not hex", what)
	}
	return b, nil
}

// control wraps the control connection: writes are serialised, reads come
// from one goroutine at a time. Once keyed (authenticate), every message
// carries a MAC over its direction, its sequence number and its bytes.
type control struct {
	conn net.Conn
	r    *bufio.Reader
	line []byte
	mu   sync.Mutex

	key              []byte // nil before authentication
	sendLbl, recvLbl string
	sendSeq, recvSeq uint64
}

func newControl(c net.Conn) *control {
	return &control{conn: c, r: bufio.NewReaderSize(c, 4096)}
}

// keyed starts the MACs: from now on every message is in an envelope.
func (c *control) keyed(token string, nl, nr []byte, role Role) {
	c.key = mac([]byte(token), []byte(labelSession), nl, nr)
	c.sendLbl, c.recvLbl = labelL2R, labelR2L
	if role == Remote {
		c.sendLbl, c.recvLbl = labelR2L, labelL2R
	}
}

func seqBytes(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func (c *control) send(m ctlMsg) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if c.key != nil {
		sum := mac(c.key, []byte(c.sendLbl), seqBytes(c.sendSeq), b)
		c.sendSeq++
		if b, err = json.Marshal(envelope{MAC: hex.EncodeToString(sum), Msg: b}); err != nil {
			return err
		}
	}
	_ = c.conn.SetWriteDeadline(time.Now().Add(peerTimeout))
	if _, err := c.conn.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("control: send %s to %s: %w", m.Type, c.conn.RemoteAddr(), err)
	}
	return nil
}

// errLong is a line over maxLine.
var errLong = fmt.Errorf("message longer than %d bytes", maxLine)

// readLine reads one line of at most maxLine bytes, valid until the next call.
func (c *control) readLine() ([]byte, error) {
	c.line = c.line[:0]
	for {
		frag, err := c.r.ReadSlice('\n')
		if len(c.line)+len(frag) > maxLine {
			return nil, errLong
		}
		c.line = append(c.line, frag...)
		if err == nil {
			return c.line, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
	}
}

// recv reads one message, waiting at most timeout.
func (c *control) recv(timeout time.Duration) (ctlMsg, error) {
	var m ctlMsg
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	line, err := c.readLine()
	if err != nil {
		return m, err
	}
	if c.key != nil {
		var e envelope
		if err := json.Unmarshal(line, &e); err != nil {
			return m, fmt.Errorf("control: bad message from %s: %w", c.conn.RemoteAddr(), err)
		}
		got, err := decodeHex(e.MAC, sha256.Size, "mac")
		if err != nil || !hmac.Equal(got, mac(c.key, []byte(c.recvLbl), seqBytes(c.recvSeq), e.Msg)) {
			return m, fmt.Errorf("control: message %d from %s fails its MAC (altered or injected)", c.recvSeq, c.conn.RemoteAddr())
		}
		c.recvSeq++
		line = e.Msg
	}
	if err := json.Unmarshal(line, &m); err != nil {
		return m, fmt.Errorf("control: bad message from %s: %w", c.conn.RemoteAddr(), err)
	}
	return m, nil
}

// Heartbeats keep a silent peer from looking alive: each side pings every
// pingEvery and declares the peer lost after peerTimeout without a message.
const (
	pingEvery   = 500 * time.Millisecond
	peerTimeout = 5 * time.Second
)

// checkSettings range-checks what an authenticated local side asks for,
// before the remote side compares it with its own or sends anything; now is
// the remote side's clock (Unix ns).
func checkSettings(m ctlMsg, now int64) string {
	switch {
	case m.DataPort < 1 || m.DataPort > 65535:
		return fmt.Sprintf("data port %d: must be 1..65535", m.DataPort)
	case math.IsNaN(m.Multiplier) || m.Multiplier < MinMultiplier || m.Multiplier > MaxMultiplier:
		return fmt.Sprintf("rate multiplier %g: must be %g..%g", m.Multiplier, MinMultiplier, MaxMultiplier)
	case m.Count < 0 || m.Count > MaxCount:
		return fmt.Sprintf("count %d: must be 0..%d", m.Count, MaxCount)
	case math.IsNaN(m.Duration) || m.Duration < 0 || m.Duration > MaxDuration.Seconds():
		return fmt.Sprintf("duration %gs: must be 0..%gs", m.Duration, MaxDuration.Seconds())
	case (m.Count > 0) == (m.Duration > 0):
		return fmt.Sprintf("count %d and duration %gs: exactly one must be set", m.Count, m.Duration)
	case m.Start > now+int64(maxStartAhead):
		return fmt.Sprintf("start %v ahead of this host's clock: more than %v (clocks differ?)",
			time.Duration(m.Start-now).Round(time.Millisecond), maxStartAhead)
	}
	return ""
}

// compareHello returns what differs between the local side's settings and
// the remote side's own, or "" when they match. Peer strings are quoted.
func compareHello(h, own ctlMsg, ownDurationSet, ownCountSet bool) string {
	// A remote side's zero multiplier means "the local side's".
	short := func(s string) string { return s[:min(len(s), 12)] }
	switch {
	case h.Hash != own.Hash:
		return fmt.Sprintf("profile differs (hash local %q…, remote %q…)", short(h.Hash), short(own.Hash))
	case h.Object != own.Object:
		return fmt.Sprintf("object differs (local %q, remote %q)", h.Object, own.Object)
	case h.Transport != own.Transport:
		return fmt.Sprintf("transport differs (local %q, remote %q; udp and raw mix, tcp does not)", h.Transport, own.Transport)
	case ownDurationSet && h.Duration != own.Duration:
		return fmt.Sprintf("duration differs (local %gs, remote %gs)", h.Duration, own.Duration)
	case own.Multiplier != 0 && h.Multiplier != own.Multiplier:
		return fmt.Sprintf("rate multiplier differs (local %g, remote %g)", h.Multiplier, own.Multiplier)
	case ownCountSet && h.Count != own.Count:
		return fmt.Sprintf("count differs (local %d, remote %d)", h.Count, own.Count)
	}
	return ""
}
