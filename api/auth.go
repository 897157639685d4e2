package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fanfare/fanfare/internal/auth"
	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/internal/ratelimit"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

type registerRequest struct {
	Email       string  `json:"email" validate:"required,email,max=254"`
	Password    string  `json:"password" validate:"required,max=128"`
	DisplayName string  `json:"display_name" validate:"required,min=1,max=64"`
	Role        string  `json:"role" validate:"required,oneof=fan artist" enum:"fan,artist"`
	Country     *string `json:"country,omitempty" validate:"omitempty,iso3166_1_alpha2"`
	BirthYear   *int    `json:"birth_year,omitempty" validate:"omitempty,min=1900,max=2100"`
	TimeZone    string  `json:"time_zone,omitempty" validate:"omitempty,timezone"`
}

type loginRequest struct {
	Email    string `json:"email" validate:"required,max=254"`
	Password string `json:"password" validate:"required,max=128"`
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token" validate:"required,max=128"`
}

type sessionResponse struct {
	AccessToken  string   `json:"access_token"`
	RefreshToken string   `json:"refresh_token"`
	TokenType    string   `json:"token_type"`
	ExpiresIn    int      `json:"expires_in" description:"Seconds until the access token expires."`
	User         userView `json:"user"`
}

func (s *Server) authRoutes(r *routes) {
	limit := s.addrLimit("auth", s.Config.AuthRateLimit)
	r.add(fiber.MethodPost, "/api/auth/register", op{summary: "Create an account and sign in (a taken email: 409, and the address's owner is told by email)", tag: "auth",
		in: registerRequest{}, out: sessionResponse{}, status: http.StatusCreated,
		errors: []int{http.StatusConflict, http.StatusTooManyRequests}}, limit, s.register)
	r.add(fiber.MethodPost, "/api/auth/login", op{summary: "Sign in with email and password", tag: "auth",
		in: loginRequest{}, out: sessionResponse{}, errors: []int{http.StatusUnauthorized, http.StatusTooManyRequests}},
		limit, s.login)
	r.add(fiber.MethodPost, "/api/auth/refresh", op{summary: "Trade a refresh token for a new pair (rotation; a reused token signs the family out)",
		tag: "auth", in: refreshRequest{}, out: sessionResponse{}, errors: []int{http.StatusUnauthorized, http.StatusTooManyRequests}},
		s.refresh)
	r.add(fiber.MethodPost, "/api/auth/logout", op{summary: "Revoke the refresh token and its family", tag: "auth",
		in: refreshRequest{}, status: http.StatusNoContent, errors: []int{http.StatusUnauthorized}}, limit, s.logout)
}

func (s *Server) register(c *fiber.Ctx) error {
	req, err := decodeJSON[registerRequest](c)
	if err != nil {
		return err
	}
	sess, err := s.Auth.Register(c.UserContext(), auth.Registration{
		Email: req.Email, Password: req.Password, DisplayName: req.DisplayName, Role: models.Role(req.Role),
		Country: req.Country, BirthYear: req.BirthYear, TimeZone: req.TimeZone,
	})
	var taken *models.Error
	if errors.As(err, &taken) && taken.Code == models.CodeConflict && taken.Field == "email" {
		s.noticeSignupAttempt(c.UserContext(), req.Email)
	}
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(viewSession(sess))
}

const signupAttemptKey = "signup-attempt"

// noticeSignupAttempt tells the owner of a taken address, at most once a
// day, that someone tried to register with it. Registering signs in at
// once, so its answer cannot hide that the address is taken (the auth rate
// limit bounds how fast anyone can ask); its owner at least hears of it.
func (s *Server) noticeSignupAttempt(ctx context.Context, email string) {
	u, err := s.Store.UserByEmail(ctx, email)
	if err != nil {
		s.Log.Warn("signup attempt not noticed", "error", err)
		return
	}
	sent, err := s.Store.NotifiedSince(ctx, u.ID, signupAttemptKey, s.Notify.Now().Add(-24*time.Hour))
	if err == nil && !sent {
		_, err = s.Notify.Send(ctx, notify.Notification{UserID: u.ID, Category: "security", GroupKey: signupAttemptKey,
			Title: "Someone tried to create an account with your email",
			Body: "Someone tried to create a new Fanfare account with this address. Your account is unchanged. " +
				"If it was you, sign in instead; if not, you may ignore this message."})
	}
	if err != nil {
		s.Log.Warn("signup attempt not noticed", "user_id", u.ID, "error", err)
	}
}

func (s *Server) login(c *fiber.Ctx) error {
	req, err := decodeJSON[loginRequest](c)
	if err != nil {
		return err
	}
	ctx, key := c.UserContext(), loginKey(req.Email)
	d, err := s.Limiter.Attempt(ctx, key, loginBackoff)
	if err != nil {
		return err
	}
	if err := refused(d); err != nil {
		return err
	}
	sess, err := s.Auth.Login(ctx, req.Email, req.Password)
	if err != nil {
		return err
	}
	if err := s.Limiter.Reset(ctx, key); err != nil {
		s.Log.WarnContext(ctx, "reset login back-off", "request_id", requestID(c), "error", err)
	}
	return c.JSON(viewSession(sess))
}

// loginBackoff throttles sign-ins per account, besides the limit per
// address: after 5 failures each further attempt waits 1 s, 2 s, 4 s … up
// to 15 min, and a success starts over. The cap bounds any wait: someone
// failing on purpose holds an account to one attempt per 15 min, never
// locks it. Attempts are counted before the password is checked, so
// concurrent guesses gain nothing.
var loginBackoff = ratelimit.Backoff{After: 5, Base: time.Second, Max: 15 * time.Minute}

// loginKey is the back-off's key: the email as typed, normalised and hashed
// (no emails in Redis), whether or not an account has it, so the answers
// say nothing about which accounts exist.
func loginKey(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return "login:" + hex.EncodeToString(sum[:16])
}

func (s *Server) refresh(c *fiber.Ctx) error {
	req, err := decodeJSON[refreshRequest](c)
	if err != nil {
		return err
	}
	if err := s.limitRefresh(c, req.RefreshToken); err != nil {
		return err
	}
	sess, err := s.Auth.Refresh(c.UserContext(), req.RefreshToken)
	if err != nil {
		return err
	}
	return c.JSON(viewSession(sess))
}

// limitRefresh counts a refresh against its token's family, so the users
// behind one address (a NAT, a proxy) do not share one bucket; a token that
// is not known counts against the auth limit of its address.
func (s *Server) limitRefresh(c *fiber.Ctx, token string) error {
	family, err := s.Auth.RefreshFamily(c.UserContext(), token)
	switch {
	case err == nil:
		return s.allow(c, "refresh:"+family.String(), s.Config.RefreshRateLimit)
	case errors.Is(err, store.ErrTokenUnknown):
		return s.allow(c, "auth:"+addrKey(clientAddrOf(c)), s.Config.AuthRateLimit)
	}
	return err
}

func (s *Server) logout(c *fiber.Ctx) error {
	req, err := decodeJSON[refreshRequest](c)
	if err != nil {
		return err
	}
	if err := s.Auth.Logout(c.UserContext(), req.RefreshToken); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func viewSession(s *auth.Session) sessionResponse {
	return sessionResponse{
		AccessToken: s.AccessToken, RefreshToken: s.RefreshToken, TokenType: "Bearer",
		ExpiresIn: int(s.ExpiresIn.Seconds()), User: viewUser(s.User),
	}
}
