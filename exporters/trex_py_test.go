package exporters

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"github.com/gmm2trex/gmm2trex/profiles"
)

// The Python profile's tables hold the same streams as the YAML.
func TestPyMatchesSTL(t *testing.T) {
	p := tiny(t)
	o := Options{Count: 200, Seed: 9, STL: STLOptions{Loops: 3}}
	yml, _ := export(t, p, "trex-stl", "s.yaml", o)
	py, _ := export(t, p, "trex-py", "s.py", o)
	src, err := os.ReadFile(py[0])
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile(`(?m)^ {12}\(([0-9.]+), ([0-9]+)\),$`).FindAllStringSubmatch(string(src), -1)
	var ss []stlStreamDoc
	for d := range []profiles.Dir{profiles.From, profiles.To} {
		ss = append(ss, checkSTL(t, yml[d])...)
	}
	if len(rows) != len(ss) || len(rows) != 400 {
		t.Fatalf("%d rows, %d YAML streams", len(rows), len(ss))
	}
	for i, r := range rows {
		isg, _ := strconv.ParseFloat(r[1], 64)
		pay, _ := strconv.Atoi(r[2])
		if isg != *ss[i].ISG || pay != ss[i].info.Payload {
			t.Fatalf("row %d: (%v, %d), YAML stream %s: isg %v payload %d", i, isg, pay, *ss[i].Name, *ss[i].ISG, ss[i].info.Payload)
		}
	}
	if !regexp.MustCompile(`"loops": 3,`).Match(src) {
		t.Error("loops not written")
	}
	if py3, err := exec.LookPath("python3"); err == nil {
		if out, err := exec.Command(py3, "-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())", py[0]).CombinedOutput(); err != nil {
			t.Errorf("not valid Python: %v\n%s", err, out)
		}
	} else {
		t.Log("python3 not found: syntax not checked")
	}
}
