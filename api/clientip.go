package api

import (
	"bytes"
	"net/netip"

	"github.com/gofiber/fiber/v2"

	"github.com/fanfare/fanfare/internal/config"
)

type clientAddrKey struct{}

// resolveClient finds the client's address once per request, for the
// limits and the access log (Fiber's c.IP() believes the left-most,
// client-written entry of X-Forwarded-For).
func (s *Server) resolveClient(c *fiber.Ctx) error {
	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	c.Locals(clientAddrKey{}, clientAddr(peer, c.Request().Header.PeekAll(fiber.HeaderXForwardedFor), s.Config.TrustedProxies))
	return c.Next()
}

// clientAddrOf is the address resolveClient found.
func clientAddrOf(c *fiber.Ctx) netip.Addr {
	a, _ := c.Locals(clientAddrKey{}).(netip.Addr)
	return a
}

// clientAddr is the peer, unless the peer is a trusted proxy: then it is the
// right-most address of X-Forwarded-For that is not a trusted proxy itself.
// Each proxy appends the address it saw, so entries left of that one were
// written by the client and prove nothing. A malformed entry where an
// address must be stops the walk at the last trusted hop.
func clientAddr(peer netip.Addr, forwarded [][]byte, trusted config.Prefixes) netip.Addr {
	addr := peer.Unmap()
	for i := len(forwarded) - 1; i >= 0 && trusted.Contains(addr); i-- {
		hops := bytes.Split(forwarded[i], []byte(","))
		for j := len(hops) - 1; j >= 0 && trusted.Contains(addr); j-- {
			hop, err := netip.ParseAddr(string(bytes.TrimSpace(hops[j])))
			if err != nil {
				return addr
			}
			addr = hop.Unmap()
		}
	}
	return addr
}

// addrKey is the key of an address in the limits: IPv4 addresses one by
// one, IPv6 by /64, which one subscriber usually holds whole.
func addrKey(a netip.Addr) string {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
