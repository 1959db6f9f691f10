package native

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
)

// nextHopMAC looks up the MAC of the next hop towards peer on ifi: the
// route's gateway, or the peer itself when it is on the link. The entry
// must already be in the neighbour table (the control connection to the
// peer resolves it).
func nextHopMAC(peer netip.Addr, ifi *net.Interface) (net.HardwareAddr, error) {
	hop := peer
	routes, err := netlink.RouteGet(peer.AsSlice())
	if err != nil {
		return nil, fmt.Errorf("raw: route to %v: %w", peer, err)
	}
	for _, r := range routes {
		if r.LinkIndex != 0 && r.LinkIndex != ifi.Index {
			return nil, fmt.Errorf("raw: the route to %v leaves through interface index %d, not %s", peer, r.LinkIndex, ifi.Name)
		}
		if gw, ok := netip.AddrFromSlice(r.Gw); ok && gw.IsValid() && !gw.IsUnspecified() {
			hop = gw.Unmap()
		}
	}
	family := netlink.FAMILY_V4
	if hop.Is6() {
		family = netlink.FAMILY_V6
	}
	neighs, err := netlink.NeighList(ifi.Index, family)
	if err != nil {
		return nil, fmt.Errorf("raw: neighbour table of %s: %w", ifi.Name, err)
	}
	for _, n := range neighs {
		a, ok := netip.AddrFromSlice(n.IP)
		if !ok || a.Unmap() != hop || len(n.HardwareAddr) != 6 {
			continue
		}
		if n.State&(netlink.NUD_FAILED|netlink.NUD_INCOMPLETE) != 0 {
			continue
		}
		return n.HardwareAddr, nil
	}
	return nil, fmt.Errorf("raw: no neighbour entry for %v on %s (is the peer on this link? try ping %v first)", hop, ifi.Name, hop)
}
