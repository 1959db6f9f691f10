package trace

import (
	"math/bits"
	"math/rand/v2"
)

// flowTable is an open-addressing hash table of flows with small slots.
// With thousands of flows every packet lands on a random flow, and its cost
// is the cache misses it takes: here one probe reaches the key and the object
// index, where a Go map of pointers to objects took two or three misses
// (measured by BenchmarkRead).
type flowTable struct {
	slots []flowSlot
	mask  uint64
	n     int
	seed  [3]uint64
}

type flowSlot struct {
	key     flowKey
	state   uint8 // slotEmpty, slotKept or slotDropped
	swapped bool  // whether the flow's first packet went from key.b to key.a
	obj     int32 // index in table.objs; -1 unless kept
}

const (
	slotEmpty = iota
	slotKept
	slotDropped // seen, and not selected
)

func (t *flowTable) init() {
	t.slots = make([]flowSlot, 64)
	t.mask = uint64(len(t.slots) - 1)
	// A random seed per table keeps a crafted capture from forcing every
	// flow into one probe chain; object order does not depend on it.
	t.seed = [3]uint64{rand.Uint64(), rand.Uint64(), rand.Uint64()}
}

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

func (t *flowTable) hash(k *flowKey) uint64 {
	if k.meta&(1<<40) != 0 {
		h := mix(k.a[0]^t.seed[0], k.a[1]^0x9e3779b97f4a7c15)
		h ^= mix(k.b[0]^t.seed[1], k.b[1]^0xbf58476d1ce4e5b9)
		return mix(h^k.meta, t.seed[2]|1)
	}
	// IPv4 addresses fill the top half of the first word, the rest is zero.
	ab := k.a[0] | k.b[0]>>32
	return mix(mix(ab^t.seed[0], k.meta^t.seed[1]), t.seed[2]|1)
}

// lookup returns the slot of k, which is empty when k is new; the caller
// fills a new slot and then calls added.
func (t *flowTable) lookup(k *flowKey, h uint64) *flowSlot {
	i := h & t.mask
	for {
		s := &t.slots[i]
		if s.state == slotEmpty || s.key.eq(k) {
			return s
		}
		i = (i + 1) & t.mask
	}
}

// touch loads k's first slot, so that a later lookup finds it in cache:
// touching a batch of packets' slots one after the other lets the CPU wait
// for their cache misses at the same time instead of one by one.
func (t *flowTable) touch(h uint64) uint8 { return t.slots[h&t.mask].state }

// added counts a filled slot and grows the table at 3/4 load. Slot pointers
// are invalid after it.
func (t *flowTable) added() {
	t.n++
	if t.n*4 < len(t.slots)*3 {
		return
	}
	old := t.slots
	t.slots = make([]flowSlot, 2*len(old))
	t.mask = uint64(len(t.slots) - 1)
	for i := range old {
		if old[i].state != slotEmpty {
			*t.lookup(&old[i].key, t.hash(&old[i].key)) = old[i]
		}
	}
}
