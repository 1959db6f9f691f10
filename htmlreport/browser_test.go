//go:build unix

package htmlreport

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gmm2trex/gmm2trex/compare"
)

// chromium finds a Chromium to load the report in, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium on PATH (Debian: apt-get install chromium; .ci/run installs it): the report is not loaded in a browser")
	return ""
}

// runChromium loads page headless with args and returns its stdout and
// stderr. Each run has its own profile and caches in a temporary
// directory; the whole process group is killed at the timeout (Debian's
// launcher is a shell script that does not exec the browser).
func runChromium(t *testing.T, bin, page string, args ...string) (stdout, stderr string) {
	t.Helper()
	home, err := os.MkdirTemp("", "htmlreport-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	// Best effort: a helper process may still be closing its files.
	defer os.RemoveAll(home)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	all := []string{"--headless", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
		"--disable-extensions", "--disable-background-networking", "--mute-audio",
		"--user-data-dir=" + filepath.Join(home, "profile"),
		"--enable-logging=stderr", "--v=0"}
	if os.Geteuid() == 0 {
		all = append(all, "--no-sandbox") // Chromium refuses to run as root with its sandbox
	}
	all = append(append(all, args...), "file://"+page)
	cmd := exec.CommandContext(ctx, bin, all...)
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_CACHE_HOME="+home)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v (timeout 90 s)\n%s", strings.Join(args, " "), err, tail(errb.String()))
	}
	return out.String(), errb.String()
}

func tail(s string) string {
	if len(s) > 3000 {
		return "…" + s[len(s)-3000:]
	}
	return s
}

// consoleLine is how Chromium logs a page's console message, error or not
// (the level is not in the line), with --enable-logging=stderr:
//
//	[…:INFO:CONSOLE:1] "Uncaught ReferenceError: f is not defined", source: file:///… (1)
//
// The report has no script, so any console message is a fault.
var consoleLine = regexp.MustCompile(`(?m)^.*:CONSOLE[:(].*$`)

// TestReportInBrowser loads a report in headless Chromium: the page must
// render (a screenshot with the table's colours and the figures), its DOM
// must hold the title, the table and the figures, and the console must
// stay silent. A page with a failing script first shows that console
// errors would be seen.
func TestReportInBrowser(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()

	bad := filepath.Join(dir, "bad.html")
	os.WriteFile(bad, []byte(`<!DOCTYPE html><html><head><title>t</title></head><body><p>x</p><script>noSuchFunction()</script></body></html>`), 0o644)
	if _, errs := runChromium(t, bin, bad, "--dump-dom"); !consoleLine.MatchString(errs) {
		t.Fatalf("a page whose script fails logs no console line: the console check would be blind\n%s", tail(errs))
	}

	capture, _, _ := sampleFiles(t)
	o := DefaultOptions()
	// One bound that always holds and one that never does, so that both
	// colours are on the page whatever the models score.
	o.Bounds = compare.Bounds{MaxKS: 1, MaxACFErr: 0, MaxRateErr: -1, MaxBurstErr: -1}
	r, err := Build(context.Background(), capture, "builtin:sample-rtp", o)
	if err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "report.html")
	if err := WriteFile(context.Background(), page, r); err != nil {
		t.Fatal(err)
	}

	dom, errs := runChromium(t, bin, page, "--dump-dom")
	if m := consoleLine.FindAllString(errs, -1); len(m) > 0 {
		t.Errorf("console messages while loading the report:\n%s", strings.Join(m, "\n"))
	}
	for _, want := range []string{"<title>" + TitlePrefix, `<table class="compare">`, "<th>ks_size</th>", `class="verdict fail"`, r.Verdict()} {
		if !strings.Contains(dom, want) {
			t.Errorf("the DOM lacks %q", want)
		}
	}
	if n := strings.Count(dom, "<img "); n != len(r.Figures) {
		t.Errorf("the DOM has %d images, want %d", n, len(r.Figures))
	}

	shot := filepath.Join(dir, "report.png")
	_, errs = runChromium(t, bin, page, "--screenshot="+shot, "--window-size=1360,2400")
	if m := consoleLine.FindAllString(errs, -1); len(m) > 0 {
		t.Errorf("console messages while drawing the report:\n%s", strings.Join(m, "\n"))
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, tail(errs))
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	st := pixels(img)
	t.Logf("screenshot %s: %v, %.1f%% not white, %d green and %d red table pixels",
		shot, img.Bounds().Size(), 100*st.inked, st.green, st.red)
	if st.inked < 0.05 {
		t.Errorf("screenshot nearly blank: %.2f%% of pixels not white", 100*st.inked)
	}
	if st.green < 500 || st.red < 500 {
		t.Errorf("screenshot lacks the table's colours: %d green, %d red pixels (want ≥ 500 each)", st.green, st.red)
	}
}

type pixelStats struct {
	inked      float64 // share of pixels not (nearly) white
	green, red int     // pixels of the pass and fail cell backgrounds
}

func pixels(img image.Image) pixelStats {
	var s pixelStats
	near := func(c color.Color, r0, g0, b0 int) bool {
		r, g, b, _ := c.RGBA()
		d := func(v uint32, w int) int { return max(int(v>>8)-w, w-int(v>>8)) }
		return d(r, r0) <= 6 && d(g, g0) <= 6 && d(b, b0) <= 6
	}
	bb := img.Bounds()
	inked := 0
	for y := bb.Min.Y; y < bb.Max.Y; y++ {
		for x := bb.Min.X; x < bb.Max.X; x++ {
			c := img.At(x, y)
			if r, g, b, _ := c.RGBA(); r>>8 < 245 || g>>8 < 245 || b>>8 < 245 {
				inked++
			}
			switch {
			case near(c, 0xd4, 0xf4, 0xd4):
				s.green++
			case near(c, 0xfb, 0xd5, 0xd5):
				s.red++
			}
		}
	}
	s.inked = float64(inked) / float64(bb.Dx()*bb.Dy())
	return s
}
