package exporters

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/gmm2trex/gmm2trex/internal/frame"
)

// readFrames decodes every frame of a pcap.
func readFrames(t *testing.T, path string) []frame.Info {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []frame.Info
	for {
		data, _, err := r.ReadPacketData()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		in, err := frame.Decode(data)
		if err != nil {
			t.Fatalf("%s packet %d: %v", path, len(out)+1, err)
		}
		out = append(out, in)
	}
}

func TestASTF(t *testing.T) {
	files, notes := export(t, mixed(t), "trex-astf", "flows.py", Options{Count: 40, ASTF: ASTFOptions{CPS: 2.5}})
	if len(files) != 4 || !strings.HasSuffix(files[0], "flows-0.pcap") || !strings.HasSuffix(files[3], "flows.py") {
		t.Fatalf("files %v", files)
	}
	// The TCP flow opens with SYN, SYN-ACK, ACK from the client (local) side.
	fr := readFrames(t, files[0])
	if len(fr) != 83 {
		t.Errorf("%d packets, want 3 + 2×40", len(fr))
	}
	hs := []struct {
		flags uint8
		port  uint16
	}{{frame.FlagSYN, 40000}, {frame.FlagSYN | frame.FlagACK, 443}, {frame.FlagACK, 40000}}
	for i, h := range hs {
		if fr[i].Flags != h.flags || fr[i].SrcPort != h.port || fr[i].Payload != 0 {
			t.Errorf("handshake packet %d: %+v", i, fr[i])
		}
	}
	if fr[1].Ack != fr[0].Seq+1 || fr[2].Ack != fr[1].Seq+1 || fr[3].Seq != fr[0].Seq+1 {
		t.Errorf("handshake numbers: %+v", fr[:4])
	}
	// The IPv6 flow is replayed over IPv4 defaults.
	if v6 := readFrames(t, files[1]); !v6[0].SrcIP.Is4() || len(v6) != 40 {
		t.Errorf("IPv6 flow in ASTF: %+v, %d packets", v6[0], len(v6))
	}
	py, _ := os.ReadFile(files[3])
	for _, want := range []string{`("flows-0.pcap", "198.18.1.1", "198.18.1.2", 2.5)`, `("flows-2.pcap", "198.18.2.1", "198.18.0.2", 2.5)`,
		"def register():", "ASTFProfile(default_ip_gen=ip_gen, cap_list=caps)"} {
		if !strings.Contains(string(py), want) {
			t.Errorf("profile lacks %s:\n%s", want, py)
		}
	}
	if !strings.Contains(notes, "replays IPv4 flows") {
		t.Errorf("notes: %s", notes)
	}
}
