package exporters

import (
	"bytes"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/profiles"
)

// The stream form writes the bytes the path form writes to its file.
func TestWriteMatchesExport(t *testing.T) {
	p, m := tiny(t), mixed(t)
	from := []profiles.Dir{profiles.From}
	for _, c := range []struct {
		format, out string
		p           *profiles.Profile
		o           Options
	}{
		{"csv", "x.csv", p, Options{Count: 50, Seed: 2}},
		{"csv", "x.csv", m, Options{Count: 50, Objects: []string{m.Objects[1].ID}}},
		{"pcap", "x.pcap", m, Options{Count: 50, Pcap: PcapOptions{Nanosecond: true}}},
		{"moongen", "x.lua", m, Options{}},
		{"trex-py", "x.py", m, Options{Count: 40, STL: STLOptions{Loops: 3}}},
		{"trex-stl", "x.yaml", m, Options{Count: 40, Dirs: from}},
		{"trex-stl", "x.yaml", p, Options{Count: 40, Dirs: from, STL: STLOptions{Mode: STLRate}}},
	} {
		files, _ := export(t, c.p, c.format, c.out, c.o)
		var b bytes.Buffer
		c.o.Output = files[0] // moongen names it in the run line
		if err := Write(&b, c.p, c.format, c.o); err != nil {
			t.Fatalf("%s: %v", c.format, err)
		}
		if want, _ := os.ReadFile(files[0]); !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s %+v: Write gave %d bytes, Export %d, not the same", c.format, c.o, b.Len(), len(want))
		}
	}
	// Both directions: WriteSTL gives each file of the path form.
	files, _ := export(t, m, "trex-stl", "y.yaml", Options{Count: 40})
	for i, d := range []profiles.Dir{profiles.From, profiles.To} {
		var b bytes.Buffer
		if err := WriteSTL(&b, m, Options{Count: 40}, d); err != nil {
			t.Fatal(err)
		}
		if want, _ := os.ReadFile(files[i]); !bytes.Equal(b.Bytes(), want) {
			t.Errorf("WriteSTL %s differs from %s", d, files[i])
		}
	}
}

func TestWriteBadInput(t *testing.T) {
	m := mixed(t)
	for _, c := range []struct {
		format string
		o      Options
		want   string
	}{
		{"ditg", Options{}, "use Export"},
		{"trex-astf", Options{}, "use Export"},
		{"csv", Options{}, "Options.Objects"},
		{"trex-stl", Options{}, "Options.Dirs"},
		{"trex-stl", Options{Dirs: []profiles.Dir{profiles.From}, STL: STLOptions{Mode: "burst"}}, `STLOptions.Mode "burst"`},
		{"trex-stl", Options{Dirs: []profiles.Dir{profiles.From}, STL: STLOptions{Loops: -1}}, "STLOptions.Loops -1 outside"},
		{"pcap", Options{Count: -1}, "Options.Count -1"},
	} {
		var b bytes.Buffer
		err := Write(&b, m, c.format, c.o)
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) || b.Len() != 0 {
			t.Errorf("%s: error %v after %d bytes, want ErrInput mentioning %q and nothing written", c.format, err, b.Len(), c.want)
		}
	}
	// Typed values that text cannot reach: the format checks them itself.
	for _, c := range []struct {
		format string
		o      Options
		field  string
	}{
		{"trex-astf", Options{Output: "a.py", ASTF: ASTFOptions{CPS: -2}}, "ASTFOptions.CPS"},
		{"trex-stf", Options{Output: "s.yaml", STF: STFOptions{Duration: math.Inf(1)}}, "STFOptions.Duration"},
		{"pcap", Options{Output: "c.pcap", MaxFrame: 10}, "Options.MaxFrame"},
	} {
		_, err := Export(m, c.format, c.o)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || !errors.Is(err, ErrInput) {
			t.Errorf("%s: error %v, want a FieldError on %s", c.format, err, c.field)
		}
	}
}

func TestSetParam(t *testing.T) {
	f, _ := Lookup("trex-stl")
	var o Options
	if err := f.Set(&o, "stl-mode", "rate"); err != nil || o.STL.Mode != STLRate {
		t.Errorf("stl-mode rate: %v, %q", err, o.STL.Mode)
	}
	if err := f.Set(&o, "loops", "7"); err != nil || o.STL.Loops != 7 {
		t.Errorf("loops 7: %v, %d", err, o.STL.Loops)
	}
	for name, v := range map[string]string{"loops": "abc", "stl-mode": "burst", "cps": "1"} {
		if err := f.Set(&o, name, v); !errors.Is(err, ErrInput) {
			t.Errorf("%s %q: error %v, want ErrInput", name, v, err)
		}
	}
	var a Addresses
	for field, v := range map[string]string{"LocalIP": "10.0.0.1", "RemoteMAC": "02:00:00:00:00:09", "RemotePort": "9", "LocalPort": ""} {
		if err := a.Set(field, v); err != nil {
			t.Errorf("Addresses.Set(%s, %q): %v", field, v, err)
		}
	}
	if a.LocalIP.String() != "10.0.0.1" || a.RemoteMAC.String() != "02:00:00:00:00:09" || a.RemotePort != 9 || a.LocalPort != 0 {
		t.Errorf("Addresses.Set gave %+v", a)
	}
	for field, v := range map[string]string{"LocalIP": "1.2.3", "LocalMAC": "zz", "LocalPort": "70000", "Port": "1"} {
		if err := a.Set(field, v); !errors.Is(err, ErrInput) {
			t.Errorf("Addresses.Set(%s, %q): error %v, want ErrInput", field, v, err)
		}
	}
}
