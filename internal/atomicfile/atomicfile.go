// Package atomicfile writes files so that a reader never sees a partial one:
// the content goes to a temporary file in the same directory, which is renamed
// over the target only when everything was written and synced. A Set does
// that for several files at once: all of them are renamed at the end, or
// none is.
package atomicfile

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// ErrTarget marks an output path that is refused: not a regular file (a
// device node, a named pipe, a symbolic link, a directory, a socket), in a
// directory that does not exist, or a path the caller protected (its input).
var ErrTarget = errors.New("refused output path")

// TooLargeError is the error of a write that would take a Set's files past
// its byte limit.
type TooLargeError struct {
	Limit int64 // bytes, all files of the set together
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the output would exceed the limit of %s", Bytes(e.Limit))
}

// Bytes formats n for messages: "1 GiB", "512 MiB", "1000 bytes".
func Bytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Check reports whether path may be written: it must name a regular file or
// nothing yet, in a directory that exists. Its errors name path as given
// and wrap ErrTarget. A symbolic link is refused even when it points to a
// regular file: the rename would replace the link, not its target.
func Check(path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: %w: directory %s does not exist", path, ErrTarget, dir)
	case err != nil:
		return fmt.Errorf("%s: %w: %v", path, ErrTarget, err)
	case !st.IsDir():
		return fmt.Errorf("%s: %w: %s is not a directory", path, ErrTarget, dir)
	}
	st, err = os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w: %v", path, ErrTarget, err)
	}
	if what := kind(st.Mode()); what != "" {
		return fmt.Errorf("%s: %w: it is %s, not a regular file; refusing to replace it", path, ErrTarget, what)
	}
	return nil
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return ""
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device node"
	}
	return "not a regular file (" + m.String() + ")"
}

// Write creates path with the content written by fill. On any error from fill
// or from the file system, the temporary file is removed and path is left as it
// was. The writer passed to fill is buffered. Write refuses what Check
// refuses.
func Write(path string, perm os.FileMode, fill func(w io.Writer) error) error {
	return WriteContext(context.Background(), path, perm, fill)
}

// WriteContext is Write that fails with ctx.Err() once ctx is done: the
// writer passed to fill fails (its buffer reaches the file every 256 KiB),
// and nothing is renamed.
func WriteContext(ctx context.Context, path string, perm os.FileMode, fill func(w io.Writer) error) error {
	s := NewSet(ctx)
	if err := s.Write(path, perm, fill); err != nil {
		return err
	}
	return s.Commit()
}

// WriteBytes is Write for content already in memory.
func WriteBytes(path string, perm os.FileMode, b []byte) error {
	return Write(path, perm, func(w io.Writer) error { _, err := w.Write(b); return err })
}

// A Set writes several files that belong together: each Write leaves its
// content in a temporary file beside its target, and Commit renames them
// all; Abort (or any failed Write or Commit) removes them. A Set is not safe
// for concurrent use.
type Set struct {
	ctx     context.Context
	limit   int64 // bytes over all files; 0: none
	written int64
	protect []string
	pending []pending
}

type pending struct {
	tmp, path string
}

// NewSet returns an empty set whose writes fail once ctx is done.
func NewSet(ctx context.Context) *Set {
	if ctx == nil {
		ctx = context.Background()
	}
	return &Set{ctx: ctx}
}

// Limit caps the bytes of all the set's files together (0: no cap); a
// write past it fails with a *TooLargeError.
func (s *Set) Limit(n int64) { s.limit = n }

// Protect refuses any later Write to path, or to another name of the same
// file: the caller's input, say.
func (s *Set) Protect(path string) { s.protect = append(s.protect, path) }

// Check is the package's Check plus the set's protected paths.
func (s *Set) Check(path string) error {
	if err := Check(path); err != nil {
		return err
	}
	for _, p := range s.protect {
		if sameFile(p, path) {
			return fmt.Errorf("%s: %w: it is the input %s; refusing to overwrite it", path, ErrTarget, p)
		}
	}
	for _, p := range s.pending {
		if sameFile(p.path, path) {
			return fmt.Errorf("%s: %w: written twice in one export", path, ErrTarget)
		}
	}
	return nil
}

func sameFile(a, b string) bool {
	if sa, err := os.Stat(a); err == nil {
		if sb, err := os.Stat(b); err == nil {
			return os.SameFile(sa, sb)
		}
	}
	aa, err1 := filepath.Abs(a)
	ab, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == ab
}

// Write writes path's content to a temporary file of the set, to be renamed
// by Commit. On an error the whole set is aborted.
func (s *Set) Write(path string, perm os.FileMode, fill func(w io.Writer) error) (err error) {
	defer func() {
		if err != nil {
			s.Abort()
		}
	}()
	if err := s.ctx.Err(); err != nil {
		return err
	}
	if err := s.Check(path); err != nil {
		return err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	track(tmp)
	s.pending = append(s.pending, pending{tmp, path})
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	bw := bufio.NewWriterSize(&guard{f: f, s: s}, 256<<10)
	if err = fill(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

// Commit renames every file of the set over its target, checking each
// target again first. Should a rename fail, the files already renamed are
// removed (their targets' old content is lost) and so are the rest: none of
// the set stays.
func (s *Set) Commit() error {
	if err := s.ctx.Err(); err != nil {
		s.Abort()
		return err
	}
	for _, p := range s.pending {
		if err := Check(p.path); err != nil {
			s.Abort()
			return err
		}
	}
	for i, p := range s.pending {
		if err := os.Rename(p.tmp, p.path); err != nil {
			for _, q := range s.pending[:i] {
				os.Remove(q.path)
			}
			s.pending = s.pending[i:]
			s.Abort()
			return err
		}
		untrack(p.tmp)
	}
	s.pending = nil
	return nil
}

// Abort removes the set's temporary files; targets stay as they were.
func (s *Set) Abort() {
	for _, p := range s.pending {
		os.Remove(p.tmp)
		untrack(p.tmp)
	}
	s.pending = nil
}

// guard is the file under the buffer: it fails once the set's context is
// done or its limit would be passed.
type guard struct {
	f *os.File
	s *Set
}

func (g *guard) Write(b []byte) (int, error) {
	if err := g.s.ctx.Err(); err != nil {
		return 0, err
	}
	if g.s.limit > 0 && g.s.written+int64(len(b)) > g.s.limit {
		return 0, &TooLargeError{Limit: g.s.limit}
	}
	n, err := g.f.Write(b)
	g.s.written += int64(n)
	return n, err
}

// live holds the temporary files being written, for RemoveTemps; dirs the
// directories created for outputs not yet committed.
var live, dirs sync.Map

func track(tmp string)   { live.Store(tmp, struct{}{}) }
func untrack(tmp string) { live.Delete(tmp) }

// TrackDir marks dir as created for outputs still to come: RemoveTemps
// removes it too, if it is empty by then. UntrackDir ends that, once the
// outputs are in place (or dir removed).
func TrackDir(dir string)   { dirs.Store(dir, struct{}{}) }
func UntrackDir(dir string) { dirs.Delete(dir) }

// RemoveTemps removes every temporary file the package is writing or holds
// for a Commit, then the empty directories of TrackDir: for a program about
// to exit on a signal without waiting for its writers to notice.
func RemoveTemps() {
	live.Range(func(k, _ any) bool {
		os.Remove(k.(string))
		live.Delete(k)
		return true
	})
	dirs.Range(func(k, _ any) bool {
		os.Remove(k.(string)) // only when empty
		dirs.Delete(k)
		return true
	})
}
