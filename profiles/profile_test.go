package profiles

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func loadTiny(t testing.TB) *Profile {
	t.Helper()
	p, err := Load("testdata/tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRoundTrip(t *testing.T) {
	p := loadTiny(t)
	p.Objects[0].From.Bursts = testBursts() // the optional layer travels too
	for _, name := range []string{"p.yaml", "p.json"} {
		path := filepath.Join(t.TempDir(), name)
		if err := Save(path, p); err != nil {
			t.Fatal(err)
		}
		q, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Errorf("%s: round trip changed the profile", name)
		}
		if p.Hash() != q.Hash() {
			t.Errorf("%s: hash changed", name)
		}
	}
}

func TestRoundTripExactFloats(t *testing.T) {
	p := loadTiny(t)
	p.Objects[0].From.Size.Mixture[0].Mean = 1.0 / 3
	p.Objects[0].From.Size.Mixture[0].Std = math.Nextafter(2, 3)
	var buf bytes.Buffer
	if err := Encode(&buf, p, YAML); err != nil {
		t.Fatal(err)
	}
	q, err := Decode(&buf, "mem")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, q) {
		t.Fatal("floats not preserved exactly through YAML")
	}
}

func TestValidateRejects(t *testing.T) {
	cases := []struct {
		name, path string
		mutate     func(p *Profile)
	}{
		{"format", "format", func(p *Profile) { p.Format = "gmm2trex/v0" }},
		{"negative weight", "objects[0].from.size.mixture[0].weight", func(p *Profile) {
			p.Objects[0].From.Size.Mixture[0].Weight = -0.5
			p.Objects[0].From.Size.Mixture[1].Weight = 1.5
		}},
		{"weights sum", "objects[0].from.size.mixture", func(p *Profile) { p.Objects[0].From.Size.Mixture[0].Weight = 0.6 }},
		{"std", "objects[0].to.iat.mixture[0].std", func(p *Profile) { p.Objects[0].To.IAT.Mixture[0].Std = -1 }},
		{"zero std", "objects[0].to.iat.mixture[0].std", func(p *Profile) { p.Objects[0].To.IAT.Mixture[0].Std = 0 }},
		{"nan", "objects[0].from.size.mixture[1].mean", func(p *Profile) { p.Objects[0].From.Size.Mixture[1].Mean = math.NaN() }},
		{"inf", "objects[0].from.iat.max", func(p *Profile) { p.Objects[0].From.IAT.Max = math.Inf(1) }},
		{"min>max", "objects[0].from.size", func(p *Profile) { p.Objects[0].From.Size.Min = 400 }},
		{"transition row", "objects[0].from.hmm.chains[0].transitions[1]", func(p *Profile) {
			p.Objects[0].From.HMM.Chains[0].Transitions[1] = []float64{0.5, 0.6}
		}},
		{"transition rows count", "objects[0].from.hmm.chains[0].transitions", func(p *Profile) {
			c := &p.Objects[0].From.HMM.Chains[0]
			c.Transitions = c.Transitions[:1]
		}},
		{"start", "objects[0].from.hmm.chains[0].start", func(p *Profile) { p.Objects[0].From.HMM.Chains[0].Start = []float64{1} }},
		{"cov not symmetric", "objects[0].from.hmm.chains[0].states[0].mixture[0].cov", func(p *Profile) {
			p.Objects[0].From.HMM.Chains[0].States[0].Mixture[0].Cov = [][]float64{{1, 0.5}, {0.4, 1}}
		}},
		{"cov not pd", "objects[0].from.hmm.chains[0].states[0].mixture[0].cov", func(p *Profile) {
			p.Objects[0].From.HMM.Chains[0].States[0].Mixture[0].Cov = [][]float64{{1, 2}, {2, 1}}
		}},
		{"mean dims", "objects[0].from.hmm.chains[0].states[1].mixture[1].mean", func(p *Profile) {
			p.Objects[0].From.HMM.Chains[0].States[1].Mixture[1].Mean = []float64{1}
		}},
		{"scale dims", "objects[0].from.hmm.chains[0].scale.std", func(p *Profile) {
			p.Objects[0].From.HMM.Chains[0].Scale.Std = []float64{1}
		}},
		{"feature emitted by none", "objects[0].from.hmm.chains", func(p *Profile) {
			c := &p.Objects[0].From.HMM.Chains[0]
			c.Features = []string{"iat"}
			c.Scale = Scale{Mean: []float64{0}, Std: []float64{1}}
			for _, s := range c.States {
				for i := range s.Mixture {
					s.Mixture[i].Mean = s.Mixture[i].Mean[:1]
					s.Mixture[i].Cov = [][]float64{{1}}
				}
			}
		}},
		{"feature by two", "objects[0].from.hmm.chains[1].features[0]", func(p *Profile) {
			h := p.Objects[0].From.HMM
			h.Chains = append(h.Chains, h.Chains[0])
		}},
		{"unknown feature", "objects[0].from.hmm.chains[0].features[1]", func(p *Profile) {
			p.Objects[0].From.HMM.Chains[0].Features[1] = "ttl"
		}},
		{"kind", "objects[0].kind", func(p *Profile) { p.Objects[0].Kind = "host" }},
		{"ip", "objects[0].remote.ip", func(p *Profile) { p.Objects[0].Remote.IP = "300.1.1.1" }},
		{"no model", "objects[0]", func(p *Profile) { p.Objects[0].From, p.Objects[0].To = nil, nil }},
		{"burst threshold", "objects[0].from.bursts.threshold", func(p *Profile) {
			p.Objects[0].From.Bursts = testBursts()
			p.Objects[0].From.Bursts.Threshold = 0
		}},
		{"burst packets", "objects[0].from.bursts.packets.x[0]", func(p *Profile) {
			p.Objects[0].From.Bursts = testBursts()
			p.Objects[0].From.Bursts.Packets.X[0] = 0.4
		}},
		{"burst idle below threshold", "objects[0].from.bursts.idle.x[0]", func(p *Profile) {
			p.Objects[0].From.Bursts = testBursts()
			p.Objects[0].From.Bursts.Idle.X[0] = 0.01
		}},
		{"burst idle map", "objects[0].from.bursts.idle.z[1]", func(p *Profile) {
			p.Objects[0].From.Bursts = testBursts()
			p.Objects[0].From.Bursts.Idle.Z[1] = -3
		}},
		{"block without maps", "objects[0].from.hmm.chains[0].block", func(p *Profile) { p.Objects[0].From.HMM.Chains[0].Block = 1024 }},
		{"block too short", "objects[0].from.hmm.chains[0].block", func(p *Profile) {
			c := &p.Objects[0].From.HMM.Chains[0]
			c.Marginals = make([]Marginal, len(c.Features))
			for i := range c.Marginals {
				c.Marginals[i] = Marginal{Z: []float64{-1, 1}, X: []float64{1, 2}}
			}
			c.Block = 8
		}},
		{"mixture map outside the bounds", "objects[0].from.size.marginal", func(p *Profile) {
			sz := &p.Objects[0].From.Size
			sz.Marginal = &Marginal{Z: []float64{-1, 1}, X: []float64{sz.Min, sz.Max + 1}}
		}},
		{"size transform", "objects[0].from.size.transform", func(p *Profile) { p.Objects[0].From.Size.Transform = "log" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := loadTiny(t)
			c.mutate(p)
			err := p.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate() = %v, want a FieldError", err)
			}
			if fe.Path != c.path {
				t.Errorf("path = %q, want %q (%v)", fe.Path, c.path, err)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Error("error does not wrap ErrInvalid")
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	good, _ := os.ReadFile("testdata/tiny.yaml")
	cases := []struct{ name, doc, want string }{
		{"empty", "", "empty file"},
		{"binary", "\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00", "binary"},
		{"unknown field", strings.Replace(string(good), "packets: 400", "packets: 400, pakets: 1", 1), "pakets"},
		{"bad type", strings.Replace(string(good), "packets: 200", "packets: many", 1), "line"},
		{"invalid", strings.Replace(string(good), "std: 5}", "std: -1}", 1), "objects[0].from.size.mixture[0].std: must be > 0, got -1"},
		{"json unknown", `{"format":"gmm2trex/v1","bogus":1}`, "bogus"},
		{"json unknown in an object", `{"format":"gmm2trex/v1","objects":[{"id":"a","bogus":1}]}`, `objects[0]: json: unknown field "bogus"`},
		{"json bad type in an object", `{"format":"gmm2trex/v1","objects":[{"id":"a"},{"from":{"packets":"many"}}]}`, "objects[1]: json: cannot unmarshal string"},
		{"json objects not a list", `{"format":"gmm2trex/v1","objects":"none"}`, "cannot unmarshal string"},
		{"json cut short", `{"format":"gmm2trex/v1","objects":[{"id":"a"}`, "unexpected EOF"},
	}
	for _, c := range cases {
		_, err := Decode(strings.NewReader(c.doc), "x.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "x.yaml") {
			t.Errorf("%s: err = %v, want it to name x.yaml and contain %q", c.name, err, c.want)
		}
	}
}

func TestSaveRefusesInvalid(t *testing.T) {
	p := loadTiny(t)
	p.Objects[0].From.Size.Mixture[0].Std = 0
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := Save(path, p); err == nil {
		t.Fatal("Save accepted an invalid profile")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("Save left a file behind")
	}
}

func FuzzDecode(f *testing.F) {
	good, _ := os.ReadFile("testdata/tiny.yaml")
	f.Add(good)
	f.Add([]byte(`{"format":"gmm2trex/v1","objects":[]}`))
	f.Add([]byte("format: gmm2trex/v1\nobjects: [{id: a, kind: ip, from: {size: {min: 1, max: 0}}}]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(bytes.NewReader(b), "fuzz")
		if err != nil {
			return
		}
		// Whatever decodes must re-encode and decode to the same document.
		var buf bytes.Buffer
		if err := Encode(&buf, p, YAML); err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(&buf, "again"); err != nil {
			t.Fatalf("re-decoding a valid profile failed: %v\n%s", err, buf.Bytes())
		}
	})
}

// testBursts is a valid on/off layer: bursts of 1 to 40 packets, idle gaps
// of 0.2 to 2 s, a threshold of 0.1 s.
func testBursts() *Bursts {
	return &Bursts{Threshold: 0.1,
		Packets: Marginal{Z: []float64{-2, 2}, X: []float64{1, 40}},
		Idle:    Marginal{Z: []float64{-2, 0, 2}, X: []float64{0.2, 0.5, 2}}}
}
