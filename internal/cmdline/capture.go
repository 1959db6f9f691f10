package cmdline

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/trace"
)

// CaptureFlags are the flags that say which capture to read and how to cut
// it into objects; LoadCapture reads them. estimate shares them.
func CaptureFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "pcap", Aliases: []string{"p", "r"}, Usage: "capture `FILE` (pcap or pcapng, gzipped too; - for standard input); default: the embedded sample"},
		&cli.StringFlag{Name: "kind", Aliases: []string{"i"}, Value: "flow", Usage: "objects `KIND`: flow, ip or mac"},
		&cli.StringFlag{Name: "ids", Aliases: []string{"f"}, Usage: "only the objects listed in `FILE` (a MAC, IP or flow id per line; # comments; -: standard input)"},
		ObjectFlag("only the object `ID` (either orientation, any case) or #N, the Nth row of gmm2trex flows (repeatable)"),
		&cli.StringFlag{Name: "size", Value: "payload", Usage: "packet size `UNIT`: payload (TCP/UDP data), ip (IP total length) or frame"},
		&cli.BoolFlag{Name: "keep-empty", Usage: "keep packets without payload (pure ACKs, SYNs)"},
	}
}

func ObjectFlag(usage string) cli.Flag { return &cli.StringSliceFlag{Name: "object", Usage: usage} }

// TraceOptions reads the CaptureFlags that say how to cut a capture into
// objects (-i, --size, --keep-empty, -f).
func TraceOptions(cmd *cli.Command) (o trace.Options, err error) {
	if o.Kind, err = trace.ParseKind(cmd.String("kind")); err != nil {
		return o, Usagef("-i: %v", err)
	}
	if o.Size, err = trace.ParseSizeMode(cmd.String("size")); err != nil {
		return o, Usagef("--size: %v", err)
	}
	o.KeepEmpty = cmd.Bool("keep-empty")
	switch f := cmd.String("ids"); {
	case f == "-" && cmd.String("pcap") == "-":
		return o, Usagef("-f -: standard input is already the capture (-p -)")
	case f == "-":
		o.Select, err = trace.ParseSelectors(Stdin, "stdin")
	case f != "":
		o.Select, err = trace.LoadSelectors(f)
	}
	return o, err
}

// LoadCapture reads the capture named by -p ("-": standard input; none:
// the embedded sample) with opts and keeps the objects wants names (see
// SelectCapture).
func LoadCapture(ctx context.Context, cmd *cli.Command, opts trace.Options, wants []string) (*trace.Capture, error) {
	c, err := ReadCapture(ctx, cmd, cmd.String("pcap"), opts)
	if err != nil {
		return nil, err
	}
	if len(wants) == 1 && wants[0] == Largest && len(c.Objects) > 0 {
		o := c.Objects[0]
		Note(cmd, "imitating the capture's largest object, %q (%s; choose with --object)", o.ID, Plural(o.Packets(), "packet"))
	}
	return c, SelectCapture(c, wants)
}

// Largest is what imitate and send -p choose when no --object is given.
const Largest = "#1"
