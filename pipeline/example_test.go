package pipeline_test

import (
	"context"
	"fmt"

	"github.com/gmm2trex/gmm2trex/internal/samplecap"
	"github.com/gmm2trex/gmm2trex/pipeline"
)

// Estimate turns a capture into a profile with the settings of `gmm2trex
// estimate`; a program reading a file would call EstimateFile.
func Example() {
	s := pipeline.DefaultSettings()
	c, err := samplecap.Open(s.TraceOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := pipeline.Estimate(context.Background(), c, s)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range res.Profile.Objects {
		fmt.Printf("%s: from %d packets, %d size and %d gap components\n",
			o.ID, o.From.Packets, len(o.From.Size.Mixture), len(o.From.IAT.Mixture))
	}
	for _, sk := range res.Skipped {
		fmt.Println("skipped", sk)
	}
	// Output:
	// UDP 198.18.0.1:5004 198.18.0.2:5004: from 1500 packets, 2 size and 9 gap components
	// skipped UDP 198.18.0.1:5005 198.18.0.2:5005: from 6, to 6
}
