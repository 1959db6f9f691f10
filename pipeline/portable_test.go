package pipeline_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/internal/samplecap"
	"github.com/gmm2trex/gmm2trex/pipeline"
	"github.com/gmm2trex/gmm2trex/profiles"
)

// portableCheck loads each YAML profile with PyYAML (YAML 1.1, what Python
// users and TRex's own tools read) and its JSON twin with Python's json,
// and wants the same values of the same types: a number PyYAML reads as a
// string ('9e-06' was one) fails, naming its path. With "schema", both are
// validated against profile.schema.json too.
const portableCheck = `
import json, sys, yaml
mode, schema_path, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
def same(a, b, path):
    if type(a) is bool or type(b) is bool or isinstance(a, str) or isinstance(b, str):
        ok = type(a) is type(b) and a == b
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
        ok = a == b
    elif isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            sys.exit("%s: keys %s against %s" % (path, sorted(a), sorted(b)))
        for k in a:
            same(a[k], b[k], path + "." + k)
        return
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, "%s[%d]" % (path, i))
        return
    else:
        ok = a is None and b is None
    if not ok:
        sys.exit("%s: PyYAML reads %r (%s), the JSON holds %r (%s)" % (path, a, type(a).__name__, b, type(b).__name__))
if mode == "schema":
    import jsonschema
    schema = json.load(open(schema_path))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
for i in range(0, len(pairs), 2):
    y = yaml.safe_load(open(pairs[i]))
    j = json.load(open(pairs[i+1]))
    if mode == "pyyaml":
        same(y, j, pairs[i])
    else:
        for doc, name in ((y, pairs[i]), (j, pairs[i+1])):
            errs = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
            if errs:
                e = errs[0]
                sys.exit("%s: %s: %s" % (name, "/".join(str(p) for p in e.path), e.message))
print("checked", len(pairs) // 2, "profiles")
`

// TestProfilesPortable: every built-in profile, a freshly estimated one and
// one holding what YAML 1.1 misreads (a clock tick of 1e-06, an all-digit
// MAC address) load in Python as they do in Go, and match the JSON Schema.
func TestProfilesPortable(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found (CI installs it with python3-yaml and python3-jsonschema)")
	}
	if out, err := exec.Command(python, "-c", "import yaml").CombinedOutput(); err != nil {
		t.Skipf("PyYAML absent (Debian: python3-yaml; .ci/run installs it): %s", strings.TrimSpace(string(out)))
	}
	dir := t.TempDir()
	var pairs []string
	add := func(name string, p *profiles.Profile) {
		y, j := filepath.Join(dir, name+".yaml"), filepath.Join(dir, name+".json")
		if err := profiles.Save(y, p); err != nil {
			t.Fatal(err)
		}
		if err := profiles.Save(j, p); err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, y, j)
	}
	builtins, _ := filepath.Glob("../profiles/builtin/*.profile.yaml")
	if len(builtins) < 2 {
		t.Fatalf("built-in profiles: %v", builtins)
	}
	for _, b := range builtins {
		p, err := profiles.Load(b)
		if err != nil {
			t.Fatal(err)
		}
		// The file itself, as shipped, beside a JSON twin.
		j := filepath.Join(dir, filepath.Base(b)+".json")
		if err := profiles.Save(j, p); err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, b, j)
	}
	s := pipeline.DefaultSettings()
	c, err := samplecap.Open(s.TraceOptions())
	if err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Estimate(context.Background(), c, s)
	if err != nil {
		t.Fatal(err)
	}
	add("fresh", res.Profile)
	odd, err := profiles.Load("../profiles/testdata/tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	odd.Source.Resolution = 1e-06
	odd.Objects[0].Local.MAC = "10:08:11:21:30:50"
	odd.Objects[0].From.IAT.Min = 5e-06
	add("odd", odd)
	for _, mode := range []string{"pyyaml", "schema"} {
		t.Run(mode, func(t *testing.T) {
			if mode == "schema" {
				if out, err := exec.Command(python, "-c", "import jsonschema").CombinedOutput(); err != nil {
					t.Skipf("python3-jsonschema absent (.ci/run installs it): %s", strings.TrimSpace(string(out)))
				}
			}
			args := append([]string{"-c", portableCheck, mode, "../profiles/profile.schema.json"}, pairs...)
			out, err := exec.Command(python, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			t.Logf("%s", strings.TrimSpace(string(out)))
		})
	}
}
