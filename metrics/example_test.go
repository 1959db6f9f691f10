package metrics_test

import (
	"fmt"
	"slices"

	"github.com/gmm2trex/gmm2trex/metrics"
)

func ExampleKS() {
	orig := []float64{60, 60, 92, 113, 160}
	gen := []float64{60, 92, 92, 120, 160}
	// The distances on distributions take sorted samples and allocate nothing.
	slices.Sort(orig)
	slices.Sort(gen)
	d := metrics.KS(orig, gen)
	fmt.Printf("KS %.2f, p %.2f\n", d, metrics.KSPValue(d, len(orig), len(gen)))
	fmt.Printf("W1 %.1f bytes\n", metrics.Wasserstein(orig, gen))
	// Output:
	// KS 0.20, p 1.00
	// W1 7.8 bytes
}

func ExampleCompare() {
	// One direction of an original and of an imitation: sizes in bytes,
	// gaps in seconds, packet times for throughput.
	orig := metrics.Series{
		Size: []float64{100, 100, 200, 200, 100, 100, 200, 200},
		IAT:  []float64{0.01, 0.01, 0.02, 0.02, 0.01, 0.01, 0.02},
		Time: []float64{0, 0.01, 0.02, 0.04, 0.06, 0.07, 0.08, 0.1},
	}
	gen := metrics.Series{
		Size: []float64{100, 200, 100, 200, 100, 200, 100, 200},
		IAT:  []float64{0.01, 0.02, 0.01, 0.02, 0.01, 0.02, 0.01},
		Time: []float64{0, 0.01, 0.03, 0.04, 0.06, 0.07, 0.09, 0.1},
	}
	r := metrics.Compare(orig, gen)
	// Same values, different order: the distributions agree, the
	// autocorrelations do not (averaged over 50 lags, of which a series of 8
	// packets has 7).
	fmt.Printf("ks_size %.2f acf_err_size %.2f\n", r.KSSize, r.ACFErrSize)
	// Output:
	// ks_size 0.00 acf_err_size 0.08
}
