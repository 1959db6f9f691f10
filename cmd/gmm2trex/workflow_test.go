package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/cmdline"
	"github.com/gmm2trex/gmm2trex/internal/samplecap"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/profiles/builtin"
)

// The tests of issue 15: one-shot commands, the CI verdict, object
// selection, builtin: and pipes, and the conventions of the command line.

const (
	rtpMain  = "UDP 198.18.0.1:5004 198.18.0.2:5004"
	rtpSmall = "UDP 198.18.0.1:5005 198.18.0.2:5005"
)

// runIn runs the command line with stdin as standard input.
func runIn(t *testing.T, stdin []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	old := cmdline.Stdin
	cmdline.Stdin = bytes.NewReader(stdin)
	defer func() { cmdline.Stdin = old }()
	return runCLI(t, args...)
}

// samplePcap writes the embedded sample capture to a file.
func samplePcap(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), samplecap.Name)
	if err := os.WriteFile(path, samplecap.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestImitateLargestObject(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "call.csv")
	code, stdout, errs := runCLI(t, "imitate", "--format", "csv", "-c", "50", "-o", out, "--profile", filepath.Join(dir, "p.yaml"), "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "largest object, \""+rtpMain+"\"") {
		t.Errorf("stderr does not say which object: %q", errs)
	}
	if strings.TrimSpace(stdout) != out {
		t.Errorf("stdout %q, want the path written", stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(b), "time,direction,size,iat\n") || strings.Count(string(b), "\n") != 101 {
		t.Fatalf("csv: %v, %d lines", err, strings.Count(string(b), "\n"))
	}
	p, err := profiles.Load(filepath.Join(dir, "p.yaml"))
	if err != nil || len(p.Objects) != 1 || p.Objects[0].ID != rtpMain {
		t.Fatalf("--profile: %v %v", err, p)
	}

	// Another object by its number in the flows table, --json.
	code, stdout, errs = runCLI(t, "imitate", "--object", "#2", "--min-packets", "3", "--format", "pcap", "-c", "5", "-o", filepath.Join(dir, "small.pcap"), "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc cmdline.Written
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v in %q", err, stdout)
	}
	if len(doc.Files) != 1 || len(doc.Objects) != 1 || doc.Objects[0].ID != rtpSmall ||
		doc.Objects[0].From == nil || doc.Objects[0].From.Packets != 5 || doc.Objects[0].To == nil {
		t.Errorf("--json: %+v", doc)
	}
	if strings.Contains(errs, "largest") {
		t.Errorf("a chosen object is not announced as the largest: %q", errs)
	}
}

// junitDoc is what CI reporters read of JUnit XML.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Suites   []struct {
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestCheckVerdictAndJUnit(t *testing.T) {
	dir := t.TempDir()
	orig := samplePcap(t)
	prof, gen := filepath.Join(dir, "p.yaml"), filepath.Join(dir, "gen.pcap")
	if code, _, errs := runCLI(t, "estimate", "-p", orig, "-o", prof, "-q"); code != 0 {
		t.Fatalf("estimate: %s", errs)
	}
	if code, _, errs := runCLI(t, "sample", prof, "-l", "31", "-o", gen); code != 0 {
		t.Fatalf("sample: %s", errs)
	}
	junit := filepath.Join(dir, "check.xml")
	code, out, errs := runCLI(t, "check", orig, gen, "--junit", junit)
	if code != 0 {
		t.Fatalf("check of a faithful imitation with the default bounds: exit %d\n%s%s", code, out, errs)
	}
	for _, d := range []string{"from", "to"} {
		if !regexp.MustCompile(`(?m)^PASS  ` + regexp.QuoteMeta(rtpMain) + `  ` + d + ` +9 checks$`).MatchString(out) {
			t.Errorf("no PASS line for %s:\n%s", d, out)
		}
	}
	doc := readJUnit(t, junit)
	if doc.Tests != 18 || doc.Failures != 0 || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 18 {
		t.Errorf("junit: %d tests, %d failures", doc.Tests, doc.Failures)
	}

	// A bound no imitation meets: exit 1, FAIL lines, failures in the XML
	// and the JSON verdict.
	code, out, errs = runCLI(t, "check", orig, gen, "--max-ks", "0.0001", "--junit", junit, "--json")
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errs)
	}
	var rep struct {
		Passed *bool `json:"passed"`
		Checks []struct {
			Metric string `json:"metric"`
			Passed bool   `json:"passed"`
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Passed == nil || *rep.Passed || len(rep.Checks) != 18 {
		t.Fatalf("JSON verdict: %v %+v", err, rep)
	}
	doc = readJUnit(t, junit)
	failed := 0
	for _, c := range doc.Suites[0].Cases {
		if c.Failure != nil {
			failed++
			if !strings.HasPrefix(c.Name, "ks_") || !strings.Contains(c.Failure.Message, "> 0.0001") || !strings.HasPrefix(c.Classname, rtpMain) {
				t.Errorf("failure %+v", c)
			}
		}
	}
	if failed == 0 || failed != doc.Failures {
		t.Errorf("%d failed test cases, the suite says %d", failed, doc.Failures)
	}
	// A profile as GENERATED: check samples it over the original's span.
	code, out, errs = runCLI(t, "check", orig, prof)
	if code != 0 || !strings.Contains(errs, "generated generated.pcap from "+prof) || strings.Count(out, "PASS") != 2 {
		t.Errorf("check ORIGINAL PROFILE: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = runCLI(t, "check", orig, gen, "--max-ks", "0.0001")
	if code != 1 || !strings.Contains(out, "FAIL  "+rtpMain) || !strings.Contains(out, "ks_size") {
		t.Errorf("exit %d, verdict:\n%s", code, out)
	}
}

func readJUnit(t *testing.T, path string) junitDoc {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

func TestObjectSelection(t *testing.T) {
	for _, want := range []string{"#2", "udp 198.18.0.2:5005 198.18.0.1:5005", rtpSmall} {
		code, out, errs := runCLI(t, "flows", "--object", want, "--json")
		if code != 0 {
			t.Fatalf("--object %q: exit %d: %s", want, code, errs)
		}
		var doc struct{ Objects []struct{ ID string } }
		if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Objects) != 1 || doc.Objects[0].ID != rtpSmall {
			t.Errorf("--object %q: %v %+v", want, err, doc)
		}
	}
	code, out, errs := runCLI(t, "flows", "--object", "#1", "--object", "#2")
	if code != 0 || !strings.Contains(out, "#1\n") || !strings.Contains(out, "#2\n") {
		t.Errorf("two objects: exit %d\n%s", code, out)
	}
	for _, bad := range []string{"#3", "#0", "10.9.9.9"} {
		code, out, errs := runCLI(t, "estimate", "--object", bad, "-o", filepath.Join(t.TempDir(), "p.yaml"))
		if code != 2 || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "--object \""+bad+"\"") {
			t.Errorf("--object %q: exit %d, stdout %q, stderr %q", bad, code, out, errs)
		}
	}
	// Profiles: export and plot take ids and numbers too.
	dir := t.TempDir()
	code, out, errs = runCLI(t, "export", "builtin:skype-call", "--format", "csv", "-c", "3", "--object", "#1", "-o", filepath.Join(dir, "x.csv"))
	if code != 0 || !strings.Contains(out, "x.csv") {
		t.Errorf("export --object #1: exit %d %s", code, errs)
	}
	code, _, errs = runCLI(t, "plot", "builtin:skype-call", "--object", "udp 192.168.0.105:26454 192.168.0.102:18826", "-o", dir, "--format", "svg")
	if code != 0 || !strings.Contains(errs, "files in") {
		t.Errorf("plot --object: exit %d %s", code, errs)
	}
}

func TestEstimateSelectionMatchedNothing(t *testing.T) {
	dir := t.TempDir()
	ids := writeFile(t, "none.txt", "10.9.9.9\n")
	code, out, errs := runCLI(t, "estimate", "-f", ids, "-o", filepath.Join(dir, "p.yaml"))
	if code != 2 || out != "" || !strings.Contains(errs, "selection matched no object") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestBuiltinWhereverAProfileIs(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"show", "builtin:skype-call"},
		{"sample", "builtin:skype-call", "-c", "5", "-o", filepath.Join(dir, "s.csv")},
		{"export", "builtin:sample-rtp", "--format", "trex-stl", "-c", "5", "-o", filepath.Join(dir, "s.yaml")},
		{"plot", "builtin:sample-rtp", "-o", dir, "--format", "svg"},
	} {
		if code, _, errs := runCLI(t, args...); code != 0 {
			t.Errorf("%v: exit %d: %s", args, code, errs)
		}
	}
	code, _, errs := runCLI(t, "show", "builtin:nope")
	if code != 2 || !strings.Contains(errs, "nope") {
		t.Errorf("unknown builtin: exit %d %q", code, errs)
	}
}

func TestPipes(t *testing.T) {
	code, out, errs := runIn(t, samplecap.Bytes(), "flows", "-r", "-", "--json")
	if code != 0 || !strings.Contains(out, rtpMain) {
		t.Fatalf("flows -r -: exit %d: %s", code, errs)
	}
	code, out, errs = runIn(t, samplecap.Bytes(), "estimate", "-p", "-", "-o", "-", "-q")
	if code != 0 {
		t.Fatalf("estimate -o -: exit %d: %s", code, errs)
	}
	p, err := profiles.Decode(strings.NewReader(out), "stdout")
	if err != nil || p.Objects[0].ID != rtpMain {
		t.Fatalf("estimate -o - is no profile: %v", err)
	}
	if !strings.Contains(errs, "OBJECT") {
		t.Errorf("estimate -o -: the summary belongs on stderr: %q", errs)
	}
	code, shown, errs := runIn(t, []byte(out), "show", "-")
	if code != 0 || !strings.Contains(shown, rtpMain) {
		t.Errorf("show -: exit %d %s", code, errs)
	}
	code, out, errs = runIn(t, []byte(out), "export", "-", "--format", "pcap", "-c", "10", "-o", "-")
	if code != 0 || !strings.HasPrefix(out, "\xd4\xc3\xb2\xa1") || len(out) < 24+20*60 {
		t.Errorf("export --format pcap -o -: exit %d, %d bytes: %s", code, len(out), errs)
	}
	code, out, errs = runCLI(t, "sample", "builtin:skype-call", "-c", "5", "-o", "-", "--format", "csv")
	if code != 0 || !strings.HasPrefix(out, "time,direction,size,iat\n") || strings.Count(out, "\n") != 11 {
		t.Errorf("sample -o - --format csv: exit %d %q %s", code, out, errs)
	}
	code, out, _ = runCLI(t, "sample", "builtin:skype-call", "-c", "5", "-o", "-", "--format", "pcap")
	if code != 0 || !strings.HasPrefix(out, "\x4d\x3c\xb2\xa1") {
		t.Errorf("sample -o - --format pcap: exit %d, not a nanosecond pcap", code)
	}
	// sample | check: the generated side on standard input.
	code, gen, errs := runCLI(t, "sample", "builtin:sample-rtp", "-l", "31", "-o", "-", "--format", "pcap")
	if code != 0 {
		t.Fatalf("sample: %s", errs)
	}
	code, out, errs = runIn(t, []byte(gen), "check", samplePcap(t), "-", "--json")
	if code != 0 || !strings.Contains(out, `"generated": "stdin"`) || !strings.Contains(out, `"passed": true`) {
		t.Errorf("check ORIGINAL -: exit %d %s", code, errs)
	}
	code, out, errs = runCLI(t, "sample", "builtin:skype-call", "-c", "5", "-o", "-")
	if code != 2 || out != "" || !strings.Contains(errs, "--format") {
		t.Errorf("sample -o - without --format: exit %d %q", code, errs)
	}
	// check --junit -: the XML on stdout, the verdict on stderr; report -o -.
	code, out, errs = runIn(t, []byte(gen), "check", samplePcap(t), "-", "--junit", "-")
	if code != 0 || !strings.HasPrefix(out, "<?xml") || !strings.Contains(out, "<testsuites") || !strings.Contains(errs, "PASS") {
		t.Errorf("check --junit -: exit %d, stdout %.80q, stderr %q", code, out, errs)
	}
	code, out, errs = runCLI(t, "report", samplePcap(t), "builtin:sample-rtp", "-o", "-")
	if code != 0 || !strings.HasPrefix(out, "<!DOCTYPE html>") || !strings.Contains(out, "</html>") {
		t.Errorf("report -o -: exit %d, stdout %.80q, stderr %q", code, out, errs)
	}
	// -f -: the ids on standard input (not both it and the capture).
	code, out, errs = runIn(t, []byte(rtpSmall+"\n"), "flows", "-f", "-", "--min-packets", "1")
	if code != 0 || !strings.Contains(out, rtpSmall) || strings.Contains(out, rtpMain) {
		t.Errorf("flows -f -: exit %d %q %s", code, out, errs)
	}
	code, out, errs = runIn(t, samplecap.Bytes(), "flows", "-p", "-", "-f", "-")
	if code != 2 || out != "" || !strings.Contains(errs, "-f -") {
		t.Errorf("flows -p - -f -: exit %d %q %q, want a usage error", code, out, errs)
	}
	if _, err := os.Stat("-"); err == nil {
		t.Error(`a file named "-" was created`)
	}
}

func TestJSONOfWhatWasWritten(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"estimate", "-o", filepath.Join(dir, "p.yaml"), "-q", "--json"},
		{"export", "builtin:sample-rtp", "--format", "trex-stl", "-c", "7", "-o", filepath.Join(dir, "x.yaml"), "--json"},
		{"sample", "builtin:sample-rtp", "-c", "7", "-o", filepath.Join(dir, "x.csv"), "--json"},
		{"sample", "builtin:sample-rtp", "-l", "2.5", "-o", filepath.Join(dir, "y.csv"), "--json"},
	} {
		code, out, errs := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var doc cmdline.Written
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%v: %v in %q", args, err, out)
		}
		if len(doc.Files) == 0 || len(doc.Objects) == 0 || doc.Objects[0].ID != rtpMain || doc.Objects[0].From == nil || doc.Objects[0].From.Model == "" {
			t.Errorf("%v: %+v", args, doc)
		}
		if f := doc.Objects[0].From; slices.Contains(args, "-l") && (f.Packets != 0 || f.Seconds != 2.5) {
			t.Errorf("%v: %+v, want 2.5 seconds", args, f)
		} else if slices.Contains(args, "-c") && f.Packets != 7 {
			t.Errorf("%v: packets %d, want 7", args, f.Packets)
		}
		for _, f := range doc.Files {
			if _, err := os.Stat(f); err != nil {
				t.Errorf("%v: %v", args, err)
			}
		}
	}
}

