package trace

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Record is one packet record of a capture as stored, before any decoding.
type Record struct {
	Number  int64  // 1-based position in the file, as in error messages
	Time    int64  // nanoseconds since the Unix epoch
	Link    uint32 // the LINKTYPE_ value of the record's interface (1: Ethernet)
	Data    []byte // the captured bytes; valid only until fn returns
	OrigLen uint32 // the packet's length on the wire
	// Tick is the capture clock's tick in ns as far as read (1000 for a
	// microsecond pcap; for pcapng the coarsest interface so far), as
	// Capture.Resolution has it for the whole capture.
	Tick int64
}

// LinkEthernet is Record.Link for Ethernet frames.
const LinkEthernet = linkEther

// Records reads a capture from r and calls fn with each record in file
// order. It accepts exactly what Read accepts — pcap or pcapng, gzipped or
// not, recognised by content — with the same errors naming the packet and
// offset; a capture cut short mid-record ends the iteration after the last
// whole record and says so in the returned warnings. An error from fn stops
// the read and is returned as it is. name is used in messages.
//
// Records is for callers that need the frames themselves (replay, a
// converter); Read is the one that cuts a capture into objects.
func Records(r io.Reader, name string, fn func(*Record) error) (warnings []string, err error) {
	rd := &reader{name: name, onRecord: fn}
	if err := rd.readAll(&countReader{r: r}); err != nil {
		return rd.warnings, err
	}
	return rd.warnings, nil
}

// RecordsFile is Records over the file at path.
func RecordsFile(path string, fn func(*Record) error) (warnings []string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	defer f.Close()
	return Records(f, filepath.Base(path), fn)
}
