package exporters

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
	"github.com/gmm2trex/gmm2trex/trace"
)

// wireID is the flow id a capture reader gives an exported object: device
// objects are written with the default remote address and port.
func wireID(t *testing.T, obj *profiles.Object) string {
	switch obj.ID {
	case "198.18.2.1":
		return "UDP 198.18.2.1:8000 198.18.0.2:8000"
	}
	return obj.ID
}

// Reading an exported pcap back with the trace package gives exactly the
// sampled sizes (clamped to --max-frame) and times (to the stamp resolution).
func TestPcapIsTheSample(t *testing.T) {
	for _, tc := range []struct {
		profile string
		nano    bool
		model   sampler.Model
	}{
		{"../profiles/testdata/tiny.yaml", false, sampler.IID},
		{"../profiles/testdata/tiny.yaml", true, sampler.IID},
		{"testdata/mixed.yaml", false, sampler.IID},
		{"testdata/mixed.yaml", true, sampler.IID},
	} {
		t.Run(fmt.Sprintf("%s/nano=%v", tc.profile, tc.nano), func(t *testing.T) {
			p := loadProfile(t, tc.profile)
			const n = 500
			files, notes := export(t, p, "pcap", "out.pcap", Options{Count: n, Seed: 11, Model: tc.model,
				Pcap: PcapOptions{Nanosecond: tc.nano}})
			c, err := trace.ReadFile(files[0], trace.Options{Kind: trace.Flow, KeepEmpty: true, SkipHash: true})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]*trace.Object{}
			for _, o := range c.Objects {
				got[o.ID] = o
			}
			base := epochNS(p)
			res := int64(500) // half a microsecond: stamps are rounded
			if tc.nano {
				res = 0
			}
			for i := range p.Objects {
				obj := &p.Objects[i]
				to, ok := got[wireID(t, obj)]
				if !ok {
					t.Fatalf("object %q not in the capture (has %d objects)", obj.ID, len(c.Objects))
				}
				for _, d := range []profiles.Dir{profiles.From, profiles.To} {
					series := to.From
					if d == profiles.To {
						series = to.To
					}
					if obj.Dir(d) == nil {
						if series.Len() != 0 {
							t.Errorf("%s %s: %d packets for a direction without a model", obj.ID, d, series.Len())
						}
						continue
					}
					want := draws(t, obj, d, tc.model, 11, n)
					if series.Len() != n {
						t.Fatalf("%s %s: %d packets, want %d", obj.ID, d, series.Len(), n)
					}
					maxPay := 1514 - 14 - 20 - 20 // the TCP/IPv4 flow is the one that clamps
					for k, w := range want {
						if wantSize := min(w.Size, maxPay); int(series.Sizes[k]) != wantSize {
							t.Fatalf("%s %s packet %d: size %d, sampled %d", obj.ID, d, k, series.Sizes[k], w.Size)
						}
						if dt := series.Times[k] - (base + ns(w.Time)); dt < -res || dt > res {
							t.Fatalf("%s %s packet %d: time off by %d ns", obj.ID, d, k, dt)
						}
					}
				}
			}
			if tc.profile == "testdata/mixed.yaml" && !strings.Contains(notes, "clamped") {
				t.Errorf("no clamping note: %s", notes)
			}
		})
	}
}

// TCP sequence and acknowledgement numbers follow the payload sent each way.
func TestPcapTCPSequence(t *testing.T) {
	p := mixed(t)
	files, _ := export(t, p, "pcap", "tcp.pcap", Options{Count: 300, Objects: []string{p.Objects[0].ID}})
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var next [2]uint32
	var started [2]bool
	pkts := 0
	for {
		data, _, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		in, err := frame.Decode(data)
		if err != nil {
			t.Fatalf("packet %d: %v", pkts+1, err)
		}
		side := 0
		if in.SrcPort == 443 {
			side = 1
		}
		if !started[side] {
			started[side], next[side] = true, in.Seq
		}
		if in.Seq != next[side] {
			t.Fatalf("packet %d: seq %d, want %d", pkts+1, in.Seq, next[side])
		}
		if started[1-side] && in.Ack != next[1-side] {
			t.Fatalf("packet %d: ack %d, want %d", pkts+1, in.Ack, next[1-side])
		}
		if in.Flags&frame.FlagACK == 0 {
			t.Fatalf("packet %d: flags %#x without ACK", pkts+1, in.Flags)
		}
		next[side] += uint32(in.Payload)
		pkts++
	}
	if pkts != 600 {
		t.Errorf("%d packets", pkts)
	}
}

// Overrides replace the profile's addresses; a MAC given makes TRex keep it.
func TestAddressOverrides(t *testing.T) {
	p := tiny(t)
	o := Options{Count: 5, Addr: Addresses{LocalIP: mustAddr("10.1.1.1"), RemoteIP: mustAddr("10.2.2.2"),
		LocalMAC: mustMAC("02:11:11:11:11:11"), RemoteMAC: mustMAC("02:22:22:22:22:22"), LocalPort: 1111, RemotePort: 2222}}
	files, _ := export(t, p, "trex-stl", "ov.yaml", o)
	for d, f := range files {
		for _, s := range checkSTL(t, f) {
			src, dst, sp, dp := "10.1.1.1", "10.2.2.2", uint16(1111), uint16(2222)
			smac := "02:11:11:11:11:11"
			if d == 1 {
				src, dst, sp, dp, smac = dst, src, dp, sp, "02:22:22:22:22:22"
			}
			if s.info.SrcIP.String() != src || s.info.DstIP.String() != dst || s.info.SrcPort != sp || s.info.DstPort != dp ||
				fmt.Sprintf("%x", s.frame[6:12]) != strings.ReplaceAll(smac, ":", "") || *s.Flags != 3 {
				t.Fatalf("%s: stream %s: %+v flags %d", f, *s.Name, s.info, *s.Flags)
			}
		}
	}
	o.Addr = Addresses{RemoteIP: mustAddr("2001:db8::9")}
	o.Output = t.TempDir() + "/x.pcap"
	if _, err := Export(p, "pcap", o); err == nil || !strings.Contains(err.Error(), "not the same version") {
		t.Errorf("mixed IP versions: %v", err)
	}
}

func BenchmarkPcap1M(b *testing.B) {
	p := tiny(b)
	dir := b.TempDir()
	o := Options{Output: dir + "/bench.pcap", Count: 500_000} // 2 directions: 1M packets
	for b.Loop() {
		if _, err := Export(p, "pcap", o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(math.Round(float64(b.Elapsed().Milliseconds())/float64(b.N)), "ms/export")
}

// Profiles that count IP or frame bytes get payloads that make the IP
// packet or the frame that long.
func TestPcapSizeUnits(t *testing.T) {
	for _, unit := range []string{"ip", "frame"} {
		p := tiny(t)
		p.Settings.Size = unit
		files, _ := export(t, p, "pcap", unit+".pcap", Options{Count: 200, Seed: 2, Dirs: []profiles.Dir{profiles.From}})
		want := draws(t, &p.Objects[0], profiles.From, sampler.IID, 2, 200)
		for i, in := range readFrames(t, files[0]) {
			got := in.Payload + 28 // IPv4 + UDP headers
			if unit == "frame" {
				got += 14
			}
			if got != want[i].Size {
				t.Fatalf("%s: packet %d: %d bytes, sampled %d", unit, i, got, want[i].Size)
			}
		}
	}
}
