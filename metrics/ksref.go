package metrics

import (
	"math"
	"math/bits"
	"strconv"
)

// KSRef is a sorted reference sample prepared for the two-sample KS
// statistic of many samples against it, without sorting them: Distance(x)
// is KS(sorted(x), ref), bit for bit. estimate's model search scores every
// candidate by thousands of simulated runs against one fixed sample of the
// data, and sorting each run was 14-17 % of its time.
//
// Distance counts x's values by their place among the reference's distinct
// values u_0 < … < u_{q−1} (found through a table of buckets over the
// values' order-preserving bit patterns, then a step within the bucket):
// how many equal each u_p, and how many fall in each open interval
// (u_{p−1}, u_p) (u_{−1} = −∞, u_q = +∞). That is all KS needs. KS takes
// |i/n − j/m| at every distinct value of both samples, i and j the counts
// of x and of the reference at or below it. With one of them fixed, the
// difference computed in floating point is first non-increasing, then
// non-decreasing in the other (the division and the subtraction round
// monotonically), so over a run of points with i or j fixed it is largest
// at either end. Within an open interval j is that of u_{p−1}, so its
// values need not be told apart: the run's ends are u_{p−1} and the
// interval's last value (whose i is the count up to it). Between values
// of x, i is fixed, and the run of reference values there is largest at
// its ends, the first of which is the end of the run before (or 0, at
// the start). Each candidate is computed as KS computes it (the same
// divisions and subtraction), so their maximum is KS's, to the last bit.
//
// A KSRef is not safe for concurrent use: Distance writes scratch it keeps
// for the next call. Clone gives another goroutine its own scratch over the
// same prepared reference, which is read-only once built.
type KSRef struct {
	t *ksTable
	// Scratch of Distance, all zero between calls: counts of x's values
	// by position p, cnt[2p] in the open interval below u_p and cnt[2p+1]
	// equal to u_p (p < q), and one bit a position for those a call
	// touched, so that it reads and clears only those (a run is shorter
	// than the data it is scored against: 16,384 values at most against
	// a capture's direction).
	cnt     []int32
	touched []uint64
}

// ksTable is the prepared reference.
type ksTable struct {
	m    int      // reference length
	keys []uint64 // ksKey of the distinct values, ascending
	// frac[p] is float64(j)/float64(m), j the reference values ≤ u_p:
	// the reference's side of KS's difference, divided once here rather
	// than at every call (the same division, so the same bits).
	frac []float64
	// The bucket table over [keys[0], keys[q−1]], in two levels: by the
	// key's top 12 bits (sign and exponent: a binade), then by its
	// mantissa, each binade cut into about ksBucketsPerValue buckets per
	// distinct value in it (one where it holds none). A key k lies in
	// bucket bin[k>>52−e0].base + (k&mantissa)>>bin[…].shift, and idx[b]
	// is the first position whose key lies in bucket b or after
	// (idx[len(idx)−1] = q). One level over the whole span put most
	// values in a few buckets wherever the span is mostly empty: zero
	// gaps beside microsecond ones leave the thousand binades between
	// them empty, and a single table spread over those had 50 values a
	// bucket at 4,000 gaps.
	e0  uint64 // the first binade, keys[0]>>52
	bin []ksBinade
	idx []int32
}

// ksBinade is one binade's part of the bucket table.
type ksBinade struct {
	base  int32 // its first bucket
	shift uint8 // mantissa bits below its buckets'
}

const ksMantissa = 1<<52 - 1

// ksBucketsPerValue is how many buckets the table has per distinct
// reference value (at most, and at least half as many): about one value a
// bucket where the values are as dense in the bit patterns' order as on
// average, so that the search within the bucket takes a step or none.
const ksBucketsPerValue = 2

// NewKSRef prepares sorted, which must be ascending (slices.Sort) and hold
// no NaN, for Distance; it panics when it does not, since that is a
// caller's bug (KS panics on unsorted input too). It keeps no reference to
// sorted. An empty reference makes every Distance NaN, as KS is.
func NewKSRef(sorted []float64) *KSRef {
	mustSorted("NewKSRef", sorted)
	if len(sorted) > math.MaxInt32 {
		panic("metrics: NewKSRef: reference of " + strconv.Itoa(len(sorted)) + " values: at most 2^31-1")
	}
	t := &ksTable{m: len(sorted)}
	fm := float64(len(sorted))
	for i, v := range sorted {
		if v != v {
			panic("metrics: NewKSRef: NaN in reference")
		}
		k := ksKey(v)
		if q := len(t.keys); q > 0 && t.keys[q-1] == k {
			t.frac[q-1] = float64(i+1) / fm
			continue
		}
		t.keys = append(t.keys, k)
		t.frac = append(t.frac, float64(i+1)/fm)
	}
	if len(t.keys) > 0 {
		t.buckets()
	}
	return &KSRef{t: t}
}

// buckets builds t's bucket table.
func (t *ksTable) buckets() {
	q := len(t.keys)
	t.e0 = t.keys[0] >> 52
	t.bin = make([]ksBinade, t.keys[q-1]>>52-t.e0+1)
	// Count the distinct values of each binade, size its buckets, then
	// count the values of each bucket into idx and sum them up.
	count := make([]int, len(t.bin))
	for _, k := range t.keys {
		count[k>>52-t.e0]++
	}
	nb := 0
	for e, c := range count {
		bits := 0 // log2 of the binade's buckets
		for 1<<bits < ksBucketsPerValue*c && bits < 52 {
			bits++
		}
		t.bin[e] = ksBinade{base: int32(nb), shift: uint8(52 - bits)}
		nb += 1 << bits
		if nb > math.MaxInt32 {
			// nb ≤ 4q + 4096: a reference of over 2^29 distinct values.
			panic("metrics: NewKSRef: bucket table over 2^31 buckets")
		}
	}
	t.idx = make([]int32, nb+1)
	for _, k := range t.keys {
		t.idx[t.bucket(k)+1]++
	}
	for b := 1; b <= nb; b++ {
		t.idx[b] += t.idx[b-1]
	}
}

