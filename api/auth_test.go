package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// The journey of the "done when": register → login → /api/me → follow.
func TestRegisterLoginMeFollow(t *testing.T) {
	for name, opts := range map[string][]testenv.Option{
		"postgres+redis": nil,
		"sqlite+memory":  {testenv.WithSQLite(), testenv.WithoutRedis()},
	} {
		t.Run(name, func(t *testing.T) {
			app := testenv.StartApp(t, opts...)
			artist := app.Register(t, "artist", "The Midnight Owls")

			r := app.Do(t, http.MethodPost, "/api/auth/register", "", map[string]any{
				"email": "Fan.One@Example.com", "password": testenv.TestPassword, "display_name": "Fan One",
				"role": "fan", "country": "FR", "birth_year": 1995, "time_zone": "Europe/Paris",
			})
			require.Equal(t, http.StatusCreated, r.Status, string(r.Body))

			r = app.Do(t, http.MethodPost, "/api/auth/login", "", map[string]any{
				"email": "fan.one@example.com", "password": testenv.TestPassword,
			})
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			var fan testenv.Session
			r.Decode(t, &fan)
			require.NotEmpty(t, fan.AccessToken)

			r = app.Do(t, http.MethodGet, "/api/me", fan.AccessToken, nil)
			require.Equal(t, http.StatusOK, r.Status)
			var me map[string]any
			r.Decode(t, &me)
			require.Equal(t, "fan.one@example.com", me["email"])
			require.Equal(t, "FR", me["country"])
			require.Equal(t, "Europe/Paris", me["time_zone"])

			r = app.Do(t, http.MethodPatch, "/api/me", fan.AccessToken, map[string]any{"display_name": "Fanny", "time_zone": "America/New_York"})
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			r.Decode(t, &me)
			require.Equal(t, "Fanny", me["display_name"])
			require.Equal(t, "America/New_York", me["time_zone"])

			path := "/api/artists/" + artist.User.ID
			for range 2 { // following twice counts once
				r = app.Do(t, http.MethodPost, path+"/follow", fan.AccessToken, nil)
				require.Equal(t, http.StatusOK, r.Status, string(r.Body))
				require.JSONEq(t, `{"following":true,"follower_count":1}`, string(r.Body))
			}
			r = app.Do(t, http.MethodGet, "/api/artists/the-midnight-owls", fan.AccessToken, nil)
			require.Equal(t, http.StatusOK, r.Status)
			var profile map[string]any
			r.Decode(t, &profile)
			require.Equal(t, artist.User.ID, profile["id"])
			require.Equal(t, true, profile["following"])
			require.EqualValues(t, 1, profile["follower_count"])

			r = app.Do(t, http.MethodDelete, path+"/follow", fan.AccessToken, nil)
			require.JSONEq(t, `{"following":false,"follower_count":0}`, string(r.Body))

			r = app.Do(t, http.MethodGet, path, "", nil) // anonymous: no following flag
			var anonymous map[string]any
			r.Decode(t, &anonymous)
			require.NotContains(t, anonymous, "following")
		})
	}
}

