package profiles

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gmm2trex/gmm2trex/internal/atomicfile"
)

// Load reads a profile from a YAML or JSON file and validates it. Errors name
// the file and, for invalid documents, the field path.
func Load(path string) (*Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("profiles: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		if st.Size() > documentLimit {
			return nil, tooLarge(path)
		}
		// Read into a buffer of the file's size: ReadAll's doubling would
		// hold up to twice the document.
		b := make([]byte, 0, st.Size()+1)
		for {
			n, err := f.Read(b[len(b):cap(b)])
			b = b[:len(b)+n]
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("profiles: %s: %w", path, err)
			}
			if len(b) == cap(b) {
				// The file grew while read: the general path.
				rest, err := io.ReadAll(io.LimitReader(f, documentLimit+1-int64(len(b))))
				if err != nil {
					return nil, fmt.Errorf("profiles: %s: %w", path, err)
				}
				b = append(b, rest...)
				break
			}
		}
		return decodeBytes(b, path)
	}
	return Decode(f, path)
}

// Decode reads a profile document (YAML, or JSON when it starts with '{')
// and validates it. name is used in errors only.
func Decode(r io.Reader, name string) (*Profile, error) {
	b, err := io.ReadAll(io.LimitReader(r, documentLimit+1))
	if err != nil {
		return nil, fmt.Errorf("profiles: %s: %w", name, err)
	}
	return decodeBytes(b, name)
}

func decodeBytes(b []byte, name string) (*Profile, error) {
	if int64(len(b)) > documentLimit {
		return nil, tooLarge(name)
	}
	p := new(Profile)
	trimmed := bytes.TrimLeft(b, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("profiles: %s: empty file", name)
	}
	if trimmed[0] == '{' {
		if err := decodeJSON(b, p); err != nil {
			return nil, fmt.Errorf("profiles: %s: %w", name, err)
		}
	} else {
		if !isText(b) {
			return nil, fmt.Errorf("profiles: %s: binary content, not a YAML or JSON profile", name)
		}
		if err := decodeYAML(b, p); err != nil {
			return nil, fmt.Errorf("profiles: %s: %s", name, err)
		}
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("profiles: %s: %w", name, err)
	}
	return p, nil
}

