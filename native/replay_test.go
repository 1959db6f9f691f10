package native

import (
	"bufio"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/internal/netnstest"
)

// testFrames builds n UDP frames from side 0 to side 1 of p with the
// reference mix of gaps.
func testFrames(t testing.TB, p *netnstest.Pair, n int) ([][]byte, []int64) {
	tmpl, err := frame.New(frame.Spec{SrcMAC: p.MAC[0], DstMAC: p.MAC[1], SrcIP: p.IP[0], DstIP: p.IP[1],
		Proto: frame.UDP, SrcPort: 9000, DstPort: 9001})
	if err != nil {
		t.Fatal(err)
	}
	frames := make([][]byte, n)
	for i := range frames {
		frames[i] = slices.Clone(tmpl.Frame(18 + i%200))
	}
	return frames, mixedGaps(n, 3)
}

// TestReplay replays frames from one namespace, captures them in the
// other, and compares the captured gaps with the intended ones.
func TestReplay(t *testing.T) {
	p := netnstest.New(t)
	frames, times := testFrames(t, p, 1000)
	capPath := filepath.Join(t.TempDir(), "rx.pcap")
	var c *Capture
	if err := p.Do(1, func() error {
		ifi, err := net.InterfaceByName(p.Iface[1])
		if err != nil {
			return err
		}
		c, err = OpenCapture(ifi, capPath)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	c.Start()
	var r *Replayer
	if err := p.Do(0, func() (err error) {
		r, err = OpenReplay(ReplayConfig{Iface: p.Iface[0], Frames: frames, Times: times})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	rep, err := r.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("replay report: %+v", rep)
	f, err := os.Open(capPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	var sizes []int
	for {
		data, ci, err := rd.ReadPacketData()
		if err != nil {
			break
		}
		in, err := frame.Decode(data)
		if err != nil || in.DstPort != 9001 {
			continue
		}
		got = append(got, ci.Timestamp.UnixNano())
		sizes = append(sizes, in.Payload)
	}
	if len(got) != len(frames) || rep.Packets != int64(len(frames)) {
		t.Fatalf("captured %d frames, report says %d sent, want %d", len(got), rep.Packets, len(frames))
	}
	for i, s := range sizes {
		if s != 18+i%200 {
			t.Fatalf("frame %d arrived with payload %d, want %d (order or content changed)", i, s, 18+i%200)
		}
	}
	var errs []float64
	for i := 1; i < len(got); i++ {
		e := float64((got[i]-got[i-1])-(times[i]-times[i-1])) / 1e3
		if e < 0 {
			e = -e
		}
		errs = append(errs, e)
	}
	slices.Sort(errs)
	med, p99 := errs[len(errs)/2], errs[len(errs)*99/100]
	t.Logf("captured gap error: median %.2f µs, p99 %.2f µs, max %.1f µs", med, p99, errs[len(errs)-1])
	// Loose: shared test machines are noisy; the benchmark script measures.
	if med > 100 {
		t.Errorf("median captured gap error %.1f µs, want under 100 µs", med)
	}
}

// TestReplayRejectsOversizedFrames checks the frame length check.
func TestReplayRejectsOversizedFrames(t *testing.T) {
	_, err := OpenReplay(ReplayConfig{Iface: "lo", Frames: [][]byte{make([]byte, 70000)}, Times: []int64{0}})
	if err == nil {
		t.Fatal("a 70000-byte frame was accepted")
	}
}

// BenchmarkRawBatch measures the raw transport's top-speed path: staging
// template frames with a header and sending them in sendmmsg batches on a
// veth pair. It reports packets per second.
func BenchmarkRawBatch(b *testing.B) {
	p := netnstest.New(b)
	var s *rawSender
	if err := p.Do(0, func() error {
		ifi, err := net.InterfaceByName(p.Iface[0])
		if err != nil {
			return err
		}
		if s, err = openRaw(ifi, ifi.MTU+frame.EthLen); err != nil {
			return err
		}
		s.tmpl, err = frame.New(frame.Spec{SrcMAC: p.MAC[0], DstMAC: p.MAC[1], SrcIP: p.IP[0], DstIP: p.IP[1],
			Proto: frame.UDP, SrcPort: 9000, DstPort: 9001})
		s.hdrOff, s.limit = s.tmpl.HeaderLen(), s.tmpl.MaxPayload()
		return err
	}); err != nil {
		b.Fatal(err)
	}
	defer s.close()
	pk := txPacket{size: 18}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i += BatchSize {
		n := min(BatchSize, b.N-i)
		for j := range n {
			s.stage(j, &pk, uint32(i+j), 0)
		}
		if err := s.flush(n); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pkt/s")
}

// writeCapture writes frames with their stamps as a nanosecond pcap at
// path, gzipped when gz.
func writeCapture(t testing.TB, path string, frames [][]byte, times []int64, gz bool) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	var w io.Writer = f
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(f)
		w = zw
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	pw, err := frame.NewPcapWriter(bw, frame.DefaultSnap, true)
	if err != nil {
		t.Fatal(err)
	}
	for i, fr := range frames {
		if err := pw.WritePacket(times[i], fr); err != nil {
			t.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestReplayStreamed replays a gzipped capture through the streaming
// source, two rounds: every frame arrives, in order, each round after the
// other.
func TestReplayStreamed(t *testing.T) {
	p := netnstest.New(t)
	defer func(l int) { replayMemLimit = l }(replayMemLimit)
	replayMemLimit = 0 // stream even this small capture
	frames, times := testFrames(t, p, 500)
	for i := range times {
		times[i] += 1_700_000_000e9
	}
	path := filepath.Join(t.TempDir(), "in.pcap.gz")
	writeCapture(t, path, frames, times, true)
	got, rep := replayAndCapture(t, p, ReplayConfig{Iface: p.Iface[0], Capture: path, Loop: 2})
	if rep.Packets != 1000 || len(got) != 1000 {
		t.Fatalf("sent %d, captured %d; want 1000", rep.Packets, len(got))
	}
	for i, g := range got {
		if g.size != 18+(i%500)%200 {
			t.Fatalf("frame %d arrived with payload %d, want %d", i, g.size, 18+(i%500)%200)
		}
	}
	// The second round starts one mean gap after the first round's end.
	span := times[499] - times[0]
	want := span + span/499
	if d := got[500].t - got[0].t; d < want-want/20 || d > want+want/20+5e6 {
		t.Errorf("round 2 began %v after round 1, want about %v", time.Duration(d), time.Duration(want))
	}
}

type capturedFrame struct {
	t    int64
	size int
}

// replayAndCapture replays cfg from side 0 and returns the UDP frames to
// port 9001 that side 1 captured.
func replayAndCapture(t *testing.T, p *netnstest.Pair, cfg ReplayConfig) ([]capturedFrame, *ReplayReport) {
	t.Helper()
	capPath := filepath.Join(t.TempDir(), "rx.pcap")
	var c *Capture
	if err := p.Do(1, func() error {
		ifi, err := net.InterfaceByName(p.Iface[1])
		if err != nil {
			return err
		}
		c, err = OpenCapture(ifi, capPath)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	c.Start()
	var r *Replayer
	if err := p.Do(0, func() (err error) {
		r, err = OpenReplay(cfg)
		return err
	}); err != nil {
		c.Stop()
		t.Fatal(err)
	}
	rep, err := r.Run(context.Background(), nil)
	time.Sleep(100 * time.Millisecond)
	if serr := c.Stop(); serr != nil {
		t.Fatal(serr)
	}
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(capPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var got []capturedFrame
	for {
		data, ci, err := rd.ReadPacketData()
		if err != nil {
			break
		}
		in, err := frame.Decode(data)
		if err != nil || in.DstPort != 9001 {
			continue
		}
		got = append(got, capturedFrame{ci.Timestamp.UnixNano(), in.Payload})
	}
	return got, rep
}

// TestReplayMaxPPS: frames stamped all at once, and top speed, are held to
// --max-pps on the wire.
func TestReplayMaxPPS(t *testing.T) {
	p := netnstest.New(t)
	frames, _ := testFrames(t, p, 200)
	same := make([]int64, len(frames))
	for _, top := range []bool{false, true} {
		got, rep := replayAndCapture(t, p, ReplayConfig{Iface: p.Iface[0], Frames: frames, Times: same, MaxPPS: 1000, Topspeed: top})
		if len(got) != 200 {
			t.Fatalf("topspeed %v: captured %d frames, want 200", top, len(got))
		}
		gaps := make([]float64, 0, len(got))
		for i := 1; i < len(got); i++ {
			gaps = append(gaps, float64(got[i].t-got[i-1].t)/1e6)
		}
		slices.Sort(gaps)
		span := float64(got[len(got)-1].t-got[0].t) / 1e9
		t.Logf("topspeed %v at --max-pps 1000: %d frames over %.3f s on the wire, gap median %.3f ms, min %.3f ms; report %.3f s",
			top, len(got), span, gaps[len(gaps)/2], gaps[0], rep.Seconds)
		if span < 0.19 || gaps[len(gaps)/2] < 0.9 {
			t.Errorf("topspeed %v: 200 frames in %.3f s, median gap %.3f ms; want about 0.2 s and 1 ms", top, span, gaps[len(gaps)/2])
		}
	}
}

// TestReplayRefusesBroadcast: frames that would reach every host are
// refused before anything is sent, naming the packet; --allow-broadcast
// lets them through.
func TestReplayRefusesBroadcast(t *testing.T) {
	p := netnstest.New(t)
	mk := func(dstMAC string, dst netip.Addr) []byte {
		mac, _ := net.ParseMAC(dstMAC)
		src := p.IP[0]
		if dst.Is6() {
			src = netip.MustParseAddr("fe80::1")
		}
		tmpl, err := frame.New(frame.Spec{SrcMAC: p.MAC[0], DstMAC: mac, SrcIP: src, DstIP: dst, Proto: frame.UDP, SrcPort: 9000, DstPort: 9001})
		if err != nil {
			t.Fatal(err)
		}
		return slices.Clone(tmpl.Frame(20))
	}
	uni := p.MAC[1].String()
	for _, tc := range []struct {
		f    []byte
		want string
	}{
		{mk("ff:ff:ff:ff:ff:ff", p.IP[1]), "packet 2: destination MAC ff:ff:ff:ff:ff:ff is the broadcast address"},
		{mk("01:00:5e:00:00:01", p.IP[1]), "packet 2: destination MAC 01:00:5e:00:00:01 is a multicast address"},
		{mk(uni, netip.MustParseAddr("255.255.255.255")), "packet 2: destination 255.255.255.255 is the broadcast address"},
		{mk(uni, netip.MustParseAddr("224.0.0.1")), "packet 2: destination 224.0.0.1 is a multicast address"},
		{mk(uni, netip.MustParseAddr("198.18.0.255")), "packet 2: destination 198.18.0.255 is the broadcast address of 198.18.0.1/24"},
		{mk(uni, netip.MustParseAddr("ff02::1")), "packet 2: destination ff02::1 is a multicast address"},
	} {
		ok := mk(uni, p.IP[1])
		path := filepath.Join(t.TempDir(), "b.pcap")
		writeCapture(t, path, [][]byte{ok, tc.f, ok}, []int64{1e9, 2e9, 3e9}, false)
		err := p.Do(0, func() error {
			r, err := OpenReplay(ReplayConfig{Iface: p.Iface[0], Capture: path})
			if r != nil {
				r.raw.close()
			}
			return err
		})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "--allow-broadcast") {
			t.Errorf("got %v, want %q", err, tc.want)
		}
		if err := p.Do(0, func() error {
			r, err := OpenReplay(ReplayConfig{Iface: p.Iface[0], Capture: path, AllowBroadcast: true})
			if r != nil {
				r.raw.close()
			}
			return err
		}); err != nil {
			t.Errorf("with AllowBroadcast: %v", err)
		}
	}
}

// TestReplayBoundedMemory streams a capture of 300 MB (a few MB gzipped)
// at top speed: what the replay allocates (the first 16 MiB kept until the
// capture proves bigger, then the stream's chunks) stays a small fraction
// of it.
func TestReplayBoundedMemory(t *testing.T) {
	p := netnstest.New(t)
	const n, size = 300_000, 1000
	tmpl, err := frame.New(frame.Spec{SrcMAC: p.MAC[0], DstMAC: p.MAC[1], SrcIP: p.IP[0], DstIP: p.IP[1],
		Proto: frame.UDP, SrcPort: 9000, DstPort: 9002})
	if err != nil {
		t.Fatal(err)
	}
	fr := slices.Clone(tmpl.Frame(size - frame.EthLen - frame.IPv4Len - frame.UDPLen))
	frames, times := make([][]byte, n), make([]int64, n)
	for i := range frames {
		frames[i], times[i] = fr, int64(i)
	}
	path := filepath.Join(t.TempDir(), "big.pcap.gz")
	writeCapture(t, path, frames, times, true)
	frames = nil
	st, _ := os.Stat(path)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var rep *ReplayReport
	err = p.Do(0, func() error {
		r, err := OpenReplay(ReplayConfig{Iface: p.Iface[0], Capture: path, Topspeed: true})
		if err != nil {
			return err
		}
		if r.cfg.Capture == "" {
			t.Error("a 286 MB capture is kept in memory, want it streamed")
		}
		rep, err = r.Run(context.Background(), nil)
		return err
	})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d frames, %d MB of frames in a %.1f MB gzip: sent %d in %.2f s; allocated %.1f MB in all (runtime.MemStats.TotalAlloc), heap now %.1f MB",
		n, n*size>>20, float64(st.Size())/1e6, rep.Packets, rep.Seconds, float64(alloc)/1e6, float64(after.HeapInuse)/1e6)
	if rep.Packets != n {
		t.Errorf("sent %d frames, want %d", rep.Packets, n)
	}
	if alloc > 64<<20 {
		t.Errorf("allocated %d MB streaming %d MB of frames, want under 64 MB", alloc>>20, n*size>>20)
	}
}

// TestReplayCutShort: a capture cut mid-record replays the records before
// the cut, with the reader's warning naming the packet and offset.
func TestReplayCutShort(t *testing.T) {
	p := netnstest.New(t)
	frames, times := testFrames(t, p, 10)
	path := filepath.Join(t.TempDir(), "cut.pcap")
	writeCapture(t, path, frames, times, false)
	st, _ := os.Stat(path)
	if err := os.Truncate(path, st.Size()-5); err != nil {
		t.Fatal(err)
	}
	var r *Replayer
	if err := p.Do(0, func() (err error) {
		r, err = OpenReplay(ReplayConfig{Iface: p.Iface[0], Capture: path})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer r.raw.close()
	if r.cfg.Capture != "" {
		t.Error("a 10-frame capture is streamed, want it kept from the checking pass")
	}
	if r.Frames() != 9 || len(r.Warnings()) != 1 || !strings.Contains(r.Warnings()[0], "cut short in packet 10 at offset") {
		t.Errorf("frames %d, warnings %q; want 9 and one naming packet 10", r.Frames(), r.Warnings())
	}
}

// TestReplayTopspeedDuration: at top speed the report's duration is the
// sending's, from the first frame out: positive, and without the 10 ms the
// pacer leads by before its epoch (it was counted, and the duration came
// out negative when every frame left before the epoch).
func TestReplayTopspeedDuration(t *testing.T) {
	p := netnstest.New(t)
	frames, _ := testFrames(t, p, 50)
	same := make([]int64, len(frames))
	got, rep := replayAndCapture(t, p, ReplayConfig{Iface: p.Iface[0], Frames: frames, Times: same, Topspeed: true})
	if len(got) != 50 {
		t.Fatalf("captured %d frames, want 50", len(got))
	}
	span := float64(got[len(got)-1].t-got[0].t) / 1e9
	t.Logf("50 frames at top speed: %.6f s on the wire, report %.6f s", span, rep.Seconds)
	if !(rep.Seconds > 0) || rep.Seconds > span+0.005 {
		t.Errorf("report %.6f s for %.6f s on the wire: want positive and no start lead", rep.Seconds, span)
	}
}
