package trace

import (
	"encoding/binary"
	"fmt"
)

// reader is one pass over one capture.
type reader struct {
	name string
	opts Options
	src  source
	// bufLen, when > 0, replaces bufSize as the read buffer's length, so
	// that tests and the fuzzer cross the buffer's edge with small inputs
	// (the limits on records and blocks shrink with it).
	bufLen int

	packets     int64
	used        int64
	first, last int64
	tick        int64 // the coarsest clock tick (ns) of the records read
	disorder    Disorder
	skipped     [numReasons]int64
	warnings    []string

	table
	batch [batchSize]pending
	nb    int
	sink  uint8

	// onRecord, when set, receives every record instead of the decoder
	// (Records); an error it returns is kept in stop and ends the read.
	onRecord func(*Record) error
	rec      Record
	stop     error
}

// batchSize is how many decoded packets wait before their object lookups,
// which are done together (see flowTable.touch).
const batchSize = 32

type pending struct {
	p     pkt
	ts    int64
	size  int32
	empty bool // skipped for having no payload, but still orients its flow
}

func newReader(name string, opts Options) *reader {
	rd := &reader{name: name, opts: opts}
	rd.table.init(opts)
	return rd
}

// run detects the format and reads every record.
func (rd *reader) run(gz bool) error {
	s := &rd.src
	n := s.fill(4)
	what := "file"
	if gz {
		what = "file (after gunzip)"
	}
	if n == 0 {
		if !s.cutShort() {
			return rd.errf("reading: %w", s.err)
		}
		return fmt.Errorf("trace: %s: %w", rd.name, fmt.Errorf("%s: %w", what, ErrEmpty))
	}
	if n < 4 {
		if !s.cutShort() {
			return rd.errf("reading: %w", s.err)
		}
		return fmt.Errorf("trace: %s: %w: %d bytes, too short for any capture header", rd.name, ErrShortHeader, n)
	}
	m := s.bytes(4)
	var err error
	switch binary.BigEndian.Uint32(m) {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		err = rd.readPcap()
	case 0x0a0d0d0a:
		err = rd.readPcapng()
	default:
		return fmt.Errorf("trace: %s: %w (starts with % x)", rd.name, ErrNotCapture, m)
	}
	rd.flush()
	return err
}

// errf formats an error about the file; %w in format wraps as usual.
func (rd *reader) errf(format string, a ...any) error {
	return fmt.Errorf("trace: %s: "+format, append([]any{rd.name}, a...)...)
}

// recordErr is an error in the record that would be packet number rd.packets+1.
func (rd *reader) recordErr(off int64, format string, a ...any) error {
	return fmt.Errorf("trace: %s: packet %d at offset %d: %w: %s", rd.name, rd.packets+1, off, ErrBadRecord, fmt.Sprintf(format, a...))
}

// cut records that the capture ends inside the record starting at off, or
// returns the read error if the stream failed instead of ending.
func (rd *reader) cut(off int64, have, want int, what string) error {
	if !rd.src.cutShort() {
		return fmt.Errorf("trace: %s: packet %d at offset %d: reading: %w", rd.name, rd.packets+1, off, rd.src.err)
	}
	rd.warnings = append(rd.warnings, fmt.Sprintf(
		"%s: capture cut short in packet %d at offset %d: %s has %d of %d bytes; using the %d packets before it",
		rd.name, rd.packets+1, off, what, have, want, rd.packets))
	return nil
}

// packet handles one record: ts in ns since the epoch, the link type, the
// captured bytes and the original length.
func (rd *reader) packet(ts int64, link uint32, data []byte, origLen uint32) {
	if rd.onRecord != nil {
		rd.packets++
		rd.rec = Record{Number: rd.packets, Time: ts, Link: link, Data: data, OrigLen: origLen, Tick: max(rd.tick, 1)}
		rd.stop = rd.onRecord(&rd.rec)
		return
	}
	if rd.packets == 0 {
		rd.first = ts
	} else if ts < rd.last {
		if rd.disorder.Packets == 0 {
			rd.disorder.First, rd.disorder.By = rd.packets+1, rd.last-ts
		}
		rd.disorder.Packets++
	}
	rd.packets++
	rd.last = ts
	b := &rd.batch[rd.nb]
	b.p = pkt{}
	if r := decode(link, data, &b.p); r != reasonOK {
		rd.skipped[r]++
		return
	}
	b.empty = b.p.payload == 0 && !rd.opts.KeepEmpty
	if b.empty && rd.table.kind != Flow {
		rd.skipped[reasonEmptyPayload]++
		return
	}
	switch rd.opts.Size {
	case SizePayload:
		b.size = int32(b.p.payload)
	case SizeIP:
		b.size = int32(b.p.ipLen)
	default:
		b.size = int32(min(origLen, 1<<31-1))
	}
	b.ts = ts
	rd.nb++
	if rd.nb == batchSize {
		rd.flush()
	}
}

// flush adds the batched packets to their objects, in capture order.
func (rd *reader) flush() {
	batch := rd.batch[:rd.nb]
	rd.nb = 0
	if rd.table.kind != Flow {
		for i := range batch {
			b := &batch[i]
			rd.count(rd.table.add(&b.p, b.ts, b.size))
		}
		return
	}
	var (
		keys    [batchSize]flowKey
		hashes  [batchSize]uint64
		swapped [batchSize]bool
	)
	for i := range batch {
		keys[i], swapped[i] = flowKeyOf(&batch[i].p)
		hashes[i] = rd.flows.hash(&keys[i])
		rd.sink += rd.flows.touch(hashes[i])
	}
	for i := range batch {
		b := &batch[i]
		rd.count(rd.table.addFlow(&keys[i], hashes[i], swapped[i], &b.p, b.ts, b.size, b.empty))
	}
}

func (rd *reader) count(r reason) {
	if r != reasonOK {
		rd.skipped[r]++
		return
	}
	rd.used++
}
