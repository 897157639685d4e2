package auth_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/auth"
	"github.com/fanfare/fanfare/models"
)

func TestPasswordStrength(t *testing.T) {
	for pw, ok := range map[string]bool{
		"correct horse battery staple": true,
		"Tr0ub4dor&3-extended":         true,
		"short":                        false,
		"password123":                  false,
		"aaaaaaaaaaaaaaaaaaaa":         false,
		"1234567890123":                false,
		"my-name-is-janedoe!!":         false, // holds the email's local part
		string(make([]byte, 129)):      false,
	} {
		err := auth.CheckStrength(pw, "janedoe@example.com")
		require.Equal(t, ok, err == nil, "%q: %v", pw, err)
		if err != nil {
			require.Equal(t, models.CodeInvalid, models.ErrorCode(err))
		}
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery staple")
	require.NoError(t, err)
	require.Contains(t, h, "$argon2id$")
	require.True(t, auth.CheckPassword("correct horse battery staple", h))
	require.False(t, auth.CheckPassword("correct horse battery stapler", h))
	require.False(t, auth.CheckPassword("x", "not-a-hash"))
}

func TestAccessTokens(t *testing.T) {
	tokens := auth.NewTokens([]byte("0123456789abcdef0123456789abcdef"), 15*time.Minute, time.Hour)
	u := &models.User{ID: models.NewID(), Role: models.RoleArtist}
	now := time.Now()
	tok, err := tokens.IssueAccess(u, now)
	require.NoError(t, err)
	p, err := tokens.Verify(tok)
	require.NoError(t, err)
	require.Equal(t, auth.Principal{UserID: u.ID, Role: models.RoleArtist}, p)

	old, err := tokens.IssueAccess(u, now.Add(-time.Hour))
	require.NoError(t, err)
	_, err = tokens.Verify(old)
	require.ErrorContains(t, err, "expired")

	other := auth.NewTokens([]byte("another-secret-another-secret-xx"), time.Minute, time.Hour)
	_, err = other.Verify(tok)
	require.Equal(t, models.CodeUnauthorized, models.ErrorCode(err))
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Daft Punk":     "daft-punk",
		"  AC/DC!! ":    "ac-dc",
		"Sigur Rós":     "sigur-r-s",
		"日本":            "artist",
		"The -- Weeknd": "the-weeknd",
		"a very long name that goes on and on and on past the limit": "a-very-long-name-that-goes-on-and-on-and-on-past",
	} {
		require.Equal(t, want, auth.Slug(in), in)
	}
}
