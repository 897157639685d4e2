package egress

import (
	"fmt"
	"net/netip"
	"strings"

	"code.dny.dev/ssrf"
)

// loopback is what a localhost name means (RFC 6761), whatever DNS says.
var loopback = []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()}

// CheckHost refuses, with ssrf.ErrProhibitedIP, a URL's host that names an
// address g refuses without asking DNS: an address literal (IPv4-mapped
// forms as the IPv4 address), localhost or a name under it, or a number
// spelt in a form other than a.b.c.d (2130706433, 0x7f.1, 0177.0.0.1),
// which resolvers and browsers read as an IPv4 address and which is
// refused whatever it names. Any other name is left to the dialler, which
// checks the address it resolves to.
func CheckHost(g *ssrf.Guardian, host string) error {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	var addrs []netip.Addr
	switch a, err := netip.ParseAddr(host); {
	case err == nil:
		addrs = []netip.Addr{a.Unmap()}
	case host == "localhost", strings.HasSuffix(host, ".localhost"):
		addrs = loopback
	case endsInNumber(host):
		return fmt.Errorf("%w: %s reads as an IPv4 address", ssrf.ErrProhibitedIP, host)
	}
	for _, a := range addrs {
		if err := g.SafeAddr(a); err != nil {
			return err
		}
	}
	return nil
}

// endsInNumber is the URL standard's test of a host that must be an IPv4
// address: its last label is decimal digits, or 0x and hex digits.
func endsInNumber(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	digits := "0123456789"
	if hex, ok := strings.CutPrefix(last, "0x"); ok {
		last, digits = hex, "0123456789abcdef"
	} else if last == "" {
		return false
	}
	return strings.Trim(last, digits) == ""
}
