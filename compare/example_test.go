package compare_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gmm2trex/gmm2trex/compare"
	"github.com/gmm2trex/gmm2trex/internal/samplecap"
)

// A capture compared with itself: every distance is 0, every ratio 1, and
// the CI gate passes.
func Example() {
	dir, err := os.MkdirTemp("", "compare-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "sample.pcap")
	if err := os.WriteFile(path, samplecap.Bytes(), 0o644); err != nil {
		panic(err)
	}
	opts := compare.DefaultOptions()
	orig, err := compare.Load(context.Background(), path, opts, compare.Original)
	if err != nil {
		panic(err)
	}
	gen, err := compare.Load(context.Background(), path, opts, compare.Generated)
	if err != nil {
		panic(err)
	}
	rep, err := compare.Run(orig, gen, opts)
	if err != nil {
		panic(err)
	}
	o := rep.Objects[0]
	fmt.Println(o.ID, "on a", rep.ClockNS, "ns clock")
	fmt.Println("from: packets", o.From.PacketsOriginal, "ks_iat", o.From.KSIAT, "rate ratio", o.From.RateRatioBytes)
	failed := rep.Gate(compare.Bounds{MaxKS: 0.05, MaxACFErr: 0.1, MaxRateErr: 0.05, MaxBurstErr: 0.2})
	fmt.Println("checks:", len(rep.Checks), "failed:", len(failed))
	// Output:
	// UDP 198.18.0.1:5004 198.18.0.2:5004 on a 1000 ns clock
	// from: packets 1501 ks_iat 0 rate ratio 1
	// checks: 18 failed: 0
}
