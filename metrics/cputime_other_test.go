//go:build !unix

package metrics

func cpuTime() int64 { return 0 }
