package native

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/trace"
)

// ReplayConfig describes a replay of captured frames.
type ReplayConfig struct {
	Iface string
	// Frames and their capture times (nanoseconds, any origin, ascending).
	Frames [][]byte
	Times  []int64
	// Multiplier divides every gap (2 plays twice as fast); 0 means 1.
	Multiplier float64
	// Loop plays the capture this many times (0 means 1); each round
	// starts one mean gap after the previous round's last frame.
	Loop int
	// Topspeed ignores the timestamps and sends as fast as possible.
	Topspeed       bool
	Spin           time.Duration
	BatchThreshold time.Duration
}

// ReplayReport is what a replay measured.
type ReplayReport struct {
	Packets    int64    `json:"packets"`
	Bytes      int64    `json:"bytes"`
	Seconds    float64  `json:"seconds"`
	PPS        float64  `json:"pps"`
	GapErrorUS GapError `json:"gap_error_us"`
	Late       int64    `json:"late"`
	MaxLateUS  float64  `json:"max_late_us"`
	topspeed   bool     // no schedule, so no gap error
}

// WriteText prints the report as two lines: packets, bytes and rate, then
// (unless the replay ran at top speed) the gap error.
func (r *ReplayReport) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "sent      %d frames, %d bytes in %.3f s (%.0f pps)\n", r.Packets, r.Bytes, r.Seconds, r.PPS)
	if err == nil && !r.topspeed {
		_, err = fmt.Fprintf(w, "gap error median %.2f µs, p99 %.2f µs, max %.2f µs; %d late (latest by %.1f µs)\n",
			r.GapErrorUS.Median, r.GapErrorUS.P99, r.GapErrorUS.Max, r.Late, r.MaxLateUS)
	}
	return err
}

// ReadFrames loads every frame of an Ethernet capture (pcap or pcapng,
// gzipped too, read through trace) with its timestamp in nanoseconds, for
// ReplayConfig. warnings are the reader's (a capture cut short, say); a
// capture of another link type, or with no packets, is an error.
func ReadFrames(path string) (frames [][]byte, times []int64, warnings []string, err error) {
	warnings, err = trace.RecordsFile(path, func(r *trace.Record) error {
		if r.Link != trace.LinkEthernet {
			return fmt.Errorf("%s: packet %d: link type %d; replay sends Ethernet frames only (link type 1)", path, r.Number, r.Link)
		}
		frames = append(frames, slices.Clone(r.Data))
		times = append(times, r.Time)
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	if len(frames) == 0 {
		return nil, nil, warnings, fmt.Errorf("%s: no packets", path)
	}
	return frames, times, warnings, nil
}

// Replayer holds an open AF_PACKET socket and the frames to send.
type Replayer struct {
	cfg ReplayConfig
	raw *rawSender
}

// OpenReplay checks the frames against the interface and opens the socket
// (in the calling thread's network namespace).
func OpenReplay(cfg ReplayConfig) (*Replayer, error) {
	if cfg.Multiplier == 0 {
		cfg.Multiplier = 1
	}
	if cfg.Loop == 0 {
		cfg.Loop = 1
	}
	if cfg.Spin == 0 {
		cfg.Spin = DefaultSpin
	}
	if cfg.BatchThreshold == 0 {
		cfg.BatchThreshold = DefaultBatchThreshold
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	if len(cfg.Frames) == 0 || len(cfg.Frames) != len(cfg.Times) {
		return nil, fmt.Errorf("replay: %d frames with %d timestamps", len(cfg.Frames), len(cfg.Times))
	}
	ifi, err := net.InterfaceByName(cfg.Iface)
	if err != nil {
		return nil, fmt.Errorf("replay: interface %q: %w", cfg.Iface, err)
	}
	maxFrame := ifi.MTU + frame.EthLen
	for i, f := range cfg.Frames {
		if len(f) < frame.EthLen || len(f) > maxFrame {
			return nil, fmt.Errorf("replay: packet %d: %d bytes, outside %d..%d for %s (MTU %d)", i+1, len(f), frame.EthLen, maxFrame, ifi.Name, ifi.MTU)
		}
		if i > 0 && cfg.Times[i] < cfg.Times[i-1] {
			return nil, fmt.Errorf("replay: packet %d: timestamp goes back %v", i+1, time.Duration(cfg.Times[i-1]-cfg.Times[i]))
		}
	}
	raw, err := openRaw(ifi, maxFrame)
	if err != nil {
		return nil, err
	}
	return &Replayer{cfg: cfg, raw: raw}, nil
}

// replaySchedule walks the frames round after round.
type replaySchedule struct {
	cfg    *ReplayConfig
	i, k   int
	period int64 // capture span plus one mean gap
}

func (s *replaySchedule) next(p *txPacket) bool {
	if s.i == len(s.cfg.Frames) {
		s.i, s.k = 0, s.k+1
	}
	if s.k >= s.cfg.Loop {
		return false
	}
	t := s.cfg.Times
	off := float64(t[s.i]-t[0]) + float64(s.k)*float64(s.period)
	p.deadline = int64(off / s.cfg.Multiplier)
	p.frame = s.cfg.Frames[s.i]
	p.size = len(p.frame)
	s.i++
	return true
}

// Run sends the frames and reports; progress, when not nil, is called about
// every 200 ms with the packets sent so far. A cancelled ctx stops the
// replay and returns the report with ctx.Err().
func (r *Replayer) Run(ctx context.Context, progress func(sent int64)) (*ReplayReport, error) {
	defer r.raw.close()
	cfg := &r.cfg
	n := len(cfg.Frames)
	span := cfg.Times[n-1] - cfg.Times[0]
	period := span
	if n > 1 {
		period += span / int64(n-1)
	}
	sch := &replaySchedule{cfg: cfg, period: period}
	st := &txStats{}
	var stop atomic.Bool
	done := make(chan error, 1)
	var elapsed time.Duration
	runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + 1)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) - 1)
	go func() {
		runtime.LockOSThread() // never unlocked: see Session.Run
		p := NewPacer(cfg.Spin)
		p.reset(time.Now().Add(10 * time.Millisecond))
		err := pace(p, sch, r.raw, st, &stop, int64(cfg.BatchThreshold), cfg.Topspeed)
		elapsed = time.Duration(p.Now())
		done <- err
	}()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var err error
loop:
	for {
		select {
		case err = <-done:
			break loop
		case <-ctx.Done():
			stop.Store(true)
			err = errors.Join(<-done, ctx.Err())
			break loop
		case <-tick.C:
			if progress != nil {
				progress(st.progress.Load())
			}
		}
	}
	if progress != nil {
		progress(st.packets)
	}
	rep := &ReplayReport{Packets: st.packets, Bytes: st.bytes, Seconds: elapsed.Seconds(), Late: st.late, topspeed: cfg.Topspeed}
	if elapsed > 0 {
		rep.PPS = math.Round(float64(st.packets) / elapsed.Seconds())
	}
	if !cfg.Topspeed {
		var r Report
		r.fillTx(st)
		rep.GapErrorUS, rep.MaxLateUS = r.GapErrorUS, r.MaxLateUS
	}
	return rep, err
}
