//go:build !unix

package estimate

func cpuTime() int64 { return 0 }
