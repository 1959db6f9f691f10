package exporters

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/estimate"
	"github.com/gmm2trex/gmm2trex/metrics"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/profiles/builtin"
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
	src, dst          string
	sport, dport      int
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
		if _, err := fmt.Sscan(sc.Text(), &r.task, &r.port, &r.queue, &r.size, &r.payload, &r.delay, &r.src, &r.sport, &r.dst, &r.dport); err != nil {
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

// TestMoonGenOneStateChains runs the script of a direction whose order
// carries no evidence (estimate gives it chains of one state, their draws
// carried by the marginal maps) and compares it with the Go sampler: KS of
// sizes and of gaps ≤ 0.05, walked draw by draw and in blocks.
func TestMoonGenOneStateChains(t *testing.T) {
	const n = 20000
	r := rand.New(rand.NewPCG(4, 4))
	var iat, size []float64
	for range 600 {
		iat = append(iat, math.Round(math.Exp(-4+r.NormFloat64())*1e6)/1e6)
		size = append(size, float64([]int{60, 160, 172, 1200}[r.IntN(4)]))
	}
	d, err := estimate.FitDirection(iat, size, estimate.DirectionOptions{
		GMM: estimate.GMMOptions{Seed: 1}, Temporal: &estimate.TemporalOptions{Seed: 1}, Choose: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.HMM == nil || len(d.HMM.Chains) != 2 || len(d.HMM.Chains[0].States) != 1 || len(d.HMM.Chains[1].States) != 1 {
		t.Skip("this draw got a searched chain (its order tested as not independent): nothing to check")
	}
	for _, block := range []int{0, 600} {
		dm := *d
		h := *d.HMM
		h.Chains = slices.Clone(h.Chains)
		for i := range h.Chains {
			h.Chains[i].Block = block
		}
		dm.HMM, dm.Bursts = &h, nil
		p := loadTiny(t)
		p.Objects[0].From = &dm
		rs, _ := runMoonGen(t, p, Options{Model: sampler.HMM, Seed: 7, Dirs: []profiles.Dir{profiles.From}}, n, "0")
		ports := byPort(rs)
		if len(ports) != 1 || len(ports[0]) < n {
			t.Fatalf("block %d: want %d packets on port 0, got %d ports", block, n, len(ports))
		}
		gaps, sizes := gapsSizes(ports[0], n)
		wantGaps, wantSizes := modelDraws(t, &dm, sampler.HMM, 99, n)
		ksSize, ksGap := ks(sizes, wantSizes), ks(gaps, wantGaps)
		t.Logf("block %d: KS size %.4f, KS gap %.4f", block, ksSize, ksGap)
		if ksSize > 0.05 || ksGap > 0.05 {
			t.Errorf("block %d: KS size %.4f, KS gap %.4f; want both ≤ 0.05", block, ksSize, ksGap)
		}
	}
}

// TestMoonGenBursts runs a direction with an on/off layer (bursts) under
// the stand-in, over both models, and compares it with the Go sampler: KS
// of gaps ≤ 0.05, the same share of idle gaps (those above the threshold)
// within 10 %, and no gap between the threshold and the smallest idle gap;
// bursts drawn one by one and in blocks (profiles.Bursts.Block).
func TestMoonGenBursts(t *testing.T) {
	const n = 20000
	b := &profiles.Bursts{Threshold: 0.01,
		Packets: profiles.Marginal{Z: []float64{-2, 2}, X: []float64{1, 40}},
		Idle:    profiles.Marginal{Z: []float64{-2, 0, 2}, X: []float64{0.2, 0.5, 2}}}
	idleShare := func(gaps []float64) float64 {
		k := 0
		for _, g := range gaps {
			if g > b.Threshold+1e-8 {
				k++
			}
		}
		return float64(k) / float64(len(gaps))
	}
	blocked := *b
	blocked.Block = 50
	for _, c := range []struct {
		m sampler.Model
		b *profiles.Bursts
	}{{sampler.IID, b}, {sampler.HMM, b}, {sampler.HMM, &blocked}} {
		m, b := c.m, c.b
		p := loadTiny(t)
		p.Objects[0].From.Bursts = b
		rs, _ := runMoonGen(t, p, Options{Model: m, Seed: 7, Dirs: []profiles.Dir{profiles.From}}, n, "0")
		ports := byPort(rs)
		if len(ports[0]) < n {
			t.Fatalf("%v: %d packets, want %d", m, len(ports[0]), n)
		}
		gaps, _ := gapsSizes(ports[0], n)
		want, _ := modelDraws(t, p.Objects[0].From, m, 99, n)
		for i, g := range gaps {
			if g > b.Threshold+1e-8 && g < b.Idle.X[0]-1e-8 {
				t.Fatalf("%v: gap %d = %g s: above the threshold, below every idle gap", m, i+1, g)
			}
		}
		ksGap, got, exp := ks(gaps, want), idleShare(gaps), idleShare(want)
		t.Logf("%v, block %d: KS gap %.4f, idle gaps %.4f (Go sampler %.4f)", m, b.Block, ksGap, got, exp)
		if ksGap > 0.05 {
			t.Errorf("%v: KS gap %.4f against the Go sampler, want ≤ 0.05", m, ksGap)
		}
		if math.Abs(got-exp) > 0.1*exp {
			t.Errorf("%v: idle gaps are %.4f of all, the Go sampler's %.4f: want within 10 %%", m, got, exp)
		}
	}
}

// TestMoonGenMixtureMaps: independent draws through a mixture's map in
// the script, as in the Go sampler — half the sizes exactly 100 bytes.
func TestMoonGenMixtureMaps(t *testing.T) {
	const n = 20000
	p := loadTiny(t)
	d := p.Objects[0].From
	mean := d.Size.Mixture[0].Mean
	d.Size = profiles.Param{Min: 100, Max: 300, Mixture: []profiles.Component{{Weight: 1, Mean: mean, Std: 10}},
		Marginal: &profiles.Marginal{Z: []float64{mean - 30, mean, math.Nextafter(mean, math.Inf(1)), mean + 30}, X: []float64{100, 100, 200, 300}}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	rs, _ := runMoonGen(t, p, Options{Model: sampler.IID, Seed: 5, Dirs: []profiles.Dir{profiles.From}}, n, "0")
	_, sizes := gapsSizes(byPort(rs)[0], n)
	_, want := modelDraws(t, d, sampler.IID, 99, n)
	exact := 0
	for _, s := range sizes {
		if s == 100 {
			exact++
		}
	}
	share, k := float64(exact)/n, ks(sizes, want)
	t.Logf("script: %.4f of sizes exactly 100 bytes (the map: 0.5), KS against the Go sampler %.4f", share, k)
	if math.Abs(share-0.5) > 0.02 || k > 0.03 {
		t.Errorf("script: %.4f of sizes exactly 100, KS %.4f against the Go sampler; want 0.5 ± 0.02 and ≤ 0.03", share, k)
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

// TestMoonGenMarginals runs the script of profiles whose chains carry
// marginal maps for 20000 packets a direction and compares it with 100000
// draws of the Go sampler: KS of sizes and of gaps within the sampler's
// own spread (0.03, 0.08 for a slowly drifting chain), and values the
// maps repeat (runs of equal x) come out exactly, as often as from the
// sampler within 0.02. testdata/marginals.yaml is made for it (its scale is
// unlike its maps); the built-in RTP sample is what the estimator writes
// (256 knots, long runs). The draws are Markov-correlated, so a spread is a
// few times the independent one (a frequency's ≈ 0.008 here). A script that
// un-scaled the draws instead of mapping them fails in every direction (a
// KS of 0.1 to 0.7, the repeated values half as often or never).
func TestMoonGenMarginals(t *testing.T) {
	type repeated struct {
		dir                   profiles.Dir
		port                  int
		gap, size             float64 // a value the maps repeat; 0: none
		minGapFrq, minSizeFrq float64 // the sampler's least frequency of them, so the check has teeth
	}
	for _, pc := range []struct {
		path  string
		block int // every chain walked in blocks of this many steps; 0: none
		ksTol float64
		reps  []repeated
	}{
		{"testdata/marginals.yaml", 0, 0.03, []repeated{
			{profiles.From, 0, 0.02, 100, 0.1, 0.3},
			{profiles.To, 1, 0.02, 0, 0.2, 0},
		}},
		// The remote side sends RTP of 172 bytes; 57 is the local side's
		// commonest size. The local side's sizes drift slowly, so 20000 of
		// them are far from independent: the sampler's own KS against
		// itself reaches 0.055 in 12 seeds.
		{"../profiles/builtin/sample-rtp.profile.yaml", 0, 0.08, []repeated{
			{profiles.From, 0, 0, 57, 0, 0.05},
			{profiles.To, 1, 0, 172, 0, 0.5},
		}},
		// Walked in blocks (every chain with maps), each block's values are draws of the capture's
		// distribution whatever the slow drift: the script and the
		// sampler agree far more closely (KS 0.005-0.007 here against
		// 0.018-0.027 without blocks: the tolerance has teeth).
		{"testdata/marginals.yaml", 256, 0.015, []repeated{
			{profiles.From, 0, 0.02, 100, 0.1, 0.3},
			{profiles.To, 1, 0.02, 0, 0.2, 0},
		}},
		{"../profiles/builtin/sample-rtp.profile.yaml", 1024, 0.015, []repeated{
			{profiles.From, 0, 0, 57, 0, 0.05},
			{profiles.To, 1, 0, 172, 0, 0.5},
		}},
	} {
		const n = 20000
		p := loadProfile(t, pc.path)
		obj := &p.Objects[0]
		if pc.block > 0 {
			for _, d := range []*profiles.Direction{obj.From, obj.To} {
				for i := range d.HMM.Chains {
					if d.HMM.Chains[i].Marginals != nil {
						d.HMM.Chains[i].Block = pc.block
					}
				}
			}
			if err := p.Validate(); err != nil {
				t.Fatal(err)
			}
		}
		rs, _ := runMoonGen(t, p, Options{Model: sampler.HMM, Seed: 3, Objects: []string{obj.ID}}, n, "0", "1")
		ports := byPort(rs)
		for _, tc := range pc.reps {
			name := fmt.Sprintf("%s (block %d) %s", filepath.Base(pc.path), pc.block, tc.dir)
			if len(ports[tc.port]) < n {
				t.Fatalf("%s: %d packets on port %d, want ≥ %d", name, len(ports[tc.port]), tc.port, n)
			}
			gaps, sizes := gapsSizes(ports[tc.port], n)
			wantGaps, wantSizes := modelDraws(t, obj.Dir(tc.dir), sampler.HMM, 99, 100000)
			gaps, wantGaps = moonDelays(gaps), moonDelays(wantGaps)
			ksSize, ksGap := ks(sizes, wantSizes), ks(gaps, wantGaps)
			t.Logf("%s: KS size %.4f, KS gap %.4f", name, ksSize, ksGap)
			if ksSize > pc.ksTol || ksGap > pc.ksTol {
				t.Errorf("%s: KS size %.4f, KS gap %.4f; want both ≤ %g", name, ksSize, ksGap, pc.ksTol)
			}
			for _, c := range []struct {
				what      string
				x, minFrq float64
				at        float64 // x in the compared units
				got, want []float64
			}{
				{"gap", tc.gap, tc.minGapFrq, moonDelays([]float64{tc.gap})[0], gaps, wantGaps},
				{"size", tc.size, tc.minSizeFrq, tc.size, sizes, wantSizes},
			} {
				if c.x == 0 {
					continue
				}
				got, want := frequency(c.got, c.at), frequency(c.want, c.at)
				t.Logf("%s: %s of exactly %g: script %.4f, sampler %.4f", name, c.what, c.x, got, want)
				if want < c.minFrq || math.Abs(got-want) > 0.02 {
					t.Errorf("%s: %s of exactly %g: script %.4f, sampler %.4f; want the sampler's ≥ %g and the script's within 0.02 of it",
						name, c.what, c.x, got, want, c.minFrq)
				}
			}
		}
	}
}

// moonDelays turns gaps (seconds) into the script's delays, whole
// byte-times at the stand-in's link speed (toBytes = 1e9 / rate * linkMbps
// / 8000, rate 1). Gaps are compared as delays: seconds read back from a
// delay can be an ulp off the sampler's value, which would split every
// repeated gap in two.
func moonDelays(gaps []float64) []float64 {
	d := make([]float64, len(gaps))
	for i, g := range gaps {
		d[i] = math.Floor(g*(1e9*moonLink/8000) + 0.5)
	}
	return d
}

// frequency is the share of xs equal to x.
func frequency(xs []float64, x float64) float64 {
	k := 0
	for _, v := range xs {
		if v == x {
			k++
		}
	}
	return float64(k) / float64(len(xs))
}

// TestRunKnots checks that leaving out the interior knots of runs of equal
// x changes no value of the map, bit for bit, at the knots, between them and
// beyond the ends.
func TestRunKnots(t *testing.T) {
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
		keep := runKnots(tc.m.X)
		sel := func(xs []float64) []float64 {
			if keep == nil {
				return xs
			}
			var out []float64
			for _, k := range keep {
				out = append(out, xs[k])
			}
			return out
		}
		z, x := sel(tc.m.Z), sel(tc.m.X)
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

// At the default model each direction plays its profile's choice: a
// direction that chose the mixtures gets no chains in the script.
func TestMoonGenAutoPerDirection(t *testing.T) {
	p, err := builtin.Load("skype-call")
	if err != nil {
		t.Fatal(err)
	}
	p.Objects[0].From.Model, p.Objects[0].To.Model = profiles.ModelHMM, profiles.ModelIID
	var b bytes.Buffer
	if err := Write(&b, p, "moongen", Options{Model: sampler.Auto, Seed: 1, Count: 10}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "chains = {"); n != 1 {
		t.Errorf("%d directions with chains, want 1 (from plays hmm, to iid)", n)
	}
}
