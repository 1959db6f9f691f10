package profiles

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// MaxDocument is the largest profile document, in bytes, that Save writes and
// Decode reads: both refuse a larger one with ErrTooLarge, so that whatever
// estimate writes, show and the generators can read. Reading and writing
// cost a few times the document's size (see encodeYAML, decodeYAML), so this
// bounds their memory too; a wrong file (a capture passed as a profile)
// fails fast instead of filling memory. 1 GiB: the default model's profile
// of 10,000 flows of 100 packets a direction is over 256 MiB (the marginal
// maps' knots are most of it), which estimate refused after fitting them
// all; reading 1 GiB costs some 4.4 GB (show measured 4.3 times the size).
const MaxDocument = 1 << 30

// ErrTooLarge is wrapped by the error of a document over MaxDocument.
var ErrTooLarge = fmt.Errorf("profile larger than the %d MiB limit; fit fewer objects (a selection, a higher --min-packets)", MaxDocument>>20)

// documentLimit is MaxDocument, lowered by tests.
var documentLimit int64 = MaxDocument

func tooLarge(name string) error { return fmt.Errorf("profiles: %s: %w", name, ErrTooLarge) }

// limitWriter fails with ErrTooLarge once more than n bytes were written.
type limitWriter struct {
	w io.Writer
	n int64
}

func (l *limitWriter) Write(b []byte) (int, error) {
	if int64(len(b)) > l.n {
		return 0, ErrTooLarge
	}
	l.n -= int64(len(b))
	return l.w.Write(b)
}

// encodeYAML writes p as go.yaml.in/yaml/v3 lays it out (SetIndent(2)),
// byte for byte (a test holds it to that), but as it walks the document:
// yaml/v3 holds every event of what it encodes, some 80 times the text, so
// a profile of tens of megabytes cost gigabytes, and it writes about
// 2 MB/s. Floats are written so that YAML 1.1 readers read them as numbers
// too (see portableFloat). Strings are quoted by yaml/v3 itself, one
// string at a time.
func encodeYAML(w io.Writer, p *Profile) error {
	e := &emitter{w: bufio.NewWriterSize(w, 64<<10), quoted: map[string]string{}}
	e.mapping(reflect.ValueOf(p).Elem(), 0, false)
	if e.err != nil {
		return e.err
	}
	return e.w.Flush()
}

type emitter struct {
	w      *bufio.Writer
	err    error
	num    []byte
	quoted map[string]string // strings as yaml/v3 writes them
}

// field is one encoded field of a struct, from its yaml tag.
type field struct {
	index           int
	name            string
	omitEmpty, flow bool
}

var fieldCache sync.Map // reflect.Type -> []field

func fieldsOf(t reflect.Type) []field {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]field)
	}
	var fs []field
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		f := field{index: i, name: name}
		for _, o := range strings.Split(opts, ",") {
			f.omitEmpty = f.omitEmpty || o == "omitempty"
			f.flow = f.flow || o == "flow"
		}
		fs = append(fs, f)
	}
	fieldCache.Store(t, fs)
	return fs
}

func (e *emitter) write(s string) {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

func (e *emitter) indent(n int) {
	for range n {
		e.w.WriteByte(' ')
	}
}

// entry is one key and value of a mapping, struct field or map entry.
type entry struct {
	key  string
	v    reflect.Value
	flow bool
}

// entries lists what a struct or map value emits, in yaml/v3's order (a
// struct's fields; a map's keys sorted).
func entries(v reflect.Value) []entry {
	var out []entry
	if v.Kind() == reflect.Map {
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			out = append(out, entry{key: k.String(), v: v.MapIndex(k)})
		}
		return out
	}
	for _, f := range fieldsOf(v.Type()) {
		fv := v.Field(f.index)
		if f.omitEmpty && isZero(fv) {
			continue
		}
		out = append(out, entry{key: f.name, v: fv, flow: f.flow})
	}
	return out
}

// block reports whether v is written as a block collection: a non-empty
// struct, map or slice.
func block(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer:
		return !v.IsNil() && block(v.Elem())
	case reflect.Slice, reflect.Map:
		return v.Len() > 0
	case reflect.Struct:
		return len(entries(v)) > 0
	}
	return false
}

// mapping writes a block mapping whose keys sit at column ind; inline, the
// first key follows a sequence's "- " on its line.
func (e *emitter) mapping(v reflect.Value, ind int, inline bool) {
	for i, en := range entries(v) {
		if i > 0 || !inline {
			e.indent(ind)
		}
		e.write(e.quote(en.key, false))
		e.write(":")
		e.value(en.v, ind, en.flow)
	}
}

// value writes what follows a key's colon or a sequence's dash.
func (e *emitter) value(v reflect.Value, ind int, flow bool) {
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	if flow || !block(v) {
		e.write(" ")
		e.flow(v)
		e.write("\n")
		return
	}
	e.write("\n")
	if v.Kind() == reflect.Slice {
		e.sequence(v, ind+2, false)
	} else {
		e.mapping(v, ind+2, false)
	}
}

