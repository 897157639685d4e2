package config_test

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
)

func TestDefaultsRunEmbedded(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	c, err := config.Load()
	require.NoError(t, err)
	require.True(t, c.SQLite())
	require.Empty(t, c.RedisURL)
	require.Empty(t, c.TemporalAddress)
	require.Equal(t, ":3000", c.HTTPAddr)
	require.False(t, c.Production())
}

func TestInvalidValuesNameTheVariable(t *testing.T) {
	for name, tc := range map[string]struct{ key, value string }{
		"not a number":      {"DB_MAX_OPEN_CONNS", "lots"},
		"not a duration":    {"ACCESS_TOKEN_TTL", "soon"},
		"bad log level":     {"LOG_LEVEL", "loud"},
		"bad scheme":        {"DATABASE_URL", "mysql://x"},
		"bad redis":         {"REDIS_URL", "http://nope"},
		"short secret":      {"JWT_SECRET", "short"},
		"short unsubscribe": {"UNSUBSCRIBE_SECRET", "short"},
		"wildcard origin":   {"CORS_ORIGINS", "*"},
		"origin with path":  {"CORS_ORIGINS", "https://a.example/app"},
		"bad env":           {"FANFARE_ENV", "staging"},
		"bad port":          {"TEMPORAL_UI_PORT", "70000"},
		"no deadline":       {"REQUEST_TIMEOUT", "0s"},
		"tiny call bound":   {"TEMPORAL_CALL_TIMEOUT", "1ms"},
		"quota below file":  {"UPLOAD_PENDING_QUOTA", "1024"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(tc.key, tc.value)
			_, err := config.Load()
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.key)
		})
	}
}

func TestProductionNeedsRealServices(t *testing.T) {
	t.Setenv("FANFARE_ENV", "production")
	_, err := config.Load()
	require.ErrorContains(t, err, "JWT_SECRET")
	require.ErrorContains(t, err, "DATABASE_URL")
	require.ErrorContains(t, err, "BILLING_PROVIDER", "the default sandbox charges nothing")
	require.ErrorContains(t, err, "UNSUBSCRIBE_SECRET")

	t.Setenv("JWT_SECRET", "0123456789abcdef0123456789abcdef")
	t.Setenv("UNSUBSCRIBE_SECRET", "fedcba9876543210fedcba9876543210")
	t.Setenv("DATABASE_URL", "postgres://app:pw@db/fanfare")
	t.Setenv("BILLING_PROVIDER", "stripe")
	t.Setenv("STRIPE_SECRET_KEY", "sk_live_123")
	t.Setenv("STRIPE_WEBHOOK_SECRET", "whsec_123")
	_, err = config.Load()
	require.NoError(t, err)
}

// Each row starts from a valid setting and changes one variable: the
// error names the variable at fault, or there is none.
func TestBillingProvider(t *testing.T) {
	for name, tc := range map[string]struct {
		env  map[string]string
		want string // the variable named; "" for no error
	}{
		"sandbox in development":                {env: map[string]string{"BILLING_PROVIDER": "sandbox"}},
		"sandbox in production":                 {env: map[string]string{"FANFARE_ENV": "production", "BILLING_PROVIDER": "sandbox"}, want: "BILLING_PROVIDER"},
		"provider left out in production":       {env: map[string]string{"FANFARE_ENV": "production", "BILLING_PROVIDER": ""}, want: "BILLING_PROVIDER"},
		"stripe in production":                  {env: map[string]string{"FANFARE_ENV": "production"}},
		"stripe without its secret key":         {env: map[string]string{"STRIPE_SECRET_KEY": ""}, want: "STRIPE_SECRET_KEY"},
		"stripe without its webhook secret":     {env: map[string]string{"STRIPE_WEBHOOK_SECRET": ""}, want: "STRIPE_WEBHOOK_SECRET"},
		"stripe in production without webhooks": {env: map[string]string{"FANFARE_ENV": "production", "STRIPE_WEBHOOK_SECRET": ""}, want: "STRIPE_WEBHOOK_SECRET"},
		"an unknown provider":                   {env: map[string]string{"BILLING_PROVIDER": "paypal"}, want: "BILLING_PROVIDER"},
	} {
		t.Run(name, func(t *testing.T) {
			for k, v := range map[string]string{
				"FANFARE_ENV": "development", "JWT_SECRET": "0123456789abcdef0123456789abcdef", "UNSUBSCRIBE_SECRET": "fedcba9876543210fedcba9876543210", "DATABASE_URL": "postgres://app:pw@db/fanfare",
				"BILLING_PROVIDER": "stripe", "STRIPE_SECRET_KEY": "sk_live_123", "STRIPE_WEBHOOK_SECRET": "whsec_123",
			} {
				t.Setenv(k, v)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := config.Load()
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestSecretsAreMaskedWhenPrinted(t *testing.T) {
	t.Setenv("JWT_SECRET", "super-secret-value-that-must-not-leak")
	t.Setenv("DATABASE_URL", "postgres://app:hunter2@db:5432/fanfare")
	t.Setenv("REDIS_URL", "redis://:redispw@cache:6379/0")
	c, err := config.Load()
	require.NoError(t, err)
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "config", c)
	out := buf.String()
	for _, secret := range []string{"super-secret-value", "hunter2", "redispw"} {
		require.NotContains(t, out, secret)
	}
	require.Contains(t, out, "db:5432/fanfare")
	require.Contains(t, out, "JWT_SECRET=*****")
}
