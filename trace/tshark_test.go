package trace

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/internal/sharedtest"
)

// tsharkFlows derives, from tshark's own dissection, the flows of a capture
// and per direction the packets that carry TCP/UDP payload: the counts that
// flows prints by default. Orientation is by the flow's first packet, with
// or without payload (DESIGN.md). IP reassembly is off, as the reader does
// not reassemble; ICMP errors quoting a UDP header are not UDP packets.
// It returns nil for a capture with tunnelled packets, which tshark's fields
// cannot be compared on.
func tsharkFlows(t *testing.T, path string) map[string][2]int {
	t.Helper()
	out, err := exec.Command("tshark", "-r", path, "-o", "ip.defragment:FALSE",
		"-Y", "(udp or tcp) and not icmp and not icmpv6",
		"-T", "fields", "-E", "separator=/t", "-e", "ip.src", "-e", "ipv6.src", "-e", "ip.dst", "-e", "ipv6.dst",
		"-e", "udp.srcport", "-e", "udp.dstport", "-e", "udp.length", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.len").Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(out) > 0 {
		// tshark exits 2 on a capture cut short, after printing what it
		// read, as the reader does.
		t.Logf("tshark on %s: %v: %s", path, err, ee.Stderr)
	} else if err != nil {
		t.Fatalf("tshark on %s: %v", path, err)
	}
	type side struct {
		proto string
		a, b  netip.AddrPort
	}
	first := map[side]string{} // either orientation -> id
	counts := map[string][2]int{}
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if line == "" {
			continue // no packets at all
		}
		f := strings.Split(line, "\t")
		if len(f) != 10 {
			t.Fatalf("tshark line %q: %d fields", line, len(f))
		}
		src, dst := f[0]+f[1], f[2]+f[3]
		if (f[0] != "" && f[1] != "") || strings.Contains(line, ",") {
			// A tunnel (6in4, Teredo, IP in IP): tshark reports inner
			// and outer headers together, the reader only the outer.
			return nil
		}
		proto, sp, dp, plen := "UDP", f[4], f[5], -1
		if f[4] != "" {
			l, _ := strconv.Atoi(f[6])
			plen = l - 8
		} else {
			proto, sp, dp = "TCP", f[7], f[8]
			plen, _ = strconv.Atoi(f[9])
		}
		spn, _ := strconv.Atoi(sp)
		dpn, _ := strconv.Atoi(dp)
		a := netip.AddrPortFrom(netip.MustParseAddr(src), uint16(spn))
		b := netip.AddrPortFrom(netip.MustParseAddr(dst), uint16(dpn))
		id, ok := first[side{proto, a, b}]
		if !ok {
			id = FlowID(proto, a, b)
			first[side{proto, a, b}], first[side{proto, b, a}] = id, id
		}
		if plen <= 0 {
			continue
		}
		c := counts[id]
		if strings.HasPrefix(id, proto+" "+hostPort(a)+" ") {
			c[0]++
		} else {
			c[1]++
		}
		counts[id] = c
	}
	return counts
}

func readerFlows(t *testing.T, path string) map[string][2]int {
	t.Helper()
	c, err := ReadFile(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]int{}
	for _, o := range c.Objects {
		got[o.ID] = [2]int{o.From.Len(), o.To.Len()}
	}
	return got
}

func diffFlows(t *testing.T, label string, got, want map[string][2]int) {
	t.Helper()
	for _, id := range slices.Sorted(maps.Keys(want)) {
		if got[id] != want[id] {
			t.Errorf("%s: %s: reader %v, tshark %v", label, id, got[id], want[id])
		}
	}
	for _, id := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[id]; !ok {
			t.Errorf("%s: %s: reader %v, not in tshark's list", label, id, got[id])
		}
	}
}

// TestTsharkCounts compares the reader with counts that tshark 4.0 derived
// from ../shared/pcaps (see tsharkFlows; regenerate with
// GMM2TREX_PRINT_TSHARK=1 go test -run TestTsharkRederive ./trace).
func TestTsharkCounts(t *testing.T) {
	for _, name := range slices.Sorted(maps.Keys(tsharkExpected)) {
		path := sharedtest.Path(t, "pcaps", name)
		diffFlows(t, name, readerFlows(t, path), tsharkExpected[name])
	}
}

// TestTsharkRederive runs tshark itself, when installed, on every shared
// capture: the constants above must still be what it says, and so must the
// reader.
func TestTsharkRederive(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark is not installed (apt-get install tshark)")
	}
	files, _ := filepath.Glob(filepath.Join(sharedtest.Dir(t), "pcaps", "*.pcap"))
	for _, path := range files {
		name := filepath.Base(path)
		want := tsharkFlows(t, path)
		if os.Getenv("GMM2TREX_PRINT_TSHARK") != "" {
			fmt.Printf("\t%q: {\n", name)
			for _, id := range slices.Sorted(maps.Keys(want)) {
				fmt.Printf("\t\t%q: {%d, %d},\n", id, want[id][0], want[id][1])
			}
			fmt.Printf("\t},\n")
		}
		if exp, ok := tsharkExpected[name]; ok {
			diffFlows(t, name+" (constants vs tshark now)", exp, want)
		}
		diffFlows(t, name, readerFlows(t, path), want)
	}
	// The corpus too, when asked (it takes a while with tshark's start-up
	// per file): GMM2TREX_TSHARK_CORPUS=1.
	if os.Getenv("GMM2TREX_TSHARK_CORPUS") == "" {
		return
	}
	filepath.WalkDir(filepath.Join(sharedtest.Dir(t), "corpus"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".md") {
			return err
		}
		if want := tsharkFlows(t, path); want != nil {
			diffFlows(t, filepath.Base(path), readerFlows(t, path), want)
		} else {
			t.Logf("%s: tunnelled packets, not compared", path)
		}
		return nil
	})
}
