package main

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/cmdline"
	"github.com/gmm2trex/gmm2trex/native"
	"github.com/gmm2trex/gmm2trex/pipeline"
	"github.com/gmm2trex/gmm2trex/profiles"
)

func init() {
	register(&cli.Command{
		Name:  "send",
		Usage: "send a profile's traffic between two hosts (native sender, local or remote side)",
		UsageText: "gmm2trex send -m local|remote -d PEER_IP PROFILE|-p CAPTURE [--protocol udp|tcp|raw] [-l SECONDS | -c COUNT]\n" +
			"              [-I IFACE] [--capture FILE] [--object ID] [--model auto|iid|hmm|rnn] [-x MULT] [--seed S] [--json]\n\n" +
			"Examples:\n" +
			"   remote host:  gmm2trex send -m remote -d 10.0.0.1 -o call.profile.yaml --token s3cret\n" +
			"   local host:   gmm2trex send -m local  -d 10.0.0.2 -o call.profile.yaml --token s3cret -l 60\n" +
			"   from a capture (both sides): gmm2trex send -m remote -d 10.0.0.1 -p call.pcap --token s3cret\n" +
			"   raw frames:   gmm2trex send -m local  -d 10.0.0.2 -o call.profile.yaml --token s3cret --protocol raw -I eth1 --capture local.pcap",
		Description: "Two processes, one per host, imitate one object of the profile: the local side sends\n" +
			"the object's 'from' direction, the remote side its 'to' direction, each receiving the\n" +
			"other's. The remote side listens on the control port (TCP 7999) for the local side;\n" +
			"each proves it holds the token (--token or GMM2TREX_TOKEN) over fresh nonces, then\n" +
			"they compare the profile's hash and the object and refuse each other naming what differs, then agree the start time, the length (the\n" +
			"local side's -l or -c) and the data ports (UDP or TCP 8000).\n\n" +
			"Packets are paced on an absolute schedule (sleep, then spin the last --spin), so\n" +
			"errors never add up; a late packet goes out at once and the schedule is kept. udp\n" +
			"and tcp use kernel sockets (a TCP packet is one write of the sampled size); raw\n" +
			"writes Ethernet/IP/UDP frames to an AF_PACKET socket on -I, in sendmmsg batches\n" +
			"when packets are due within --batch-threshold, and needs root or CAP_NET_RAW. Each\n" +
			"payload starts with a 16-byte header (magic, length, sequence, send time); sizes\n" +
			"below 16 are sent as 16.\n\n" +
			"At the end each side prints packets and bytes sent and received, loss, reordering,\n" +
			"one-way delay (meaningful only with synchronised clocks) and the gap error; --json\n" +
			"prints {\"sent\":…,\"received\":…,\"delay_us\":…,\"gap_error_us\":…,\"late\":N}.\n" +
			"Exit status: 0 done; 1 no peer within --wait, peer refused or lost; 2 bad input\n" +
			"(raw without CAP_NET_RAW too); 130 interrupted (report and capture still written).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "mode", Aliases: []string{"m"}, Usage: "`MODE`: local (connects, sends 'from') or remote (listens, sends 'to')"},
			&cli.StringFlag{Name: "peer", Aliases: []string{"d"}, Usage: "the other side's `IP`"},
			&cli.StringFlag{Name: "profile", Aliases: []string{"o"}, Usage: "the `PROFILE` (same file on both sides), if not given as the argument"},
			&cli.StringFlag{Name: "pcap", Aliases: []string{"p", "r"}, Usage: "imitate capture `FILE` instead of a profile (estimated as estimate does by default; same file on both sides)"},
			&cli.StringFlag{Name: "protocol", Value: "udp", Usage: "`PROTO`: udp, tcp or raw"},
			&cli.FloatFlag{Name: "length", Aliases: []string{"l"}, HideDefault: true, Usage: "run for `SECONDS` of schedule (local side; default 10 unless -c)"},
			&cli.IntFlag{Name: "count", Aliases: []string{"c"}, HideDefault: true, Usage: "send `COUNT` packets per direction (local side)"},
			&cli.StringFlag{Name: "iface", Aliases: []string{"I"}, Usage: "network `IFACE` for raw and --capture"},
			&cli.StringFlag{Name: "capture", Usage: "write what this side sent and received on -I to pcap `FILE`"},
			&cli.StringFlag{Name: "object", Usage: "the object `ID` (either orientation, any case) or #N (default: the profile's first, the capture's largest)"},
			cmdline.PlayModelFlag(),
			&cli.FloatFlag{Name: "multiplier", Aliases: []string{"x"}, Value: 1, Usage: "rate multiplier `X` (gaps are divided by it; a remote side without -x takes the local side's)"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed `S`: same seed, same packets as sample"},
			&cli.StringFlag{Name: "token", Sources: cli.EnvVars("GMM2TREX_TOKEN"), Usage: "shared `SECRET` both sides must hold (env GMM2TREX_TOKEN); required unless --insecure-no-token"},
			&cli.BoolFlag{Name: "insecure-no-token", Usage: "run without a token: anyone who reaches the control port can drive the remote side"},
			&cli.IntFlag{Name: "control-port", Value: native.DefaultControlPort, Usage: "control channel TCP `PORT`"},
			&cli.IntFlag{Name: "data-port", Value: native.DefaultDataPort, Usage: "`PORT` this side receives on"},
			&cli.DurationFlag{Name: "wait", Value: native.DefaultWait, Usage: "give up when no peer comes within `DURATION`"},
			&cli.FloatFlag{Name: "max-pps", Value: native.DefaultMaxPPS, Usage: "never send faster than `PPS` packets per second"},
			&cli.BoolFlag{Name: "allow-broadcast", Usage: "allow a broadcast, multicast or unspecified peer address"},
			&cli.DurationFlag{Name: "spin", Value: native.DefaultSpin, Usage: "spin (instead of sleeping) the last `DURATION` before each packet"},
			&cli.DurationFlag{Name: "batch-threshold", Value: native.DefaultBatchThreshold, Usage: "raw: packets due within `DURATION` share one sendmmsg"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as one JSON object"},
			quietFlag,
		},
		Action: runSend,
	}, -1, "")
}

func runSend(ctx context.Context, cmd *cli.Command) error {
	cfg := native.Config{Transport: native.Transport(strings.ToLower(cmd.String("protocol"))), Count: cmd.Int("count"),
		Multiplier: cmd.Float("multiplier"), Seed: cmd.Uint64("seed"), Token: cmd.String("token"),
		InsecureNoToken: cmd.Bool("insecure-no-token"),
		ControlPort:     cmd.Int("control-port"), DataPort: cmd.Int("data-port"), Wait: cmd.Duration("wait"),
		MaxPPS: cmd.Float("max-pps"), Spin: cmd.Duration("spin"), BatchThreshold: cmd.Duration("batch-threshold"),
		Iface: cmd.String("iface"), Capture: cmd.String("capture"), AllowBroadcast: cmd.Bool("allow-broadcast")}
	var err error
	if cfg.Role, err = native.ParseRole(cmd.String("mode")); err != nil {
		return usagef("-m: %v", err)
	}
	if a, err := netip.ParseAddr(cmd.String("peer")); err == nil {
		cfg.Peer = a.Unmap()
	} else if cmd.String("peer") != "" {
		return usagef("-d %q: not an IP address", cmd.String("peer"))
	}
	// Seconds become a Duration only when they fit in one.
	length := cmd.Float("length")
	if !(length >= 0 && length < 1e7) {
		return usagef("-l %v: must be a number of seconds > 0", length)
	}
	if cfg.Role == native.Local && length == 0 && cfg.Count == 0 {
		length = 10
	}
	cfg.Duration = time.Duration(length * float64(time.Second))
	if cfg.Model, err = cmdline.PlayModel(cmd); err != nil {
		return err
	}
	// Validate takes a remote side's 0 for the local side's multiplier,
	// but -x 0 means nothing.
	if cfg.Multiplier == 0 {
		return usagef("-x 0: must be a number > 0")
	}
	if err := cfg.Validate(); err != nil {
		return flagError(err)
	}
	if cfg.Role == native.Remote && !cmd.IsSet("multiplier") {
		cfg.Multiplier = 0 // the local side's
	}
	// Zero in native.Config means the default; a zero flag means none.
	cfg.Spin, cfg.BatchThreshold = max(cfg.Spin, 1), max(cfg.BatchThreshold, 1)
	if cfg.Iface != "" {
		if _, err := net.InterfaceByName(cfg.Iface); err != nil {
			return usagef("-I %q: %v", cfg.Iface, err)
		}
	}
	errw := cmd.Root().ErrWriter
	if cfg.Profile, cfg.Object, err = profileToSend(ctx, cmd); err != nil {
		return err
	}
	if cfg.InsecureNoToken {
		fmt.Fprintf(errw, "WARNING: --insecure-no-token: the control channel is unauthenticated; anyone who reaches port %d can drive the %s side\n", cfg.ControlPort, cfg.Role)
	}
	cfg.Log = func(msg string) { fmt.Fprintln(errw, "warning: "+msg) }
	sess, err := native.Open(ctx, cfg)
	if err != nil {
		return cmdline.RunError(err)
	}
	line := cmdline.ProgressLine(cmd)
	rep, runErr := sess.Run(ctx, func(sent, received int64) {
		line(fmt.Sprintf("sent %d, received %d packets", sent, received))
	})
	return cmdline.EndRun(cmd, line, rep, rep.WriteText, runErr)
}

// profileToSend is the profile send plays and its object: the PROFILE
// argument (or -o PROFILE, as before), or with -p CAPTURE the profile
// estimated from the capture's --object, by default its largest, with the
// default settings (both sides estimate the same: estimation is
// deterministic).
func profileToSend(ctx context.Context, cmd *cli.Command) (*profiles.Profile, *profiles.Object, error) {
	path, capture := cmd.String("profile"), cmd.String("pcap")
	switch arg := cmd.Args().First(); {
	case cmd.NArg() > 1:
		return nil, nil, usagef("send takes one argument, the PROFILE; got %d", cmd.NArg())
	case arg != "" && path != "" && arg != path:
		return nil, nil, usagef("send %s -o %s: two profiles; give one", arg, path)
	case arg != "":
		path = arg
	}
	switch {
	case path != "" && capture != "":
		return nil, nil, usagef("-p %s and the profile %s: give one", capture, path)
	case path == "" && capture == "":
		return nil, nil, usagef("the PROFILE argument or -o PROFILE is required (or -p CAPTURE to estimate one)")
	case capture != "":
		want := cmp.Or(cmd.String("object"), cmdline.Largest)
		res, err := cmdline.Estimate(ctx, cmd, pipeline.DefaultSettings(), pipeline.DefaultSettings().TraceOptions(), []string{want})
		if err != nil {
			return nil, nil, err
		}
		return res.Profile, &res.Profile.Objects[0], nil
	}
	p, err := cmdline.LoadProfile(path)
	if err != nil {
		return nil, nil, err
	}
	obj, err := cmdline.PickObject(cmd, p, path, "sending")
	return p, obj, err
}
