package exporters

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/metrics"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// moonLink is the link speed (Mbit/s) the stand-in reports.
const moonLink = 10000

func loadTiny(t *testing.T) *profiles.Profile {
	t.Helper()
	p, err := profiles.Load(filepath.Join("..", "profiles", "testdata", "tiny.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// moonRecord is what the stand-in's rate limiter saw for one packet.
type moonRecord struct {
	task, port, queue int
	size, payload     int
	delay             int64 // byte-times
}

// runMoonGen exports p as a MoonGen script and runs it under luajit with the
// stand-in for quota packets per task. It returns the records and stdout.
func runMoonGen(t *testing.T, p *profiles.Profile, o Options, quota int, args ...string) ([]moonRecord, string) {
	t.Helper()
	luajit, err := exec.LookPath("luajit")
	if err != nil {
		t.Skip("needs luajit (apt-get install luajit; CI installs it)")
	}
	dir := t.TempDir()
	o.Output = filepath.Join(dir, "out.lua")
	if _, err := Export(p, "moongen", o); err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(dir, "record.txt")
	cmd := exec.Command(luajit, append([]string{filepath.Join("testdata", "moongen", "run.lua"), rec,
		strconv.Itoa(quota), strconv.Itoa(moonLink), o.Output}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("luajit %s: %v\nstderr: %s", o.Output, err, stderr.String())
	}
	f, err := os.Open(rec)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rs []moonRecord
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r moonRecord
		if _, err := fmt.Sscan(sc.Text(), &r.task, &r.port, &r.queue, &r.size, &r.payload, &r.delay); err != nil {
			t.Fatalf("record line %q: %v", sc.Text(), err)
		}
		rs = append(rs, r)
	}
	return rs, stdout.String()
}

// byPort splits records by port, keeping order.
func byPort(rs []moonRecord) map[int][]moonRecord {
	m := map[int][]moonRecord{}
	for _, r := range rs {
		m[r.port] = append(m[r.port], r)
	}
	return m
}

// gapsSizes turns a task's records into gaps (seconds, from the second
// packet on) and payload sizes.
func gapsSizes(rs []moonRecord, n int) (gaps, sizes []float64) {
	rs = rs[:n]
	for i, r := range rs {
		if i > 0 {
			gaps = append(gaps, float64(r.delay)*8/(moonLink*1e6))
		}
		sizes = append(sizes, float64(r.payload))
	}
	return gaps, sizes
}

// modelDraws samples n packets of direction d with the Go sampler: the
// reference the script must match.
func modelDraws(t *testing.T, dm *profiles.Direction, m sampler.Model, seed uint64, n int) (gaps, sizes []float64) {
	t.Helper()
	src, err := sampler.NewSource(dm, m, seed, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		g, s := src.Next()
		if i > 0 {
			gaps = append(gaps, g)
		}
		sizes = append(sizes, float64(s))
	}
	return gaps, sizes
}

func ks(x, y []float64) float64 {
	a, b := slices.Clone(x), slices.Clone(y)
	slices.Sort(a)
	slices.Sort(b)
	return metrics.KS(a, b)
}

// TestMoonGenMatchesModel runs the exported script under the stand-in for
// 20000 packets a direction and compares what the rate limiter received
// with the Go sampler's draws: KS of sizes and of gaps ≤ 0.05 in both
// modes, and the HMM script keeps the size autocorrelation the iid one loses.
func TestMoonGenMatchesModel(t *testing.T) {
	const n = 20000
	p := loadTiny(t)
	obj := &p.Objects[0]
	acf := map[sampler.Model]float64{}
	for _, m := range []sampler.Model{sampler.IID, sampler.HMM} {
		rs, out := runMoonGen(t, p, Options{Model: m, Seed: 7, Dirs: []profiles.Dir{profiles.From}}, n, "0")
		ports := byPort(rs)
		if len(ports) != 1 || len(ports[0]) < n {
			t.Fatalf("%v: want %d packets on port 0, got %d ports, %d packets", m, n, len(ports), len(ports[0]))
		}
		if !strings.Contains(out, fmt.Sprintf(": %d packets,", len(ports[0]))) {
			t.Errorf("%v: script did not report %d packets sent; stdout:\n%s", m, len(ports[0]), out)
		}
		gaps, sizes := gapsSizes(ports[0], n)
		// The HMM is the reference for temporal structure in both modes.
		wantGaps, wantSizes := modelDraws(t, obj.From, m, 99, n)
		_, hmmSizes := modelDraws(t, obj.From, sampler.HMM, 98, n)
		ksSize, ksGap := ks(sizes, wantSizes), ks(gaps, wantGaps)
		acf[m] = metrics.ACFErr(sizes, hmmSizes, 50)
		t.Logf("%v: %d packets, KS size %.4f, KS gap %.4f, acf_err_size vs the HMM %.4f", m, n, ksSize, ksGap, acf[m])
		if ksSize > 0.05 || ksGap > 0.05 {
			t.Errorf("%v: KS size %.4f, KS gap %.4f; want both ≤ 0.05", m, ksSize, ksGap)
		}
		for i, g := range gaps {
			if g < obj.From.IAT.Min-1e-9 || g > obj.From.IAT.Max+1e-9 {
				t.Fatalf("%v: gap %d = %g s outside [%g, %g]", m, i, g, obj.From.IAT.Min, obj.From.IAT.Max)
			}
		}
	}
	if !(acf[sampler.HMM] < acf[sampler.IID]) {
		t.Errorf("acf_err_size: hmm %.4f, iid %.4f; want hmm below iid", acf[sampler.HMM], acf[sampler.IID])
	}
}

func meanDelay(rs []moonRecord) float64 {
	s := 0.0
	for _, r := range rs[1:] {
		s += float64(r.delay)
	}
	return s / float64(len(rs)-1) * 8 / (moonLink * 1e6)
}

// TestMoonGenOptions runs both directions on two ports, with the duration
// and rate multiplier arguments, and a TCP-over-IPv6 object.
func TestMoonGenOptions(t *testing.T) {
	p := loadTiny(t)
	obj := &p.Objects[0]
	// Both directions, ports 3 and 5, for 2000 packets each.
	rs, out := runMoonGen(t, p, Options{Seed: 1}, 2000, "3", "5")
	ports := byPort(rs)
	if len(ports[3]) < 2000 || len(ports[5]) < 2000 {
		t.Fatalf("packets per port: %d on 3, %d on 5; want ≥ 2000 each", len(ports[3]), len(ports[5]))
	}
	for _, r := range ports[5] {
		if r.payload != 20 {
			t.Fatalf("direction to (port 5): payload %d, want the profile's constant 20", r.payload)
		}
	}
	if strings.Count(out, "packets,") != 2 {
		t.Errorf("want one report line per task, got:\n%s", out)
	}
	base := meanDelay(ports[3])

	// -r 2 halves every gap.
	rs, _ = runMoonGen(t, p, Options{Seed: 1, Dirs: []profiles.Dir{profiles.From}}, 2000, "0", "-r", "2")
	if got := meanDelay(rs); math.Abs(got-base/2) > 0.02*base {
		t.Errorf("-r 2: mean gap %g s, want half of %g s", got, base)
	}

	// -d 1 stops each task after one second of (virtual) sending time, long
	// before the quota.
	rs, _ = runMoonGen(t, p, Options{Seed: 1, Dirs: []profiles.Dir{profiles.From}}, 1000000, "0", "-d", "1")
	var total float64
	for _, r := range rs[1:] {
		total += float64(r.delay) * 8 / (moonLink * 1e6)
	}
	// The last batch may finish after the deadline.
	if total < 1 || total > 1+moonBatch*obj.From.IAT.Max {
		t.Errorf("-d 1: sent for %g s of gaps (%d packets), want just over 1 s", total, len(rs))
	}

	// TCP over IPv6, with sizes counted as IP lengths: payload = size - 60.
	p6 := loadTiny(t)
	o6 := &p6.Objects[0]
	o6.Proto, o6.Local.IP, o6.Remote.IP = "TCP", "2001:db8::1", "2001:db8::2"
	p6.Settings.Size = "ip"
	o6.From.Size = profiles.Param{Min: 100, Max: 100, Mixture: []profiles.Component{{Weight: 1, Mean: 100, Std: 0.01}}}
	rs, _ = runMoonGen(t, p6, Options{Seed: 1, Dirs: []profiles.Dir{profiles.From}}, 500, "0")
	for _, r := range rs {
		if r.payload != 100-40-20 || r.size != 14+100 {
			t.Fatalf("TCP/IPv6: frame %d payload %d, want 114 and 40", r.size, r.payload)
		}
	}
}

// TestMoonGenRejectsBadArguments checks that the script fails on a missing
// port and a non-positive rate rather than sending something else.
func TestMoonGenRejectsBadArguments(t *testing.T) {
	luajit, err := exec.LookPath("luajit")
	if err != nil {
		t.Skip("needs luajit (apt-get install luajit; CI installs it)")
	}
	p := loadTiny(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "x.lua")
	if _, err := Export(p, "moongen", Options{Output: out}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"0"}, "missing argument toPort"},
		{[]string{"0", "1", "-r", "0"}, "rate multiplier must be > 0"},
		{[]string{"0", "1", "-d", "-1"}, "duration must be >= 0"},
	} {
		cmd := exec.Command(luajit, append([]string{filepath.Join("testdata", "moongen", "run.lua"), filepath.Join(dir, "rec"), "10", "10000", out}, tc.args...)...)
		b, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(b), tc.want) {
			t.Errorf("args %v: err %v, output %q; want a failure saying %q", tc.args, err, b, tc.want)
		}
	}
}

