package plots

import (
	"fmt"
	"strings"

	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/trace"
)

// TraceOptions are the options to read p's capture with for Profile: cut
// into objects the way p was estimated (its settings' object kind, size unit
// and empty packets), so that objects and sizes match. Errors name the
// setting at fault.
func TraceOptions(p *profiles.Profile) (trace.Options, error) {
	opts := trace.Options{KeepEmpty: p.Settings.KeepEmpty}
	var err error
	if p.Settings.Object != "" {
		if opts.Kind, err = trace.ParseKind(p.Settings.Object); err != nil {
			return opts, fmt.Errorf("settings.object: %v", err)
		}
	}
	if p.Settings.Size != "" {
		if opts.Size, err = trace.ParseSizeMode(p.Settings.Size); err != nil {
			return opts, fmt.Errorf("settings.size: %v", err)
		}
	}
	return opts, nil
}

// ParseFormats reads a comma-separated list of Options.Formats, "png",
// "svg" or "png,svg" (any case, spaces allowed).
func ParseFormats(s string) ([]string, error) {
	var formats []string
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f != "png" && f != "svg" {
			return nil, fmt.Errorf("plots: unknown format %q (png, svg)", f)
		}
		formats = append(formats, f)
	}
	return formats, nil
}
