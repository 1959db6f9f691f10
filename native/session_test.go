package native

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/internal/netnstest"
	"github.com/gmm2trex/gmm2trex/metrics"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

const testProfile = "../profiles/testdata/tiny.yaml"

// pairRun is one end-to-end run: side 0 is local, side 1 remote.
type pairRun struct {
	pair    *netnstest.Pair
	prof    *profiles.Profile
	reports [2]*Report
	errs    [2]error
	caps    [2]string
	cfg     [2]Config
}

// runPair runs both sides in two namespaces joined by a veth pair.
// With cancelRemote > 0 the remote side is interrupted that long after its
// run started.
func runPair(t *testing.T, tr Transport, d time.Duration, tweak func(side int, c *Config), cancelRemote ...time.Duration) *pairRun {
	t.Helper()
	p := netnstest.New(t)
	prof, err := profiles.Load(testProfile)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r := &pairRun{pair: p, prof: prof}
	ctx, cancel := context.WithTimeout(context.Background(), d+60*time.Second)
	defer cancel()
	var sessions [2]*Session
	var wg sync.WaitGroup
	for side := range 2 {
		r.caps[side] = filepath.Join(dir, fmt.Sprintf("side%d.pcap", side))
		r.cfg[side] = Config{
			Role: Role(side), Peer: p.IP[1-side], Profile: prof, Object: &prof.Objects[0],
			Transport: tr, Seed: 7, Token: "t", Iface: p.Iface[side], Capture: r.caps[side],
			Wait: 10 * time.Second,
		}
		if side == 0 {
			r.cfg[side].Duration = d
		}
		if tweak != nil {
			tweak(side, &r.cfg[side])
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.errs[side] = p.Do(side, func() error {
				s, err := Open(ctx, r.cfg[side])
				sessions[side] = s
				return err
			})
		}()
	}
	wg.Wait()
	if r.errs[0] != nil || r.errs[1] != nil {
		for _, s := range sessions {
			if s != nil {
				s.Close()
			}
		}
		return r
	}
	for side := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sctx := ctx
			if side == 1 && len(cancelRemote) > 0 {
				var cancel context.CancelFunc
				sctx, cancel = context.WithTimeout(ctx, time.Until(sessions[side].Start())+cancelRemote[0])
				defer cancel()
			}
			r.reports[side], r.errs[side] = sessions[side].Run(sctx, nil)
		}()
	}
	wg.Wait()
	return r
}

// flowPackets reads the data packets src sent to dst from a capture, in
// capture order: payload sizes, sequence numbers and timestamps (seconds).
type flowPackets struct {
	sizes []int
	seqs  []uint32
	times []float64
}

func readFlow(t *testing.T, path string, src, dst netip.Addr, proto frame.Proto) flowPackets {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var fp flowPackets
	for {
		data, ci, err := rd.ReadPacketData()
		if err != nil {
			break
		}
		in, ok := parseIPv4(data)
		if !ok || in.Proto != proto || in.SrcIP != src || in.DstIP != dst || in.Payload == 0 {
			continue
		}
		if in.SrcPort == DefaultControlPort || in.DstPort == DefaultControlPort {
			continue
		}
		fp.sizes = append(fp.sizes, in.Payload)
		fp.times = append(fp.times, float64(ci.Timestamp.UnixNano())/1e9)
		if proto == frame.UDP {
			h, err := ParseHeader(data[frame.EthLen+frame.IPv4Len+frame.UDPLen:])
			if err != nil {
				t.Fatalf("%s: data packet without our header: %v", path, err)
			}
			fp.seqs = append(fp.seqs, h.Seq)
		}
	}
	return fp
}

// modelSample draws n sizes and gaps of direction d from an independent seed.
func modelSample(t *testing.T, o *profiles.Object, d profiles.Dir, n int) (sizes, gaps []float64) {
	src, err := sampler.NewSource(o.Dir(d), sampler.IID, 12345, uint64(d))
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		g, s := src.Next()
		sizes = append(sizes, float64(s))
		gaps = append(gaps, g)
	}
	slices.Sort(sizes)
	slices.Sort(gaps)
	return sizes, gaps
}

func ks(a []float64, b []float64) float64 {
	a = slices.Clone(a)
	slices.Sort(a)
	return metrics.KS(a, b)
}

