package exporters

import (
	"fmt"
	"io"
	"testing"

	"github.com/gmm2trex/gmm2trex/profiles"
)

// manyObjects is the built-in sample-rtp's object repeated n times under
// distinct ids and addresses (an office capture's flows, as far as the
// writers' costs go).
func manyObjects(t testing.TB, n int) *profiles.Profile {
	p := loadProfile(t, "../profiles/builtin/sample-rtp.profile.yaml")
	o := p.Objects[0]
	p.Objects = make([]profiles.Object, n)
	for i := range p.Objects {
		c := o
		c.Local.IP = fmt.Sprintf("10.%d.%d.1", i>>8&255, i&255)
		c.Local.Port = 5000 + i%1000
		c.ID = fmt.Sprintf("UDP %s:%d %s:%d", c.Local.IP, c.Local.Port, c.Remote.IP, c.Remote.Port)
		p.Objects[i] = c
	}
	return p
}

// exportPackets writes a pcap of about total packets over the objects of p,
// named one by one (as an ids file names them), to io.Discard.
func exportPackets(t testing.TB, p *profiles.Profile, total int) {
	ids := p.IDs()
	o := Options{Objects: ids, Count: max(1, total/(2*len(ids))), Seed: 1}
	if err := Write(io.Discard, p, "pcap", o); err != nil {
		t.Fatal(err)
	}
}

// The cost of a packet does not grow with the number of objects it is
// spread over: issue 18 measured 6.6 s for 400k packets over 2,000 objects
// and 60.6 s over 20,000 (a linear scan per packet).
func BenchmarkPcapObjects(b *testing.B) {
	const total = 200_000
	for _, n := range []int{200, 2000, 20000} {
		p := manyObjects(b, n)
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			for b.Loop() {
				exportPackets(b, p, total)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*total), "ns/packet")
		})
	}
}
