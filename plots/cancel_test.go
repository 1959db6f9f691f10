package plots

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Cancelled, Profile leaves no figure, and no directory it created: a plot
// interrupted by SIGINT used to leave the figures drawn so far. One figure
// that cannot be written (a directory in its place) leaves none either.
func TestProfileAllOrNone(t *testing.T) {
	p := loadTiny(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := filepath.Join(t.TempDir(), "figs")
	if files, err := Profile(dir, p, nil, Options{Context: ctx}); !errors.Is(err, context.Canceled) || files != nil {
		t.Errorf("cancelled: files %v, error %v", files, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the directory it created is still there: %v", err)
	}
	// Cancelled after the first figure.
	ctx, cancel = context.WithCancel(context.Background())
	dir = t.TempDir()
	go func() {
		for {
			if ents, _ := os.ReadDir(dir); len(ents) > 0 {
				cancel()
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	if _, err := Profile(dir, p, nil, Options{Context: ctx}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled while drawing: %v", err)
	}
	cancel()
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left %v", ents)
	}
	dir = t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "UDP_198.18.0.1-5000_198.18.0.2-6000_to.svg"), 0o755); err != nil {
		t.Fatal(err)
	}
	if files, err := Profile(dir, p, nil, Options{}); err == nil || files != nil {
		t.Errorf("blocked figure: files %v, error %v", files, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("left %v", ents)
	}
}
