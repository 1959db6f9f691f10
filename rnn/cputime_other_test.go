//go:build !unix

package rnn

func cpuTime() int64 { return 0 }
