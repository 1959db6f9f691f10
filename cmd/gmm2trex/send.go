package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/native"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

func init() {
	register(&cli.Command{
		Name:  "send",
		Usage: "send a profile's traffic between two hosts (native sender, local or remote side)",
		UsageText: "gmm2trex send -m local|remote -d PEER_IP -o PROFILE [--protocol udp|tcp|raw] [-l SECONDS | -c COUNT]\n" +
			"              [-I IFACE] [--capture FILE] [--object ID] [--model iid|hmm] [-x MULT] [--seed S] [--json]\n\n" +
			"Examples:\n" +
			"   remote host:  gmm2trex send -m remote -d 10.0.0.1 -o call.profile.yaml --token s3cret\n" +
			"   local host:   gmm2trex send -m local  -d 10.0.0.2 -o call.profile.yaml --token s3cret -l 60\n" +
			"   raw frames:   gmm2trex send -m local  -d 10.0.0.2 -o call.profile.yaml --protocol raw -I eth1 --capture local.pcap",
		Description: "Two processes, one per host, imitate one object of the profile: the local side sends\n" +
			"the object's 'from' direction, the remote side its 'to' direction, each receiving the\n" +
			"other's. The remote side listens on the control port (TCP 7999) for the local side;\n" +
			"they compare the profile's hash, the object and the token (--token or GMM2TREX_TOKEN),\n" +
			"refuse each other naming what differs, then agree the start time, the length (the\n" +
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
			&cli.StringFlag{Name: "mode", Aliases: []string{"m"}, Usage: "`local` (connects, sends 'from') or remote (listens, sends 'to')"},
			&cli.StringFlag{Name: "peer", Aliases: []string{"d"}, Usage: "the other side's `IP`"},
			&cli.StringFlag{Name: "profile", Aliases: []string{"o"}, Usage: "the `PROFILE` (same file on both sides)"},
			&cli.StringFlag{Name: "protocol", Value: "udp", Usage: "`udp`, tcp or raw"},
			&cli.FloatFlag{Name: "length", Aliases: []string{"l"}, HideDefault: true, Usage: "run for `SECONDS` of schedule (local side; default 10 unless -c)"},
			&cli.IntFlag{Name: "count", Aliases: []string{"c"}, HideDefault: true, Usage: "send `COUNT` packets per direction (local side)"},
			&cli.StringFlag{Name: "iface", Aliases: []string{"I"}, Usage: "network `IFACE` for raw and --capture"},
			&cli.StringFlag{Name: "capture", Usage: "write what this side sent and received on -I to pcap `FILE`"},
			&cli.StringFlag{Name: "object", Usage: "the object `ID` (default: the profile's first)"},
			&cli.StringFlag{Name: "model", Value: "auto", Usage: "`auto` (each direction as its profile chose), iid (independent mixture draws) or hmm (the hidden Markov chains)"},
			&cli.FloatFlag{Name: "multiplier", Aliases: []string{"x"}, Value: 1, Usage: "rate multiplier `X` (gaps are divided by it; a remote side without -x takes the local side's)"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed `S`: same seed, same packets as sample"},
			&cli.StringFlag{Name: "token", Sources: cli.EnvVars("GMM2TREX_TOKEN"), Usage: "shared `SECRET` both sides must hold (env GMM2TREX_TOKEN)"},
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
	})
}

func runSend(ctx context.Context, cmd *cli.Command) error {
	if cmd.NArg() != 0 {
		return usagef("send takes no arguments (got %q); the profile is -o PROFILE", cmd.Args().First())
	}
	var cfg native.Config
	switch m := cmd.String("mode"); m {
	case "local":
		cfg.Role = native.Local
	case "remote":
		cfg.Role = native.Remote
	default:
		return usagef("-m %q: give local or remote", m)
	}
	peer := cmd.String("peer")
	if peer == "" {
		return usagef("-d PEER_IP is required: the other side's address")
	}
	a, err := netip.ParseAddr(peer)
	if err != nil {
		return usagef("-d %q: not an IP address", peer)
	}
	cfg.Peer = a.Unmap()
	cfg.AllowBroadcast = cmd.Bool("allow-broadcast")
	if !cfg.AllowBroadcast {
		if err := native.CheckPeer(cfg.Peer); err != nil {
			return usagef("-d: %v (refused unless --allow-broadcast)", err)
		}
	}
	switch t := native.Transport(strings.ToLower(cmd.String("protocol"))); t {
	case native.UDP, native.TCP, native.Raw:
		cfg.Transport = t
	default:
		return usagef("--protocol %q: give udp, tcp or raw", cmd.String("protocol"))
	}
	length, count := cmd.Float("length"), cmd.Int("count")
	switch {
	case length != 0 && count != 0:
		return usagef("give -l SECONDS or -c COUNT, not both")
	case count < 0:
		return usagef("-c %d: must be at least 1", count)
	case length != 0 && !(length > 0 && !math.IsInf(length, 0) && length < 1e7):
		return usagef("-l %v: must be a number of seconds > 0", length)
	}
	if cfg.Role == native.Local && length == 0 && count == 0 {
		length = 10
	}
	cfg.Duration = time.Duration(length * float64(time.Second))
	cfg.Count = count
	if cfg.Model, err = sampler.ParseModel(cmd.String("model")); err != nil {
		return usagef("--model: %v", err)
	}
	// Checked here, not by Validate: a remote side's 0 there means the local
	// side's, and -x 0 means nothing.
	cfg.Multiplier = cmd.Float("multiplier")
	if !(cfg.Multiplier > 0) || math.IsInf(cfg.Multiplier, 0) {
		return usagef("-x %v: must be a number > 0", cfg.Multiplier)
	}
	cfg.Seed, cfg.Token = cmd.Uint64("seed"), cmd.String("token")
	cfg.ControlPort, cfg.DataPort = cmd.Int("control-port"), cmd.Int("data-port")
	cfg.Wait, cfg.MaxPPS = cmd.Duration("wait"), cmd.Float("max-pps")
	cfg.Spin, cfg.BatchThreshold = cmd.Duration("spin"), cmd.Duration("batch-threshold")
	cfg.Iface, cfg.Capture = cmd.String("iface"), cmd.String("capture")
	if err := cfg.Validate(); err != nil {
		return sendFlagError(err)
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
	path := cmd.String("profile")
	if path == "" {
		return usagef("-o PROFILE is required")
	}
	if cfg.Profile, err = profiles.Load(path); err != nil {
		return err
	}
	errw := cmd.Root().ErrWriter
	if cfg.Object, err = pickObject(cfg.Profile, cmd.String("object"), "sending", errw); err != nil {
		return err
	}
	sess, err := native.Open(ctx, cfg)
	if err != nil {
		return sendError(err)
	}
	line := progressLine(cmd)
	rep, runErr := sess.Run(ctx, func(sent, received int64) {
		line(fmt.Sprintf("sent %d, received %d packets", sent, received))
	})
	line("")
	if rep != nil {
		if err := writeReport(cmd.Root().Writer, cmd.Bool("json"), rep, rep.WriteText); err != nil {
			return err
		}
	}
	if runErr != nil {
		return sendError(runErr)
	}
	return nil
}

// sendFlags name the flags of the fields native.Config.Validate names; the
// fields before Multiplier are checked as their flags are read.
var sendFlags = map[string]string{"ControlPort": "--control-port", "DataPort": "--data-port", "Wait": "--wait",
	"MaxPPS": "--max-pps", "Spin": "--spin", "BatchThreshold": "--batch-threshold"}

// sendFlagError words a native.FieldError with the flag of its field.
func sendFlagError(err error) error {
	var fe *native.FieldError
	switch {
	case !errors.As(err, &fe):
		return err
	case fe.Field == "Iface":
		return usagef("--protocol raw and --capture need -I IFACE")
	}
	return usagef("%s %s", sendFlags[fe.Field], fe.Msg)
}

// sendError gives native's errors their exit status: 1 for the peer (none,
// refused, lost), 130 for an interruption, 2 for the rest (bad input,
// missing privileges).
func sendError(err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return withCode(130, errors.New("interrupted"))
	case errors.Is(err, native.ErrNoPeer), errors.Is(err, native.ErrRefused), errors.Is(err, native.ErrPeerLost):
		return withCode(1, err)
	case errors.Is(err, native.ErrNeedRaw):
		return withCode(2, fmt.Errorf("%w: run as root or grant it (setcap cap_net_raw+ep gmm2trex)", err))
	}
	return err
}

// writeReport prints a report as JSON or as text.
func writeReport(w io.Writer, asJSON bool, rep any, text func(io.Writer) error) error {
	if asJSON {
		enc := json.NewEncoder(w)
		return enc.Encode(rep)
	}
	return text(w)
}