// TestMoonGenMarginals runs the script of a profile whose chains carry
// marginal maps (testdata/marginals.yaml) for 20000 packets a direction and
// compares it with 100000 draws of the Go sampler: KS of sizes and of gaps
// ≤ 0.03, and the values the maps repeat (runs of equal x) come out exactly,
// as often as from the sampler within 0.02. The draws are Markov-correlated,
// so a frequency's spread is a few times the binomial one (≈ 0.008 here);
// a script that un-scaled the draws instead of mapping them would give
// these values almost never and KS far above 0.1.
func TestMoonGenMarginals(t *testing.T) {
	const n, ref = 20000, 100000
	p := loadProfile(t, "testdata/marginals.yaml")
	obj := &p.Objects[0]
	rs, _ := runMoonGen(t, p, Options{Model: sampler.HMM, Seed: 3}, n, "0", "1")
	ports := byPort(rs)
	// The script's delay of a gap of x seconds, as its txTask computes it
	// (toBytes = 1e9 / rate * linkMbps / 8000, rate 1).
	delayOf := func(x float64) int64 { return int64(math.Floor(x*(1e9*moonLink/8000) + 0.5)) }
	for _, tc := range []struct {
		dir        profiles.Dir
		port       int
		gap, size  float64 // a value the maps repeat; 0: none
		minGapFrq  float64 // the sampler's least frequency of them, so the check has teeth
		minSizeFrq float64
	}{
		{profiles.From, 0, 0.02, 100, 0.1, 0.3},
		{profiles.To, 1, 0.02, 0, 0.2, 0},
	} {
		dm := obj.Dir(tc.dir)
		if len(ports[tc.port]) < n {
			t.Fatalf("%s: %d packets on port %d, want ≥ %d", tc.dir, len(ports[tc.port]), tc.port, n)
		}
		gaps, sizes := gapsSizes(ports[tc.port], n)
		wantGaps, wantSizes := modelDraws(t, dm, sampler.HMM, 99, ref)
		ksSize, ksGap := ks(sizes, wantSizes), ks(gaps, wantGaps)
		t.Logf("%s: KS size %.4f, KS gap %.4f", tc.dir, ksSize, ksGap)
		if ksSize > 0.03 || ksGap > 0.03 {
			t.Errorf("%s: KS size %.4f, KS gap %.4f; want both ≤ 0.03", tc.dir, ksSize, ksGap)
		}
		freq := func(xs []float64, x float64) float64 {
			k := 0
			for _, v := range xs {
				if v == x {
					k++
				}
			}
			return float64(k) / float64(len(xs))
		}
		if tc.gap > 0 {
			// Compared as delays: the record holds whole byte-times.
			want := delayOf(tc.gap)
			k := 0
			for _, r := range ports[tc.port][1:n] {
				if r.delay == want {
					k++
				}
			}
			got, ref := float64(k)/float64(n-1), freq(wantGaps, tc.gap)
			t.Logf("%s: gap of exactly %g s: script %.4f, sampler %.4f", tc.dir, tc.gap, got, ref)
			if ref < tc.minGapFrq || math.Abs(got-ref) > 0.02 {
				t.Errorf("%s: gap of exactly %g s (delay %d): script %.4f, sampler %.4f; want the sampler's ≥ %g and within 0.02",
					tc.dir, tc.gap, want, got, ref, tc.minGapFrq)
			}
		}
		if tc.size > 0 {
			got, ref := freq(sizes, tc.size), freq(wantSizes, tc.size)
			t.Logf("%s: size of exactly %g: script %.4f, sampler %.4f", tc.dir, tc.size, got, ref)
			if ref < tc.minSizeFrq || math.Abs(got-ref) > 0.02 {
				t.Errorf("%s: size of exactly %g: script %.4f, sampler %.4f; want the sampler's ≥ %g and within 0.02",
					tc.dir, tc.size, got, ref, tc.minSizeFrq)
			}
		}
	}
}

