package cmdline

import (
	"errors"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/trace"
)

func TestSameID(t *testing.T) {
	for _, c := range []struct {
		want, id string
		same     bool
	}{
		{"UDP 10.0.0.1:5000 10.0.0.2:6000", "UDP 10.0.0.1:5000 10.0.0.2:6000", true},
		{"udp 10.0.0.2:6000 10.0.0.1:5000", "UDP 10.0.0.1:5000 10.0.0.2:6000", true},
		{"TCP 10.0.0.2:6000 10.0.0.1:5000", "UDP 10.0.0.1:5000 10.0.0.2:6000", false},
		{"UDP 10.0.0.2:6000 10.0.0.1:5001", "UDP 10.0.0.1:5000 10.0.0.2:6000", false},
		{"udp [2001:DB8::1]:80 [2001:db8::2]:81", "UDP [2001:db8::2]:81 [2001:db8::1]:80", true},
		{"2001:DB8::1", "2001:db8::1", true},
		{"00:11:22:AA:BB:CC", "00:11:22:aa:bb:cc", true},
		{"10.0.0.1", "UDP 10.0.0.1:5000 10.0.0.2:6000", false},
	} {
		if got := SameID(c.want, c.id); got != c.same {
			t.Errorf("SameID(%q, %q) = %v", c.want, c.id, got)
		}
	}
}

func TestSelectCapture(t *testing.T) {
	mk := func(id string, n int) *trace.Object {
		return &trace.Object{ID: id, From: trace.Series{Times: make([]int64, n), Sizes: make([]int32, n)}}
	}
	c := &trace.Capture{Name: "c.pcap", Used: 6, Objects: []*trace.Object{mk("10.0.0.1", 3), mk("10.0.0.2", 2), mk("10.0.0.3", 1)}}
	if err := SelectCapture(c, []string{"#3", "10.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	if len(c.Objects) != 2 || c.Objects[0].ID != "10.0.0.1" || c.Objects[1].ID != "10.0.0.3" || c.Used != 4 || c.Skipped[trace.SkipNotSelected] != 2 {
		t.Errorf("kept %v, used %d, skipped %v", c.Objects, c.Used, c.Skipped)
	}
	for _, bad := range []string{"#0", "#3", "#x", "10.0.0.9"} {
		err := SelectCapture(c, []string{bad})
		if ExitCode(err) != BadInput || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestWording(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`invalid value "x" for flag -min-packets: strconv.ParseInt: parsing "x": invalid syntax`, `--min-packets "x": want a whole number`},
		{`invalid value "y" for flag -x: strconv.ParseFloat: parsing "y": invalid syntax`, `-x "y": want a number`},
		{`flag provided but not defined: -nope`, `--nope: unknown flag (see gmm2trex flows --help)`},
	} {
		if got := UsageError("flows", errors.New(c.in)).Error(); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.in, got, c.want)
		}
	}
	if got := Message(errors.New("profiles: trace: a.pcap: no object to estimate: x")); got != "a.pcap: no object to estimate: x" {
		t.Errorf("Message: %q", got)
	}
	if got := Closest("flws", []string{"flows", "estimate", "show"}); got != "flows" {
		t.Errorf("Closest: %q", got)
	}
	if got := Closest("zzzzzz", []string{"flows", "show"}); got != "" {
		t.Errorf("Closest of nothing alike: %q", got)
	}
	if Plural(1, "object") != "1 object" || Plural(2, "object") != "2 objects" {
		t.Error("Plural")
	}
}
