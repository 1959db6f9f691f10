package main

import (
	"context"
	"fmt"
	"math"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/cmdline"

	"github.com/gmm2trex/gmm2trex/native"
)

func init() {
	register(&cli.Command{
		Name:  "replay",
		Usage: "send a capture's frames with its own timing (a tcpreplay stand-in)",
		UsageText: "gmm2trex replay CAPTURE|- -I IFACE [-x MULTIPLIER] [--loop N] [--topspeed] [--json]\n\n" +
			"Examples:\n" +
			"   gmm2trex replay gen.pcap -I veth0\n" +
			"   gmm2trex replay gen.pcap -I veth0 --topspeed --loop 10\n" +
			"   gmm2trex replay gen.pcap -I veth0 --loop 0                # until Ctrl-C",
		Description: "Reads a pcap or pcapng (gzipped too) of Ethernet frames (into memory up to 16 MiB, streamed\n" +
			"beyond: memory stays bounded) and writes them to an\n" +
			"AF_PACKET socket on IFACE at their captured times, through the same absolute-schedule\n" +
			"pacer and raw transport as send: the way to compare its timing with tcpreplay's on\n" +
			"identical input. Frames go out as written (MACs and IPs must suit the link); frames\n" +
			"due within --batch-threshold share one sendmmsg. -x divides every gap; --loop plays\n" +
			"the capture N times, each round one mean gap after the last; --topspeed ignores the\n" +
			"timestamps; --max-pps caps the rate in every case. Frames to a broadcast or multicast\n" +
			"address (MAC or IP) are refused, naming the packet, unless --allow-broadcast; every\n" +
			"frame is checked before the first is sent. Prints packets, rate, and the gap error\n" +
			"(realised minus captured gaps).\n" +
			"Needs root or CAP_NET_RAW. Exit status 130 when interrupted (the report is printed).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "iface", Aliases: []string{"I"}, Usage: "network `IFACE` to send on"},
			&cli.FloatFlag{Name: "multiplier", Aliases: []string{"x"}, Value: 1, Usage: "speed `X`: gaps are divided by it"},
			&cli.IntFlag{Name: "loop", Value: 1, Usage: "play the capture `N` times; 0: until interrupted"},
			&cli.BoolFlag{Name: "topspeed", Aliases: []string{"t"}, Usage: "send as fast as possible, ignoring timestamps"},
			&cli.FloatFlag{Name: "max-pps", Value: native.DefaultMaxPPS, Usage: "never send faster than `PPS` frames per second"},
			&cli.BoolFlag{Name: "allow-broadcast", Usage: "allow frames to broadcast or multicast addresses"},
			&cli.DurationFlag{Name: "spin", Value: native.DefaultSpin, Usage: "spin (instead of sleeping) the last `DURATION` before each frame"},
			&cli.DurationFlag{Name: "batch-threshold", Value: native.DefaultBatchThreshold, Usage: "frames due within `DURATION` share one sendmmsg"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as one JSON object"},
			quietFlag,
		},
		Action: runReplay,
	}, 1, "one argument, the CAPTURE")
}

func runReplay(ctx context.Context, cmd *cli.Command) error {
	cfg := native.ReplayConfig{
		Iface:          cmd.String("iface"),
		Multiplier:     cmd.Float("multiplier"),
		Loop:           cmd.Int("loop"),
		Topspeed:       cmd.Bool("topspeed"),
		MaxPPS:         cmd.Float("max-pps"),
		AllowBroadcast: cmd.Bool("allow-broadcast"),
		Capture:        cmd.Args().First(),
		Spin:           cmd.Duration("spin"),
		BatchThreshold: cmd.Duration("batch-threshold"),
	}
	capture, remove, err := cmdline.InputPath(ctx, cfg.Capture)
	if err != nil {
		return err
	}
	defer remove()
	cfg.Capture = capture
	forever := cfg.Loop == 0
	if forever { // as tcpreplay's --loop 0 and export's --loops 0
		cfg.Loop = math.MaxInt
	}
	if err := cfg.Validate(); err != nil {
		return flagError(err)
	}
	// Zero in native.ReplayConfig means the default; a zero flag means none.
	cfg.Spin, cfg.BatchThreshold = max(cfg.Spin, 1), max(cfg.BatchThreshold, 1)
	r, err := native.OpenReplay(cfg)
	if err != nil {
		return cmdline.RunError(err)
	}
	warn(cmd, r.Warnings())
	line := cmdline.ProgressLine(cmd)
	status := "sent %d of " + fmt.Sprint(r.Frames()*int64(cfg.Loop)) + " frames"
	if forever {
		status = "sent %d frames (until interrupted)"
	}
	rep, runErr := r.Run(ctx, func(sent int64) { line(fmt.Sprintf(status, sent)) })
	return cmdline.EndRun(cmd, line, rep, rep.WriteText, runErr)
}