func checkDatagramRun(t *testing.T, tr Transport, d time.Duration) {
	r := runPair(t, tr, d, nil)
	for side := range 2 {
		if r.errs[side] != nil {
			t.Fatalf("%v side: %v", Role(side), r.errs[side])
		}
	}
	p := r.pair
	obj := &r.prof.Objects[0]
	for side := range 2 {
		dir := profiles.Dir(side) // local sends From, remote To
		sender, receiver := side, 1-side
		sent := readFlow(t, r.caps[sender], p.IP[sender], p.IP[receiver], frame.UDP)
		got := readFlow(t, r.caps[receiver], p.IP[sender], p.IP[receiver], frame.UDP)
		rs, rr := r.reports[sender], r.reports[receiver]
		t.Logf("%s: sent %d (capture %d), received %d (capture %d); gap error median %.2f µs p99 %.2f µs max %.1f µs, late %d; delay median %.1f µs",
			dir, rs.Sent.Packets, len(sent.sizes), rr.Received.Packets, len(got.sizes),
			rs.GapErrorUS.Median, rs.GapErrorUS.P99, rs.GapErrorUS.Max, rs.Late, rr.DelayUS.Median)
		if len(sent.sizes) < 100 {
			t.Fatalf("%s: only %d packets in the sender's capture", dir, len(sent.sizes))
		}
		// Reports agree with the captures.
		if int64(len(sent.sizes)) != rs.Sent.Packets || int64(len(got.sizes)) != rr.Received.Packets {
			t.Errorf("%s: reports say %d sent, %d received; captures hold %d and %d", dir, rs.Sent.Packets, rr.Received.Packets, len(sent.sizes), len(got.sizes))
		}
		var sb, gb int64
		for _, s := range sent.sizes {
			sb += int64(s)
		}
		for _, s := range got.sizes {
			gb += int64(s)
		}
		if sb != rs.Sent.Bytes || gb != rr.Received.Bytes {
			t.Errorf("%s: reports say %d bytes sent, %d received; captures hold %d and %d", dir, rs.Sent.Bytes, rr.Received.Bytes, sb, gb)
		}
		if rr.Received.Lost != 0 || rr.Received.Reordered != 0 || len(got.sizes) != len(sent.sizes) {
			t.Errorf("%s: lost %d, reordered %d, capture counts %d sent / %d received; want no loss", dir, rr.Received.Lost, rr.Received.Reordered, len(sent.sizes), len(got.sizes))
		}
		for i, s := range got.seqs {
			if s != uint32(i) {
				t.Errorf("%s: packet %d in the receiver's capture has sequence %d", dir, i, s)
				break
			}
		}
		// Realised sizes and gaps match the model, on both captures.
		ms, mg := modelSample(t, obj, dir, 20000)
		for _, c := range []struct {
			name string
			fp   flowPackets
		}{{"sender", sent}, {"receiver", got}} {
			sizes := make([]float64, len(c.fp.sizes))
			for i, s := range c.fp.sizes {
				sizes[i] = float64(s)
			}
			gaps := make([]float64, 0, len(c.fp.times))
			for i := 1; i < len(c.fp.times); i++ {
				gaps = append(gaps, c.fp.times[i]-c.fp.times[i-1])
			}
			dS, dG := ks(sizes, ms), ks(gaps, mg)
			t.Logf("%s, %s capture: KS sizes %.4f, gaps %.4f (%d packets)", dir, c.name, dS, dG, len(sizes))
			if dS > 0.05 || dG > 0.1 {
				t.Errorf("%s, %s capture: KS sizes %.4f (max 0.05), gaps %.4f (max 0.1)", dir, c.name, dS, dG)
			}
		}
	}
}

// TestUDPEndToEnd runs both sides for 10 s over UDP sockets.
func TestUDPEndToEnd(t *testing.T) {
	checkDatagramRun(t, UDP, 10*time.Second)
}

// TestRawEndToEnd runs both sides over AF_PACKET frames; the remote side
// receives them on its UDP socket, so they must be valid UDP.
func TestRawEndToEnd(t *testing.T) {
	checkDatagramRun(t, Raw, 10*time.Second)
}

