// Package ctxio makes a reader stop once a context is done, so that a long
// read (a capture, a CSV, standard input) ends within a read of a signal.
package ctxio

import (
	"context"
	"io"
)

// Reader returns r whose reads fail with ctx's error once ctx is done.
func Reader(ctx context.Context, r io.Reader) io.Reader { return reader{ctx, r} }

type reader struct {
	ctx context.Context
	r   io.Reader
}

func (r reader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
