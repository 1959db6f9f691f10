//go:build !linux

package native

import "net"

const (
	solSocket      = -1
	scmTimestampNS = -1
)

func enableRxTimestamps(*net.UDPConn) {}
