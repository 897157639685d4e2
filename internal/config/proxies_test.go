package config_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
)

func TestTrustedProxies(t *testing.T) {
	t.Setenv("TRUSTED_PROXIES", "10.0.0.0/8, 2001:db8::1/32,")
	c, err := config.Load()
	require.NoError(t, err)
	require.Equal(t, config.Prefixes{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}, c.TrustedProxies)
	require.True(t, c.TrustedProxies.Contains(netip.MustParseAddr("10.1.2.3")))
	require.True(t, c.TrustedProxies.Contains(netip.MustParseAddr("2001:db8:ffff::1")))
	require.False(t, c.TrustedProxies.Contains(netip.MustParseAddr("11.0.0.1")))

	t.Setenv("TRUSTED_PROXIES", "10.0.0.1")
	_, err = config.Load()
	require.ErrorContains(t, err, "TRUSTED_PROXIES")

	t.Setenv("TRUSTED_PROXIES", "")
	c, err = config.Load()
	require.NoError(t, err)
	require.Empty(t, c.TrustedProxies, "by default no proxy is trusted")
}
