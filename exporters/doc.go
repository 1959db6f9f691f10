// Package exporters turns profiles into inputs for traffic generators (TRex,
// MoonGen, D-ITG), synthetic pcaps and CSV. Each format is a function of a
// profile and Options (shared fields plus one typed struct per format): Export
// writes its files atomically under Options.Output, Write sends a
// single-stream format to an io.Writer. Errors caused by the request satisfy
// errors.Is(err, ErrInput); a FieldError names the field at fault. Nothing
// here opens a socket.
package exporters
