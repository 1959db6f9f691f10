//go:build !linux

package native

import "time"

var monoStart = time.Now()

func threadSetup() bool { return false }

func monoNow() int64 { return int64(time.Since(monoStart)) }

func sleepUntil(t int64) { time.Sleep(time.Duration(t - monoNow())) }
