package native

import (
	"fmt"
	"math"

	"github.com/gmm2trex/gmm2trex/sampler"
)

// FieldError is an error in the value of one field of a Config, so that a
// front end can name its own spelling of the field (a flag, a configuration
// key) instead: the message is Field, a space, then Msg, with no prefix.
type FieldError struct {
	Field string // e.g. "Multiplier", "ControlPort"
	Msg   string // e.g. "0: must be 1..65535"
}

func (e *FieldError) Error() string { return e.Field + " " + e.Msg }

func fieldf(field, format string, a ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// Validate reports the first field of c that Open refuses, as a
// *FieldError, checking in the order of the fields. Values are checked as
// given: Open first replaces the zero fields that have a default (see
// Config), so a caller that sets every field itself (a command line) calls
// Validate to refuse a zero port, Wait or MaxPPS before it loads a profile.
// Profile and Object are left to Open, and so is looking Iface up.
func (c *Config) Validate() error {
	switch {
	case c.Role != Local && c.Role != Remote:
		return fieldf("Role", "%d: want Local or Remote", c.Role)
	case !c.Peer.IsValid():
		return fieldf("Peer", "missing: the other side's address is required")
	}
	if !c.AllowBroadcast {
		if err := CheckPeer(c.Peer); err != nil {
			return fieldf("Peer", "refused: %v (unless AllowBroadcast)", err)
		}
	}
	switch {
	case c.Transport != UDP && c.Transport != TCP && c.Transport != Raw:
		return fieldf("Transport", "%q: give udp, tcp or raw", c.Transport)
	case c.Duration != 0 && c.Count != 0:
		return fieldf("Count", "%d: give Duration or Count, not both", c.Count)
	case c.Count < 0 || c.Count > MaxCount:
		return fieldf("Count", "%d: must be 1..%d", c.Count, MaxCount)
	case c.Duration < 0 || c.Duration > MaxDuration:
		return fieldf("Duration", "%v: must be positive, at most %v", c.Duration, MaxDuration)
	case c.Model != sampler.IID && c.Model != sampler.HMM && c.Model != sampler.RNN && c.Model != sampler.Auto:
		return fieldf("Model", "%d: want IID, HMM, RNN or Auto", c.Model)
	// A remote side's 0 means the local side's multiplier.
	case !(c.Multiplier > 0 || c.Multiplier == 0 && c.Role == Remote) || math.IsInf(c.Multiplier, 0):
		return fieldf("Multiplier", "%v: must be a number > 0", c.Multiplier)
	case c.Multiplier != 0 && (c.Multiplier < MinMultiplier || c.Multiplier > MaxMultiplier):
		return fieldf("Multiplier", "%v: must be %g..%g", c.Multiplier, MinMultiplier, MaxMultiplier)
	case c.Token == "" && !c.InsecureNoToken:
		return fieldf("Token", "missing: both sides need the same secret, or InsecureNoToken to let anyone who reaches the control port drive the remote side")
	case c.Token != "" && c.InsecureNoToken:
		return fieldf("InsecureNoToken", "with a Token: give one or the other")
	case c.ControlPort < 1 || c.ControlPort > 65535:
		return fieldf("ControlPort", "%d: must be 1..65535", c.ControlPort)
	case c.DataPort < 1 || c.DataPort > 65535:
		return fieldf("DataPort", "%d: must be 1..65535", c.DataPort)
	case c.Wait <= 0:
		return fieldf("Wait", "%v: must be positive", c.Wait)
	case !(c.MaxPPS > 0):
		return fieldf("MaxPPS", "%v: must be positive", c.MaxPPS)
	case c.Spin < 0:
		return fieldf("Spin", "%v: must not be negative", c.Spin)
	case c.BatchThreshold < 0:
		return fieldf("BatchThreshold", "%v: must not be negative", c.BatchThreshold)
	case c.StartDelay < 0 || c.StartDelay > maxStartAhead/2:
		return fieldf("StartDelay", "%v: must be 0..%v", c.StartDelay, maxStartAhead/2)
	case c.Drain < 0:
		return fieldf("Drain", "%v: must not be negative", c.Drain)
	case c.Capture == "-":
		return fieldf("Capture", "-: standard output carries the run's report; give a file")
	case (c.Transport == Raw || c.Capture != "") && c.Iface == "":
		return fieldf("Iface", "missing: raw sending and Capture need an interface")
	}
	return nil
}

// MinMaxPPS is the lowest rate cap replay takes: one frame in 1000 s (a
// lower one would overflow the gap it stands for).
const MinMaxPPS = 1e-3

// Validate reports the first field of c that OpenReplay refuses, as a
// *FieldError. As with Config.Validate, values are checked as given:
// OpenReplay first replaces a zero Multiplier, Loop, MaxPPS, Spin and
// BatchThreshold with their defaults, so a caller that sets every field
// itself (a command line) calls Validate to refuse a zero multiplier or
// loop count. Frames are left to OpenReplay, and so is looking Iface up.
func (c *ReplayConfig) Validate() error {
	switch {
	case c.Iface == "":
		return fieldf("Iface", "missing: replaying needs an interface")
	case !(c.Multiplier > 0) || math.IsInf(c.Multiplier, 0):
		return fieldf("Multiplier", "%v: must be a number > 0", c.Multiplier)
	case c.Loop < 1:
		return fieldf("Loop", "%d: must be at least 1", c.Loop)
	case !(c.MaxPPS >= MinMaxPPS) || math.IsInf(c.MaxPPS, 0):
		return fieldf("MaxPPS", "%v: must be a number >= %g", c.MaxPPS, MinMaxPPS)
	case c.Spin < 0:
		return fieldf("Spin", "%v: must not be negative", c.Spin)
	case c.BatchThreshold < 0:
		return fieldf("BatchThreshold", "%v: must not be negative", c.BatchThreshold)
	}
	return nil
}
