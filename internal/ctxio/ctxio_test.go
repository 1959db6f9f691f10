package ctxio

import (
	"context"
	"io"
	"strings"
	"testing"
)

// Reads pass through until the context is done, then fail with its error.
func TestReader(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := Reader(ctx, strings.NewReader("abcdef"))
	b := make([]byte, 3)
	if n, err := r.Read(b); n != 3 || err != nil || string(b) != "abc" {
		t.Fatalf("before cancel: %d %v %q", n, err, b)
	}
	cancel()
	if n, err := r.Read(b); n != 0 || err != context.Canceled {
		t.Errorf("after cancel: %d %v, want 0, context.Canceled", n, err)
	}
	if _, err := io.ReadAll(Reader(context.Background(), strings.NewReader("x"))); err != nil {
		t.Error(err)
	}
}
