package trace

import (
	"cmp"
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"github.com/gmm2trex/gmm2trex/internal/seeds"
)

// A direction of more than Options.MaxPackets packets is sampled while it
// is read, so that memory grows with the packets kept, never with the file:
// its packets are cut into blocks of consecutive packets, a reservoir
// (algorithm R over the blocks, seeded) keeps a uniform choice of them over
// the whole direction, and at the end the blocks are put back in time order.
// A block keeps the capture's local order (bursts, the autocorrelation at
// lags below its length), the reservoir the marginals of the whole capture.
//
// The first MaxPackets packets of every direction go to the table's log as
// usual (they are the reservoir's first blocks); a later block that the
// reservoir picks is read into a buffer of its own and replaces its slot's
// block only once it is whole, so that a direction's last, partial block
// never shrinks the sample: a sampled direction keeps exactly
// blocks × block length packets.

const (
	// sampleMaxBlock is the longest block: far above the 50 lags the
	// autocorrelation error measures (metrics.ACFLags) and the bursts of
	// the captures at hand, small enough that a 1M-packet budget is 256
	// blocks spread over the capture.
	sampleMaxBlock = 4096
	// sampleMinBlocks is the fewest blocks a budget is cut into, so that
	// a small budget still samples more than one stretch of the capture.
	sampleMinBlocks = 16
)

// Sample describes a sampled series (Series.Sample): what the whole
// direction held and how the kept packets were chosen.
type Sample struct {
	Packets     int64 // the direction's packets in the capture
	Bytes       int64 // their sizes, summed
	First, Last int64 // the times of its first and last packets (ns since the epoch)
	// Block is the length of the runs of consecutive packets kept: packets
	// b×Block … (b+1)×Block-1 of the series are one stretch of the capture.
	Block int
	// Prev[b] is the time of the packet that preceded block b's first in
	// the capture, so that the gap at the seam is the real one; a block
	// that starts the direction has its own first time.
	Prev []int64
}

// sampleShape returns the block length and the packets kept of a direction
// under a budget of packets (> 0): whole blocks, at least
// sampleMinBlocks of them when the budget allows.
func sampleShape(budget int) (block int, limit int64) {
	block = min(sampleMaxBlock, max(1, budget/sampleMinBlocks))
	return block, int64(budget / block * block)
}

// reservoir is the sampling state of one direction past its budget.
type reservoir struct {
	rng   *rand.Rand
	block int64
	held  []int64   // the block index each slot holds; slot j starts with block j, in the log
	prev  []int64   // per slot: the time before its block (see Sample.Prev)
	times [][]int64 // per slot: its block when read past the log, else nil
	sizes [][]int32
	// The block being read: its slot (-1 when the reservoir passed it
	// over), the time before it, and its packets so far.
	slot      int
	curPrev   int64
	curTimes  []int64
	curSizes  []int32
	seq       int64 // while the log is distributed: this direction's entries seen
	scanLast  int64 // … and the time of the latest
	pos       []int // while the log is distributed: each slot's rank in time order
	keptFirst int64
}

// newReservoir starts sampling direction ref, whose first limit packets
// are in the log. Its seed depends on the object's ID and the direction,
// not on the order objects appeared in, so that a selection samples a flow
// as the whole capture does.
func (t *table) newReservoir(ref int32) *reservoir {
	h := fnv.New64a()
	h.Write([]byte(t.objs[ref>>1].ID))
	k := int(t.limit / int64(t.block))
	r := &reservoir{
		rng:   seeds.New(t.seed, h.Sum64()<<1|uint64(ref&1)),
		block: int64(t.block),
		held:  make([]int64, k),
		prev:  make([]int64, k),
		times: make([][]int64, k),
		sizes: make([][]int32, k),
	}
	for j := range r.held {
		r.held[j] = int64(j)
	}
	return r
}

// add takes the direction's packet number i (0-based, i ≥ limit); prev is
// the time of the packet before it.
func (r *reservoir) add(i, prev, ts int64, size int32) {
	b, off := i/r.block, i%r.block
	if off == 0 {
		r.slot = -1
		if j := r.rng.Int64N(b + 1); j < int64(len(r.held)) {
			r.slot, r.curPrev = int(j), prev
			if r.curTimes == nil {
				r.curTimes, r.curSizes = make([]int64, 0, r.block), make([]int32, 0, r.block)
			}
			r.curTimes, r.curSizes = r.curTimes[:0], r.curSizes[:0]
		}
	}
	if r.slot < 0 {
		return
	}
	r.curTimes = append(r.curTimes, ts)
	r.curSizes = append(r.curSizes, size)
	if len(r.curTimes) == int(r.block) {
		// Whole: it replaces the slot's block, whose buffer (nil for a
		// block in the log) is the next one's.
		j := r.slot
		r.held[j], r.prev[j] = b, r.curPrev
		r.times[j], r.curTimes = r.curTimes, r.times[j]
		r.sizes[j], r.curSizes = r.curSizes, r.sizes[j]
		r.slot = -1
	}
}

// order ranks the slots by the block they hold, for the log's distribution.
func (r *reservoir) order() {
	idx := make([]int, len(r.held))
	for j := range idx {
		idx[j] = j
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(r.held[a], r.held[b]) })
	r.pos = make([]int, len(idx))
	for rank, j := range idx {
		r.pos[j] = rank
	}
}

// sortBlocks is sortByTime for a sampled series: each block is sorted on
// its own (the blocks are stretches of the capture in order), and a seam's
// predecessor time is held at or before the block's first time, so that
// no gap is negative.
func (s *Series) sortBlocks() {
	sm := s.Sample
	for b := range sm.Prev {
		lo := b * sm.Block
		hi := min(lo+sm.Block, len(s.Times))
		if lo >= hi {
			break
		}
		part := Series{Times: s.Times[lo:hi:hi], Sizes: s.Sizes[lo:hi:hi]}
		part.sortByTime()
		copy(s.Times[lo:hi], part.Times)
		copy(s.Sizes[lo:hi], part.Sizes)
		sm.Prev[b] = min(sm.Prev[b], s.Times[lo])
	}
}
