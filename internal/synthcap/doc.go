// Package synthcap writes synthetic captures of many realistic UDP flows
// (seeded, time-ordered, two directions each), for the scale benchmarks and
// the CI scaling test (README, "Scale").
package synthcap
