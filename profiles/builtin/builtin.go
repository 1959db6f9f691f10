// Package builtin holds profiles embedded in the binary, so that traffic can
// be generated without a capture at hand. sample-rtp is fitted from the
// embedded sample capture (internal/samplecap); skype-call from the Skype
// capture the project measures against. Regenerate them after a change of
// the estimator with:
//
//	go run ./cmd/gmm2trex estimate -o profiles/builtin/sample-rtp.profile.yaml
//	go run ./cmd/gmm2trex estimate -p ../shared/pcaps/skypeLANhome.pcap -o profiles/builtin/skype-call.profile.yaml
//
// (cmd/gmm2trex's tests check that the first still matches a fresh fit).
package builtin

import (
	"bytes"
	"embed"
	"fmt"
	"slices"
	"strings"

	"github.com/gmm2trex/gmm2trex/profiles"
)

//go:embed *.profile.yaml
var files embed.FS

// Info describes one built-in profile.
type Info struct {
	Name        string
	Description string
	Objects     int
}

var descriptions = map[string]string{
	"sample-rtp": "RTP audio between two ffmpeg processes (the embedded sample capture), mixtures and HMM",
	"skype-call": "a Skype voice call on a home LAN (skypeLANhome.pcap), mixtures and HMM",
}

// Names lists the built-in profiles in name order.
func Names() []string {
	entries, _ := files.ReadDir(".")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".profile.yaml"))
	}
	slices.Sort(names)
	return names
}

// List describes every built-in profile.
func List() []Info {
	var out []Info
	for _, n := range Names() {
		info := Info{Name: n, Description: descriptions[n]}
		if p, err := Load(n); err == nil {
			info.Objects = len(p.Objects)
		}
		out = append(out, info)
	}
	return out
}

// Load returns a fresh copy of the built-in profile name (validated).
func Load(name string) (*profiles.Profile, error) {
	b, err := Bytes(name)
	if err != nil {
		return nil, err
	}
	return profiles.Decode(bytes.NewReader(b), "builtin:"+name)
}

// Bytes returns the YAML document of the built-in profile name.
func Bytes(name string) ([]byte, error) {
	b, err := files.ReadFile(name + ".profile.yaml")
	if err != nil {
		return nil, fmt.Errorf("profiles: no built-in profile %q (built in: %s)", name, strings.Join(Names(), ", "))
	}
	return b, nil
}
