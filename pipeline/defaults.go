package pipeline

// The defaults of the capture → profile pipeline, written once: the CLI's
// flags, compare's trimming and scripts take them from here.
const (
	// DefaultPercentileLo and DefaultPercentileHi trim a direction's packets
	// whose gap lies outside these percentiles before fitting: by default
	// none, since stalls, silences and think times are part of a flow's
	// behaviour and a model that never sees them generates traffic denser
	// than the capture (the fidelity benchmark measured 1.3–1.8× the byte
	// rate on bursty flows, 1,600× on a web-browsing device, at 3,97).
	// 3,97 reproduces the original estimator.
	DefaultPercentileLo = 0
	DefaultPercentileHi = 100
	// DefaultMinPackets is the fewest packets a direction needs to be
	// modelled.
	DefaultMinPackets = 100
	// DefaultSeed seeds every random choice unless one is given.
	DefaultSeed = 1
)