// bucket is the bucket of key k, keys[0] ≤ k ≤ keys[q−1].
func (t *ksTable) bucket(k uint64) int {
	b := &t.bin[k>>52-t.e0]
	return int(b.base) + int((k&ksMantissa)>>b.shift)
}

// Clone returns a KSRef over the same prepared reference with scratch of
// its own, for use by another goroutine; it costs no preparation.
func (r *KSRef) Clone() *KSRef { return &KSRef{t: r.t} }

// Len is the number of values of the reference.
func (r *KSRef) Len() int { return r.t.m }

// Distance returns KS(sorted(x), ref) — x in any order, and left as it is
// — bit for bit, in time linear in len(x) plus one bit a distinct
// reference value, allocating nothing after the first call. It returns
// NaN when x or the reference is empty, as KS does, and when x holds a NaN
// (for which KS has no answer: its merge stops advancing at a NaN and
// never returns). −0 and +0 are one value, as they are to KS. It panics
// when x has 2^31 values or more.
func (r *KSRef) Distance(x []float64) float64 {
	t := r.t
	n, q := len(x), len(t.keys)
	if n == 0 || q == 0 {
		return math.NaN()
	}
	if n > math.MaxInt32 {
		panic("metrics: KSRef.Distance: sample of " + strconv.Itoa(n) + " values: at most 2^31-1")
	}
	if r.cnt == nil {
		r.cnt = make([]int32, 2*q+1)
		r.touched = make([]uint64, (q+1+63)/64)
	}
	cnt, touched := r.cnt[:2*q+1], r.touched
	keys, idx, bin, e0 := t.keys[:q], t.idx, t.bin, t.e0
	kmin, kmax := keys[0], keys[q-1]
	for _, v := range x {
		k := ksKey(v)
		var p int
		switch {
		case k < kmin:
			if v != v { // a NaN with the sign bit set: below every key
				r.reset()
				return math.NaN()
			}
			p = 0
			cnt[0]++
		case k > kmax:
			if v != v { // above +Inf's key
				r.reset()
				return math.NaN()
			}
			p = q
			cnt[2*q]++
		default:
			// The position of the first key ≥ k, within k's bucket:
			// keys[lo:hi] are the keys the bucket holds (keys[lo] is
			// the next bucket's first when it holds none; lo < q, as
			// k ≤ kmax).
			e := &bin[k>>52-e0]
			b := int(e.base) + int((k&ksMantissa)>>e.shift)
			lo, hi := int(idx[b]), int(idx[b+1])
			if hi-lo > 1 {
				for lo < hi {
					mid := int(uint(lo+hi) >> 1)
					if keys[mid] < k {
						lo = mid + 1
					} else {
						hi = mid
					}
				}
			} else if keys[lo] < k {
				lo++
			}
			p = lo
			slot := 2 * p
			if keys[p] == k {
				slot++ // u_p itself
			}
			cnt[slot]++
		}
		touched[p>>6] |= 1 << (p & 63)
	}
	return r.sweep(n)
}

// sweep walks the touched positions in order, takes the difference of the
// distribution functions at every point where it can be largest (see
// KSRef) and clears the scratch on its way.
//
// KS evaluates at each distinct value of the union until one sample runs
// out; the points after that are never larger (once x has run out,
// |1 − j/m| only shrinks as j grows, and likewise for the reference), so
// the sweep may take them too and needs no stopping rule, and it stops at
// x's last value.
func (r *KSRef) sweep(n int) float64 {
	t := r.t
	q := len(t.keys)
	frac := t.frac[:q]
	fn := float64(n)
	var d float64
	i := 0    // values of x below the current position
	next := 0 // the first u_p not yet evaluated
	for w, word := range r.touched {
		for word != 0 {
			p := w<<6 | bits.TrailingZeros64(word)
			word &= word - 1
			if next < p {
				// u_next … u_{p−1} hold no value of x: the end of the
				// run (its start is the end of the one before).
				d = ksMax(d, math.Abs(float64(i)/fn-frac[p-1]))
			}
			if open := int(r.cnt[2*p]); open > 0 {
				// The open interval's last value.
				var fj float64 // float64(0)/fm
				if p > 0 {
					fj = frac[p-1]
				}
				i += open
				d = ksMax(d, math.Abs(float64(i)/fn-fj))
			}
			if p < q {
				i += int(r.cnt[2*p+1])
				d = ksMax(d, math.Abs(float64(i)/fn-frac[p]))
				r.cnt[2*p+1] = 0
			}
			r.cnt[2*p] = 0
			next = p + 1
		}
		r.touched[w] = 0
	}
	return d
}

// ksMax is max(d, x) — KS's — for the values the sweep compares (never
// NaN nor −0, whose handling makes the builtin slower than a comparison).
func ksMax(d, x float64) float64 {
	if x > d {
		return x
	}
	return d
}

// reset clears the scratch after a call that stopped counting early.
func (r *KSRef) reset() {
	clear(r.cnt)
	clear(r.touched)
}

// ksKey is key(v) with −0 taken as +0, since KS counts them as one value:
// an unsigned integer in v's order, equal for equal values. NaNs map
// below −Inf (sign bit set) or above +Inf.
func ksKey(v float64) uint64 {
	k := key(v)
	if k == 1<<63-1 { // −0
		k = 1 << 63
	}
	return k
}
