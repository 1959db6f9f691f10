// Package compare judges generated traffic against the original: it reads
// each side (a capture through trace, or a CSV written by sample), cuts it
// into objects, pairs the generated objects with the original's, runs
// metrics.Compare per object and direction, and checks the result against
// bounds. The gmm2trex compare command is a thin front end to it.
//
//	orig, _ := compare.Load(ctx, "call.pcap", opts, compare.Original)
//	gen, _ := compare.Load(ctx, "gen.csv", opts, compare.Generated)
//	rep, _ := compare.Run(orig, gen, "")
//	rep.WriteText(os.Stdout)
//	if v := rep.Check(compare.Bounds{MaxKS: 0.05, MaxACFErr: -1}); len(v) > 0 { … }
package compare
