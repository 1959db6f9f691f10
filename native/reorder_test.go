package native

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestReorder: frames delivered up to a window late come out in stamp
// order with their bytes; the limits release the oldest early; a frame
// later than the window is counted.
func TestReorder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 1))
	const n = 5000
	ts := make([]int64, n)
	for i := range ts {
		ts[i] = int64(i) * 1000
	}
	// Delivery order: each frame displaced by up to 20 µs (20 frames).
	order := make([]int, n)
	key := make([]int, n)
	for i := range order {
		order[i], key[i] = i, i+rng.IntN(20)
	}
	slices.SortStableFunc(order, func(a, b int) int { return key[a] - key[b] })
	if slices.IsSorted(order) {
		t.Fatal("the delivery order is not shuffled")
	}
	r := &reorder{window: 50_000, maxFrames: 1 << 20, maxBytes: 1 << 30}
	var got []int64
	emit := func(t0 int64, f []byte) error {
		if int64(f[0])|int64(f[1])<<8 != (t0/1000)&0xffff {
			t.Fatalf("frame stamped %d holds the bytes of another", t0)
		}
		got = append(got, t0)
		return nil
	}
	for _, i := range order {
		k := ts[i] / 1000
		if err := r.add(ts[i], []byte{byte(k), byte(k >> 8)}, emit); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.flush(emit); err != nil {
		t.Fatal(err)
	}
	if len(got) != n || !slices.IsSorted(got) || r.late != 0 {
		t.Errorf("released %d frames, sorted %v, late %d; want %d sorted, none late", len(got), slices.IsSorted(got), r.late, n)
	}

	// Limits: with room for 3 frames the oldest goes out at the fourth.
	r = &reorder{window: 1 << 40, maxFrames: 3, maxBytes: 1 << 30}
	got = got[:0]
	for _, x := range []int64{5000, 3000, 4000, 1000} {
		_ = r.add(x, []byte{byte(x / 1000), 0}, emit)
	}
	if !slices.Equal(got, []int64{1000}) {
		t.Errorf("over the frame limit released %v, want [1000]", got)
	}
	_ = r.add(500, []byte{0, 0}, emit) // before one already written
	if r.late != 1 {
		t.Errorf("late %d, want 1", r.late)
	}
}

// BenchmarkReorder measures the capture's per-frame cost of sorting, with
// frames mostly in order (it allocates nothing once warm).
func BenchmarkReorder(b *testing.B) {
	r := &reorder{window: reorderWindow, maxFrames: reorderMaxFrames, maxBytes: reorderMaxBytes}
	f := make([]byte, 1000)
	emit := func(int64, []byte) error { return nil }
	b.ReportAllocs()
	for i := range b.N {
		ts := int64(i) * 10_000
		if i%50 == 0 {
			ts -= 30_000
		}
		_ = r.add(ts, f, emit)
	}
}
