// Package sharedtest locates ../shared (the project's shared captures and
// corpus, beside the repository) for tests, and skips when it is absent, as it
// is in a user's fresh clone.
package sharedtest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir returns the absolute path of the shared directory, or skips the test
// with a clear message when it does not exist.
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("GMM2TREX_SHARED"); d != "" {
		return d
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..") // module root
	d := filepath.Join(root, "..", "shared")
	if st, err := os.Stat(d); err != nil || !st.IsDir() {
		t.Skipf("../shared is absent (looked for %s): the shared captures are only beside the project's own checkouts and CI", d)
	}
	abs, _ := filepath.Abs(d)
	return abs
}

// Path returns a file below the shared directory, skipping when it is missing.
func Path(t testing.TB, elem ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{Dir(t)}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared file %s is absent", p)
	}
	return p
}

// TRexSim returns the absolute path of ../shared/tools/trex-sim, TRex's own
// simulator (its README says how to run it), or skips the test with the
// reason when it, or the /usr/bin/python3 it runs with, is missing.
func TRexSim(t testing.TB) string {
	t.Helper()
	d := filepath.Join(Dir(t), "tools", "trex-sim")
	for _, need := range []string{filepath.Join(d, "sim-stl"), filepath.Join(d, "scripts", "bp-sim-64")} {
		if _, err := os.Stat(need); err != nil {
			t.Skipf("TRex's simulator is absent (no %s): CI provides ../shared/tools/trex-sim", need)
		}
	}
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("TRex's simulator needs /usr/bin/python3, which is absent")
	}
	return d
}
