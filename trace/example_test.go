package trace_test

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/gmm2trex/gmm2trex/internal/samplecap"
	"github.com/gmm2trex/gmm2trex/trace"
)

// Read the embedded sample capture as flows, then trim the main flow's
// sending direction for fitting as estimate does (IATs between the 3rd and
// 97th percentiles).
func ExampleRead() {
	data := samplecap.Bytes()
	c, err := trace.Read(bytes.NewReader(data), samplecap.Name, int64(len(data)), trace.Options{Kind: trace.Flow})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Packets, "packets, skipped:", c.Skipped)
	for _, o := range c.Objects {
		fmt.Printf("%s: from %d, to %d\n", o.ID, o.From.Len(), o.To.Len())
	}
	main := c.Objects[0]
	t := trace.Trim(main.From, 3, 97)
	fmt.Printf("from, trimmed: %d packets, IATs %.4f..%.4f s\n", t.Len(), slices.Min(t.IAT), slices.Max(t.IAT))
	// Output:
	// 3177 packets, skipped: map[non-ip:6 other-transport:17]
	// UDP 198.18.0.1:5004 198.18.0.2:5004: from 1501, to 1641
	// UDP 198.18.0.1:5005 198.18.0.2:5005: from 6, to 6
	// from, trimmed: 1410 packets, IATs 0.0005..0.0358 s
}
