package egress

import (
	"net"
	"net/http"
	"net/netip"
	"time"

	"code.dny.dev/ssrf"
)

// A push endpoint or a webhook is a URL a user hands us and the server
// calls: the client dials only public addresses (no loopback, private, link-local,
// CGNAT, unique-local, multicast or other special-purpose ranges, IPv4-mapped
// ones included) on ports 80 and 443. The check runs in the dialer on the
// address actually dialled, after DNS, so a name that resolves (or later
// re-resolves) to an inner address is refused too.
//
// allow lists prefixes dialled although they are not public, on any port:
// for tests' local services only, set in code, never from the
// environment.
func Guard(allow []netip.Prefix) *ssrf.Guardian {
	if len(allow) == 0 {
		return ssrf.New()
	}
	var v4, v6 []netip.Prefix
	for _, p := range allow {
		if p.Addr().Is4() {
			v4 = append(v4, p)
		} else {
			v6 = append(v6, p)
		}
	}
	return ssrf.New(ssrf.WithAnyPort(), ssrf.WithAllowedV4Prefixes(v4...), ssrf.WithAllowedV6Prefixes(v6...))
}

// Client is the HTTP client of calls out: guarded dials, no
// proxy (the guard would see the proxy, not the endpoint), no redirects
// (a 3xx is an answer, not a new target), bounded times.
func Client(g *ssrf.Guardian) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: g.Safe}
	return &http.Client{
		Transport: &http.Transport{
			DialContext: d.DialContext, ForceAttemptHTTP2: true, TLSHandshakeTimeout: 5 * time.Second,
			ResponseHeaderTimeout: 10 * time.Second, MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second,
		},
		Timeout:       15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
