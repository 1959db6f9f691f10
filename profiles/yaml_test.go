package profiles

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func loadBuiltin(t testing.TB, name string) *Profile {
	t.Helper()
	p, err := Load(filepath.Join("builtin", name+".profile.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wholeYAML is the document encoded whole by go.yaml.in/yaml/v3, with the
// same portable floats: what encodeYAML must reproduce object by object.
func wholeYAML(t *testing.T, p *Profile) []byte {
	t.Helper()
	var n yaml.Node
	if err := n.Encode(p); err != nil {
		t.Fatal(err)
	}
	portableFloats(&n)
	var buf bytes.Buffer
	e := yaml.NewEncoder(&buf)
	e.SetIndent(2)
	if err := e.Encode(&n); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func portableFloats(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!float" {
		n.Value = portableFloat(n.Value)
	}
	for _, c := range n.Content {
		portableFloats(c)
	}
}

// many is the built-in's objects repeated under new ids, n in all.
func many(t testing.TB, n int) *Profile {
	p := loadBuiltin(t, "skype-call")
	o := p.Objects[0]
	p.Objects = make([]Object, n)
	for i := range p.Objects {
		p.Objects[i] = o
		p.Objects[i].ID = fmt.Sprintf("UDP 10.0.%d.%d:5000 192.0.2.1:%d", i>>8&255, i&255, 1000+i)
	}
	return p
}

// oddProfile has what an encoder can get wrong: quotes, colons and line
// breaks in strings, maps, bursts and a recurrent model.
func oddProfile(t *testing.T) *Profile {
	odd := loadTiny(t)
	odd.Objects[0].From.Bursts = testBursts()
	odd.Objects = append(odd.Objects, withRNN(t).Objects...)
	odd.Objects[1].ID = "UDP [fe80::1]:5353 [ff02::fb]:5353"
	odd.Source.File = "a capture: 'x' #1, \"y\".pcap"
	odd.Settings.Components = "yes"
	odd.Settings.Object = "1e-06"
	odd.Objects[0].Local = Endpoint{}
	odd.Objects[0].From.Scores = map[string]float64{"iid+bursts": 1, "hmm, odd": 2e-07, "b": 3}
	odd.Objects[0].From.HMM.Chains[0].Transform = map[string]string{"iat": "[log]", "size": "none"}
	return odd
}

func TestEncodeStreamsTheWholeDocument(t *testing.T) {
	odd := oddProfile(t)
	for _, p := range []*Profile{loadBuiltin(t, "sample-rtp"), loadBuiltin(t, "skype-call"), loadTiny(t), many(t, 3), odd} {
		var buf bytes.Buffer
		if err := Encode(&buf, p, YAML); err != nil {
			t.Fatal(err)
		}
		if want := wholeYAML(t, p); !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s: object-by-object YAML differs from the whole document's", p.Source.File)
		}
	}
	// A line break cannot be written as yaml/v3 does (a block scalar):
	// it is double-quoted, and reads back.
	odd.Source.File = "two\nlines\t\u00e9"
	var buf bytes.Buffer
	if err := Encode(&buf, odd, YAML); err != nil {
		t.Fatal(err)
	}
	var q Profile
	if err := yaml.Unmarshal(buf.Bytes(), &q); err != nil || !reflect.DeepEqual(&q, odd) {
		t.Errorf("a string with a line break: %v", err)
	}
	p := loadTiny(t)
	p.Objects = nil
	buf.Reset()
	if err := Encode(&buf, p, YAML); err != nil {
		t.Fatal(err)
	}
	if want := wholeYAML(t, p); !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("no objects: got\n%s\nwant\n%s", buf.Bytes(), want)
	}
}

// The JSON is what encoding/json writes for the whole document.
func TestEncodeJSONIsTheWholeDocuments(t *testing.T) {
	none, empty := loadTiny(t), loadTiny(t)
	none.Objects, empty.Objects = nil, []Object{}
	odd := oddProfile(t)
	odd.Source.File = "<two>\nlines & \u00e9"
	for _, p := range []*Profile{loadBuiltin(t, "sample-rtp"), loadBuiltin(t, "skype-call"), loadTiny(t), many(t, 3), odd, none, empty} {
		var got, want bytes.Buffer
		if err := Encode(&got, p, JSON); err != nil {
			t.Fatal(err)
		}
		e := json.NewEncoder(&want)
		e.SetIndent("", "  ")
		if err := e.Encode(p); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("%s, %d objects: object-by-object JSON differs from encoding/json's:\n%s", p.Source.File, len(p.Objects), got.Bytes())
		}
	}
}

