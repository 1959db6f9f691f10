package exporters

import (
	"os"
	"os/exec"
	"regexp"
	"testing"
)

// TestTRexClientLoads feeds trex-stl, trex-py and trex-astf exports to TRex's
// own Python client library through scripts/trex-check.py. TRex is not part
// of this project: set GMM2TREX_TREX_CORE to a trex-core checkout (and
// optionally GMM2TREX_PYTHON) to run it.
func TestTRexClientLoads(t *testing.T) {
	core := os.Getenv("GMM2TREX_TREX_CORE")
	if core == "" {
		t.Skip("GMM2TREX_TREX_CORE is not set: point it at a trex-core checkout to load the exports with TRex's client")
	}
	py := os.Getenv("GMM2TREX_PYTHON")
	if py == "" {
		py = "python3"
	}
	var files []string
	for _, prof := range []string{"../profiles/testdata/tiny.yaml", "testdata/mixed.yaml"} {
		p := loadProfile(t, prof)
		for _, mode := range []string{"chain", "rate"} {
			o := Options{Count: 300, STL: STLOptions{Mode: STLMode(mode), Loops: 2}}
			f, _ := export(t, p, "trex-stl", "stl.yaml", o)
			files = append(files, f...)
			f, _ = export(t, p, "trex-py", "stlpy.py", o)
			files = append(files, f...)
		}
		f, _ := export(t, p, "trex-astf", "astf.py", Options{Count: 300})
		files = append(files, f[len(f)-1])
	}
	out, err := exec.Command(py, append([]string{"../scripts/trex-check.py", core}, files...)...).CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Errorf("TRex refused an export: %v", err)
	}
	// Per profile and mode: the YAML pair (from, to) then the Python
	// profile's two directions must carry the same frames.
	digests := regexp.MustCompile(`frames sha1 ([0-9a-f]+)`).FindAllStringSubmatch(string(out), -1)
	if len(digests) != 16 {
		t.Fatalf("%d frame digests in the output, want 16", len(digests))
	}
	for i := 0; i < 16; i += 4 {
		if digests[i][1] != digests[i+2][1] || digests[i+1][1] != digests[i+3][1] {
			t.Errorf("group %d: YAML and Python exports send different frames", i/4)
		}
	}
}
