package main

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/gmm2trex/gmm2trex/internal/cmdline"

	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/profiles/builtin"
	"github.com/gmm2trex/gmm2trex/report"
)

func init() {
	register(&cli.Command{
		Name:  "show",
		Usage: "print a profile's models as tables (or JSON)",
		UsageText: "gmm2trex show PROFILE|builtin:NAME|- [--json]\n" +
			"gmm2trex show --builtin [NAME] [--json]\n\n" +
			"Examples:\n" +
			"   gmm2trex show call.profile.yaml\n" +
			"   gmm2trex show --builtin                 # list the profiles built into the binary\n" +
			"   gmm2trex show --builtin sample-rtp --json\n" +
			"   gmm2trex show builtin:skype-call",
		Description: "Prints, per object and direction, each parameter's mixture components (weight,\n" +
			"mean, standard deviation; for a log-transformed gap also the gap at the mean) and\n" +
			"the observed bounds, then the hidden Markov chains: states with their share of\n" +
			"time and typical emission, and the most likely transitions. The profile is\n" +
			"validated first; an invalid one is an error naming the bad field.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the profile as JSON"},
			&cli.BoolFlag{Name: "builtin", Usage: "list the built-in profiles, or show the one named"},
		},
		Action: runShow,
	}, -1, "")
}

func runShow(_ context.Context, cmd *cli.Command) error {
	w := cmd.Root().Writer
	var p *profiles.Profile
	var err error
	switch {
	case cmd.Bool("builtin") && cmd.NArg() == 0:
		return report.Builtins(w, builtin.List(), cmd.Bool("json"))
	case cmd.Bool("builtin") && cmd.NArg() == 1:
		p, err = builtin.Load(cmd.Args().First())
	case cmd.NArg() == 1:
		p, err = cmdline.LoadProfile(cmd.Args().First())
	default:
		return usagef("show needs one argument, the PROFILE (or --builtin [NAME]); got %d", cmd.NArg())
	}
	if err != nil {
		return err
	}
	if cmd.Bool("json") {
		return profiles.Encode(w, p, profiles.JSON)
	}
	return report.Profile(w, p)
}