// TestPruneRuns checks that leaving out the interior knots of runs of equal
// x changes no value of the map, bit for bit, at the knots, between them and
// beyond the ends.
func TestPruneRuns(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    profiles.Marginal
		keep int
	}{
		{"no run", profiles.Marginal{Z: []float64{-1, 0, 1}, X: []float64{1, 2, 3}}, 3},
		{"two equal", profiles.Marginal{Z: []float64{-1, 0, 1}, X: []float64{2, 2, 3}}, 3},
		{"inner run", profiles.Marginal{Z: []float64{-2, -1, -0.3, 0, 0.7, 1, 2}, X: []float64{1, 5, 5, 5, 5, 6, 9}}, 5},
		{"runs at the ends", profiles.Marginal{Z: []float64{-3, -2, -1, 0, 1, 2, 3}, X: []float64{4, 4, 4, 7, 9, 9, 9}}, 5},
		{"flat", profiles.Marginal{Z: []float64{-1, 0, 0.5, 1}, X: []float64{3, 3, 3, 3}}, 2},
	} {
		z, x := pruneRuns(tc.m.Z, tc.m.X)
		if len(z) != tc.keep || len(x) != tc.keep {
			t.Errorf("%s: kept %d z and %d x, want %d", tc.name, len(z), len(x), tc.keep)
		}
		pruned := profiles.Marginal{Z: z, X: x}
		var vs []float64
		for i, zi := range tc.m.Z {
			vs = append(vs, zi, math.Nextafter(zi, math.Inf(-1)), math.Nextafter(zi, math.Inf(1)))
			if i > 0 {
				vs = append(vs, (zi+tc.m.Z[i-1])/2, zi-(zi-tc.m.Z[i-1])/3)
			}
		}
		vs = append(vs, -10, 10, math.NaN())
		for _, v := range vs {
			a, b := sampler.Marginal(&tc.m, v), sampler.Marginal(&pruned, v)
			if math.Float64bits(a) != math.Float64bits(b) {
				t.Errorf("%s: at %v the map gives %v, pruned %v", tc.name, v, a, b)
			}
		}
	}
}
