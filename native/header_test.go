package native

import "testing"

// Sizes below the header are raised to it, sizes above the limit clamped,
// and each change is counted for the report.
func TestSizeFit(t *testing.T) {
	var f sizeFit
	for _, c := range []struct{ size, limit, want int }{
		{HeaderLen - 1, 1000, HeaderLen},
		{0, 1000, HeaderLen},
		{HeaderLen, 1000, HeaderLen},
		{500, 1000, 500},
		{1000, 1000, 1000},
		{1400, 1000, 1000},
	} {
		if got := f.fit(c.size, c.limit); got != c.want {
			t.Errorf("fit(%d, %d) = %d, want %d", c.size, c.limit, got, c.want)
		}
	}
	if got := f.fitCounts(); got.raised != 2 || got.clamped != 1 {
		t.Errorf("counted %d raised, %d clamped; want 2 and 1", got.raised, got.clamped)
	}
}
