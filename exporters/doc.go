// Package exporters turns profiles into inputs for traffic generators (TRex,
// MoonGen, D-ITG), synthetic pcaps and CSV. Each format is a pure function of
// a profile and options to files; nothing here opens a socket.
package exporters
