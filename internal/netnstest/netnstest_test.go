package netnstest

import (
	"net"
	"testing"
	"time"
)

// TestPairCarriesUDP sends a datagram from side 0 to side 1 across the veth.
func TestPairCarriesUDP(t *testing.T) {
	p := New(t)
	var conn *net.UDPConn
	if err := p.Do(1, func() (err error) {
		conn, err = net.ListenUDP("udp4", &net.UDPAddr{IP: p.IP[1].AsSlice(), Port: 9000})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := p.Do(0, func() error {
		c, err := net.Dial("udp4", net.JoinHostPort(p.IP[1].String(), "9000"))
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write([]byte("hello"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 64)
	n, from, err := conn.ReadFromUDP(buf)
	if err != nil {
		t.Fatal(err)
	}
	if string(buf[:n]) != "hello" || !from.IP.Equal(p.IP[0].AsSlice()) {
		t.Fatalf("got %q from %v", buf[:n], from)
	}
	if out, err := p.Command(0, "ip", "-br", "link").CombinedOutput(); err != nil {
		t.Fatalf("Command: %v %s", err, out)
	}
}
