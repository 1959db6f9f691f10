package sampler

import (
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// TestSortKeys checks sortKeys against slices.Sort on keys as chain.fill
// makes them (order keys of normal draws over their indices), on keys
// whose every byte varies, on ones sharing all but the lowest, and at the
// lengths around the insertion-sort cut.
func TestSortKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 63, 64, 65, 500, 4096, 100000} {
		for kind := range 3 {
			keys := make([]uint64, n)
			mask := uint64(1)<<10 - 1
			for i := range keys {
				switch kind {
				case 0:
					keys[i] = orderKey(r.NormFloat64())&^mask | uint64(i)&mask
				case 1:
					keys[i] = r.Uint64()
				case 2:
					keys[i] = 0xabcdef0000000000 | uint64(r.IntN(256))
				}
			}
			want := slices.Sorted(slices.Values(keys))
			sortKeys(keys, make([]uint64, n))
			if !slices.Equal(keys, want) {
				t.Fatalf("n %d, kind %d: not sorted as slices.Sort sorts", n, kind)
			}
		}
	}
}

// benchKeys returns sets of n keys as chain.fill makes them, each set of
// new draws: sorting one set again and again lets the branch predictor
// learn its comparisons (slices.Sort of 500 keys took 4 µs so, and 27 µs
// on the model search's ever new blocks).
func benchKeys(n int) [][]uint64 {
	r := rand.New(rand.NewPCG(3, 4))
	mask := uint64(1)<<bits.Len(uint(n-1)) - 1
	sets := make([][]uint64, max(1, 1<<20/n))
	for s := range sets {
		sets[s] = make([]uint64, n)
		for i := range sets[s] {
			sets[s][i] = orderKey(r.NormFloat64())&^mask | uint64(i)
		}
	}
	return sets
}

// BenchmarkSortKeys sorts a block's keys (500 and 8192: the fidelity
// benchmark's blocks are as long as a direction) by sortKeys and, for the
// ratio, by slices.Sort.
func BenchmarkSortKeys(b *testing.B) {
	for _, n := range []int{500, 8192} {
		sets := benchKeys(n)
		work, tmp := make([]uint64, n), make([]uint64, n)
		b.Run("radix/"+itoa(n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				copy(work, sets[i%len(sets)])
				sortKeys(work, tmp)
				i++
			}
		})
		b.Run("slices/"+itoa(n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				copy(work, sets[i%len(sets)])
				slices.Sort(work)
				i++
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