// sequence writes a block sequence whose dashes sit at column ind.
func (e *emitter) sequence(v reflect.Value, ind int, inline bool) {
	for i := range v.Len() {
		if i > 0 || !inline {
			e.indent(ind)
		}
		e.write("-")
		it := v.Index(i)
		for it.Kind() == reflect.Pointer && !it.IsNil() {
			it = it.Elem()
		}
		switch {
		case !block(it):
			e.write(" ")
			e.flow(it)
			e.write("\n")
		case it.Kind() == reflect.Slice:
			e.write(" ")
			e.sequence(it, ind+2, true)
		default:
			e.write(" ")
			e.mapping(it, ind+2, true)
		}
	}
}

// flow writes v in flow style (a scalar is its own flow style); nested
// tells whether it sits within a flow collection.
func (e *emitter) flow(v reflect.Value, nested ...bool) {
	inFlow := len(nested) > 0
	if e.err != nil {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			e.write("null")
			return
		}
		e.flow(v.Elem(), nested...)
	case reflect.Slice:
		e.write("[")
		for i := range v.Len() {
			if i > 0 {
				e.write(", ")
			}
			e.flow(v.Index(i), true)
		}
		e.write("]")
	case reflect.Struct, reflect.Map:
		e.write("{")
		for i, en := range entries(v) {
			if i > 0 {
				e.write(", ")
			}
			e.write(e.quote(en.key, true))
			e.write(": ")
			e.flow(en.v, true)
		}
		e.write("}")
	case reflect.String:
		e.write(e.quote(v.String(), inFlow))
	case reflect.Float64, reflect.Float32:
		e.float(v.Float(), v.Type().Bits())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.num = strconv.AppendInt(e.num[:0], v.Int(), 10)
		e.w.Write(e.num)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		e.num = strconv.AppendUint(e.num[:0], v.Uint(), 10)
		e.w.Write(e.num)
	case reflect.Bool:
		e.write(strconv.FormatBool(v.Bool()))
	default:
		e.err = fmt.Errorf("profiles: cannot write a %s as YAML", v.Type())
	}
}

func (e *emitter) float(f float64, bits int) {
	switch {
	case math.IsInf(f, 1):
		e.write(".inf")
	case math.IsInf(f, -1):
		e.write("-.inf")
	case math.IsNaN(f):
		e.write(".nan")
	default:
		e.num = strconv.AppendFloat(e.num[:0], f, 'g', -1, bits)
		if i := bytes.IndexByte(e.num, 'e'); i > 0 && bytes.IndexByte(e.num[:i], '.') < 0 {
			e.num = append(e.num[:i], append([]byte(".0"), e.num[i:]...)...)
		}
		e.w.Write(e.num)
	}
}

// quote returns s as yaml/v3 writes it (plain where YAML reads it back as
// that string, quoted otherwise); within a flow collection, a plain string
// holding its indicators is single-quoted, as yaml/v3 does. One that
// yaml/v3 would write as a block scalar (a line break) is written
// double-quoted, a form every YAML reader takes, and so is one YAML 1.1
// reads as a number (see sexagesimal).
func (e *emitter) quote(s string, inFlow bool) string {
	key := s
	if inFlow {
		key = "\x00" + s
	}
	if q, ok := e.quoted[key]; ok {
		return q
	}
	out, err := yaml.Marshal(s)
	q := strings.TrimSuffix(string(out), "\n")
	switch {
	case err != nil || strings.ContainsAny(q, "\n"):
		j, _ := json.Marshal(s)
		q = string(j)
	case q == s && sexagesimal.MatchString(s):
		q = `"` + s + `"`
	case inFlow && !strings.HasPrefix(q, "'") && !strings.HasPrefix(q, "\"") && strings.ContainsAny(q, ",[]{}"):
		q = "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	if len(e.quoted) > 4096 {
		clear(e.quoted)
	}
	e.quoted[key] = q
	return q
}