// decodeJSON decodes what encoding/json decodes from the whole document.
func FuzzDecodeJSON(f *testing.F) {
	var buf bytes.Buffer
	for _, p := range []*Profile{loadTiny(f), many(f, 2)} {
		buf.Reset()
		if err := Encode(&buf, p, JSON); err != nil {
			f.Fatal(err)
		}
		f.Add(slices.Clone(buf.Bytes()))
	}
	for _, doc := range []string{
		`{"format":"gmm2trex/v1","objects":[]}`, `{"format":"gmm2trex/v1","objects":null}`,
		`{"OBJECTS":[{"id":"a"}],"format":"x"}`, `{"objects":[{"id":"a","kind":"ip"}],"objects":[{"kind":"mac"},{"id":"b"}]}`,
		`{"objects":[{"id":"a","bogus":1}]}`, `{"objects":"no"}`, `{"objects":[1]}`, `{"format":1}`,
		`{"objects":[{"from":{"packets":"many"}}]}`, `{"objects":[]} trailing`, `{"objects":[{}]`, `{"source":{"file":"x"},"objects":[{"id":"a"}],"settings":{"seed":3}}`,
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 || b[0] != '{' {
			return
		}
		var got, want Profile
		gerr := decodeJSON(b, &got)
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		werr := dec.Decode(&want)
		if (gerr == nil) != (werr == nil) {
			t.Fatalf("%q: streamed error %v, whole %v", b, gerr, werr)
		}
		if gerr == nil && !reflect.DeepEqual(&got, &want) {
			t.Fatalf("%q: streamed %+v, whole %+v", b, got, want)
		}
	})
}

func TestPortableFloat(t *testing.T) {
	for in, want := range map[string]string{"1e-06": "1.0e-06", "5e+20": "5.0e+20", "-3e-09": "-3.0e-09",
		"1.5e-05": "1.5e-05", "72": "72", "0.25": "0.25", ".inf": ".inf", "-.inf": "-.inf", ".nan": ".nan"} {
		if got := portableFloat(in); got != want {
			t.Errorf("portableFloat(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"10:08:11:21:30:50": `"10:08:11:21:30:50"`, "1:20": `"1:20"`,
		"d4:dc:cd:8e:29:07": "d4:dc:cd:8e:29:07", "192.168.0.1": "192.168.0.1", "fe80::1": "fe80::1"} {
		e := &emitter{quoted: map[string]string{}}
		if got := e.quote(in, false); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
	// Every float of a YAML document reads back to the same bits.
	p := loadTiny(t)
	p.Source.Resolution = 1e-06
	p.Objects[0].From.IAT.Min = 5e-06
	p.Objects[0].From.Size.Mixture[0].Std = 1e-300
	var buf bytes.Buffer
	if err := Encode(&buf, p, YAML); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("resolution: 1.0e-06\n")) || bytes.Contains(buf.Bytes(), []byte(" 5e-06")) {
		t.Errorf("floats without a point:\n%s", buf.Bytes())
	}
	q, err := Decode(&buf, "mem")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, q) {
		t.Error("portable floats changed the profile")
	}
}

// A large document is read object by object, to the same profile as a
// whole-document decode, whatever its layout within the rules YAML sets.
func TestDecodeSplitMatchesWhole(t *testing.T) {
	p := many(t, 12)
	var buf bytes.Buffer
	if err := Encode(&buf, p, YAML); err != nil {
		t.Fatal(err)
	}
	if buf.Len() <= splitAbove {
		t.Fatalf("document of %d bytes is below splitAbove (%d): the test reads nothing by parts", buf.Len(), splitAbove)
	}
	canonical := buf.String()
	// The same document with the list at column 0, comments, blank lines
	// and a key after the list, as a person may write it.
	top, list, _ := strings.Cut(canonical, "objects:\n")
	hand := top + "# the objects\nobjects: # twelve\n\n" + strings.ReplaceAll(list[2:], "\n  ", "\n")
	hand = strings.Replace(hand, "\n- id:", "\n# next\n\n- id:", 3)
	hand = strings.Replace(hand, "format: gmm2trex/v1\n", "", 1) + "format: gmm2trex/v1\n"
	for name, doc := range map[string]string{"canonical": canonical, "hand": hand} {
		_, items, ok := splitObjects([]byte(doc))
		if !ok || len(items) != len(p.Objects) {
			t.Fatalf("%s: split into %d items (ok %v), want %d", name, len(items), ok, len(p.Objects))
		}
		got, err := Decode(strings.NewReader(doc), name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var whole Profile
		if err := yaml.Unmarshal([]byte(doc), &whole); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, &whole) || !reflect.DeepEqual(got, p) {
			t.Errorf("%s: decoding by objects differs from decoding whole", name)
		}
	}
	// A flow-style list cannot be cut: it is decoded whole.
	if _, _, ok := splitObjects([]byte("format: x\nobjects: [{id: a}, {id: b}]\n")); ok {
		t.Error("a flow-style list was cut")
	}
}

// An error in an object of a document read by parts names the line of the
// whole document, as a whole decode does.
func TestDecodeSplitErrorLines(t *testing.T) {
	p := many(t, 12)
	var buf bytes.Buffer
	if err := Encode(&buf, p, YAML); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(buf.String(), "\n")
	target := -1
	seen := 0
	for i, l := range lines {
		if strings.HasPrefix(l, "  - id:") {
			if seen++; seen == 9 {
				target = i + 1 // the line after the 9th object's id
			}
		}
	}
	lines[target] = "    colour: blue\n" + lines[target]
	doc := strings.Join(lines, "")
	_, err := Decode(strings.NewReader(doc), "big.yaml")
	want := fmt.Sprintf("line %d: field colour not found", target+1)
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("err = %v, want one line with %q", err, want)
	}
	_, wholeErr := Decode(strings.NewReader(doc[:0]+lines[0]+strings.Join(lines[1:], "")), "big.yaml")
	if wholeErr == nil || wholeErr.Error() != err.Error() {
		t.Errorf("whole-document error %v differs from %v", wholeErr, err)
	}
}

