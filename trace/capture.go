package trace

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/gmm2trex/gmm2trex/internal/ctxio"
)

// MaxCaplen is the largest captured length of one packet that the reader
// accepts. Real link layers stay far below it (the largest snap length in
// use, 262144, is exactly this); a bigger value means a corrupt record, and
// refusing it keeps a corrupt file from causing a huge allocation.
const MaxCaplen = 256 << 10

// Errors a caller may need to tell apart; returned errors wrap them and add
// the file name and, for records, the packet number and byte offset.
var (
	ErrEmpty       = errors.New("empty file")
	ErrNotCapture  = errors.New("not a pcap or pcapng capture")
	ErrShortHeader = errors.New("file header cut short")
	ErrBadRecord   = errors.New("bad record")
	ErrDisorder    = errors.New("timestamps out of order")
)

// Options says how to cut a capture into objects.
type Options struct {
	Kind      Kind
	Size      SizeMode
	KeepEmpty bool      // keep packets with no TCP/UDP payload (pure ACKs, SYNs)
	Select    *Selector // nil: all objects
	// MaxPackets, when > 0, bounds the packets kept per direction while
	// reading: a direction with more keeps a sample of MaxPackets
	// (rounded down to whole blocks) in blocks of consecutive packets,
	// chosen uniformly over the whole direction with Seed and put back in
	// time order (Series.Sample says so and holds the direction's totals).
	// 0 keeps every packet.
	MaxPackets int
	Seed       uint64
	// SkipHash leaves Capture.SHA256 empty, for callers that do not need
	// it: hashing takes longer than the whole rest of the read.
	SkipHash bool
	// Progress, when not nil, is called now and then with the bytes read of
	// total (total is 0 when unknown). For gzipped files these are
	// compressed bytes.
	Progress func(done, total int64)
}

// Capture is what one pass over a capture yields.
type Capture struct {
	Name     string           // base name of the file
	SHA256   string           // hex SHA-256 of the file's bytes as stored (the .gz if gzipped)
	Packets  int64            // records read
	Start    time.Time        // time of the first record
	Duration float64          // seconds from the first record to the last
	Used     int64            // packets that went into objects
	Skipped  map[string]int64 // reason -> packets (see the Skip* constants)
	Warnings []string         // e.g. a capture cut short mid-packet
	Objects  []*Object        // by total packets, descending; ties by ID
	// Resolution is the capture clock's tick in ns, from its headers: 1000
	// for microsecond stamps, 1 for nanosecond ones (the coarsest of the
	// interfaces that carried packets). Gaps are multiples of it, which a
	// comparison with generated gaps must take into account.
	Resolution int64
	// Disorder counts records stamped before the record preceding them.
	// Their gaps would be negative: a caller that needs gaps refuses them
	// (DisorderErr) rather than compute a wrong number.
	Disorder Disorder
}

// Disorder describes out-of-order timestamps in a capture.
type Disorder struct {
	Packets int64 // records stamped before their predecessor
	First   int64 // the first such record's number (1-based)
	By      int64 // how far, in ns, it lies before its predecessor
}

// DisorderErr returns nil for a capture in time order, else an error naming
// the file and the first record out of order.
func (c *Capture) DisorderErr() error {
	d := c.Disorder
	if d.Packets == 0 {
		return nil
	}
	return fmt.Errorf("trace: %s: packet %d: %w: stamped %s before the packet preceding it (%d packet(s) out of order; sort the capture first, e.g. with reordercap)",
		c.Name, d.First, ErrDisorder, time.Duration(d.By), d.Packets)
}

// SortByTime puts every object's packets into time order, as reordercap
// would (stable: packets with equal stamps keep their capture order), so
// that no gap is negative, and returns a warning naming the file and its
// first record out of order; "" (and nothing moved) when the capture was in
// order. Disorder still describes the file as it was read.
func (c *Capture) SortByTime() string {
	d := c.Disorder
	if d.Packets == 0 {
		return ""
	}
	for _, o := range c.Objects {
		o.From.sortByTime()
		o.To.sortByTime()
	}
	return fmt.Sprintf("%s: packet %d: %v: stamped %s before the packet preceding it (%d packet(s) out of order); packets sorted by time stamp",
		c.Name, d.First, ErrDisorder, time.Duration(d.By), d.Packets)
}

// sortByTime sorts the series by time, stably, sizes along.
func (s *Series) sortByTime() {
	if slices.IsSorted(s.Times) {
		return
	}
	if s.Sample != nil {
		s.sortBlocks()
		return
	}
	idx := make([]int32, len(s.Times))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(a, b int32) int { return cmp.Compare(s.Times[a], s.Times[b]) })
	times, sizes := make([]int64, len(idx)), make([]int32, len(idx))
	for i, j := range idx {
		times[i], sizes[i] = s.Times[j], s.Sizes[j]
	}
	s.Times, s.Sizes = times, sizes
}

