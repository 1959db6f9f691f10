package native

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"time"
)

// The handshake (protocol version 2), one message a line:
//
//	local  -> remote  hello     {version, nonce NL}
//	remote -> local   challenge {version, nonce NR}      (or reject: version)
//	local  -> remote  auth      {proof HMAC(token, "local proof", NL, NR)}
//	remote -> local   auth      {proof HMAC(token, "remote proof", NL, NR)}  (or reject)
//	--- both keyed: every later line carries a MAC (control.keyed) ---
//	local  -> remote  settings  {hash, object, transport, start, length, multiplier, data port}
//	remote -> local   accept    {data port}                 (or reject, naming what differs)
//
// The local side proves itself first, so a peer without the token learns
// nothing but a random nonce; nonces from both sides make every proof fresh,
// so a recorded exchange cannot be replayed. Proofs are compared in
// constant time (hmac.Equal).

// errRetry marks a connection that ended before the remote side answered
// (it was busy with other handshakes, or another program held the port):
// the local side dials again until its wait ends.
var errRetry = errors.New("connection closed before the challenge")

// errAuth is a failed proof, on either side.
var errAuth = errors.New("authentication failed")

// localHandshake authenticates c with the remote side and sends settings;
// it returns the remote side's accept.
func localHandshake(c *control, token string, settings func() ctlMsg) (ctlMsg, error) {
	nl, err := newNonce()
	if err != nil {
		return ctlMsg{}, err
	}
	if err := c.send(ctlMsg{Type: "hello", Version: ProtocolVersion, Nonce: encodeHex(nl)}); err != nil {
		return ctlMsg{}, fmt.Errorf("%w: %v", errRetry, err)
	}
	m, err := c.recv(handshakeTimeout)
	if err != nil {
		return m, fmt.Errorf("%w: %v", errRetry, err)
	}
	if m.Type == "reject" {
		return m, fmt.Errorf("%w by the remote side: %q", ErrRefused, m.Reason)
	}
	if m.Type != "challenge" || m.Version != ProtocolVersion {
		return m, fmt.Errorf("%w: the remote side answered %q version %d, want a challenge of control protocol version %d (same gmm2trex on both sides?)",
			ErrRefused, m.Type, m.Version, ProtocolVersion)
	}
	nr, err := decodeHex(m.Nonce, nonceLen, "nonce")
	if err != nil {
		return m, fmt.Errorf("%w: the remote side's challenge: %v", ErrRefused, err)
	}
	if err := c.send(ctlMsg{Type: "auth", Proof: encodeHex(proof(token, labelLocal, nl, nr))}); err != nil {
		return m, err
	}
	if m, err = c.recv(handshakeTimeout); err != nil {
		return m, fmt.Errorf("%w: no answer to authentication: %v", ErrNoPeer, err)
	}
	if m.Type == "reject" {
		return m, fmt.Errorf("%w by the remote side: %q (check --token or GMM2TREX_TOKEN on both sides)", ErrRefused, m.Reason)
	}
	got, err := decodeHex(m.Proof, sha256.Size, "proof")
	if m.Type != "auth" || err != nil || !hmac.Equal(got, proof(token, labelRemote, nl, nr)) {
		return m, fmt.Errorf("%w: the remote side failed authentication: %w (another token, or not the peer meant)", ErrRefused, errAuth)
	}
	c.keyed(token, nl, nr, Local)
	if err := c.send(settings()); err != nil {
		return m, err
	}
	if m, err = c.recv(handshakeTimeout); err != nil {
		return m, fmt.Errorf("%w: no answer to the settings: %v", ErrNoPeer, err)
	}
	switch m.Type {
	case "reject":
		return m, fmt.Errorf("%w by the remote side: %q", ErrRefused, m.Reason)
	case "accept":
	default:
		return m, fmt.Errorf("control: unexpected %q from %s", m.Type, c.conn.RemoteAddr())
	}
	if m.DataPort < 1 || m.DataPort > 65535 {
		return m, fmt.Errorf("control: remote data port %d out of range", m.DataPort)
	}
	return m, nil
}

// handshakeResult is one connection's handshake on the remote side.
type handshakeResult struct {
	ctl      *control
	settings ctlMsg
	// authed: the peer proved the token, so a refusal of its settings ends
	// the wait (any other failure is one more stranger turned away).
	authed bool
	err    error
}

// remoteHandshake authenticates the local side on c and reads and checks
// its settings against own. Nothing about the profile is sent before the
// peer has proved the token; the whole exchange must end within
// handshakeTimeout.
func remoteHandshake(c *control, token string, own ctlMsg, ownDurationSet, ownCountSet bool) handshakeResult {
	r := handshakeResult{ctl: c}
	fail := func(format string, a ...any) handshakeResult {
		r.err = fmt.Errorf(format, a...)
		if errors.Is(r.err, os.ErrDeadlineExceeded) {
			r.err = fmt.Errorf("handshake not done within %v (%w)", handshakeTimeout, os.ErrDeadlineExceeded)
		}
		return r
	}
	end := time.Now().Add(handshakeTimeout)
	_ = c.conn.SetDeadline(end)
	m, err := c.recv(time.Until(end))
	if err != nil {
		return fail("no hello: %w", err)
	}
	if m.Type != "hello" {
		return fail("expected a hello, got a message of type %q", m.Type)
	}
	if m.Version != ProtocolVersion {
		why := fmt.Sprintf("control protocol version differs (local %d, remote %d): run the same gmm2trex on both sides", m.Version, ProtocolVersion)
		_ = c.send(ctlMsg{Type: "reject", Reason: why})
		return fail("%s", why)
	}
	nl, err := decodeHex(m.Nonce, nonceLen, "nonce")
	if err != nil {
		return fail("hello: %v", err)
	}
	nr, err := newNonce()
	if err != nil {
		return fail("%w", err)
	}
	if err := c.send(ctlMsg{Type: "challenge", Version: ProtocolVersion, Nonce: encodeHex(nr)}); err != nil {
		return fail("%w", err)
	}
	if m, err = c.recv(time.Until(end)); err != nil {
		return fail("no answer to the challenge: %w", err)
	}
	got, err := decodeHex(m.Proof, sha256.Size, "proof")
	if m.Type != "auth" || err != nil || !hmac.Equal(got, proof(token, labelLocal, nl, nr)) {
		_ = c.send(ctlMsg{Type: "reject", Reason: errAuth.Error()})
		return fail("%w (another token, or a replayed or forged hello)", errAuth)
	}
	if err := c.send(ctlMsg{Type: "auth", Proof: encodeHex(proof(token, labelRemote, nl, nr))}); err != nil {
		return fail("%w", err)
	}
	c.keyed(token, nl, nr, Remote)
	r.authed = true
	if m, err = c.recv(time.Until(end)); err != nil {
		return fail("no settings: %w", err)
	}
	if m.Type != "settings" {
		return fail("expected settings, got a message of type %q", m.Type)
	}
	why := checkSettings(m, time.Now().UnixNano())
	if why == "" {
		why = compareHello(m, own, ownDurationSet, ownCountSet)
	}
	if why != "" {
		_ = c.send(ctlMsg{Type: "reject", Reason: why})
		return fail("%w: %s", ErrRefused, why)
	}
	_ = c.conn.SetDeadline(time.Time{})
	r.settings = m
	return r
}
