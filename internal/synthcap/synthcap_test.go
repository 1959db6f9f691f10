package synthcap

import (
	"bytes"
	"testing"
	"time"

	"github.com/gmm2trex/gmm2trex/trace"
)

func TestWrite(t *testing.T) {
	var b bytes.Buffer
	n, err := Write(&b, Spec{Flows: 30, Packets: 50, Duration: 10 * time.Second, Seed: 3})
	if err != nil || n != 30*2*50 {
		t.Fatalf("wrote %d packets: %v", n, err)
	}
	c, err := trace.Read(bytes.NewReader(b.Bytes()), "synth.pcap", int64(b.Len()), trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Packets != n || len(c.Objects) != 30 {
		t.Fatalf("read %d packets in %d objects", c.Packets, len(c.Objects))
	}
	for _, o := range c.Objects {
		if o.From.Len() != 50 || o.To.Len() != 50 {
			t.Fatalf("%s: from %d, to %d packets, want 50 each", o.ID, o.From.Len(), o.To.Len())
		}
	}
	var again bytes.Buffer
	if _, err := Write(&again, Spec{Flows: 30, Packets: 50, Duration: 10 * time.Second, Seed: 3}); err != nil || !bytes.Equal(again.Bytes(), b.Bytes()) {
		t.Error("the same spec wrote different bytes")
	}
	if _, err := Write(&again, Spec{Flows: 0, Packets: 5}); err == nil {
		t.Error("0 flows accepted")
	}
}
