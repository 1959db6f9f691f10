package native

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/gmm2trex/gmm2trex/trace"
)

// TestCaptureOrientedAndOrdered: both sides' captures of a run, read as
// trace reads them, hold the data flow with the local side first (its
// 'from' what the local side sent), in time order. The remote side's used
// to start with its own first packet, which flipped the flow, and wrote
// frames in the order the socket delivered them.
func TestCaptureOrientedAndOrdered(t *testing.T) {
	r := runPair(t, UDP, 3*time.Second, nil)
	for side := range 2 {
		if r.errs[side] != nil {
			t.Fatalf("%v side: %v", Role(side), r.errs[side])
		}
	}
	p := r.pair
	want := trace.FlowID("UDP", netip.AddrPortFrom(p.IP[0], DefaultDataPort), netip.AddrPortFrom(p.IP[1], DefaultDataPort))
	for side := range 2 {
		c, err := trace.ReadFile(r.caps[side], trace.Options{SkipHash: true})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		var flow *trace.Object
		for _, o := range c.Objects {
			ids = append(ids, o.ID)
			if o.Proto == "UDP" {
				flow = o
			}
		}
		t.Logf("%v side's capture: %d packets, objects %q, disorder %+v", Role(side), c.Packets, ids, c.Disorder)
		if flow == nil || flow.ID != want {
			t.Errorf("%v side's capture: data flow %v, want %q", Role(side), ids, want)
			continue
		}
		if c.Disorder.Packets != 0 {
			t.Errorf("%v side's capture: %s", Role(side), c.DisorderErr())
		}
		local, remote := r.reports[0], r.reports[1]
		if got := fmt.Sprint(flow.From.Len(), flow.To.Len()); got != fmt.Sprint(local.Sent.Packets, remote.Sent.Packets) {
			t.Errorf("%v side's capture: from/to %s packets, want local sent %d, remote sent %d", Role(side), got, local.Sent.Packets, remote.Sent.Packets)
		}
	}
}