// Save refuses what Load would refuse, with the same message, and writes
// nothing.
func TestSaveAndLoadShareTheLimit(t *testing.T) {
	p := many(t, 10)
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := Save(big, p); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(big)
	if err != nil {
		t.Fatal(err)
	}
	defer func(old int64) { documentLimit = old }(documentLimit)
	documentLimit = st.Size() - 1
	_, loadErr := Load(big)
	_, decodeErr := Decode(bytes.NewReader(must(os.ReadFile(big))), big)
	out := filepath.Join(dir, "out.yaml")
	saveErr := Save(out, p)
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused save left %s", out)
	}
	var sink bytes.Buffer
	writeErr := Write(&sink, out, p, YAML)
	for _, err := range []error{loadErr, decodeErr, saveErr, writeErr} {
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	}
	re := regexp.MustCompile(`[^ ]*(big|out)\.yaml`)
	l, d, s := re.ReplaceAllString(loadErr.Error(), "F"), re.ReplaceAllString(decodeErr.Error(), "F"), re.ReplaceAllString(saveErr.Error(), "F")
	w := re.ReplaceAllString(writeErr.Error(), "F")
	if l != s || d != s || w != s {
		t.Errorf("messages differ:\nload:   %s\ndecode: %s\nsave:   %s\nwrite:  %s", l, d, s, w)
	}
	documentLimit = st.Size()
	if _, err := Load(big); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	if err := Save(out, p); err != nil {
		t.Errorf("at the limit: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// The costs README's "Scale" section quotes: bytes allocated per byte of
// document, written and read.
func BenchmarkEncodeYAML(b *testing.B) { benchEncode(b, YAML) }
func BenchmarkEncodeJSON(b *testing.B) { benchEncode(b, JSON) }
func BenchmarkDecodeYAML(b *testing.B) { benchDecode(b, YAML) }
func BenchmarkDecodeJSON(b *testing.B) { benchDecode(b, JSON) }

// benchDocument is the document of 200 objects the benchmarks write and read.
func benchDocument(b *testing.B, enc Encoding) (*Profile, []byte) {
	p := many(b, 200)
	var buf bytes.Buffer
	if err := Encode(&buf, p, enc); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	return p, buf.Bytes()
}

func benchEncode(b *testing.B, enc Encoding) {
	p, _ := benchDocument(b, enc)
	for b.Loop() {
		if err := Encode(discard{}, p, enc); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDecode(b *testing.B, enc Encoding) {
	_, doc := benchDocument(b, enc)
	for b.Loop() {
		if _, err := Decode(bytes.NewReader(doc), "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
