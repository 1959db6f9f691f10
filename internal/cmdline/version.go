package cmdline

import (
	"runtime/debug"
	"strings"
)

// Version is the module version and VCS revision the binary was built
// from, from its build info: "v1.2.0 (revision 7dc6048, modified)". A
// version set at link time (linked, unless "dev") takes the module's place.
func Version(linked string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return linked
	}
	v := bi.Main.Version
	if linked != "" && linked != "dev" || v == "" {
		v = linked
	}
	var rev, when string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	var extra []string
	if rev != "" {
		extra = append(extra, "revision "+rev[:min(12, len(rev))])
	}
	if when != "" {
		extra = append(extra, when)
	}
	if modified {
		extra = append(extra, "modified")
	}
	extra = append(extra, bi.GoVersion)
	return v + " (" + strings.Join(extra, ", ") + ")"
}
