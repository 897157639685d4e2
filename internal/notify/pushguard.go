package notify

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"code.dny.dev/ssrf"

	"github.com/fanfare/fanfare/models"
)

// A push endpoint is a URL a user hands us and the server POSTs to: the
// push client dials only public addresses (no loopback, private, link-local,
// CGNAT, unique-local, multicast or other special-purpose ranges, IPv4-mapped
// ones included) on ports 80 and 443. The check runs in the dialer on the
// address actually dialled, after DNS, so a name that resolves (or later
// re-resolves) to an inner address is refused too.
//
// allow lists prefixes dialled although they are not public, on any port:
// for tests' local push services only, set in code, never from the
// environment.
func pushGuard(allow []netip.Prefix) *ssrf.Guardian {
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

// pushClient is the HTTP client of the push sender: guarded dials, no
// proxy (the guard would see the proxy, not the endpoint), no redirects
// (a 3xx is an answer, not a new target), bounded times.
func pushClient(g *ssrf.Guardian) *http.Client {
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

// maxEndpoint bounds an endpoint URL (the push services' are under 500 bytes).
const maxEndpoint = 1024

// CheckEndpoint refuses, with a 400 naming the field, an endpoint the push
// client would not send to: not https (http too in development), no host,
// credentials in it, too long, another port, or an address literal that is
// not public. Names are checked on every dial.
func (p *Pusher) CheckEndpoint(raw string) error {
	bad := func(why string) error { return models.FieldError("endpoint", "endpoint %s", why) }
	u, err := url.Parse(raw)
	switch {
	case len(raw) > maxEndpoint:
		return bad("is too long")
	case err != nil || u.Host == "" || u.Opaque != "":
		return bad("must be an absolute URL with a host")
	case u.Scheme != "https" && !(p.AllowHTTP && u.Scheme == "http"):
		return bad("must be an https URL")
	case u.User != nil:
		return bad("must not hold credentials")
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	if len(p.Allow) == 0 && port != "443" && port != "80" {
		return bad("must use the standard port")
	}
	if addr, err := netip.ParseAddr(u.Hostname()); err == nil && p.guard.SafeAddr(addr.Unmap()) != nil {
		return bad("must be a public address")
	}
	return nil
}