// parseIPv4 reads the headers of an IPv4 UDP or TCP frame without checking
// checksums: frames captured on the sending side carry partial checksums
// that the veth offload never fills in.
func parseIPv4(b []byte) (frame.Info, bool) {
	var in frame.Info
	if len(b) < frame.EthLen+frame.IPv4Len || binary.BigEndian.Uint16(b[12:]) != 0x0800 {
		return in, false
	}
	ip := b[frame.EthLen:]
	ihl := int(ip[0]&0xF) * 4
	tot := int(binary.BigEndian.Uint16(ip[2:]))
	if ihl < frame.IPv4Len || tot > len(ip) || tot < ihl+frame.UDPLen {
		return in, false
	}
	in.Proto = frame.Proto(ip[9])
	in.SrcIP = netip.AddrFrom4([4]byte(ip[12:16]))
	in.DstIP = netip.AddrFrom4([4]byte(ip[16:20]))
	l4 := ip[ihl:tot]
	in.SrcPort = binary.BigEndian.Uint16(l4)
	in.DstPort = binary.BigEndian.Uint16(l4[2:])
	switch in.Proto {
	case frame.UDP:
		in.Payload = len(l4) - frame.UDPLen
	case frame.TCP:
		if len(l4) < frame.TCPLen {
			return in, false
		}
		in.Payload = len(l4) - int(l4[12]>>4)*4
		in.Seq = binary.BigEndian.Uint32(l4[4:])
	default:
		return in, false
	}
	return in, true
}

// TestTCPEndToEnd checks that over TCP every packet arrives whole and in
// order, and that the bytes on the wire are the bytes reported.
func TestTCPEndToEnd(t *testing.T) {
	r := runPair(t, TCP, 3*time.Second, nil)
	for side := range 2 {
		if r.errs[side] != nil {
			t.Fatalf("%v side: %v", Role(side), r.errs[side])
		}
	}
	p := r.pair
	for side := range 2 {
		dir := profiles.Dir(side)
		rs, rr := r.reports[side], r.reports[1-side]
		t.Logf("%s: sent %d packets %d bytes; received %d packets %d bytes, reordered %d, lost %d",
			dir, rs.Sent.Packets, rs.Sent.Bytes, rr.Received.Packets, rr.Received.Bytes, rr.Received.Reordered, rr.Received.Lost)
		if rs.Sent.Packets < 50 {
			t.Fatalf("%s: only %d packets sent", dir, rs.Sent.Packets)
		}
		if rr.Received.Packets != rs.Sent.Packets || rr.Received.Bytes != rs.Sent.Bytes || rr.Received.Reordered != 0 || rr.Received.Lost != 0 {
			t.Errorf("%s: sent %d packets / %d bytes, received %d / %d, reordered %d, lost %d",
				dir, rs.Sent.Packets, rs.Sent.Bytes, rr.Received.Packets, rr.Received.Bytes, rr.Received.Reordered, rr.Received.Lost)
		}
		// The data connection's payload bytes on the wire, in both captures.
		for _, c := range []int{side, 1 - side} {
			fp := readFlow(t, r.caps[c], p.IP[side], p.IP[1-side], frame.TCP)
			var n int64
			for _, s := range fp.sizes {
				n += int64(s)
			}
			if n != rs.Sent.Bytes {
				t.Errorf("%s: %d payload bytes in %v's capture, report says %d sent", dir, n, Role(c), rs.Sent.Bytes)
			}
		}
	}
}

// TestRefusals checks that both sides refuse a peer with another token or
// profile and say what differs.
func TestRefusals(t *testing.T) {
	cases := []struct {
		name  string
		tweak func(side int, c *Config)
		want  string
	}{
		{"token", func(side int, c *Config) {
			if side == 1 {
				// The remote side turns the connection away and waits on
				// for a peer that holds its token.
				c.Token, c.Wait = "other", 2*time.Second
			}
		}, "authentication failed"},
		{"duration", func(side int, c *Config) {
			if side == 1 {
				c.Duration = 3 * time.Second
			}
		}, "duration differs"},
		{"multiplier", func(side int, c *Config) {
			if side == 1 {
				c.Multiplier = 2
			}
		}, "rate multiplier differs"},
		{"transport", func(side int, c *Config) {
			if side == 1 {
				c.Transport = TCP
			}
		}, "transport differs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runPair(t, UDP, time.Second, func(side int, c *Config) {
				c.Capture = ""
				tc.tweak(side, c)
			})
			for side := range 2 {
				err := r.errs[side]
				if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%v side: error %v, want ErrRefused saying %q", Role(side), err, tc.want)
				}
			}
		})
	}
}

