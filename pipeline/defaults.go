package pipeline

// The defaults of the capture → profile pipeline, written once: the CLI's
// flags, compare's trimming and scripts take them from here.
const (
	// DefaultPercentileLo and DefaultPercentileHi trim a direction's packets
	// whose gap lies outside these percentiles before fitting, as the
	// original estimator did.
	DefaultPercentileLo = 3
	DefaultPercentileHi = 97
	// DefaultMinPackets is the fewest packets a direction needs to be
	// modelled.
	DefaultMinPackets = 100
	// DefaultSeed seeds every random choice unless one is given.
	DefaultSeed = 1
)
