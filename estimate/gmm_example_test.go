package estimate_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/gmm2trex/gmm2trex/estimate"
)

// Packet sizes from two kinds of packet: BIC finds two components.
func ExampleFitMixture1D() {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := make([]float64, 2000)
	for i := range sizes {
		if i%4 == 0 {
			sizes[i] = 1200 + 20*rng.NormFloat64()
		} else {
			sizes[i] = 90 + 5*rng.NormFloat64()
		}
	}
	m, err := estimate.FitMixture1D(sizes, estimate.GMMOptions{Seed: 1, MaxK: 6})
	if err != nil {
		panic(err)
	}
	for _, c := range m.Components {
		fmt.Printf("weight %.2f mean %.0f std %.0f\n", c.Weight, c.Mean, c.Std)
	}
	// Output:
	// weight 0.75 mean 90 std 5
	// weight 0.25 mean 1200 std 20
}
