package sampler_test

import (
	"fmt"

	"github.com/gmm2trex/gmm2trex/profiles/builtin"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// A Stream merges an object's two directions on one timeline; the same
// seed gives the same packets.
func Example() {
	p, err := builtin.Load("skype-call")
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := sampler.New(&p.Objects[0], sampler.Options{Model: sampler.HMM, Seed: 1, Count: 1000})
	if err != nil {
		fmt.Println(err)
		return
	}
	var n [2]int
	var last float64
	var pkt sampler.Packet
	for s.Next(&pkt) {
		n[pkt.Dir]++
		last = pkt.Time
	}
	fmt.Printf("from %d, to %d packets, the last at %.0f s\n", n[0], n[1], last)
	// Output:
	// from 1000, to 1000 packets, the last at 28 s
}