// sexagesimal matches YAML 1.1's base-60 numbers (10:08:11:21:30:50 is an
// integer to PyYAML; a MAC address can be one), which yaml/v3 leaves plain.
var sexagesimal = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$`)

// isZero is yaml/v3's test for omitempty.
func isZero(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		return v.Len() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	case reflect.Slice, reflect.Map:
		return v.Len() == 0
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && !isZero(v.Field(i)) {
				return false
			}
		}
		return true
	}
	return false
}

// portableFloat rewrites a float Go formats without a decimal point but
// with an exponent (1e-06, 5e+20) as 1.0e-06, 5.0e+20: YAML 1.1, which
// PyYAML implements, reads a float only with a point, so it loaded the
// former as strings. Both forms are the same float to YAML 1.2 readers (Go),
// so a profile reads back to the same bits.
func portableFloat(s string) string {
	if e := strings.IndexAny(s, "eE"); e > 0 && !strings.Contains(s[:e], ".") {
		return s[:e] + ".0" + s[e:]
	}
	return s
}

// splitAbove is the document size from which Decode reads a YAML profile's
// objects one at a time; smaller documents are decoded whole, which accepts
// every layout YAML allows.
const splitAbove = 1 << 20

// decodeYAML decodes a YAML document into p. Decoding a document whole
// builds its node tree first, some 100 times the text; above splitAbove, a
// block-style "objects" list (as Save writes it, and as people write it by
// hand) is cut at its items, which are decoded one at a time, so memory is
// the text, the profile and one object's tree. A document of another
// layout (a flow-style list) is decoded whole. Errors name lines of the
// whole document either way.
func decodeYAML(b []byte, p *Profile) error {
	if len(b) <= splitAbove {
		return decodeChunk(b, p, 0)
	}
	head, items, ok := splitObjects(b)
	if !ok {
		return decodeChunk(b, p, 0)
	}
	if err := decodeChunk(head, p, 0); err != nil {
		return err
	}
	p.Objects = nil
	var one struct {
		Objects []Object `yaml:"objects"`
	}
	prefix := []byte("objects:\n")
	var chunk []byte
	for _, it := range items {
		chunk = append(append(chunk[:0], prefix...), b[it.start:it.end]...)
		one.Objects = nil
		// The prefix is the chunk's line 1, the item's first line its
		// line 2.
		if err := decodeChunk(chunk, &one, it.line-2); err != nil {
			return err
		}
		p.Objects = append(p.Objects, one.Objects...)
	}
	return nil
}

// span is one item of the objects list: bytes [start, end) of the document,
// starting on line line (1-based).
type span struct {
	start, end, line int
}

// splitObjects finds the top-level "objects:" key and the items of its block
// sequence. head is the document with the items' lines blanked (so its line
// numbers are the document's); ok is false when the list is not a block
// sequence, or when a line the cut could misread (a tab in the
// indentation) leaves the layout in doubt.
func splitObjects(b []byte) (head []byte, items []span, ok bool) {
	type state int
	const (
		before state = iota // looking for "objects:"
		first               // looking for the first item
		in                  // within the list
		after               // past it
	)
	st, indent, line := before, 0, 0
	for off := 0; off < len(b); {
		end := bytes.IndexByte(b[off:], '\n')
		if end < 0 {
			end = len(b)
		} else {
			end += off + 1
		}
		line++
		l := b[off:end]
		body := bytes.TrimLeft(l, " ")
		ind := len(l) - len(body)
		empty := len(bytes.TrimSpace(body)) == 0 || body[0] == '#'
		if len(body) > 0 && body[0] == '\t' {
			return nil, nil, false
		}
		switch st {
		case before:
			if ind == 0 && isObjectsKey(body) {
				st = first
			}
		case first:
			if empty {
				break
			}
			if !bytes.HasPrefix(body, []byte("- ")) && !bytes.Equal(bytes.TrimRight(body, "\r\n"), []byte("-")) {
				return nil, nil, false
			}
			st, indent = in, ind
			items = append(items, span{off, end, line})
		case in:
			if empty {
				items[len(items)-1].end = end
				break
			}
			isItem := ind == indent && (bytes.HasPrefix(body, []byte("- ")) || bytes.Equal(bytes.TrimRight(body, "\r\n"), []byte("-")))
			switch {
			case isItem:
				items = append(items, span{off, end, line})
			case ind > indent:
				items[len(items)-1].end = end
			default:
				st = after
			}
		}
		off = end
	}
	if len(items) == 0 {
		return nil, nil, false
	}
	lo, hi := items[0].start, items[len(items)-1].end
	head = make([]byte, 0, lo+len(b)-hi+line)
	head = append(head, b[:lo]...)
	head = append(head, bytes.Repeat([]byte("\n"), bytes.Count(b[lo:hi], []byte("\n")))...)
	head = append(head, b[hi:]...)
	return head, items, true
}

func isObjectsKey(body []byte) bool {
	rest, ok := bytes.CutPrefix(body, []byte("objects:"))
	if !ok {
		return false
	}
	rest = bytes.TrimSpace(rest)
	return len(rest) == 0 || rest[0] == '#'
}

var lineRef = regexp.MustCompile(`line (\d+)`)

// decodeChunk decodes one YAML chunk strictly; shift is added to the line
// numbers its errors name. yaml lists several problems on several lines;
// the CLI contract wants a one-line reason.
func decodeChunk(b []byte, v any, shift int) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	if errors.Is(err, io.EOF) {
		return errors.New("empty document")
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.ReplaceAll(strings.ReplaceAll(msg, ":\n", ": "), "\n", "; ")
	msg = strings.Join(strings.Fields(msg), " ")
	if shift != 0 {
		msg = lineRef.ReplaceAllStringFunc(msg, func(m string) string {
			n, _ := strconv.Atoi(m[len("line "):])
			return "line " + strconv.Itoa(n+shift)
		})
	}
	return errors.New(msg)
}
