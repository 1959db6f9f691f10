package pipeline

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/trace"
)

// Result is an estimate: the profile and what was left out of it.
type Result struct {
	// Profile holds the objects with at least one fitted direction, in
	// capture order (largest first).
	Profile *profiles.Profile
	// Capture is what the profile was estimated from; its Warnings say
	// what the reader found odd.
	Capture *trace.Capture
	// Skipped are the objects that lost a direction, or both, for want of
	// packets, in capture order.
	Skipped []Skipped
	// Warnings say what Estimate changed about the capture before fitting
	// (packets stamped out of order, sorted), one line each.
	Warnings []string
}

// ErrNoObject is what Estimate returns, as a *NoObjectError, when no
// direction of the capture has enough packets.
var ErrNoObject = errors.New("no object to estimate")

// NoObjectError says how many packets each object had, so that a caller can
// choose MinPackets. errors.Is(err, ErrNoObject) holds for it.
type NoObjectError struct {
	Capture    string // the capture's name
	Packets    int64  // records read
	MinPackets int
	Objects    []ObjectCount // the capture's objects, largest first
}

// ObjectCount is an object's packets in each direction, untrimmed.
type ObjectCount struct {
	ID       string
	From, To int
}

func (e *NoObjectError) Error() string {
	if len(e.Objects) == 0 {
		return fmt.Sprintf("%v: %s has no TCP/UDP objects (read %d packets)", ErrNoObject, e.Capture, e.Packets)
	}
	return fmt.Sprintf("%v: no direction of %s has MinPackets %d packets (at least 3 are needed): %s",
		ErrNoObject, e.Capture, e.MinPackets, e.Counts(10))
}

// Is makes errors.Is(err, ErrNoObject) hold.
func (e *NoObjectError) Is(target error) bool { return target == ErrNoObject }

// Counts lists the first n objects' counts, "ID: from N, to M; …; and K
// more".
func (e *NoObjectError) Counts(n int) string {
	var b strings.Builder
	for i, o := range e.Objects {
		if i == n {
			fmt.Fprintf(&b, "; and %d more", len(e.Objects)-n)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: from %d, to %d", o.ID, o.From, o.To)
	}
	return b.String()
}

// Estimate fits c's objects under s and returns the profile: Cut, then Fit,
// then the profile's objects and source. c must have been read with s's
// Kind, Size and KeepEmpty. Cancelling ctx stops it as Fit says.
//
// Packets stamped before their predecessor would give negative gaps: c's
// series are sorted into time order first (trace.Capture.SortByTime), which
// Result.Warnings says naming the first such packet.
func Estimate(ctx context.Context, c *trace.Capture, s Settings) (*Result, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	var warnings []string
	if w := c.SortByTime(); w != "" {
		warnings = append(warnings, w)
	}
	jobs, skipped := Cut(c, s)
	if len(jobs) == 0 {
		e := &NoObjectError{Capture: c.Name, Packets: c.Packets, MinPackets: s.MinPackets}
		for _, o := range c.Objects {
			e.Objects = append(e.Objects, ObjectCount{o.ID, o.From.Packets(), o.To.Packets()})
		}
		return nil, e
	}
	fits, err := Fit(ctx, jobs, s)
	if err != nil {
		return nil, err
	}
	p := &profiles.Profile{
		Format: profiles.Format,
		Source: profiles.Source{File: c.Name, SHA256: c.SHA256, Packets: c.Packets, Duration: c.Duration,
			Resolution: float64(c.Resolution) / 1e9},
		Settings: s.profileSettings(),
	}
	if c.Packets > 0 {
		p.Source.Start = c.Start.UTC().Format(time.RFC3339Nano)
	}
	for i, j := range jobs {
		if i == 0 || j.Object != jobs[i-1].Object {
			o := j.Object
			p.Objects = append(p.Objects, profiles.Object{ID: o.ID, Kind: o.Kind.String(), Proto: o.Proto,
				Local: endpointOf(o.Local), Remote: endpointOf(o.Remote)})
		}
		po := &p.Objects[len(p.Objects)-1]
		if sm := j.Series().Sample; sm != nil {
			fits[i].Sample = &profiles.Sample{Kept: int64(j.Series().Len()), Of: sm.Packets, Block: sm.Block}
		}
		if j.Dir == profiles.From {
			po.From = fits[i]
		} else {
			po.To = fits[i]
		}
	}
	return &Result{Profile: p, Capture: c, Skipped: skipped, Warnings: warnings}, nil
}

// EstimateFile reads the capture at path (pcap or pcapng, gzipped too) with
// s's Kind, Size and KeepEmpty, and estimates it. Cancelling ctx stops the
// read too.
func EstimateFile(ctx context.Context, path string, s Settings) (*Result, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	c, err := trace.ReadFileContext(ctx, path, s.TraceOptions())
	if err != nil {
		return nil, err
	}
	return Estimate(ctx, c, s)
}

func endpointOf(e trace.Endpoint) profiles.Endpoint {
	p := profiles.Endpoint{Port: int(e.Port)}
	if e.IP.IsValid() {
		p.IP = e.IP.String()
	}
	if len(e.MAC) > 0 {
		p.MAC = e.MAC.String()
	}
	return p
}

// ProfileName is the file name a profile of capture gets by default:
// "<capture name>.profile.yaml", the name without directory, .gz and
// .pcap/.pcapng/.cap.
func ProfileName(capture string) string {
	base := filepath.Base(capture)
	base = strings.TrimSuffix(base, ".gz")
	for _, ext := range []string{".pcapng", ".pcap", ".cap"} {
		base = strings.TrimSuffix(base, ext)
	}
	if base == "" || base == "." {
		base = "capture"
	}
	return base + ".profile.yaml"
}
