package profiles

import (
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
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(p); err != nil {
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
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(p)
	}
	return encodeYAML(w, p)
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
