package native

import (
	"errors"
	"math"
	"net/netip"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	ok := Config{Role: Local, Peer: netip.MustParseAddr("127.0.0.1"), Transport: UDP, Duration: time.Second,
		Multiplier: 1, ControlPort: 7999, DataPort: 8000, Wait: time.Second, MaxPPS: 1e6, Token: "t"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("a valid config: %v", err)
	}
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Role = 7 }, "Role 7: want Local or Remote"},
		{func(c *Config) { c.Peer = netip.Addr{} }, "Peer missing: the other side's address is required"},
		{func(c *Config) { c.Peer = netip.MustParseAddr("224.0.0.1") }, "Peer refused: peer 224.0.0.1 is a multicast address (unless AllowBroadcast)"},
		{func(c *Config) { c.Transport = "sctp" }, `Transport "sctp": give udp, tcp or raw`},
		{func(c *Config) { c.Count = 5 }, "Count 5: give Duration or Count, not both"},
		{func(c *Config) { c.Duration, c.Count = 0, -1 }, "Count -1: must be 1..1000000000"},
		{func(c *Config) { c.Duration, c.Count = 0, 2e9 }, "Count 2000000000: must be 1..1000000000"},
		{func(c *Config) { c.Duration = -time.Second }, "Duration -1s: must be positive, at most 2777h46m40s"},
		{func(c *Config) { c.Duration = MaxDuration + 1 }, "Duration 2777h46m40.000000001s: must be positive, at most 2777h46m40s"},
		{func(c *Config) { c.Multiplier = 1e7 }, "Multiplier 1e+07: must be 1e-06..1e+06"},
		{func(c *Config) { c.Token = "" }, "Token missing: both sides need the same secret, or InsecureNoToken to let anyone who reaches the control port drive the remote side"},
		{func(c *Config) { c.InsecureNoToken = true }, "InsecureNoToken with a Token: give one or the other"},
		{func(c *Config) { c.Model = 9 }, "Model 9: want IID, HMM, RNN or Auto"},
		{func(c *Config) { c.Multiplier = 0 }, "Multiplier 0: must be a number > 0"},
		{func(c *Config) { c.Multiplier = math.Inf(1) }, "Multiplier +Inf: must be a number > 0"},
		{func(c *Config) { c.ControlPort = 0 }, "ControlPort 0: must be 1..65535"},
		{func(c *Config) { c.DataPort = 65536 }, "DataPort 65536: must be 1..65535"},
		{func(c *Config) { c.Wait = 0 }, "Wait 0s: must be positive"},
		{func(c *Config) { c.MaxPPS = math.NaN() }, "MaxPPS NaN: must be positive"},
		{func(c *Config) { c.Spin = -1 }, "Spin -1ns: must not be negative"},
		{func(c *Config) { c.BatchThreshold = -1 }, "BatchThreshold -1ns: must not be negative"},
		{func(c *Config) { c.StartDelay = -1 }, "StartDelay -1ns: must be 0..30s"},
		{func(c *Config) { c.StartDelay = time.Minute }, "StartDelay 1m0s: must be 0..30s"},
		{func(c *Config) { c.Drain = -1 }, "Drain -1ns: must not be negative"},
		{func(c *Config) { c.Transport = Raw }, "Iface missing: raw sending and Capture need an interface"},
		{func(c *Config) { c.Capture = "x.pcap" }, "Iface missing: raw sending and Capture need an interface"},
		{func(c *Config) { c.Capture = "-" }, "Capture -: standard output carries the run's report; give a file"},
	} {
		c := ok
		tc.edit(&c)
		err := c.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || err.Error() != tc.want {
			t.Errorf("got %v, want the FieldError %q", err, tc.want)
		}
	}
	// Zero means "the local side's" on the remote side; a broadcast peer
	// passes when asked for.
	c := ok
	c.Role, c.Multiplier = Remote, 0
	c.Peer, c.AllowBroadcast = netip.MustParseAddr("255.255.255.255"), true
	if err := c.Validate(); err != nil {
		t.Errorf("remote with multiplier 0 and an allowed broadcast peer: %v", err)
	}
	// No token passes only when asked for.
	c = ok
	c.Token, c.InsecureNoToken = "", true
	if err := c.Validate(); err != nil {
		t.Errorf("no token with InsecureNoToken: %v", err)
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range []Role{Local, Remote} {
		if got, err := ParseRole(r.String()); err != nil || got != r {
			t.Errorf("ParseRole(%q) = %v, %v", r, got, err)
		}
	}
	if _, err := ParseRole("sideways"); err == nil || err.Error() != `unknown role "sideways" (valid: local, remote)` {
		t.Errorf("ParseRole(sideways): %v", err)
	}
}

func TestReplayConfigValidate(t *testing.T) {
	ok := ReplayConfig{Iface: "lo", Multiplier: 1, Loop: 1, MaxPPS: 1e6}
	if err := ok.Validate(); err != nil {
		t.Fatalf("a valid config: %v", err)
	}
	for _, tc := range []struct {
		edit func(*ReplayConfig)
		want string
	}{
		{func(c *ReplayConfig) { c.Iface = "" }, "Iface missing: replaying needs an interface"},
		{func(c *ReplayConfig) { c.Multiplier = 0 }, "Multiplier 0: must be a number > 0"},
		{func(c *ReplayConfig) { c.Multiplier = math.Inf(1) }, "Multiplier +Inf: must be a number > 0"},
		{func(c *ReplayConfig) { c.Loop = 0 }, "Loop 0: must be at least 1"},
		{func(c *ReplayConfig) { c.MaxPPS = 1e-10 }, "MaxPPS 1e-10: must be a number >= 0.001"},
		{func(c *ReplayConfig) { c.MaxPPS = math.Inf(1) }, "MaxPPS +Inf: must be a number >= 0.001"},
		{func(c *ReplayConfig) { c.MaxPPS = math.NaN() }, "MaxPPS NaN: must be a number >= 0.001"},
		{func(c *ReplayConfig) { c.Spin = -1 }, "Spin -1ns: must not be negative"},
		{func(c *ReplayConfig) { c.BatchThreshold = -1 }, "BatchThreshold -1ns: must not be negative"},
	} {
		c := ok
		tc.edit(&c)
		err := c.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || err.Error() != tc.want {
			t.Errorf("got %v, want the FieldError %q", err, tc.want)
		}
	}
}
