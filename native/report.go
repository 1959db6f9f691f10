package native

import (
	"fmt"
	"io"
	"math"
)

// Report is what one side of a run measured. Its JSON form is the contract
// of `gmm2trex send --json` (DESIGN.md, "The native sender").
type Report struct {
	Sent       Sent     `json:"sent"`
	Received   Received `json:"received"`
	DelayUS    Delay    `json:"delay_us"`
	GapErrorUS GapError `json:"gap_error_us"`
	Late       int64    `json:"late"`
	// MaxLateUS is how late the latest packet was (text report only).
	MaxLateUS float64 `json:"-"`
	// Raised counts sampled sizes below the header length, sent at
	// HeaderLen bytes; Clamped counts sizes above what the transport carries.
	Raised, Clamped int64 `json:"-"`
}

// Sent counts what this side sent: payload bytes, in the profile's unit.
type Sent struct {
	Packets int64 `json:"packets"`
	Bytes   int64 `json:"bytes"`
}

// Received counts what this side received from the peer. Lost is the
// peer's sent count minus the packets received (or, when the peer was lost
// before saying how many it sent, the gaps in the sequence numbers).
type Received struct {
	Packets   int64 `json:"packets"`
	Bytes     int64 `json:"bytes"`
	Lost      int64 `json:"lost"`
	Reordered int64 `json:"reordered"`
}

// Delay is the one-way delay in microseconds, from the peer's send stamp to
// the kernel's receive stamp; it is only meaningful when both clocks agree
// (negative delays from a clock behind the peer's count as 0).
type Delay struct {
	Median float64 `json:"median"`
	P99    float64 `json:"p99"`
}

// GapError is |realised gap − intended gap| between consecutive sent
// packets, in microseconds, as measured by the pacer.
type GapError struct {
	Median float64 `json:"median"`
	P99    float64 `json:"p99"`
	Max    float64 `json:"max"`
}

func us(ns float64) float64 {
	if math.IsNaN(ns) {
		return 0
	}
	return math.Round(ns/10) / 100
}

func (r *Report) fillTx(st *txStats) {
	r.Sent = Sent{st.packets, st.bytes}
	r.GapErrorUS = GapError{us(st.gapErr.quantile(0.5)), us(st.gapErr.quantile(0.99)), us(float64(st.gapErr.max))}
	r.Late = st.late
	r.MaxLateUS = us(float64(st.maxLate))
}

// WriteText prints the report for people.
func (r *Report) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "sent      %d packets, %d bytes\n"+
		"received  %d packets, %d bytes, %d lost, %d reordered\n"+
		"delay     median %.1f µs, p99 %.1f µs (one-way; needs synchronised clocks)\n"+
		"gap error median %.2f µs, p99 %.2f µs, max %.2f µs; %d late (latest by %.1f µs)\n",
		r.Sent.Packets, r.Sent.Bytes,
		r.Received.Packets, r.Received.Bytes, r.Received.Lost, r.Received.Reordered,
		r.DelayUS.Median, r.DelayUS.P99,
		r.GapErrorUS.Median, r.GapErrorUS.P99, r.GapErrorUS.Max, r.Late, r.MaxLateUS)
	if err == nil && (r.Raised > 0 || r.Clamped > 0) {
		_, err = fmt.Fprintf(w, "sizes     %d raised to the %d-byte header, %d clamped to the transport's maximum\n", r.Raised, HeaderLen, r.Clamped)
	}
	return err
}
