package api

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
)

func TestClientAddr(t *testing.T) {
	trusted := config.Prefixes{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	proxy, client := "10.0.0.2", "198.51.100.7"
	for name, tc := range map[string]struct {
		peer      string
		forwarded []string
		want      string
	}{
		"no proxy":                          {peer: client, want: client},
		"untrusted peer: header ignored":    {peer: client, forwarded: []string{"203.0.113.1"}, want: client},
		"trusted peer: the hop it saw":      {peer: proxy, forwarded: []string{client}, want: client},
		"spoofed left-most entry":           {peer: proxy, forwarded: []string{"203.0.113.1, " + client}, want: client},
		"trusted hops are skipped":          {peer: proxy, forwarded: []string{"203.0.113.1," + client + ", 10.9.9.9,fd00::1"}, want: client},
		"several header lines are one list": {peer: proxy, forwarded: []string{"203.0.113.1", client + ", 10.1.1.1"}, want: client},
		"only trusted hops":                 {peer: proxy, forwarded: []string{"10.3.3.3, 10.4.4.4"}, want: "10.3.3.3"},
		"trusted peer without the header":   {peer: proxy, want: proxy},
		"garbage where an address must be":  {peer: proxy, forwarded: []string{client + ", 10.5.5.5, nonsense"}, want: proxy},
		"garbage left of the client":        {peer: proxy, forwarded: []string{"nonsense, " + client}, want: client},
		"mapped IPv4 peer":                  {peer: "::ffff:10.0.0.2", forwarded: []string{client}, want: client},
		"IPv6 client":                       {peer: proxy, forwarded: []string{"2001:db8::1"}, want: "2001:db8::1"},
	} {
		t.Run(name, func(t *testing.T) {
			var fwd [][]byte
			for _, f := range tc.forwarded {
				fwd = append(fwd, []byte(f))
			}
			require.Equal(t, netip.MustParseAddr(tc.want), clientAddr(netip.MustParseAddr(tc.peer), fwd, trusted))
		})
	}
}

func TestAddrKey(t *testing.T) {
	for addr, want := range map[string]string{
		"198.51.100.7":            "198.51.100.7",
		"2001:db8:1:2:3:4:5:6":    "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::9":    "2001:db8:1:2::/64",
		"fe80::1%eth0":            "fe80::/64",
		"2001:db8:1:3::1":         "2001:db8:1:3::/64",
		"2001:db8:ffff:ffff:ff::": "2001:db8:ffff:ffff::/64",
	} {
		require.Equal(t, want, addrKey(netip.MustParseAddr(addr)), addr)
	}
}

// Whatever the headers say, the client is the peer or an address the
// headers named, and an untrusted peer is always the client.
func FuzzClientAddr(f *testing.F) {
	trusted := config.Prefixes{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	f.Add("10.0.0.2", "198.51.100.7, 10.0.0.3", "203.0.113.9")
	f.Add("198.51.100.7", "10.0.0.1", "")
	f.Add("fd00::1", "2001:db8::1,  fd00::2", "::ffff:10.0.0.1")
	f.Add("10.0.0.2", ",,", "not an address")
	f.Fuzz(func(t *testing.T, peer, first, second string) {
		p, err := netip.ParseAddr(peer)
		if err != nil {
			return
		}
		got := clientAddr(p, [][]byte{[]byte(first), []byte(second)}, trusted)
		if !trusted.Contains(p.Unmap()) {
			require.Equal(t, p.Unmap(), got)
			return
		}
		if got == p.Unmap() {
			return
		}
		named := false
		for _, line := range []string{first, second} {
			for _, hop := range strings.Split(line, ",") {
				if a, err := netip.ParseAddr(strings.TrimSpace(hop)); err == nil && a.Unmap() == got {
					named = true
				}
			}
		}
		require.True(t, named, "%s is neither the peer nor a forwarded hop", got)
	})
}
