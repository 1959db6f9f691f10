package report_test

import (
	"fmt"
	"os"

	"github.com/gmm2trex/gmm2trex/internal/samplecap"
	"github.com/gmm2trex/gmm2trex/report"
	"github.com/gmm2trex/gmm2trex/trace"
)

// Flows lists a capture's objects as `gmm2trex flows --min-packets 100` does.
func ExampleFlows() {
	c, err := samplecap.Open(trace.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	report.Flows(os.Stdout, c, 100)
	// Output:
	// OBJECT                               KIND      FROM        TO      TOTAL  #
	// UDP 198.18.0.1:5004 198.18.0.2:5004  flow      1501      1641       3142  #1
	//
	// read 3177 packets from ffmpeg-rtp.pcap (30.709 s from 2026-11-26T23:01:42.22522Z): 3154 used in 2 objects, 1 listed (1 below --min-packets 100)
	// skipped: non-ip 6, other-transport 17
}
