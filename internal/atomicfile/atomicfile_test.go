package atomicfile

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWriteLeavesNothingOnError(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.txt")
	boom := errors.New("boom")
	err := Write(p, 0o644, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 0 {
		t.Fatalf("directory not empty after failed write: %v", ents)
	}
}

func TestWriteReplaces(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.txt")
	os.WriteFile(p, []byte("old"), 0o644)
	if err := WriteBytes(p, 0o644, []byte("new")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if string(b) != "new" {
		t.Fatalf("content = %q", b)
	}
}

// Only a regular file or a new path in an existing directory is written:
// a device node, a named pipe, a symbolic link or a directory stays as it
// was (as root, -o /dev/null used to replace /dev/null with a file), and a
// missing directory is named before any work.
func TestRefusedTargets(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	reg := filepath.Join(dir, "reg")
	os.WriteFile(reg, []byte("keep"), 0o644)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(reg, link); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/dev/null":                          "it is a device node, not a regular file",
		fifo:                                 "it is a named pipe, not a regular file",
		link:                                 "it is a symbolic link, not a regular file",
		dir:                                  "it is a directory, not a regular file",
		filepath.Join(dir, "nodir", "x.csv"): "directory " + filepath.Join(dir, "nodir") + " does not exist",
		filepath.Join(reg, "x.csv"):          "is not a directory",
	} {
		called := false
		err := WriteBytes(path, 0o644, []byte("new"))
		if err == nil || !errors.Is(err, ErrTarget) || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want ErrTarget naming the path and %q", path, err, want)
		}
		if err := Write(path, 0o644, func(io.Writer) error { called = true; return nil }); err == nil || called {
			t.Errorf("%s: fill called (%v) or no error (%v)", path, called, err)
		}
	}
	st, err := os.Lstat("/dev/null")
	if err != nil || st.Mode()&os.ModeDevice == 0 {
		t.Errorf("/dev/null: %v, mode %v", err, st.Mode())
	}
	if st, _ := os.Lstat(link); st.Mode()&os.ModeSymlink == 0 {
		t.Error("the symbolic link was replaced")
	}
	if b, _ := os.ReadFile(reg); string(b) != "keep" {
		t.Errorf("the link's target holds %q", b)
	}
	if st, _ := os.Lstat(fifo); st.Mode()&os.ModeNamedPipe == 0 {
		t.Error("the named pipe was replaced")
	}
}

// A set renames all its files or none: a failed write, a protected path,
// the byte limit and a cancelled context each leave no file and no temp.
func TestSetAllOrNone(t *testing.T) {
	write := func(s *Set, path string, n int) error {
		return s.Write(path, 0o644, func(w io.Writer) error { _, err := w.Write(make([]byte, n)); return err })
	}
	empty := func(dir string) {
		t.Helper()
		if ents, _ := os.ReadDir(dir); len(ents) > 1 || len(ents) == 1 && ents[0].Name() != "in.yaml" {
			t.Errorf("left in the directory: %v", ents)
		}
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	// Second file fails: the first is not kept either.
	s := NewSet(context.Background())
	if err := write(s, a, 10); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := s.Write(b, 0o644, func(io.Writer) error { return boom }); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err) // nothing left to commit
	}
	empty(dir)
	// The input, under another name of the same file.
	in := filepath.Join(dir, "in.yaml")
	os.WriteFile(in, []byte("profile"), 0o644)
	s = NewSet(context.Background())
	s.Protect(in)
	if err := write(s, a, 1); err != nil {
		t.Fatal(err)
	}
	if err := write(s, filepath.Join(dir, ".", "in.yaml"), 1); !errors.Is(err, ErrTarget) || !strings.Contains(err.Error(), "it is the input") {
		t.Errorf("protected: %v", err)
	}
	empty(dir)
	// The limit counts every file of the set.
	s = NewSet(context.Background())
	s.Limit(1 << 20)
	if err := write(s, a, 600<<10); err != nil {
		t.Fatal(err)
	}
	var tl *TooLargeError
	if err := write(s, b, 600<<10); !errors.As(err, &tl) || tl.Limit != 1<<20 || err.Error() != "the output would exceed the limit of 1 MiB" {
		t.Errorf("limit: %v", err)
	}
	empty(dir)
	// Cancelled while writing, then at the commit.
	ctx, cancel := context.WithCancel(context.Background())
	s = NewSet(ctx)
	err := s.Write(a, 0o644, func(w io.Writer) error {
		cancel()
		for range 10 {
			if _, err := w.Write(make([]byte, 100<<10)); err != nil {
				return err
			}
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled write: %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	s = NewSet(ctx)
	if err := write(s, a, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := s.Commit(); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled commit: %v", err)
	}
	empty(dir)
	// Both written.
	s = NewSet(context.Background())
	if write(s, a, 1) != nil || write(s, b, 2) != nil || s.Commit() != nil {
		t.Fatal("set of two failed")
	}
	if sa, _ := os.Stat(a); sa == nil || sa.Size() != 1 {
		t.Error("a not written")
	}
}

// RemoveTemps removes the temporary files of writes under way, and the
// tracked directories that are empty.
func TestRemoveTemps(t *testing.T) {
	base := t.TempDir()
	empty, full := filepath.Join(base, "empty"), filepath.Join(base, "full")
	os.Mkdir(empty, 0o755)
	os.Mkdir(full, 0o755)
	os.WriteFile(filepath.Join(full, "f"), nil, 0o644)
	TrackDir(empty)
	TrackDir(full)
	dir := filepath.Join(base, "w")
	os.Mkdir(dir, 0o755)
	err := Write(filepath.Join(dir, "x"), 0o644, func(w io.Writer) error {
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			t.Errorf("while writing: %v", ents)
		}
		RemoveTemps()
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("after RemoveTemps: %v", ents)
		}
		return errors.New("stop")
	})
	if err == nil {
		t.Error("no error")
	}
	if _, err := os.Stat(empty); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("tracked empty directory: %v", err)
	}
	if _, err := os.Stat(full); err != nil {
		t.Errorf("tracked directory with a file: %v", err)
	}
}
