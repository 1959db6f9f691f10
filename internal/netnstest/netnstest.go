// Package netnstest gives tests two network namespaces joined by a veth
// pair, created for the test and removed when it ends, so that traffic
// between real programs never leaves the machine. It needs root and the ip
// command (iproute2); without them the test is skipped with the reason.
package netnstest

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Pair is two namespaces, side 0 and side 1, joined by a veth pair. The
// addresses are in 198.18.0.0/15 (RFC 2544's benchmarking range) and exist
// only inside the namespaces.
type Pair struct {
	NS    [2]string           // namespace names (as for ip netns exec)
	Iface [2]string           // the veth end inside each namespace
	IP    [2]netip.Addr       // 198.18.0.1 and 198.18.0.2
	MAC   [2]net.HardwareAddr // 02:00:00:00:00:01 and :02, fixed so that frames can be built in advance
}

var seq atomic.Int64

// Available reports why namespace tests cannot run here, or "" when they can.
func Available() string {
	if os.Geteuid() != 0 {
		return "needs root for network namespaces (CI runs as root)"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "needs the ip command (apt-get install iproute2)"
	}
	return ""
}

// New creates the pair, or skips the test when that is impossible here.
// Everything is removed when the test ends. The test also holds the
// machine-wide timing lock (see Exclusive) until it ends.
func New(t testing.TB) *Pair {
	t.Helper()
	if why := Available(); why != "" {
		t.Skip(why)
	}
	Exclusive(t)
	id := fmt.Sprintf("%d%d", os.Getpid()%100000, seq.Add(1))
	p := &Pair{
		NS:    [2]string{"g2t" + id + "a", "g2t" + id + "b"},
		Iface: [2]string{"veth" + id + "a", "veth" + id + "b"},
		IP:    [2]netip.Addr{netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.2")},
		MAC: [2]net.HardwareAddr{
			{0x02, 0, 0, 0, 0, 0x01},
			{0x02, 0, 0, 0, 0, 0x02},
		},
	}
	if len(p.Iface[0]) > 15 {
		t.Fatalf("interface name %q too long", p.Iface[0])
	}
	t.Cleanup(func() {
		for _, ns := range p.NS {
			exec.Command("ip", "netns", "del", ns).Run()
		}
	})
	steps := [][]string{
		{"netns", "add", p.NS[0]},
		{"netns", "add", p.NS[1]},
		{"link", "add", p.Iface[0], "netns", p.NS[0], "type", "veth", "peer", "name", p.Iface[1], "netns", p.NS[1]},
	}
	for _, s := range steps {
		ip(t, s...)
	}
	for i := range 2 {
		ns := []string{"-n", p.NS[i]}
		ip(t, append(ns, "link", "set", "lo", "up")...)
		ip(t, append(ns, "link", "set", p.Iface[i], "address", p.MAC[i].String())...)
		ip(t, append(ns, "addr", "add", p.IP[i].String()+"/24", "dev", p.Iface[i])...)
		ip(t, append(ns, "link", "set", p.Iface[i], "up")...)
		// Static neighbours: no ARP exchange in captures, no first-packet delay.
		ip(t, append(ns, "neigh", "replace", p.IP[1-i].String(), "lladdr", p.MAC[1-i].String(), "dev", p.Iface[i], "nud", "permanent")...)
		// IPv6 autoconfiguration would add router solicitations to captures.
		exec.Command("ip", "netns", "exec", p.NS[i], "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1").Run()
	}
	return p
}

// lockPath is shared by every test process of this project on the machine.
var lockPath = filepath.Join(os.TempDir(), "gmm2trex-timing.lock")

// Exclusive makes the test the only timing-sensitive one running on the
// machine until it ends. go test runs packages in parallel processes, and a
// traffic test measures gaps of tens of microseconds: the native sender's
// real-time spinning pacer in one package starves tcpreplay or D-ITG in
// another, whose gap statistics then fail for reasons that are not theirs.
// The lock is an flock on a file in the temporary directory, released when
// the test ends (or its process dies). Tests of one process that take it
// must not run in parallel with each other.
func Exclusive(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("timing lock: %v", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("timing lock %s: %v", lockPath, err)
	}
	t.Cleanup(func() {
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
	})
}

func ip(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// Command returns a command that runs name inside side's namespace.
func (p *Pair) Command(side int, name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", p.NS[side], name}, args...)...)
}

// Do runs fn on an OS thread that has entered side's namespace; sockets
// opened by fn belong to that namespace and keep working after Do returns.
func (p *Pair) Do(side int, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		// The thread is never unlocked: after switching namespaces it must not
		// return to the pool, so it exits with this goroutine.
		runtime.LockOSThread()
		h, err := netns.GetFromName(p.NS[side])
		if err != nil {
			errc <- fmt.Errorf("netns %s: %w", p.NS[side], err)
			return
		}
		defer h.Close()
		if err := netns.Set(h); err != nil {
			errc <- fmt.Errorf("enter netns %s: %w", p.NS[side], err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// FreePort returns a port that is free for both TCP and UDP on this host
// just now, for tests whose two sides must agree on one port.
func FreePort(t testing.TB) int {
	t.Helper()
	for range 100 {
		l, err := net.ListenTCP("tcp", &net.TCPAddr{})
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenUDP("udp", &net.UDPAddr{Port: port})
		l.Close()
		if err == nil {
			u.Close()
			return port
		}
	}
	t.Fatal("no port free for both TCP and UDP")
	return 0
}