// TestPeerLost interrupts the remote side mid-run: it reports the
// interruption, and the local side stops with ErrPeerLost and a report.
func TestPeerLost(t *testing.T) {
	r := runPair(t, UDP, 5*time.Second, func(side int, c *Config) { c.Capture = "" }, time.Second)
	if !errors.Is(r.errs[1], context.DeadlineExceeded) {
		t.Errorf("remote side: %v, want the interruption", r.errs[1])
	}
	if !errors.Is(r.errs[0], ErrPeerLost) {
		t.Fatalf("local side: %v, want ErrPeerLost", r.errs[0])
	}
	if rep := r.reports[0]; rep == nil || rep.Sent.Packets == 0 || rep.Received.Packets == 0 {
		t.Errorf("local report after losing the peer: %+v", rep)
	}
}

// TestNoPeer checks the wait for a peer that never comes.
func TestNoPeer(t *testing.T) {
	prof, err := profiles.Load(testProfile)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Role: Remote, Peer: netip.MustParseAddr("127.0.0.1"), Profile: prof, Object: &prof.Objects[0],
		Transport: UDP, ControlPort: netnstest.FreePort(t), DataPort: netnstest.FreePort(t), Wait: 300 * time.Millisecond, Token: "t"}
	start := time.Now()
	_, err = Open(context.Background(), cfg)
	if !errors.Is(err, ErrNoPeer) {
		t.Fatalf("remote with no peer: %v, want ErrNoPeer", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("gave up after %v, want about 300ms", el)
	}
	cfg.Role, cfg.Duration = Local, time.Second
	if _, err = Open(context.Background(), cfg); !errors.Is(err, ErrNoPeer) {
		t.Fatalf("local with no peer: %v, want ErrNoPeer", err)
	}
}

// TestCheckPeer refuses addresses that would spray traffic.
func TestCheckPeer(t *testing.T) {
	for _, a := range []string{"0.0.0.0", "255.255.255.255", "224.0.0.1", "ff02::1", "::"} {
		if err := CheckPeer(netip.MustParseAddr(a)); err == nil {
			t.Errorf("CheckPeer(%s) accepted it", a)
		}
	}
	for _, a := range []string{"198.18.0.2", "2001:db8::1"} {
		if err := CheckPeer(netip.MustParseAddr(a)); err != nil {
			t.Errorf("CheckPeer(%s): %v", a, err)
		}
	}
}

// TestSilentConnectionDoesNotBlock: a connection from the peer's address
// that never says a word does not hold up the real local side, which
// connects after it and runs at once.
func TestSilentConnectionDoesNotBlock(t *testing.T) {
	p := netnstest.New(t)
	prof, err := profiles.Load(testProfile)
	if err != nil {
		t.Fatal(err)
	}
	cfg := func(side int) Config {
		c := Config{Role: Role(side), Peer: p.IP[1-side], Profile: prof, Object: &prof.Objects[0],
			Transport: UDP, Seed: 7, Token: "t", Wait: 20 * time.Second}
		if side == 0 {
			c.Duration = 500 * time.Millisecond
		}
		return c
	}
	remote := make(chan error, 1)
	go func() {
		remote <- p.Do(1, func() error {
			s, err := Open(context.Background(), cfg(1))
			if err != nil {
				return err
			}
			_, err = s.Run(context.Background(), nil)
			return err
		})
	}()
	var silent net.Conn
	if err := p.Do(0, func() (err error) {
		for range 50 {
			if silent, err = net.Dial("tcp", netip.AddrPortFrom(p.IP[1], DefaultControlPort).String()); err == nil {
				return nil
			}
			time.Sleep(50 * time.Millisecond)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	start := time.Now()
	var open time.Duration
	err = p.Do(0, func() error {
		s, err := Open(context.Background(), cfg(0))
		if err != nil {
			return err
		}
		open = time.Since(start)
		_, err = s.Run(context.Background(), nil)
		return err
	})
	t.Logf("real local side: %v, connected and agreed in %v beside a silent connection", err, open)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-remote; err != nil {
		t.Fatalf("remote side: %v", err)
	}
	if open > time.Second {
		t.Errorf("the real local side took %v to agree the run, want well under the 5 s handshake deadline", open)
	}
}
