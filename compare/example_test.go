package compare_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gmm2trex/gmm2trex/compare"
	"github.com/gmm2trex/gmm2trex/internal/samplecap"
)

// A capture compared with itself: every distance is 0 and the CI gate
// passes.
func Example() {
	path := filepath.Join(os.TempDir(), "compare-example.pcap")
	if err := os.WriteFile(path, samplecap.Bytes(), 0o644); err != nil {
		panic(err)
	}
	defer os.Remove(path)
	opts := compare.Options{PercentileLo: 0, PercentileHi: 100, MinPackets: 100}
	orig, err := compare.Load(path, opts, compare.Generated)
	if err != nil {
		panic(err)
	}
	gen, err := compare.Load(path, opts, compare.Generated)
	if err != nil {
		panic(err)
	}
	rep, err := compare.Run(orig, gen, "")
	if err != nil {
		panic(err)
	}
	o := rep.Objects[0]
	fmt.Println(o.ID)
	fmt.Println("from: packets", o.From.PacketsOriginal, "ks_iat", o.From.KSIAT, "acf_err_size", o.From.ACFErrSize)
	fmt.Println("violations:", len(rep.Check(compare.Bounds{MaxKS: 0.05, MaxACFErr: 0.1})))
	// Output:
	// UDP 198.18.0.1:5004 198.18.0.2:5004
	// from: packets 1501 ks_iat 0 acf_err_size 0
	// violations: 0
}
