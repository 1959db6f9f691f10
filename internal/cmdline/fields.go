package cmdline

import (
	"errors"
	"regexp"
	"strings"

	"github.com/gmm2trex/gmm2trex/exporters"
	"github.com/gmm2trex/gmm2trex/native"
	"github.com/gmm2trex/gmm2trex/pipeline"
)

// fieldFlags name the flag of each option field the library validators
// name in their errors (native.FieldError, exporters.FieldError,
// pipeline.FieldError): the libraries check the values, and flagError words
// their errors for the command line. The format options' fields are added
// from exporters.Formats by init.
var fieldFlags = map[string]string{
	// native.Config (send) and native.ReplayConfig (replay)
	"Role": "-m", "Peer": "-d", "AllowBroadcast": "--allow-broadcast", "Transport": "--protocol",
	"Count": "-c", "Duration": "-l", "Model": "--model", "Multiplier": "-x", "ControlPort": "--control-port",
	"DataPort": "--data-port", "Wait": "--wait", "MaxPPS": "--max-pps", "Spin": "--spin",
	"BatchThreshold": "--batch-threshold", "Iface": "-I", "Capture": "--capture", "Loop": "--loop",
	"Token": "--token", "InsecureNoToken": "--insecure-no-token",
	// pipeline.Settings (estimate); Kind, Size and the percentiles are
	// checked as their flags are parsed.
	"Components": "-n", "MaxComponents": "--max-components", "IATTransform": "--iat-transform", "MinPackets": "--min-packets",
	"MaxPackets": "--max-packets",
	// exporters.Options (export, sample)
	"Options.Output": "-o", "Options.Count": "-c", "Options.Duration": "-l", "Options.MaxFrame": "--max-frame",
	"Options.Objects": "--object", "Options.Dirs": "--direction", "Options.MaxBytes": "--max-output", "Options.Flows": "--flows",
}

// AddrFlags are export's address flags, by their exporters.Addresses field.
var AddrFlags = [][2]string{{"LocalIP", "local-ip"}, {"RemoteIP", "remote-ip"}, {"LocalMAC", "local-mac"},
	{"RemoteMAC", "remote-mac"}, {"LocalPort", "local-port"}, {"RemotePort", "remote-port"}}

func init() {
	for _, a := range AddrFlags {
		fieldFlags["Addresses."+a[0]] = "--" + a[1]
	}
	for _, f := range exporters.Formats() {
		for _, pr := range f.Params {
			fieldFlags[pr.Field] = "--" + pr.Name
		}
	}
}

// fieldName matches a Go field name, qualified or not ("Count",
// "Options.MaxFrame"), as the validators write them.
var fieldName = regexp.MustCompile(`\b[A-Z][A-Za-z]*(\.[A-Z][A-Za-z]*)?\b`)

// FlagError turns an error naming a field of fieldFlags into a usage error
// naming its flag, in the field error's place and in its message (the
// context that wraps it is kept); other errors pass unchanged.
func FlagError(err error) error {
	var field, msg, text string
	var ne *native.FieldError
	var ee *exporters.FieldError
	var pe *pipeline.FieldError
	switch {
	case errors.As(err, &ne):
		field, msg, text = ne.Field, ne.Msg, ne.Error()
	case errors.As(err, &ee):
		field, msg, text = ee.Field, ee.Msg, ee.Error()
	case errors.As(err, &pe):
		field, msg, text = pe.Field, pe.Msg, pe.Error()
	default:
		return err
	}
	flag, ok := fieldFlags[field]
	if !ok {
		return err
	}
	msg = fieldName.ReplaceAllStringFunc(msg, func(name string) string {
		if f, ok := fieldFlags[name]; ok {
			return f
		}
		return name
	})
	return Usagef("%s", strings.Replace(err.Error(), text, flag+" "+msg, 1))
}