func TestRegisterRejectsBadInput(t *testing.T) {
	app := testenv.StartApp(t)
	app.Register(t, "fan", "Taken")
	valid := func() map[string]any {
		return map[string]any{"email": "newfan@example.com", "password": testenv.TestPassword, "display_name": "New", "role": "fan"}
	}
	with := func(k string, v any) map[string]any { m := valid(); m[k] = v; return m }
	without := func(k string) map[string]any { m := valid(); delete(m, k); return m }
	taken := valid()
	taken["email"] = "TAKEN@example.com"
	app.Do(t, http.MethodPost, "/api/auth/register", "", with("email", "taken@example.com"))

	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   string
		field  string
	}{
		{"malformed json", []byte(`{"email":`), 400, "invalid", ""},
		{"not an object", []byte(`[1,2]`), 400, "invalid", ""},
		{"empty body", []byte(``), 400, "invalid", ""},
		{"trailing data", []byte(`{"email":"a@b.co"} {}`), 400, "invalid", ""},
		{"unknown field", with("is_admin", true), 400, "invalid", "is_admin"},
		{"wrong type", with("birth_year", "nineteen"), 400, "invalid", "birth_year"},
		{"missing email", without("email"), 400, "invalid", "email"},
		{"bad email", with("email", "not-an-email"), 400, "invalid", "email"},
		{"weak password", with("password", "password1"), 400, "invalid", "password"},
		{"guessable password", with("password", "aaaaaaaaaaaaaaaa"), 400, "invalid", "password"},
		{"password with email", with("password", "NewFan-rocks-2026!"), 400, "invalid", "password"},
		{"admin role", with("role", "admin"), 400, "invalid", "role"},
		{"bad time zone", with("time_zone", "Mars/Olympus"), 400, "invalid", "time_zone"},
		{"bad country", with("country", "XX"), 400, "invalid", "country"},
		{"birth year out of range", with("birth_year", 1800), 400, "invalid", "birth_year"},
		{"duplicate email, other case", taken, 409, "conflict", "email"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := app.Do(t, http.MethodPost, "/api/auth/register", "", tc.body)
			require.Equal(t, tc.status, r.Status, string(r.Body))
			var e struct {
				Error struct{ Code, Message, Field string }
			}
			r.Decode(t, &e)
			require.Equal(t, tc.code, e.Error.Code)
			require.Equal(t, tc.field, e.Error.Field)
			require.NotEmpty(t, e.Error.Message)
		})
	}

	// Nothing was half-written: only the two accounts made above exist.
	var n int64
	require.NoError(t, app.Platform.Store.DB(t.Context()).Model(&models.User{}).Count(&n).Error)
	require.EqualValues(t, 2, n)

	t.Run("oversized body", func(t *testing.T) {
		small := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) { c.BodyLimit = 4096 }))
		r := small.Do(t, http.MethodPost, "/api/auth/register", "", with("display_name", strings.Repeat("x", 8192)))
		require.Equal(t, http.StatusRequestEntityTooLarge, r.Status)
		require.Equal(t, "too_large", r.ErrorCode(t))
	})

	t.Run("wrong content type", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, app.URL+"/api/auth/register", strings.NewReader("email=a"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r := app.Send(t, req)
		require.Equal(t, 400, r.Status)
		require.Equal(t, "invalid", r.ErrorCode(t))
	})
}

// Registering signs in at once, so a taken email is answered 409 (see
// noticeSignupAttempt); its owner is told by email, once a day at most.
func TestRegisterWithATakenEmailTellsItsOwner(t *testing.T) {
	app := testenv.StartApp(t)
	owner := app.Register(t, "fan", "Owner")
	attempt := map[string]any{"email": strings.ToUpper(owner.User.Email), "password": "Another-pass-2026!", "display_name": "Someone", "role": "artist"}
	for range 2 {
		r := app.Do(t, http.MethodPost, "/api/auth/register", "", attempt)
		require.Equal(t, http.StatusConflict, r.Status, string(r.Body))
		require.Equal(t, "conflict", r.ErrorCode(t))
	}

	var inbox inboxPage
	app.Do(t, http.MethodGet, "/api/notifications?category=security", owner.AccessToken, nil).Decode(t, &inbox)
	require.Len(t, inbox.Items, 1, "one notice a day, however many attempts")
	require.Equal(t, "Someone tried to create an account with your email", inbox.Items[0].Title)
	var outbox []models.OutboxEmail
	require.Eventually(t, func() bool {
		var err error
		outbox, err = app.Platform.Store.OutboxEmails(context.Background(), 10)
		return err == nil && len(outbox) > 0
	}, time.Minute, 100*time.Millisecond)
	require.Equal(t, owner.User.Email, outbox[0].ToEmail)
	require.Equal(t, inbox.Items[0].Title, outbox[0].Subject)

	var n int64
	require.NoError(t, app.Platform.Store.DB(t.Context()).Model(&models.User{}).Count(&n).Error)
	require.EqualValues(t, 1, n, "nothing written for the attempt")
}

func TestLoginRejectsWrongCredentials(t *testing.T) {
	app := testenv.StartApp(t)
	s := app.Register(t, "fan", "Someone")
	for name, body := range map[string]map[string]any{
		"wrong password": {"email": s.User.Email, "password": "not the password at all"},
		"unknown email":  {"email": "nobody@example.com", "password": testenv.TestPassword},
	} {
		t.Run(name, func(t *testing.T) {
			r := app.Do(t, http.MethodPost, "/api/auth/login", "", body)
			require.Equal(t, http.StatusUnauthorized, r.Status)
			require.Equal(t, "unauthorized", r.ErrorCode(t))
			require.Contains(t, string(r.Body), "wrong email or password") // the same for both: no account probing
		})
	}
}

