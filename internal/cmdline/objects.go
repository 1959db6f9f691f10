package cmdline

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/trace"
)

// SameID reports whether the object id want names id: a flow id in either
// orientation, any case ("udp 10.0.0.2:6000 10.0.0.1:5000"), an IP or a
// MAC however written.
func SameID(want, id string) bool {
	w, f := strings.Fields(want), strings.Fields(id)
	switch {
	case len(w) != len(f):
		return false
	case len(w) == 3:
		if !strings.EqualFold(w[0], f[0]) {
			return false
		}
		a, b, c, d := addrPort(w[1]), addrPort(w[2]), addrPort(f[1]), addrPort(f[2])
		return a.IsValid() && b.IsValid() && (a == c && b == d || a == d && b == c)
	case len(w) == 1:
		if a, err := netip.ParseAddr(w[0]); err == nil {
			b, err := netip.ParseAddr(f[0])
			return err == nil && a.Unmap() == b.Unmap()
		}
		if a, err := net.ParseMAC(w[0]); err == nil {
			b, err := net.ParseMAC(f[0])
			return err == nil && bytes.Equal(a, b)
		}
	}
	return strings.EqualFold(want, id)
}

func addrPort(s string) netip.AddrPort {
	a, err := netip.ParseAddrPort(s)
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}

// pick returns the indexes into ids of the objects wants names, each
// want an id (SameID) or "#N", the Nth of ids counted from 1, in ids'
// order; where names the list in errors.
func pick(ids []string, wants []string, where string) ([]int, error) {
	chosen := make([]bool, len(ids))
	for _, w := range wants {
		found := false
		if n, ok := strings.CutPrefix(strings.TrimSpace(w), "#"); ok {
			i, err := strconv.Atoi(n)
			if err != nil || i < 1 || i > len(ids) {
				return nil, Usagef("--object %q: %s has %s, numbered #1 to #%d", w, where, Plural(len(ids), "object"), len(ids))
			}
			chosen[i-1], found = true, true
		}
		for i, id := range ids {
			if !found && SameID(w, id) {
				chosen[i], found = true, true
			}
		}
		if !found {
			return nil, Usagef("--object %q: no object of that id in %s (%s)", w, where, examples(ids))
		}
	}
	var idx []int
	for i, c := range chosen {
		if c {
			idx = append(idx, i)
		}
	}
	return idx, nil
}

// examples lists the first ids, for an error.
func examples(ids []string) string {
	if len(ids) == 0 {
		return "it has none"
	}
	q := make([]string, 0, 3)
	for _, id := range ids[:min(3, len(ids))] {
		q = append(q, strconv.Quote(id))
	}
	more := ""
	if len(ids) > 3 {
		more = fmt.Sprintf(", … %d in all", len(ids))
	}
	return "valid: " + strings.Join(q, ", ") + more + "; or #1 to #" + strconv.Itoa(len(ids))
}

// SelectCapture keeps the objects of c that wants names (see pick; #N is
// the Nth row of `gmm2trex flows`, largest first). The packets of the
// others count as not selected, as those -f leaves out. No wants keeps all.
func SelectCapture(c *trace.Capture, wants []string) error {
	if len(wants) == 0 {
		return nil
	}
	ids := make([]string, len(c.Objects))
	for i, o := range c.Objects {
		ids[i] = o.ID
	}
	idx, err := pick(ids, wants, c.Name)
	if err != nil {
		return err
	}
	kept := make([]*trace.Object, 0, len(idx))
	var dropped int64
	for i, o := range c.Objects {
		if len(kept) < len(idx) && idx[len(kept)] == i {
			kept = append(kept, o)
		} else {
			dropped += int64(o.Packets())
		}
	}
	c.Objects, c.Used = kept, c.Used-dropped
	if dropped > 0 {
		if c.Skipped == nil {
			c.Skipped = map[string]int64{}
		}
		c.Skipped[trace.SkipNotSelected] += dropped
	}
	return nil
}

// ProfileObjects returns the ids of p's objects that wants names (see
// pick; #N is the Nth object of `gmm2trex show`), as p writes them; no
// wants gives nil, every object.
func ProfileObjects(p *profiles.Profile, name string, wants []string) ([]string, error) {
	if len(wants) == 0 {
		return nil, nil
	}
	ids := p.IDs()
	idx, err := pick(ids, wants, name)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = ids[j]
	}
	return out, nil
}
