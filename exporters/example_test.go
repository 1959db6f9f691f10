package exporters_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/gmm2trex/gmm2trex/exporters"
	"github.com/gmm2trex/gmm2trex/profiles"
)

// Write sends one format's stream to any io.Writer: here the first lines
// of a CSV of five packets per direction.
func Example() {
	p, err := profiles.Load("../profiles/testdata/tiny.yaml")
	if err != nil {
		log.Fatal(err)
	}
	var b strings.Builder
	if err := exporters.Write(&b, p, "csv", exporters.Options{Count: 5, Seed: 1}); err != nil {
		log.Fatal(err)
	}
	lines := strings.SplitAfter(b.String(), "\n")
	fmt.Print(strings.Join(lines[:3], ""))
	fmt.Println(len(lines)-2, "packets")
	// Output:
	// time,direction,size,iat
	// 0.000000000,from,245,
	// 0.000000000,to,20,
	// 10 packets
}

// Format options are typed fields of Options; text (a command line) goes
// through Format.Set, which names the field in its errors.
func ExampleFormat_Set() {
	f, _ := exporters.Lookup("trex-stl")
	var o exporters.Options
	fmt.Println(f.Set(&o, "loops", "3"), o.STL.Loops)
	fmt.Println(f.Set(&o, "loops", "many"))
	// Output:
	// <nil> 3
	// STLOptions.Loops "many" for trex-stl: strconv.Atoi: parsing "many": invalid syntax
}
