// Package frame builds Ethernet / IPv4 or IPv6 / UDP or TCP frames from a
// template patched per packet (lengths, checksums, TCP sequence numbers), and
// writes them to classic pcap files with microsecond or nanosecond stamps.
package frame