// Reasons a packet is skipped, as counted in Capture.Skipped.
const (
	SkipNonIP           = "non-ip"           // ARP, LLDP, …
	SkipOtherTransport  = "other-transport"  // ICMP, SCTP, ESP, …
	SkipTruncated       = "truncated"        // the capture holds too little of the headers
	SkipFragment        = "fragment"         // a non-first IP fragment
	SkipUnsupportedLink = "unsupported-link" // a link type the reader does not decode
	SkipEmptyPayload    = "empty-payload"    // no TCP/UDP payload, without KeepEmpty
	SkipMalformed       = "malformed"        // header fields that contradict each other
	SkipNoMAC           = "no-mac"           // device-by-MAC mode on a link without MACs
	SkipNotSelected     = "not-selected"     // belongs to no object of the selector
)

// ReadFile reads a capture file: classic pcap or pcapng, either gzipped,
// recognised by content, not by name.
func ReadFile(path string, opts Options) (*Capture, error) {
	return ReadFileContext(context.Background(), path, opts)
}

// ReadFileContext is ReadFile that stops when ctx is done: the next read
// of the file fails and ctx.Err() is returned, within one buffer's worth
// of reading (64 KiB), however large the capture.
//
// A named pipe is waited for (its open blocks until a writer comes) and read
// under ctx too: a read that waits for the writer fails once ctx is done.
func ReadFileContext(ctx context.Context, path string, opts Options) (*Capture, error) {
	f, err := openContext(ctx, path)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("trace: %w", err)
	}
	defer f.Close()
	// Pipes are read through the runtime's poller, so a deadline ends a
	// read under way; regular files ignore it (their reads do not block).
	defer context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Now()) })()
	var size int64
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	c, err := Read(ctxio.Reader(ctx, f), filepath.Base(path), size, opts)
	if ctx.Err() != nil {
		// However the parser wrapped it, the read failed because ctx is done.
		return nil, ctx.Err()
	}
	return c, err
}

// openContext opens path for reading, giving up when ctx is done first
// (the open of a named pipe waits for a writer); a file opened after that
// is closed.
func openContext(ctx context.Context, path string) (*os.File, error) {
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		return o.f, o.err
	case <-ctx.Done():
		go func() {
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// Read reads a capture from r in one streaming pass. name is used in errors
// and in Capture.Name; size is the byte count for progress (0 if unknown).
// Memory stays bounded by the packets of the selected objects plus the
// object table, whatever the file size.
func Read(r io.Reader, name string, size int64, opts Options) (*Capture, error) {
	return read(r, name, size, opts, 0)
}

// read is Read with a read buffer of bufLen bytes (0: bufSize).
func read(r io.Reader, name string, size int64, opts Options, bufLen int) (*Capture, error) {
	var ra *readAhead
	if !opts.SkipHash {
		ra = newReadAhead(r)
		defer ra.stop()
		r = ra
	}
	cr := &countReader{r: r, total: size, progress: opts.Progress}
	rd := newReader(name, opts)
	rd.bufLen = bufLen
	if err := rd.readAll(cr); err != nil {
		return nil, err
	}
	if opts.Progress != nil {
		opts.Progress(cr.n, size)
	}
	c := rd.capture()
	if ra != nil {
		c.SHA256 = ra.sum()
	}
	return c, nil
}

// readAll runs one pass over the capture in cr: gunzip when the bytes say
// so, detect the format, read every record, then drain what the parser did
// not need (a trailing gzip member, padding) so that a digest is that of
// the whole file. Read and Records share it, so both accept the same files
// with the same errors.
func (rd *reader) readAll(cr *countReader) error {
	name := rd.name
	br := bufio.NewReaderSize(cr, 64<<10)
	magic, _ := br.Peek(2)
	if len(magic) == 0 {
		if cr.err != nil && cr.err != io.EOF {
			return fmt.Errorf("trace: %s: %w", name, cr.err)
		}
		return fmt.Errorf("trace: %s: %w", name, ErrEmpty)
	}
	var body io.Reader = br
	gz := false
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("trace: %s: gzip: %w", name, err)
		}
		zr.Multistream(true)
		body, gz = zr, true
	}
	var buf []byte
	if rd.bufLen > 0 {
		buf = make([]byte, rd.bufLen)
	} else {
		pb := bufPool.Get().(*[]byte)
		defer bufPool.Put(pb)
		buf = *pb
	}
	rd.src = source{r: body, buf: buf}
	if err := rd.run(gz); err != nil {
		return err
	}
	if rd.onRecord != nil {
		return nil // an iteration needs no digest: stop reading here
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return fmt.Errorf("trace: %s: %w", name, err)
	}
	return nil
}

