package native

import (
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gmm2trex/gmm2trex/internal/netnstest"
)

// nullTransport counts what it is given.
type nullTransport struct {
	n int
	sizeFit
}

func (t *nullTransport) batch() int                          { return BatchSize }
func (t *nullTransport) stage(int, *txPacket, uint32, int64) {}
func (t *nullTransport) flush(n int) error                   { t.n += n; return nil }

// gapSchedule is a fixed list of deadlines.
type gapSchedule struct {
	d []int64
	i int
}

func (g *gapSchedule) next(p *txPacket) bool {
	if g.i == len(g.d) {
		return false
	}
	p.deadline, p.size = g.d[g.i], 100
	g.i++
	return true
}

// mixedGaps returns n deadlines with gaps uniform in 0.2–3 ms, the mix of the
// timing reference in FORMATS.md.
func mixedGaps(n int, seed uint64) []int64 {
	r := rand.New(rand.NewPCG(seed, 1))
	d := make([]int64, n)
	for i := 1; i < n; i++ {
		d[i] = d[i-1] + 200_000 + r.Int64N(2_800_000)
	}
	return d
}

func paceOnce(t testing.TB, d []int64, threshold int64) *txStats {
	st := &txStats{}
	tr := &nullTransport{}
	var stop atomic.Bool
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		p := NewPacer(DefaultSpin)
		p.reset(time.Now().Add(time.Millisecond))
		errc <- pace(p, &gapSchedule{d: d}, tr, st, &stop, threshold, false)
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if tr.n != len(d) {
		t.Fatalf("sent %d of %d packets", tr.n, len(d))
	}
	return st
}

// TestPacerAccuracy checks the pacer's own timing on the reference mix. The
// bound is loose because test machines are shared; the report prints the
// figures.
func TestPacerAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	netnstest.Exclusive(t)
	st := paceOnce(t, mixedGaps(1000, 1), int64(DefaultBatchThreshold))
	med, p99 := st.gapErr.quantile(0.5), st.gapErr.quantile(0.99)
	t.Logf("gap error median %.2f µs, p99 %.2f µs, max %.1f µs, late %d (max %.1f µs)", med/1e3, p99/1e3, float64(st.gapErr.max)/1e3, st.late, float64(st.maxLate)/1e3)
	if med > 50e3 {
		t.Errorf("median gap error %.1f µs, want under 50 µs even on a loaded machine", med/1e3)
	}
}

// TestPacerBatchesDuePackets checks that packets due together share a
// batch, and that a late schedule is kept (no packet is dropped or skipped).
func TestPacerBatchesDuePackets(t *testing.T) {
	d := make([]int64, 200) // all due at 0: one late burst
	st := paceOnce(t, d, int64(DefaultBatchThreshold))
	if st.packets != 200 {
		t.Fatalf("sent %d packets, want 200", st.packets)
	}
}

// BenchmarkPacerWait measures the cost of a Wait whose deadline has passed:
// the pacer's overhead per packet at top speed.
func BenchmarkPacerWait(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p := NewPacer(DefaultSpin)
	var stop atomic.Bool
	b.ReportAllocs()
	for b.Loop() {
		p.Wait(0, &stop)
	}
}

// BenchmarkPace measures the whole per-packet loop (schedule, stats,
// staging) with a transport that sends nothing.
func BenchmarkPace(b *testing.B) {
	d := make([]int64, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	paceOnce(b, d, int64(DefaultBatchThreshold))
}
