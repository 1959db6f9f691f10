package compare

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// A cancelled context stops a CSV's read and the comparison itself (compare
// of two large CSVs ignored SIGINT).
func TestCancelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gen.csv")
	b := []byte("time,direction,size,iat\n")
	for i := range 1000 {
		b = append(b, "0."+strconv.Itoa(100000+i)+",from,100,\n"...)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	side, err := Load(context.Background(), path, DefaultOptions(), Generated)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Load(ctx, path, DefaultOptions(), Generated); !errors.Is(err, context.Canceled) {
		t.Errorf("Load: %v, want context.Canceled", err)
	}
	if _, err := RunContext(ctx, side, side, DefaultOptions()); !errors.Is(err, context.Canceled) {
		t.Errorf("RunContext: %v, want context.Canceled", err)
	}
	if _, err := RunContext(context.Background(), side, side, DefaultOptions()); err != nil {
		t.Error(err)
	}
}
