package profiles

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The JSON Schema shipped beside the types (profile.schema.json) names the
// same fields as they do, requires those written always (no omitempty),
// and gives each the type its Go field has: a field added to the Go types
// without the schema fails here.
func TestSchemaMatchesTypes(t *testing.T) {
	b, err := os.ReadFile("profile.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatalf("profile.schema.json: %v", err)
	}
	defs, _ := schema["$defs"].(map[string]any)
	seen := map[string]bool{}
	var check func(name string, def map[string]any, typ reflect.Type)
	resolve := func(s map[string]any) map[string]any {
		if r, ok := s["$ref"].(string); ok {
			d, _ := defs[strings.TrimPrefix(r, "#/$defs/")].(map[string]any)
			return d
		}
		return s
	}
	// typeOf checks that schema s describes Go type typ.
	var typeOf func(path string, s map[string]any, typ reflect.Type)
	typeOf = func(path string, s map[string]any, typ reflect.Type) {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if r, ok := s["$ref"].(string); ok {
			name := strings.TrimPrefix(r, "#/$defs/")
			if name != typ.Name() {
				t.Errorf("%s: schema refers to %s, the Go type is %s", path, name, typ.Name())
			}
			if !seen[name] {
				seen[name] = true
				check(name, resolve(s), typ)
			}
			return
		}
		want := map[reflect.Kind]string{reflect.Float64: "number", reflect.Int: "integer", reflect.Int64: "integer",
			reflect.Uint64: "integer", reflect.String: "string", reflect.Bool: "boolean", reflect.Slice: "array", reflect.Map: "object"}[typ.Kind()]
		got := s["type"]
		if l, ok := got.([]any); ok {
			got = l[0]
		}
		if _, isEnum := s["enum"]; isEnum && typ.Kind() == reflect.String {
			got = "string"
		}
		if _, isConst := s["const"]; isConst && typ.Kind() == reflect.String {
			got = "string"
		}
		if got != want {
			t.Errorf("%s: schema type %v, the Go type %s wants %q", path, s["type"], typ, want)
			return
		}
		switch typ.Kind() {
		case reflect.Slice:
			items, _ := s["items"].(map[string]any)
			typeOf(path+"[]", items, typ.Elem())
		case reflect.Map:
			if v, ok := s["additionalProperties"].(map[string]any); ok {
				typeOf(path+"{}", v, typ.Elem())
			}
		}
	}
	check = func(name string, def map[string]any, typ reflect.Type) {
		if def == nil {
			t.Errorf("%s: not in the schema's $defs", name)
			return
		}
		props, _ := def["properties"].(map[string]any)
		var names, required []string
		for _, f := range fieldsOf(typ) {
			names = append(names, f.name)
			if !f.omitEmpty {
				required = append(required, f.name)
			}
			p, ok := props[f.name].(map[string]any)
			if !ok {
				t.Errorf("%s.%s: not in the schema", name, f.name)
				continue
			}
			typeOf(name+"."+f.name, p, typ.Field(f.index).Type)
		}
		var schemaNames, schemaRequired []string
		for k := range props {
			schemaNames = append(schemaNames, k)
		}
		for _, r := range def["required"].([]any) {
			schemaRequired = append(schemaRequired, r.(string))
		}
		slices.Sort(names)
		slices.Sort(required)
		slices.Sort(schemaNames)
		slices.Sort(schemaRequired)
		if !slices.Equal(names, schemaNames) {
			t.Errorf("%s: schema properties %v, Go fields %v", name, schemaNames, names)
		}
		if !slices.Equal(required, schemaRequired) {
			t.Errorf("%s: schema requires %v, Go writes always %v", name, schemaRequired, required)
		}
		if def["additionalProperties"] != false {
			t.Errorf("%s: the schema allows unknown fields; Decode does not", name)
		}
	}
	check("Profile", schema, reflect.TypeFor[Profile]())
	for name := range defs {
		if !seen[name] {
			t.Errorf("$defs.%s: no Go field refers to it", name)
		}
	}
}