func TestUsageErrorsOneLine(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"flows", "--json", "--min-packets", "x"}, `--min-packets "x": want a whole number`},
		{[]string{"send", "--max-pps", "fast"}, `--max-pps "fast": want a number`},
		{[]string{"estimate", "--no-such"}, "--no-such: unknown flag"},
		{[]string{"flws"}, `did you mean "flows"`},
		{[]string{"imitate", "--format", "csv"}, "-o OUT is required"},
		{[]string{"help", "nope"}, "no such command"},
	} {
		code, out, errs := runCLI(t, c.args...)
		if code != 2 || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2, no stdout, one line with %q", c.args, code, out, errs, c.want)
		}
	}
	// No Go words in what a user reads.
	code, _, errs := runCLI(t, "flows", "-p", filepath.Join(t.TempDir(), "none.pcap"))
	if code != 2 || regexp.MustCompile(`trace:|profiles:|strconv|\*[a-z]+\.`).MatchString(errs) {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

func TestHelpConventions(t *testing.T) {
	code, out, _ := runCLI(t, "help", "imitate")
	if code != 0 || !strings.Contains(out, "gmm2trex imitate -p CAPTURE") {
		t.Errorf("help imitate: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "--version")
	if code != 0 || !regexp.MustCompile(`gmm2trex version \S+ \(.*go1\.`).MatchString(out) {
		t.Errorf("--version: %q", out)
	}
	for shell, want := range map[string]string{"bash": "complete ", "zsh": "compdef"} {
		code, out, errs := runCLI(t, "completion", shell)
		if code != 0 || !strings.Contains(out, want) || !strings.Contains(out, "gmm2trex") {
			t.Errorf("completion %s: exit %d %s", shell, code, errs)
		}
	}
	// What the scripts ask the binary for at each <Tab> (urfave reads the
	// root's completion request from os.Args).
	args := os.Args
	os.Args = []string{"gmm2trex", "--generate-shell-completion"}
	defer func() { os.Args = args }()
	if code, out, _ := runCLI(t, "--generate-shell-completion"); code != 0 || !strings.Contains(out, "imitate:") || !strings.Contains(out, "check:") {
		t.Errorf("--generate-shell-completion: exit %d %q", code, out)
	}
	// Placeholders name the value; defaults read as typed.
	bad := regexp.MustCompile(`--[a-z-]+ (string|value|int|float|uint|[a-z]+)(,|\s{2})|e\+0`)
	for _, c := range newApp(nil, nil).Commands {
		var b bytes.Buffer
		app := newApp(&b, &b)
		if err := cli.ShowCommandHelp(context.Background(), app, c.Name); err != nil {
			// Commands are set up by Run; render through it.
			b.Reset()
			run(context.Background(), []string{"gmm2trex", c.Name, "--help"}, &b, &b)
		}
		if !strings.Contains(b.String(), "gmm2trex "+c.Name) {
			t.Errorf("%s: no help rendered: %q", c.Name, b.String())
		}
		for _, line := range strings.Split(b.String(), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "--") && bad.MatchString(line) {
				t.Errorf("%s --help: %q", c.Name, line)
			}
		}
	}
	// --model means the same by default wherever a profile is played.
	for _, name := range []string{"sample", "export", "send", "imitate"} {
		for _, f := range newApp(nil, nil).Command(name).Flags {
			if f.Names()[0] == "model" && name != "imitate" && f.(*cli.StringFlag).Value != "auto" {
				t.Errorf("%s --model defaults to %q", name, f.(*cli.StringFlag).Value)
			}
		}
	}
}

// The model note: printed when the directions play different models
// (--model auto), not when they all play one or --model is given.
func TestModelNoteOnlyWhenItMatters(t *testing.T) {
	p, err := builtin.Load("skype-call")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	same := filepath.Join(dir, "same.yaml")
	if err := profiles.Save(same, p); err != nil {
		t.Fatal(err)
	}
	p.Objects[0].From.Model = profiles.ModelIID
	mixed := filepath.Join(dir, "mixed.yaml")
	if err := profiles.Save(mixed, p); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		profile string
		extra   []string
		note    bool
	}{{mixed, nil, true}, {same, nil, false}, {mixed, []string{"--model", "hmm"}, false}} {
		for _, command := range []string{"sample", "export"} {
			args := []string{command, c.profile, "-c", "5", "-o", filepath.Join(dir, "out.csv")}
			if command == "export" {
				args = append(args, "--format", "csv")
			}
			code, _, errs := runCLI(t, append(args, c.extra...)...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, errs)
			}
			if got := strings.Contains(errs, "gmm2trex: model "); got != c.note {
				t.Errorf("%v %v: model note %v, want %v: %q", args, c.extra, got, c.note, errs)
			}
			if c.note && !strings.Contains(errs, "from iid") {
				t.Errorf("%v: the note does not say what each direction plays: %q", args, errs)
			}
		}
	}
}
