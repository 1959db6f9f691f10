// Command gmmcompare produces the evidence behind estimate's defaults and its
// comparison with scikit-learn (scripts/sklearn_compare.py runs it). It is a
// measurement tool, not part of gmm2trex.
//
//	gmmcompare series CAPTURE...   JSON: every direction's trimmed IAT, log-IAT and
//	                               size series with our auto fit (k, log-likelihood, BIC)
//	gmmcompare bench FILE RUNS     median time of our auto fit on the values in FILE
//	                               (one number per line)
//	gmmcompare defaults CAPTURE... KS of iid draws from the fitted profile against the
//	                               trimmed data, for --iat-transform none|log and caps of k
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/gmm2trex/gmm2trex/estimate"
	"github.com/gmm2trex/gmm2trex/metrics"
	"github.com/gmm2trex/gmm2trex/pipeline"
	"github.com/gmm2trex/gmm2trex/sampler"
	"github.com/gmm2trex/gmm2trex/trace"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: gmmcompare series|bench|defaults ARGS (see the doc comment)")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "series":
		err = series(os.Args[2:])
	case "bench":
		err = bench(os.Args[2:])
	case "defaults":
		err = defaults(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gmmcompare:", err)
		os.Exit(1)
	}
}

type direction struct {
	name      string
	iat, size []float64
}

// directions cuts the captures as estimate does by default (the pipeline's
// settings: flows, payload sizes, percentile trimming, minimum packets).
func directions(paths []string) ([]direction, error) {
	s := pipeline.DefaultSettings()
	var out []direction
	for _, p := range paths {
		opts := s.TraceOptions()
		opts.SkipHash = true
		c, err := trace.ReadFile(p, opts)
		if err != nil {
			return nil, err
		}
		jobs, _ := pipeline.Cut(c, s)
		for _, j := range jobs {
			out = append(out, direction{fmt.Sprintf("%s %s %s", filepath.Base(p), j.Object.ID, j.Dir), j.IAT, j.Size})
		}
	}
	return out, nil
}

// gmmOptions are the mixture options of estimate's default settings.
var gmmOptions = pipeline.DefaultSettings().DirectionOptions().GMM

type seriesOut struct {
	Name      string    `json:"name"`
	Values    []float64 `json:"values"`
	K         int       `json:"k"`
	LogLik    float64   `json:"loglik_per_sample"`
	BIC       float64   `json:"bic"`
	Distinct  int       `json:"distinct"`
	MillisAvg float64   `json:"ms"`
}

func series(paths []string) error {
	dirs, err := directions(paths)
	if err != nil {
		return err
	}
	var out []seriesOut
	for _, d := range dirs {
		for _, f := range []struct {
			name string
			x    []float64
		}{{"iat", d.iat}, {"log-iat", estimate.LogIAT(d.iat)}, {"size", d.size}} {
			t0 := time.Now()
			m, err := estimate.FitMixture1D(f.x, gmmOptions)
			if err != nil {
				return fmt.Errorf("%s %s: %w", d.name, f.name, err)
			}
			s := slices.Clone(f.x)
			slices.Sort(s)
			out = append(out, seriesOut{
				Name: d.name + " " + f.name, Values: f.x, K: len(m.Components),
				LogLik: m.LogLik / float64(len(f.x)), BIC: m.BIC, Distinct: len(slices.Compact(s)),
				MillisAvg: float64(time.Since(t0).Microseconds()) / 1000,
			})
		}
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

func bench(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("bench FILE RUNS")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	var x []float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, err := strconv.ParseFloat(sc.Text(), 64)
		if err != nil {
			return err
		}
		x = append(x, v)
	}
	runs, err := strconv.Atoi(args[1])
	if err != nil {
		return err
	}
	var ts, cpu []float64
	k := 0
	for range runs {
		t0, c0 := time.Now(), cpuTime()
		m, err := estimate.FitMixture1D(x, gmmOptions)
		if err != nil {
			return err
		}
		ts = append(ts, time.Since(t0).Seconds()*1000)
		cpu = append(cpu, (cpuTime()-c0).Seconds()*1000)
		k = len(m.Components)
	}
	slices.Sort(ts)
	slices.Sort(cpu)
	// CPU time is reported too: on a shared machine it varies far less
	// than wall time.
	fmt.Printf("{\"median_ms\": %.3f, \"median_cpu_ms\": %.3f, \"k\": %d, \"runs\": %d}\n", ts[len(ts)/2], cpu[len(cpu)/2], k, runs)
	return nil
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// defaults prints, per direction, the KS distance between the trimmed IATs
// and iid draws from profiles fitted with each IAT transform and cap of k.
func defaults(paths []string) error {
	dirs, err := directions(paths)
	if err != nil {
		return err
	}
	caps := []int{5, 8, 12, 16, 20}
	fmt.Printf("%-62s %-5s", "direction", "tr")
	for _, c := range caps {
		fmt.Printf("  k≤%-2d KS (k)  ", c)
	}
	fmt.Println()
	for _, d := range dirs {
		for _, tr := range []string{"none", "log"} {
			fmt.Printf("%-62s %-5s", d.name, tr)
			for _, c := range caps {
				s := pipeline.DefaultSettings()
				s.MaxComponents, s.IATTransform = c, tr
				pd, err := estimate.FitDirection(d.iat, d.size, s.DirectionOptions())
				if err != nil {
					return err
				}
				src, err := sampler.NewSource(pd, sampler.IID, pipeline.DefaultSeed, 0)
				if err != nil {
					return err
				}
				n := max(20000, len(d.iat))
				gen := make([]float64, n)
				for i := range gen {
					gen[i], _ = src.Next()
				}
				orig := slices.Clone(d.iat)
				slices.Sort(orig)
				slices.Sort(gen)
				fmt.Printf("  %.4f (%2d)  ", metrics.KS(orig, gen), len(pd.IAT.Mixture))
			}
			fmt.Println()
		}
	}
	return nil
}
