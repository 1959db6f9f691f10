package exporters

import (
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestSTF(t *testing.T) {
	files, _ := export(t, tiny(t), "trex-stf", "stf.yaml", Options{Count: 100, STF: STFOptions{CPS: 4}})
	if len(files) != 2 || filepath.Base(files[0]) != "stf.pcap" {
		t.Fatalf("files %v", files)
	}
	raw, _ := os.ReadFile(files[1])
	var doc []struct {
		Duration  float64 `yaml:"duration"`
		Generator struct {
			Distribution, ClientsStart, ClientsEnd, ServersStart, ServersEnd, DualPortMask string
		} `yaml:"generator"`
		CapIPG  *bool `yaml:"cap_ipg"`
		CapInfo []struct {
			Name          string
			CPS, IPG, RTT float64
			W             *int
		} `yaml:"cap_info"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc) != 1 || doc[0].Duration != 10 || doc[0].CapIPG == nil || !*doc[0].CapIPG || len(doc[0].CapInfo) != 1 {
		t.Fatalf("%+v", doc)
	}
	ci := doc[0].CapInfo[0]
	if ci.Name != "stf.pcap" || ci.CPS != 4 || ci.IPG <= 0 || ci.RTT <= 0 || ci.W == nil {
		t.Errorf("cap_info %+v", ci)
	}
	if n := len(readFrames(t, files[0])); n != 200 {
		t.Errorf("%d packets", n)
	}
}
