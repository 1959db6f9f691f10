package exporters

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/sampler"
)

func TestCSVIsTheSample(t *testing.T) {
	p := tiny(t)
	files, _ := export(t, p, "csv", "s.csv", Options{Count: 200, Seed: 5, Model: sampler.HMM})
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "time,direction,size,iat" {
		t.Fatalf("header %v", rows[0])
	}
	// tiny's "to" direction has no HMM: with --model hmm only "from" is left.
	ts, _ := selectTargets(p, Options{Model: sampler.HMM, Log: nopWriter{}})
	s, err := sampler.New(ts[0].obj, sampler.Options{Model: sampler.HMM, Seed: 5, Count: 200, Directions: ts[0].dirs})
	if err != nil {
		t.Fatal(err)
	}
	var pk sampler.Packet
	i := 1
	for ; s.Next(&pk); i++ {
		r := rows[i]
		tm, _ := strconv.ParseFloat(r[0], 64)
		size, _ := strconv.Atoi(r[2])
		if math.Abs(tm-pk.Time) > 5e-10 || r[1] != pk.Dir.String() || size != pk.Size {
			t.Fatalf("row %d: %v, sampled %+v", i, r, pk)
		}
		if pk.First != (r[3] == "") {
			t.Fatalf("row %d: iat %q for first=%v", i, r[3], pk.First)
		}
		if !pk.First {
			if iat, _ := strconv.ParseFloat(r[3], 64); math.Abs(iat-pk.Gap) > 5e-10 {
				t.Fatalf("row %d: iat %v, sampled %v", i, iat, pk.Gap)
			}
		}
	}
	if i != len(rows) || len(rows) != 201 {
		t.Errorf("%d rows, sampler gave %d", len(rows)-1, i-1)
	}
}

func TestCSVOneFilePerObject(t *testing.T) {
	files, _ := export(t, mixed(t), "csv", "m.csv", Options{Count: 10})
	if len(files) != 3 || !strings.HasSuffix(files[0], "m-0.csv") || !strings.HasSuffix(files[2], "m-2.csv") {
		t.Fatalf("files %v", files)
	}
	raw, _ := os.ReadFile(files[1])
	if n := strings.Count(string(raw), "\n"); n != 11 { // the IPv6 flow has only "from"
		t.Errorf("%s: %d lines", files[1], n)
	}
}

type nopWriter struct{}

func (nopWriter) Write(b []byte) (int, error) { return len(b), nil }