// bufPool recycles read buffers: callers reading many small captures (tests,
// the fuzzer, a directory walk) would otherwise allocate 1 MiB for each.
var bufPool = sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}

// countReader counts the file's bytes and reports progress.
type countReader struct {
	r        io.Reader
	n, total int64
	last     int64
	progress func(done, total int64)
	err      error
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.n += int64(n)
		if c.progress != nil && c.n-c.last >= 1<<20 {
			c.last = c.n
			c.progress(c.n, c.total)
		}
	}
	if err != nil {
		c.err = err
	}
	return n, err
}

// readAhead reads the file on its own goroutine, up to aheadChunks chunks
// before the parser, and computes its SHA-256 there, so that reading,
// hashing and parsing use two cores: inline, the digest took the read rate
// from 7–8M to under 5M packets/s. (A first version hashed the parser's
// buffer in place and made the parser wait for the hash before each
// refill; the two goroutines then took turns, and with GOMAXPROCS=2 the
// read was no faster than inline.) The hash is of the bytes as stored,
// compressed or not: readAhead sits below the decompressor.
type readAhead struct {
	full   chan aheadChunk // read and hashed, in file order
	free   chan []byte     // buffers the parser side is done with
	done   <-chan struct{} // closed by stop: the goroutine ends
	cancel func()
	exit   chan struct{} // receives once the goroutine has ended
	h      hash.Hash     // the goroutine's until exit is closed
	cur    aheadChunk    // the chunk Read is copying from
	off    int           // how much of cur.b Read has given out
	err    error         // sticky: the reader's error or io.EOF
}

type aheadChunk struct {
	b   []byte
	err error
}

const (
	aheadChunks = 4
	aheadSize   = 256 << 10
)

func newReadAhead(r io.Reader) *readAhead {
	ctx, cancel := context.WithCancel(context.Background())
	ra := &readAhead{
		full:   make(chan aheadChunk, aheadChunks),
		free:   make(chan []byte, aheadChunks+1),
		done:   ctx.Done(),
		cancel: cancel,
		exit:   make(chan struct{}, 1),
		h:      sha256.New(),
	}
	for range aheadChunks {
		ra.free <- make([]byte, aheadSize)
	}
	go func() {
		defer func() { ra.exit <- struct{}{} }()
		for {
			var b []byte
			select {
			case b = <-ra.free:
			case <-ra.done:
				return
			}
			// One read, not a full chunk: what a pipe has so far goes
			// to the parser now.
			var n int
			var err error
			for n == 0 && err == nil {
				n, err = r.Read(b)
			}
			ra.h.Write(b[:n])
			select {
			case ra.full <- aheadChunk{b: b[:n], err: err}:
			case <-ra.done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return ra
}

func (ra *readAhead) Read(p []byte) (int, error) {
	for ra.off == len(ra.cur.b) {
		if ra.err != nil {
			return 0, ra.err
		}
		if ra.cur.b != nil {
			ra.free <- ra.cur.b[:cap(ra.cur.b)]
		}
		ra.cur, ra.off = <-ra.full, 0
		ra.err = ra.cur.err
	}
	n := copy(p, ra.cur.b[ra.off:])
	ra.off += n
	return n, nil
}

// sum returns the digest of the file. Call it once the parser has read
// to the end (readAll drains the file): the goroutine has then sent its
// last chunk and ends without another read.
func (ra *readAhead) sum() string {
	ra.cancel()
	<-ra.exit
	return hex.EncodeToString(ra.h.Sum(nil))
}

// stop tells the goroutine to end, without waiting: after a failed parse
// it may be blocked reading a pipe whose writer stays open, and the error
// must not wait for it. It ends when that read returns (ReadFileContext
// closes the file); until then it may still read from Read's reader, and
// nothing reads its digest. Safe after sum.
func (ra *readAhead) stop() { ra.cancel() }

func (rd *reader) capture() *Capture {
	c := &Capture{
		Name:       rd.name,
		Packets:    rd.packets,
		Used:       rd.used,
		Skipped:    map[string]int64{},
		Warnings:   rd.warnings,
		Resolution: max(rd.tick, 1),
		Disorder:   rd.disorder,
	}
	if rd.packets > 0 {
		c.Start = time.Unix(0, rd.first).UTC()
		c.Duration = max(0, float64(rd.last-rd.first)*1e-9)
	}
	for i, n := range rd.skipped {
		if n > 0 {
			c.Skipped[reasonNames[i]] = n
		}
	}
	c.Objects = rd.objects()
	slices.SortFunc(c.Objects, func(a, b *Object) int {
		if c := cmp.Compare(b.Packets(), a.Packets()); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return c
}
