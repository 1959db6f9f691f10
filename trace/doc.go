// Package trace reads pcap and pcapng captures (gzipped too) without cgo, cuts
// them into objects — bidirectional flows, or devices by IP or MAC — and
// yields per direction the packet times and sizes that the models are fitted on.
package trace
