package seeds

import "testing"

func TestDerive(t *testing.T) {
	if Derive(7, 0) != 7 {
		t.Errorf("Derive(7, 0) = %d, want the seed itself", Derive(7, 0))
	}
	seen := map[uint64]uint64{}
	for s := uint64(0); s < 4; s++ {
		for n := uint64(1); n <= 10000; n++ {
			d := Derive(s, n)
			if d == s {
				t.Fatalf("Derive(%d, %d) is the seed itself", s, n)
			}
			if prev, dup := seen[d]; dup {
				t.Fatalf("Derive(%d, %d) = %d, as for another (seed, n) %d", s, n, d, prev)
			}
			seen[d] = s<<32 | n
		}
	}
}
