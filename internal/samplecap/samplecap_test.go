package samplecap

import (
	"testing"

	"github.com/gmm2trex/gmm2trex/trace"
)

// The sample must stay what README promises: small, real, and with one
// bidirectional flow of several hundred packets each way.
func TestSample(t *testing.T) {
	if len(Bytes()) > 1<<20 {
		t.Errorf("sample capture is %d bytes, over 1 MiB", len(Bytes()))
	}
	c, err := Open(trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) > 0 {
		t.Errorf("warnings: %v", c.Warnings)
	}
	o := c.Objects[0]
	const id = "UDP 198.18.0.1:5004 198.18.0.2:5004"
	if o.ID != id || o.From.Len() < 500 || o.To.Len() < 500 {
		t.Errorf("largest object %q: %d/%d packets; want %q with at least 500 each way", o.ID, o.From.Len(), o.To.Len(), id)
	}
}
