package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/gmm2trex/gmm2trex/trace"
)

// FlowsDoc is the JSON document of `gmm2trex flows --json` (DESIGN.md, "The
// CLI contract"): the objects with their packet counts, untrimmed, and what
// was read. Its field order is part of the contract.
type FlowsDoc struct {
	Objects []FlowsObject `json:"objects"`
	Read    FlowsRead     `json:"read"`
}

// FlowsObject is one object of a FlowsDoc.
type FlowsObject struct {
	ID   string     `json:"id"`
	Kind string     `json:"kind"`
	From FlowsCount `json:"from"`
	To   FlowsCount `json:"to"`
}

// FlowsCount is a direction's packet count.
type FlowsCount struct {
	Packets int `json:"packets"`
}

// FlowsRead is what the reader read and skipped, by reason.
type FlowsRead struct {
	Packets int64            `json:"packets"`
	Skipped map[string]int64 `json:"skipped"`
}

// Listed returns c's objects that have a direction of at least minPackets
// packets, in capture order (largest first).
func Listed(c *trace.Capture, minPackets int) []*trace.Object {
	var shown []*trace.Object
	for _, o := range c.Objects {
		if o.Enough(minPackets) {
			shown = append(shown, o)
		}
	}
	return shown
}

// NewFlowsDoc returns the document of c's objects Listed with minPackets.
func NewFlowsDoc(c *trace.Capture, minPackets int) *FlowsDoc {
	doc := &FlowsDoc{Objects: []FlowsObject{}, Read: FlowsRead{Packets: c.Packets, Skipped: c.Skipped}}
	for _, o := range Listed(c, minPackets) {
		doc.Objects = append(doc.Objects, FlowsObject{o.ID, o.Kind.String(), FlowsCount{o.From.Packets()}, FlowsCount{o.To.Packets()}})
	}
	return doc
}

// Flows writes a table of c's objects Listed with minPackets (packets from,
// to and in all, and the object's number, #N, which --object takes), then
// what was read, used and skipped. It is `gmm2trex flows`.
func Flows(w io.Writer, c *trace.Capture, minPackets int) error {
	shown := Listed(c, minPackets)
	idw := len("OBJECT")
	for _, o := range shown {
		idw = max(idw, len(o.ID))
	}
	fmt.Fprintf(w, "%-*s  %-4s  %8s  %8s  %9s  %s\n", idw, "OBJECT", "KIND", "FROM", "TO", "TOTAL", "#")
	for _, o := range shown {
		fmt.Fprintf(w, "%-*s  %-4s  %8d  %8d  %9d  #%d\n", idw, o.ID, o.Kind, o.From.Packets(), o.To.Packets(), o.Packets(), slices.Index(c.Objects, o)+1)
	}
	fmt.Fprintln(w)
	var start string
	if c.Packets > 0 {
		start = " from " + c.Start.Format(time.RFC3339Nano)
	}
	fmt.Fprintf(w, "read %s from %s (%.3f s%s): %d used in %s", plural(c.Packets, "packet"), c.Name, c.Duration, start, c.Used, plural(int64(len(c.Objects)), "object"))
	if hidden := len(c.Objects) - len(shown); hidden > 0 {
		fmt.Fprintf(w, ", %d listed (%d below --min-packets %d)", len(shown), hidden, minPackets)
	}
	fmt.Fprintln(w)
	var skipped []string
	for _, r := range slices.Sorted(maps.Keys(c.Skipped)) {
		skipped = append(skipped, fmt.Sprintf("%s %d", r, c.Skipped[r]))
	}
	if len(skipped) == 0 {
		skipped = []string{"none"}
	}
	_, err := fmt.Fprintf(w, "skipped: %s\n", strings.Join(skipped, ", "))
	return err
}

// plural is "1 packet", "2 packets".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
