package plots

import (
	"slices"
	"strings"
	"testing"

	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/trace"
)

func TestTraceOptions(t *testing.T) {
	p := &profiles.Profile{Settings: profiles.Settings{Object: "ip", Size: "frame", KeepEmpty: true}}
	o, err := TraceOptions(p)
	if err != nil || o.Kind != trace.IP || o.Size != trace.SizeFrame || !o.KeepEmpty {
		t.Errorf("ip/frame/keep-empty: %+v, %v", o, err)
	}
	if o, err := TraceOptions(&profiles.Profile{}); err != nil || o.Kind != trace.Flow || o.Size != trace.SizePayload {
		t.Errorf("no settings: %+v, %v; want flows by payload", o, err)
	}
	for _, s := range []profiles.Settings{{Object: "vlan"}, {Size: "bits"}} {
		_, err := TraceOptions(&profiles.Profile{Settings: s})
		want := map[bool]string{true: "settings.object: ", false: "settings.size: "}[s.Object != ""]
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%+v: %v, want an error starting %q", s, err, want)
		}
	}
}

func TestParseFormats(t *testing.T) {
	for s, want := range map[string][]string{"png,svg": {"png", "svg"}, " SVG ": {"svg"}, "png": {"png"}} {
		if got, err := ParseFormats(s); err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseFormats(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "gif", "png,", "png;svg"} {
		if _, err := ParseFormats(s); err == nil {
			t.Errorf("ParseFormats(%q) accepted", s)
		}
	}
}