func TestAccessTokensAreChecked(t *testing.T) {
	app := testenv.StartApp(t)
	s := app.Register(t, "fan", "Token Holder")
	secret := []byte(app.Platform.Config.JWTSecret)
	sign := func(method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		tok, err := jwt.NewWithClaims(method, claims).SignedString(key)
		require.NoError(t, err)
		return tok
	}
	claims := func(exp time.Time) jwt.MapClaims {
		return jwt.MapClaims{"iss": "fanfare", "aud": "fanfare-api", "sub": s.User.ID, "role": "admin",
			"iat": time.Now().Add(-time.Hour).Unix(), "exp": exp.Unix()}
	}
	valid := sign(jwt.SigningMethodHS256, secret, claims(time.Now().Add(time.Hour)))
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodGet, "/api/me", valid, nil).Status, "a well-formed token passes")

	noneAlg := sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(time.Now().Add(time.Hour)))
	for name, tok := range map[string]string{
		"expired":         sign(jwt.SigningMethodHS256, secret, claims(time.Now().Add(-time.Minute))),
		"forged":          sign(jwt.SigningMethodHS256, []byte("another-secret-another-secret-123"), claims(time.Now().Add(time.Hour))),
		"wrong algorithm": sign(jwt.SigningMethodHS512, secret, claims(time.Now().Add(time.Hour))),
		"alg none":        noneAlg,
		"garbage":         "abc.def.ghi",
		"refresh token":   s.RefreshToken,
	} {
		t.Run(name, func(t *testing.T) {
			r := app.Do(t, http.MethodGet, "/api/me", tok, nil)
			require.Equal(t, http.StatusUnauthorized, r.Status)
			require.Equal(t, "unauthorized", r.ErrorCode(t))
		})
	}
	t.Run("missing", func(t *testing.T) {
		r := app.Do(t, http.MethodGet, "/api/me", "", nil)
		require.Equal(t, http.StatusUnauthorized, r.Status)
		require.Equal(t, "unauthorized", r.ErrorCode(t))
	})
	t.Run("not bearer", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, app.URL+"/api/me", nil)
		req.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
		require.Equal(t, http.StatusUnauthorized, app.Send(t, req).Status)
	})
}

func TestRefreshRotatesAndDetectsReuse(t *testing.T) {
	app := testenv.StartApp(t)
	first := app.Register(t, "fan", "Rotator")
	refresh := func(token string) testenv.Response {
		return app.Do(t, http.MethodPost, "/api/auth/refresh", "", map[string]string{"refresh_token": token})
	}

	r := refresh(first.RefreshToken)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var second testenv.Session
	r.Decode(t, &second)
	require.NotEqual(t, first.RefreshToken, second.RefreshToken)
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodGet, "/api/me", second.AccessToken, nil).Status)

	// The first token again: a thief replaying it. The family is revoked, so
	// the legitimate holder of the second token is signed out too.
	r = refresh(first.RefreshToken)
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.Contains(t, string(r.Body), "reused")
	require.Equal(t, http.StatusUnauthorized, refresh(second.RefreshToken).Status)

	// Another sign-in is a separate family and unaffected.
	other := app.Do(t, http.MethodPost, "/api/auth/login", "", map[string]string{"email": first.User.Email, "password": testenv.TestPassword})
	var third testenv.Session
	other.Decode(t, &third)
	require.Equal(t, http.StatusOK, refresh(third.RefreshToken).Status)

	require.Equal(t, http.StatusUnauthorized, refresh("no-such-token").Status)
	r = refresh("")
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Equal(t, "invalid", r.ErrorCode(t))
}

func TestLogoutRevokesTheFamily(t *testing.T) {
	app := testenv.StartApp(t)
	s := app.Register(t, "fan", "Leaver")
	r := app.Do(t, http.MethodPost, "/api/auth/logout", "", map[string]string{"refresh_token": s.RefreshToken})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	r = app.Do(t, http.MethodPost, "/api/auth/refresh", "", map[string]string{"refresh_token": s.RefreshToken})
	require.Equal(t, http.StatusUnauthorized, r.Status)
	r = app.Do(t, http.MethodPost, "/api/auth/logout", "", map[string]string{"refresh_token": "unknown"})
	require.Equal(t, http.StatusUnauthorized, r.Status)
}
