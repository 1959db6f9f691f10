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
	// DefaultMaxPackets is the most packets a direction keeps for fitting
	// (trace.Options.MaxPackets): a longer one is fitted on a sample of
	// that many, in 256 blocks of 4,096 consecutive packets. Fitting keeps
	// some 140 bytes a packet (the default estimate of 1 flow with 1M
	// packets a direction peaked at 282 MB), so a direction at the budget
	// costs about 150 MB whatever the capture's length, and a capture's
	// few long directions stay well within 1 GB. Every capture of the
	// fidelity benchmark and the built-in profiles' (at most some 50,000
	// packets a direction) is far below it and kept whole.
	DefaultMaxPackets = 1 << 20
	// DefaultSeed seeds every random choice unless one is given.
	DefaultSeed = 1
)
