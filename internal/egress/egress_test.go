package egress_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"code.dny.dev/ssrf"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/egress"
)

func TestGuardRefusesNonPublicAddresses(t *testing.T) {
	g := egress.Guard(nil)
	for _, a := range []string{
		"127.0.0.1", "127.8.9.10", "::1", // loopback
		"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", // RFC 1918
		"169.254.169.254", "fe80::1", // link-local (cloud metadata)
		"100.64.0.1", "100.127.255.254", // CGNAT
		"fc00::1", "fd12:3456::1", // unique-local
		"0.0.0.0", "::", // unspecified
		"224.0.0.1", "ff02::1", "255.255.255.255", "240.0.0.1", // multicast, reserved, broadcast
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", // IPv4-mapped
		"64:ff9b::a00:1", "2002:a00:1::1", "2001:db8::1", "192.0.2.1", // NAT64, 6to4, documentation
	} {
		t.Run(a, func(t *testing.T) {
			require.ErrorIs(t, g.SafeAddr(netip.MustParseAddr(a)), ssrf.ErrProhibitedIP)
		})
	}
	for _, a := range []string{"8.8.8.8", "142.250.74.110", "2606:4700:4700::1111", "2a00:1450:4007::1"} {
		t.Run(a, func(t *testing.T) { require.NoError(t, g.SafeAddr(netip.MustParseAddr(a))) })
	}
	require.ErrorIs(t, g.Safe("tcp4", "8.8.8.8:22", nil), ssrf.ErrProhibitedPort, "only 80 and 443")
}

// The check runs in the dialer, on the address the name resolved to: a
// host name that resolves to loopback is refused when it is dialled, and
// the service behind it sees nothing.
func TestClientChecksTheDialledAddress(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/target", http.StatusTemporaryRedirect)
		}
	}))
	t.Cleanup(srv.Close)
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]

	// Any port, but loopback is not on the allow-list: what production does for inner addresses.
	strict := egress.Client(egress.Guard([]netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}))
	for _, u := range []string{srv.URL, "http://localhost" + port, "http://[::ffff:127.0.0.1]" + port} {
		t.Run(u, func(t *testing.T) {
			_, err := strict.Post(u+"/hook", "application/octet-stream", strings.NewReader("x"))
			require.ErrorIs(t, err, ssrf.ErrProhibitedIP)
		})
	}
	require.Zero(t, hits.Load(), "nothing reached the local service")

	t.Run("no redirects", func(t *testing.T) {
		local := egress.Client(egress.Guard([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}))
		resp, err := local.Post(srv.URL+"/redirect", "application/octet-stream", strings.NewReader("x"))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
		require.EqualValues(t, 1, hits.Load(), "the redirect's target was not requested")
	})
}

// A host that names an inner address without DNS is refused before
// anything is dialled: literals in every spelling, localhost names and
// numbers a resolver reads as IPv4. Other names wait for the dial.
func TestCheckHost(t *testing.T) {
	g := egress.Guard(nil)
	for _, h := range []string{
		"localhost", "LocalHost.", "push.localhost", "a.b.LOCALHOST",
		"127.0.0.1", "127.0.0.1.", "::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "::127.0.0.1",
		"10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254", "fe80::1", "fe80::1%eth0", "fc00::1", "fd00::1",
		"0.0.0.0", "::", "::ffff:0.0.0.0",
		"2130706433", "0x7f000001", "0x7F.1", "0177.0.0.1", "127.1", "017700000001", "0", "0x", "10.0.0.010", "1.2.3.4.5",
		"134744072", // 8.8.8.8, but in no form a browser sends
	} {
		t.Run(h, func(t *testing.T) { require.ErrorIs(t, egress.CheckHost(g, h), ssrf.ErrProhibitedIP) })
	}
	for _, h := range []string{"fcm.googleapis.com", "updates.push.services.mozilla.com.", "8.8.8.8", "2606:4700:4700::1111", "localhost.example.com", "x.0xz", "1.2.3.4a"} {
		t.Run(h, func(t *testing.T) { require.NoError(t, egress.CheckHost(g, h)) })
	}
	t.Run("the allow-list holds", func(t *testing.T) {
		local := egress.Guard([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
		require.NoError(t, egress.CheckHost(local, "127.0.0.1"))
		require.ErrorIs(t, egress.CheckHost(local, "localhost"), ssrf.ErrProhibitedIP, "localhost may be ::1 too")
	})
}
