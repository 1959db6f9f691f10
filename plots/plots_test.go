package plots

import (
	"bytes"
	"image/png"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
	"github.com/gmm2trex/gmm2trex/trace"
)

func loadTiny(t *testing.T) *profiles.Profile {
	t.Helper()
	p, err := profiles.Load("../profiles/testdata/tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// tinyCapture writes a pcap of traffic drawn from the tiny profile's object,
// so that the figures have an "original" to show.
func tinyCapture(t *testing.T, p *profiles.Profile) *trace.Capture {
	t.Helper()
	obj := &p.Objects[0]
	st, err := sampler.New(obj, sampler.Options{Model: sampler.IID, Seed: 9, Count: 400})
	if err != nil {
		t.Fatal(err)
	}
	mac1, _ := net.ParseMAC(obj.Local.MAC)
	mac2, _ := net.ParseMAC(obj.Remote.MAC)
	ip1, ip2 := netip.MustParseAddr(obj.Local.IP), netip.MustParseAddr(obj.Remote.IP)
	tpl := [2]*frame.Template{}
	for d, spec := range []frame.Spec{
		{SrcMAC: mac1, DstMAC: mac2, SrcIP: ip1, DstIP: ip2, Proto: frame.UDP, SrcPort: uint16(obj.Local.Port), DstPort: uint16(obj.Remote.Port)},
		{SrcMAC: mac2, DstMAC: mac1, SrcIP: ip2, DstIP: ip1, Proto: frame.UDP, SrcPort: uint16(obj.Remote.Port), DstPort: uint16(obj.Local.Port)},
	} {
		if tpl[d], err = frame.New(spec); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	w, err := frame.NewPcapWriter(&buf, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	var pk sampler.Packet
	for st.Next(&pk) {
		if err := w.WritePacket(1_700_000_000e9+int64(pk.Time*1e9), tpl[pk.Dir].Frame(pk.Size)); err != nil {
			t.Fatal(err)
		}
	}
	c, err := trace.Read(&buf, "tiny.pcap", 0, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestProfileWritesReadableFigures(t *testing.T) {
	p := loadTiny(t)
	for _, withCapture := range []bool{false, true} {
		var c *trace.Capture
		if withCapture {
			c = tinyCapture(t, p)
		}
		dir := filepath.Join(t.TempDir(), "figs")
		var log bytes.Buffer
		files, err := Profile(dir, p, c, Options{Seed: 1, Log: &log})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"UDP_198.18.0.1-5000_198.18.0.2-6000_from.png", "UDP_198.18.0.1-5000_198.18.0.2-6000_from.svg",
			"UDP_198.18.0.1-5000_198.18.0.2-6000_to.png", "UDP_198.18.0.1-5000_198.18.0.2-6000_to.svg"}
		if len(files) != len(want) {
			t.Fatalf("files %v, want %v", files, want)
		}
		for i, f := range files {
			if filepath.Base(f) != want[i] {
				t.Errorf("file %d: %s, want %s", i, filepath.Base(f), want[i])
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(f, ".png") {
				img, err := png.Decode(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				if r := img.Bounds(); r.Dx() < 1200 || r.Dy() < 500 {
					t.Errorf("%s: %v, too small to read", f, r)
				}
			} else if !bytes.Contains(b, []byte("<svg")) || !bytes.Contains(b, []byte("autocorrelation of packet size")) {
				t.Errorf("%s: not an SVG with the panel titles", f)
			} else if bytes.Contains(b, []byte("font-family:Liberation Serif;")) {
				t.Errorf("%s: font without the metric-compatible fallbacks", f)
			}
		}
		if !strings.Contains(log.String(), "no BIC values") {
			t.Errorf("no note about the missing BIC values: %q", log.String())
		}
	}
}

func TestProfileOptions(t *testing.T) {
	p := loadTiny(t)
	if _, err := Profile(t.TempDir(), p, nil, Options{Formats: []string{"pdf"}}); err == nil {
		t.Error("unknown format accepted")
	}
	files, err := Profile(t.TempDir(), p, nil, Options{Formats: []string{"svg"}})
	if err != nil || len(files) != 2 {
		t.Errorf("svg only: %v %v", files, err)
	}
}

func TestFileName(t *testing.T) {
	for _, tt := range []struct{ id, want string }{
		{"UDP 10.0.0.1:5000 10.0.0.2:6000", "UDP_10.0.0.1-5000_10.0.0.2-6000_from"},
		{"UDP [2001:db8::1]:5000 [2001:db8::2]:6000", "UDP_2001-db8--1-5000_2001-db8--2-6000_from"},
		{"00:11:22:33:44:55", "00-11-22-33-44-55_from"},
	} {
		if got := fileName(tt.id, profiles.From); got != tt.want {
			t.Errorf("fileName(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
}

func TestSecondsTicks(t *testing.T) {
	ticks := secondsTicks{}.Ticks(-5, -1)
	var labels []string
	for _, tk := range ticks {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if strings.Join(labels, " ") != "10µs 100µs 1ms 10ms 100ms" {
		t.Errorf("labels %v", labels)
	}
}