// decodeJSON decodes what json.Decoder decodes (unknown fields refused) but
// the objects one at a time: the decoder otherwise copies the whole document
// into its buffer before it decodes a byte of it (a document of 136 MB took
// 809 MB). The fields other than the objects are gathered and decoded
// together as they were.
func decodeJSON(b []byte, p *Profile) error {
	if err := decodeJSONStream(b, p); err != nil {
		// The document ends inside the object: what json.Decoder says of
		// it whole, not the stream's plain EOF.
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}

func decodeJSONStream(b []byte, p *Profile) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if t, err := dec.Token(); err != nil {
		return err
	} else if t != json.Delim('{') {
		return fmt.Errorf("the document is not a JSON object")
	}
	head := []byte{'{'}
	var objects []Object
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := t.(string)
		// encoding/json matches field names without regard to case.
		if strings.EqualFold(key, "objects") {
			switch next := nextByte(b, dec.InputOffset()); next {
			case '[':
				if objects, err = decodeObjects(dec, objects); err != nil {
					return err
				}
				continue
			case 'n':
				if _, err := dec.Token(); err != nil {
					return err
				}
				objects = nil
				continue
			}
			// Anything else is wrong in a way Decode words best.
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if len(head) > 1 {
			head = append(head, ',')
		}
		k, _ := json.Marshal(key)
		head = append(append(append(head, k...), ':'), raw...)
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	hd := json.NewDecoder(bytes.NewReader(append(head, '}')))
	hd.DisallowUnknownFields()
	if err := hd.Decode(p); err != nil {
		return err
	}
	p.Objects = objects
	return nil
}

// decodeObjects decodes the array that follows in dec, element by element,
// into prev's elements as far as they go (as encoding/json does when a key
// repeats).
func decodeObjects(dec *json.Decoder, prev []Object) ([]Object, error) {
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	out := prev[:0]
	for i := 0; dec.More(); i++ {
		var o Object
		if i < len(prev) {
			o = prev[i]
		}
		if err := dec.Decode(&o); err != nil {
			return nil, fmt.Errorf("objects[%d]: %w", i, err)
		}
		out = append(out, o)
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if out == nil {
		out = []Object{}
	}
	return out, nil
}

// nextByte is the first byte of the value after offset off of b (past
// blanks and the colon), 0 at the end.
func nextByte(b []byte, off int64) byte {
	for _, c := range b[min(off, int64(len(b))):] {
		switch c {
		case ' ', '\t', '\r', '\n', ':':
			continue
		}
		return c
	}
	return 0
}

func isText(b []byte) bool {
	n := min(len(b), 4096)
	return bytes.IndexByte(b[:n], 0) < 0
}

// Encoding is a document syntax.
type Encoding int

const (
	YAML Encoding = iota
	JSON
)

// EncodingFor picks JSON for a .json path and YAML otherwise.
func EncodingFor(path string) Encoding {
	if strings.EqualFold(filepath.Ext(path), ".json") {
		return JSON
	}
	return YAML
}

// Encode writes p in the given syntax. It does not validate, nor check
// MaxDocument (Save does).
func Encode(w io.Writer, p *Profile, enc Encoding) error {
	if enc == JSON {
		return encodeJSON(w, p)
	}
	return encodeYAML(w, p)
}

// encodeJSON writes what json.Encoder with a two-space indent writes, byte
// for byte, but object by object: the encoder marshals the whole document
// and then indents it into a second buffer, about 2.5 times a document of
// 10^5 objects held at once (136 MB of JSON: 585 MB resident).
func encodeJSON(w io.Writer, p *Profile) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	// The document without its objects gives the head, whose last field
	// is "objects": null.
	head := *p
	head.Objects = nil
	b, err := json.Marshal(&head)
	if err != nil {
		return err
	}
	var ind bytes.Buffer
	if err := json.Indent(&ind, b, "", "  "); err != nil {
		return err
	}
	const tail = `"objects": null` + "\n}"
	h := ind.Bytes()
	if !bytes.HasSuffix(h, []byte(tail)) {
		return fmt.Errorf("profiles: JSON head ends %q, not with objects", h[max(0, len(h)-40):])
	}
	bw.Write(h[:len(h)-len(tail)])
	switch {
	case p.Objects == nil:
		bw.WriteString(tail)
	case len(p.Objects) == 0:
		bw.WriteString(`"objects": []` + "\n}")
	default:
		bw.WriteString(`"objects": [`)
		for i := range p.Objects {
			if i > 0 {
				bw.WriteByte(',')
			}
			b, err := json.Marshal(&p.Objects[i])
			if err != nil {
				return err
			}
			ind.Reset()
			if err := json.Indent(&ind, b, "    ", "  "); err != nil {
				return err
			}
			bw.WriteString("\n    ")
			if _, err := bw.Write(ind.Bytes()); err != nil {
				return err // the limit, or the disk
			}
		}
		bw.WriteString("\n  ]\n}")
	}
	bw.WriteByte('\n')
	return bw.Flush()
}

// Save validates p and writes it atomically to path, as JSON for a .json
// path and YAML otherwise; a document over MaxDocument is refused
// (ErrTooLarge, the message Load gives) and nothing is written.
func Save(path string, p *Profile) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("profiles: not saving %s: %w", path, err)
	}
	err := atomicfile.Write(path, 0o644, func(w io.Writer) error {
		return Encode(&limitWriter{w: w, n: documentLimit}, p, EncodingFor(path))
	})
	if errors.Is(err, ErrTooLarge) {
		return tooLarge(path)
	}
	return err
}

// Write is Save to a stream (standard output, say): it validates p and
// writes it, failing with ErrTooLarge past MaxDocument, when what was
// written so far cannot be taken back. name is used in errors only.
func Write(w io.Writer, name string, p *Profile, enc Encoding) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("profiles: not writing %s: %w", name, err)
	}
	err := Encode(&limitWriter{w: w, n: documentLimit}, p, enc)
	if errors.Is(err, ErrTooLarge) {
		return tooLarge(name)
	}
	return err
}
