package profiles_test

import (
	"bytes"
	"fmt"
	"os"

	"github.com/gmm2trex/gmm2trex/profiles"
)

// A profile is built (or loaded), validated and written as YAML; Decode
// reads it back and validates it again.
func Example() {
	p := &profiles.Profile{
		Format:   profiles.Format,
		Source:   profiles.Source{File: "call.pcap", Packets: 200, Duration: 4},
		Settings: profiles.Settings{Object: "flow", Size: "payload", Percentiles: []float64{3, 97}, Components: "auto", Seed: 1},
		Objects: []profiles.Object{{
			ID: "UDP 198.18.0.1:5004 198.18.0.2:5004", Kind: "flow", Proto: "UDP",
			Local:  profiles.Endpoint{IP: "198.18.0.1", Port: 5004},
			Remote: profiles.Endpoint{IP: "198.18.0.2", Port: 5004},
			From: &profiles.Direction{
				Packets: 200,
				Size:    profiles.Param{Min: 160, Max: 172, Mixture: []profiles.Component{{Weight: 1, Mean: 172, Std: 0.5}}},
				IAT: profiles.Param{Min: 0.019, Max: 0.021, Transform: profiles.TransformLog,
					Mixture: []profiles.Component{{Weight: 1, Mean: -3.912, Std: 0.01}}},
			},
		}},
	}
	if err := p.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	var b bytes.Buffer
	if err := profiles.Encode(&b, p, profiles.YAML); err != nil {
		fmt.Println(err)
		return
	}
	q, err := profiles.Decode(&b, "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q.IDs(), q.Object(q.IDs()[0]).From.Size.Mixture[0].Mean)

	// A bad field is named by its path.
	p.Objects[0].From.Size.Mixture[0].Std = -1
	fmt.Fprintln(os.Stdout, p.Validate())
	// Output:
	// [UDP 198.18.0.1:5004 198.18.0.2:5004] 172
	// objects[0].from.size.mixture[0].std: must be > 0, got -1
}
