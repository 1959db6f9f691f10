package cmdline

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/exporters"
)

// ShowDefaults writes the defaults of flags' floats as typed
// ("--max-pps 1000000", not 1e+06).
func ShowDefaults(flags []cli.Flag) {
	for _, f := range flags {
		if ff, ok := f.(*cli.FloatFlag); ok && !ff.HideDefault {
			ff.HideDefault = true
			ff.Usage += fmt.Sprintf(" (default: %s)", strconv.FormatFloat(ff.Value, 'f', -1, 64))
		}
	}
}

// ParamFlag is the flag of a format option: a switch, or text that
// Format.Set parses (an empty string means "not given": cmd.IsSet stays
// true across in-process runs, so it cannot tell), with a placeholder
// naming its values.
func ParamFlag(u exporters.ParamUse) cli.Flag {
	if u.Switch {
		return &cli.BoolFlag{Name: u.Name, Usage: u.Help()}
	}
	if list := "(" + strings.Join(u.Choices, ", ") + ")"; u.Choices != nil && strings.Contains(u.Help(), list) {
		return &cli.StringFlag{Name: u.Name, Usage: strings.Replace(u.Help(), list, "(`"+strings.Join(u.Choices, "|")+"`)", 1)}
	}
	ph := "N"
	switch _, err := strconv.ParseFloat(u.Default, 64); {
	case strings.Contains(u.Name, "duration"):
		ph = "SECONDS"
	case err != nil:
		ph = strings.ToUpper(strings.ReplaceAll(u.Name, "-", "_"))
	}
	return &cli.StringFlag{Name: u.Name, Usage: "`" + ph + "`: " + u.Help()}
}
