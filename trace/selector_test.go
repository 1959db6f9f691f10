package trace

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSelectors(t *testing.T) {
	text := `# identifiers
00:11:22:33:44:55
AA-BB-CC-DD-EE-FF   # dashes and capitals
10.0.0.1
2001:db8::1

tcp 10.0.0.2:80 10.0.0.3:4242
UDP [2001:db8::2]:5000 [2001:db8::3]:6000
`
	s, err := ParseSelectors(strings.NewReader(text), "ids.txt")
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 6 {
		t.Errorf("%d identifiers, want 6", s.Len())
	}
	ep := func(ip string, port uint16, mac string) Endpoint {
		m, _ := net.ParseMAC(mac)
		return Endpoint{IP: netip.MustParseAddr(ip), Port: port, MAC: m}
	}
	for _, c := range []struct {
		o    Object
		want bool
	}{
		{Object{Kind: MAC, Local: ep("1.1.1.1", 0, "00:11:22:33:44:55")}, true},
		{Object{Kind: MAC, Local: ep("1.1.1.1", 0, "aa:bb:cc:dd:ee:ff")}, true},
		{Object{Kind: MAC, Local: ep("1.1.1.1", 0, "aa:bb:cc:dd:ee:00")}, false},
		{Object{Kind: IP, Local: ep("10.0.0.1", 0, "")}, true},
		{Object{Kind: IP, Local: ep("::ffff:10.0.0.1", 0, "")}, true},
		{Object{Kind: IP, Local: ep("10.0.0.9", 0, "")}, false},
		{Object{Kind: Flow, Proto: "TCP", Local: ep("10.0.0.3", 4242, ""), Remote: ep("10.0.0.2", 80, "")}, true},
		{Object{Kind: Flow, Proto: "UDP", Local: ep("10.0.0.3", 4242, ""), Remote: ep("10.0.0.2", 80, "")}, false},
		{Object{Kind: Flow, Proto: "UDP", Local: ep("2001:db8::2", 5000, ""), Remote: ep("2001:db8::3", 6000, "")}, true},
		{Object{Kind: Flow, Proto: "UDP", Local: ep("10.0.0.1", 1, ""), Remote: ep("9.9.9.9", 2, "")}, true}, // by endpoint IP
		{Object{Kind: Flow, Proto: "UDP", Local: ep("8.8.8.8", 1, "00:11:22:33:44:55"), Remote: ep("9.9.9.9", 2, "")}, true},
	} {
		if got := s.Matches(&c.o); got != c.want {
			t.Errorf("%v %v %v %v: match %v, want %v", c.o.Kind, c.o.Proto, c.o.Local, c.o.Remote, got, c.want)
		}
	}
	var none *Selector
	if !none.Matches(&Object{}) {
		t.Error("nil selector does not match everything")
	}
}

func TestParseSelectorsErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"10.0.0.1\nfoo\n", "ids.txt:2: "},
		{"\n\n# c\n10.0.0.256\n", "ids.txt:4: "},
		{"SCTP 10.0.0.1:1 10.0.0.2:2\n", "ids.txt:1: flow id"},
		{"UDP 10.0.0.1 10.0.0.2:2\n", "ids.txt:1: flow id"},
		{"UDP 10.0.0.1:1 10.0.0.2:99999\n", "ids.txt:1: flow id"},
		{"UDP 10.0.0.1:1\n", "ids.txt:1: "},
		{"00:11:22:33:44\n", "ids.txt:1: "},
		{"fe80::1%eth0\n", "zone"},
	} {
		_, err := ParseSelectors(strings.NewReader(c.text), "ids.txt")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one containing %q", c.text, err, c.want)
		}
	}
}

func TestLoadSelectors(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ids")
	if err := os.WriteFile(p, []byte("10.0.0.1\nnope\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSelectors(p); err == nil || !strings.Contains(err.Error(), "ids:2:") {
		t.Errorf("error %v, want one naming ids:2", err)
	}
	if _, err := LoadSelectors(p + ".missing"); err == nil {
		t.Error("missing file: no error")
	}
}

func TestKindAndSize(t *testing.T) {
	for _, s := range []string{"flow", "IP", "Mac"} {
		k, err := ParseKind(s)
		if err != nil || !strings.EqualFold(k.String(), s) {
			t.Errorf("ParseKind(%q) = %v, %v", s, k, err)
		}
	}
	if _, err := ParseKind("device"); err == nil {
		t.Error("ParseKind(device): no error")
	}
	for _, s := range []string{"payload", "IP", "frame"} {
		m, err := ParseSizeMode(s)
		if err != nil || !strings.EqualFold(m.String(), s) {
			t.Errorf("ParseSizeMode(%q) = %v, %v", s, m, err)
		}
	}
	if _, err := ParseSizeMode("wire"); err == nil {
		t.Error("ParseSizeMode(wire): no error")
	}
}
