package estimate

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"net/netip"
	"os"
	"sort"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/gmm2trex/gmm2trex/internal/sharedtest"
	"github.com/gmm2trex/gmm2trex/metrics"
	"github.com/gmm2trex/gmm2trex/trace"
)

// This file holds the test-only plumbing for the HMM fidelity checks: the
// Skype series (through the trace package, cross-checked against a minimal
// reader of that capture: classic pcap, Ethernet/IPv4/UDP, and its own
// trimming) and the comparison statistics, taken from metrics as the
// predictive check itself does.

// skypeSeries is one trimmed direction of a flow.
type skypeSeries struct {
	IAT, Size []float64
}

// loadSkypeMain reads the main Skype flow with the trace package and returns
// its from and to directions, trimmed with percentiles 3,97 on the IAT, as
// estimate does.
func loadSkypeMain(t testing.TB) (from, to skypeSeries) {
	t.Helper()
	path := sharedtest.Path(t, "pcaps", "skypeLANhome.pcap")
	c, err := trace.ReadFile(path, trace.Options{SkipHash: true})
	if err != nil {
		t.Fatal(err)
	}
	const id = "UDP 192.168.0.102:18826 192.168.0.105:26454"
	for _, o := range c.Objects {
		if o.ID == id {
			f, g := trace.Trim(o.From, 3, 97), trace.Trim(o.To, 3, 97)
			return skypeSeries{IAT: f.IAT, Size: f.Size}, skypeSeries{IAT: g.IAT, Size: g.Size}
		}
	}
	t.Fatalf("%s: no object %q", path, id)
	return
}

// The test's own minimal reader and trimming agree with the trace package,
// so the fidelity numbers here are those of the series estimate fits.
func TestSkypeSeriesMatchesTrace(t *testing.T) {
	from, to := loadSkypeMain(t)
	path := sharedtest.Path(t, "pcaps", "skypeLANhome.pcap")
	a := netip.MustParseAddrPort("192.168.0.102:18826")
	b := netip.MustParseAddrPort("192.168.0.105:26454")
	ft, fs, tt, ts, err := hmmReadUDPFlow(path, a, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		got, own skypeSeries
	}{{"from", from, hmmTrim(ft, fs, 3, 97)}, {"to", to, hmmTrim(tt, ts, 3, 97)}} {
		if len(c.got.IAT) != len(c.own.IAT) {
			t.Fatalf("%s: trace kept %d packets, own reader %d", c.name, len(c.got.IAT), len(c.own.IAT))
		}
		for i := range c.got.IAT {
			if math.Abs(c.got.IAT[i]-c.own.IAT[i]) > 1e-9 || c.got.Size[i] != c.own.Size[i] {
				t.Fatalf("%s packet %d: trace (%v, %v), own (%v, %v)", c.name, i, c.got.IAT[i], c.got.Size[i], c.own.IAT[i], c.own.Size[i])
			}
		}
	}
}

// hmmReadUDPFlow returns timestamps (ns) and UDP payload lengths of the
// packets a->b and b->a.
func hmmReadUDPFlow(path string, a, b netip.AddrPort) (abT []int64, abS []float64, baT []int64, baS []float64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	for {
		data, ci, err := r.ZeroCopyReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, nil, nil, err
		}
		src, dst, n, ok := hmmUDPv4(data)
		if !ok {
			continue
		}
		ts := ci.Timestamp.UnixNano()
		switch {
		case src == a && dst == b:
			abT, abS = append(abT, ts), append(abS, float64(n))
		case src == b && dst == a:
			baT, baS = append(baT, ts), append(baS, float64(n))
		}
	}
	return abT, abS, baT, baS, nil
}

// hmmUDPv4 decodes an Ethernet/IPv4/UDP frame (optionally one VLAN tag).
func hmmUDPv4(d []byte) (src, dst netip.AddrPort, payload int, ok bool) {
	if len(d) < 14 {
		return
	}
	et := binary.BigEndian.Uint16(d[12:14])
	off := 14
	if et == 0x8100 && len(d) >= 18 {
		et = binary.BigEndian.Uint16(d[16:18])
		off = 18
	}
	if et != 0x0800 || len(d) < off+20 {
		return
	}
	ip := d[off:]
	ihl := int(ip[0]&0x0f) * 4
	if ip[0]>>4 != 4 || ip[9] != 17 || len(ip) < ihl+8 {
		return
	}
	if binary.BigEndian.Uint16(ip[6:8])&0x1fff != 0 { // a non-first fragment has no UDP header
		return
	}
	u := ip[ihl:]
	sa := netip.AddrFrom4([4]byte(ip[12:16]))
	da := netip.AddrFrom4([4]byte(ip[16:20]))
	src = netip.AddrPortFrom(sa, binary.BigEndian.Uint16(u[0:2]))
	dst = netip.AddrPortFrom(da, binary.BigEndian.Uint16(u[2:4]))
	return src, dst, int(binary.BigEndian.Uint16(u[4:6])) - 8, true
}

// hmmTrim keeps packets 1..n-1 whose IAT lies within the [lo, hi]
// percentiles of all IATs (linear interpolation, as numpy.percentile).
func hmmTrim(ts []int64, sizes []float64, lo, hi float64) skypeSeries {
	if len(ts) < 2 {
		return skypeSeries{}
	}
	iat := make([]float64, len(ts)-1)
	for i := 1; i < len(ts); i++ {
		iat[i-1] = float64(ts[i]-ts[i-1]) / 1e9
	}
	s := append([]float64(nil), iat...)
	sort.Float64s(s)
	pl, ph := hmmPercentile(s, lo), hmmPercentile(s, hi)
	var out skypeSeries
	for i, g := range iat {
		if g >= pl && g <= ph {
			out.IAT = append(out.IAT, g)
			out.Size = append(out.Size, sizes[i+1])
		}
	}
	return out
}

func hmmPercentile(s []float64, p float64) float64 {
	pos := p / 100 * float64(len(s)-1)
	i := int(math.Floor(pos))
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	f := pos - float64(i)
	return s[i] + f*(s[i+1]-s[i])
}

// hmmKS is the two-sample Kolmogorov-Smirnov statistic sup|F1-F2| of
// unsorted samples.
func hmmKS(x, y []float64) float64 {
	a := append([]float64(nil), x...)
	b := append([]float64(nil), y...)
	sort.Float64s(a)
	sort.Float64s(b)
	return metrics.KS(a, b)
}

// hmmACF is the sample autocorrelation at lags 1..maxLag (metrics.ACF).
func hmmACF(x []float64, maxLag int) []float64 {
	out := make([]float64, maxLag)
	metrics.ACF(out, x)
	return out
}

// hmmACFErr is the mean |ACF difference| over lags 1..50.
func hmmACFErr(x, y []float64) float64 {
	a, b := hmmACF(x, 50), hmmACF(y, 50)
	var s float64
	for i := range a {
		s += math.Abs(a[i] - b[i])
	}
	return s / float64(len(a))
}

func hmmMedian(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
