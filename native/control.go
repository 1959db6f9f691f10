package native

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// ProtocolVersion is the control channel's version; peers with another
// refuse each other.
const ProtocolVersion = 1

// Sentinel errors a caller maps to exit statuses.
var (
	// ErrNoPeer: no peer connected (or accepted) within the wait.
	ErrNoPeer = errors.New("no peer")
	// ErrPeerLost: the control connection broke or went silent mid-run.
	ErrPeerLost = errors.New("peer lost")
	// ErrRefused: the peers' profile, object, token or settings differ.
	ErrRefused = errors.New("refused")
)

// ctlMsg is one line of the control channel (JSON, newline-terminated).
type ctlMsg struct {
	Type string `json:"type"` // hello, accept, reject, ping, done

	// hello
	Version    int     `json:"version,omitempty"`
	Hash       string  `json:"hash,omitempty"`
	Object     string  `json:"object,omitempty"`
	Token      string  `json:"token,omitempty"` // SHA-256 of the token, never the token
	Transport  string  `json:"transport,omitempty"`
	Start      int64   `json:"start,omitempty"` // Unix ns
	Duration   float64 `json:"duration,omitempty"`
	Count      int     `json:"count,omitempty"`
	Multiplier float64 `json:"multiplier,omitempty"`

	// hello and accept
	DataPort int `json:"data_port,omitempty"`

	// reject
	Reason string `json:"reason,omitempty"`

	// done
	Sent  int64 `json:"sent,omitempty"`
	Bytes int64 `json:"bytes,omitempty"`
}

// tokenDigest hides the token on the wire; equal tokens give equal digests.
func tokenDigest(token string) string {
	h := sha256.Sum256([]byte("gmm2trex control token\x00" + token))
	return hex.EncodeToString(h[:])
}

// control wraps the control connection: writes are serialised, reads come
// from one goroutine at a time.
type control struct {
	conn net.Conn
	r    *bufio.Reader
	mu   sync.Mutex
	enc  *json.Encoder
}

func newControl(c net.Conn) *control {
	return &control{conn: c, r: bufio.NewReader(c), enc: json.NewEncoder(c)}
}

func (c *control) send(m ctlMsg) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(peerTimeout))
	if err := c.enc.Encode(m); err != nil {
		return fmt.Errorf("control: send %s to %s: %w", m.Type, c.conn.RemoteAddr(), err)
	}
	return nil
}

// recv reads one message, waiting at most timeout.
func (c *control) recv(timeout time.Duration) (ctlMsg, error) {
	var m ctlMsg
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	line, err := c.r.ReadBytes('\n')
	if err != nil {
		return m, err
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

// compareHello returns what differs between the local side's hello and the
// remote side's own settings, or "" when they match.
func compareHello(h, own ctlMsg, ownDurationSet, ownCountSet bool) string {
	// A remote side's zero multiplier means "the local side's".
	short := func(s string) string { return s[:min(len(s), 12)] }
	switch {
	case h.Version != own.Version:
		return fmt.Sprintf("control protocol version differs (local %d, remote %d)", h.Version, own.Version)
	case h.Hash != own.Hash:
		return fmt.Sprintf("profile differs (hash local %s…, remote %s…)", short(h.Hash), short(own.Hash))
	case h.Object != own.Object:
		return fmt.Sprintf("object differs (local %q, remote %q)", h.Object, own.Object)
	case h.Token != own.Token:
		return "token differs (check --token or GMM2TREX_TOKEN on both sides)"
	case h.Transport != own.Transport:
		return fmt.Sprintf("transport differs (local %s, remote %s; udp and raw mix, tcp does not)", h.Transport, own.Transport)
	case ownDurationSet && h.Duration != own.Duration:
		return fmt.Sprintf("duration differs (local %gs, remote %gs)", h.Duration, own.Duration)
	case own.Multiplier != 0 && h.Multiplier != own.Multiplier:
		return fmt.Sprintf("rate multiplier differs (local %g, remote %g)", h.Multiplier, own.Multiplier)
	case ownCountSet && h.Count != own.Count:
		return fmt.Sprintf("count differs (local %d, remote %d)", h.Count, own.Count)
	}
	return ""
}
