package sampler

// sortKeys sorts keys ascending, using tmp (at least as long) as scratch:
// a least-significant-digit radix sort, a byte a pass, that skips the
// bytes every key shares. A block's keys are its draws' order-keeping bits
// above their indices (chain.fill), so the sign and most of the exponent
// bytes are the same in all of them and four or five passes remain; at a
// block of 500 that is about three times as fast as slices.Sort's
// comparisons, which took 40 % of a blocked chain's walk (BenchmarkSortKeys).
// The order of equal keys is kept, and the result is slices.Sort's.
func sortKeys(keys, tmp []uint64) {
	n := len(keys)
	if n < 64 {
		insertionSort(keys)
		return
	}
	var count [8][256]int
	for _, k := range keys {
		for d := range 8 {
			count[d][byte(k>>(8*d))]++
		}
	}
	src, dst := keys, tmp[:n]
	for d := range 8 {
		c := &count[d]
		if c[byte(src[0]>>(8*d))] == n {
			continue // every key has this byte
		}
		sum := 0
		for b := range c {
			c[b], sum = sum, sum+c[b]
		}
		shift := uint(8 * d)
		for _, k := range src {
			b := byte(k >> shift)
			dst[c[b]] = k
			c[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
}

// insertionSort sorts a few keys in place.
func insertionSort(keys []uint64) {
	for i := 1; i < len(keys); i++ {
		k := keys[i]
		j := i
		for ; j > 0 && keys[j-1] > k; j-- {
			keys[j] = keys[j-1]
		}
		keys[j] = k
	}
}
