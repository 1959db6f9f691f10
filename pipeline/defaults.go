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
	// that many, in 256 blocks of 4,096 consecutive packets. Measured on a
	// 30M-packet capture of one flow (README, "Scale"), the default
	// estimate peaked at 320 MB with this budget and at 1.07 GB with 4M: some
	// 120 bytes a kept packet, so a capture's two long directions stay at
	// a third of the 1 GB goal whatever its length, with room for a few
	// more. Every capture of the fidelity benchmark and of the built-in
	// profiles (at most tens of thousands of packets a direction) is far
	// below it and kept whole.
	DefaultMaxPackets = 1 << 20
	// DefaultSeed seeds every random choice unless one is given.
	DefaultSeed = 1
)
