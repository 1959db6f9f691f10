package profiles

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gmm2trex/gmm2trex/internal/atomicfile"
	"go.yaml.in/yaml/v3"
)

// maxDocument bounds what Decode reads, so a wrong file (a capture passed as
// a profile) fails fast instead of filling memory.
const maxDocument = 64 << 20

// Load reads a profile from a YAML or JSON file and validates it. Errors name
// the file and, for invalid documents, the field path.
func Load(path string) (*Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("profiles: %w", err)
	}
	defer f.Close()
	return Decode(f, path)
}

// Decode reads a profile document (YAML, or JSON when it starts with '{')
// and validates it. name is used in errors only.
func Decode(r io.Reader, name string) (*Profile, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("profiles: %s: %w", name, err)
	}
	if len(b) > maxDocument {
		return nil, fmt.Errorf("profiles: %s: larger than %d MiB, not a profile", name, maxDocument>>20)
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
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(p); err != nil {
			// yaml lists several problems on several lines; the CLI contract
			// wants a one-line reason.
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			msg = strings.ReplaceAll(strings.ReplaceAll(msg, ":\n", ": "), "\n", "; ")
			msg = strings.Join(strings.Fields(msg), " ")
			return nil, fmt.Errorf("profiles: %s: %s", name, msg)
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

// Encode writes p in the given syntax. It does not validate.
func Encode(w io.Writer, p *Profile, enc Encoding) error {
	if enc == JSON {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(p)
	}
	e := yaml.NewEncoder(w)
	e.SetIndent(2)
	if err := e.Encode(p); err != nil {
		return err
	}
	return e.Close()
}

// Save validates p and writes it atomically to path, as JSON for a .json
// path and YAML otherwise.
func Save(path string, p *Profile) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("profiles: not saving %s: %w", path, err)
	}
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		return Encode(w, p, EncodingFor(path))
	})
}
