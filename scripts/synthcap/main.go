// Command synthcap writes a synthetic capture of many UDP flows for the
// scale measurements in README ("Scale"):
//
//	go run ./scripts/synthcap -flows 10000 -packets 100 -o /tmp/10k.pcap
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gmm2trex/gmm2trex/internal/atomicfile"
	"github.com/gmm2trex/gmm2trex/internal/synthcap"
)

func main() {
	flows := flag.Int("flows", 1000, "number of flows")
	packets := flag.Int("packets", 100, "packets a direction of each flow")
	dur := flag.Duration("duration", time.Minute, "about how long the capture lasts")
	seed := flag.Uint64("seed", 1, "seed of every draw")
	out := flag.String("o", "", "output pcap file (- for standard output, to pipe a capture too large for the disk into estimate -p -)")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: synthcap -flows N -packets N [-duration D] [-seed S] -o FILE.pcap|-")
		os.Exit(2)
	}
	var n int64
	write := func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		var err error
		if n, err = synthcap.Write(bw, synthcap.Spec{Flows: *flows, Packets: *packets, Duration: *dur, Seed: *seed}); err != nil {
			return err
		}
		return bw.Flush()
	}
	var err error
	if *out == "-" {
		err = write(os.Stdout)
	} else {
		err = atomicfile.Write(*out, 0o644, write)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "synthcap:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "wrote %s: %d flows, %d packets\n", *out, *flows, n)
}
