// Package htmlreport writes the report of `gmm2trex report`: one
// self-contained HTML file (no script, no fetch; figures as embedded PNG)
// with compare's table coloured by the bounds and, per object and
// direction, plots' figure of original against generated traffic. (Package
// report, by contrast, renders the CLI's text output.)
//
//	r, err := htmlreport.Build(ctx, "call.pcap", "call.profile.yaml", htmlreport.DefaultOptions())
//	err = htmlreport.WriteFile(ctx, "report.html", r)
package htmlreport
