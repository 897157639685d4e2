package auth

import (
	"context"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// Service runs the account flows: register, login, refresh and logout.
type Service struct {
	Store  *store.Store
	Tokens *Tokens
	Now    func() time.Time
}

// Session is what a successful sign-in returns.
type Session struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    time.Duration
	User         *models.User
}

// Registration is a new account; the api has validated its shape.
type Registration struct {
	Email       string
	Password    string
	DisplayName string
	Role        models.Role
	Country     *string
	BirthYear   *int
	TimeZone    string
}

// Register creates an account (and an artist profile for artists) and signs
// it in.
func (s *Service) Register(ctx context.Context, r Registration) (*Session, error) {
	if r.Role != models.RoleFan && r.Role != models.RoleArtist {
		return nil, models.FieldError("role", "role must be fan or artist")
	}
	if err := CheckStrength(r.Password, r.Email); err != nil {
		return nil, err
	}
	hash, err := HashPassword(r.Password)
	if err != nil {
		return nil, err
	}
	if r.TimeZone == "" {
		r.TimeZone = "UTC"
	}
	u := &models.User{
		ID: models.NewID(), Email: r.Email, PasswordHash: hash, Role: r.Role,
		DisplayName: r.DisplayName, Country: r.Country, BirthYear: r.BirthYear, TimeZone: r.TimeZone,
	}
	var a *models.Artist
	if r.Role == models.RoleArtist {
		a = &models.Artist{Name: r.DisplayName, Slug: Slug(r.DisplayName)}
	}
	if err := s.Store.CreateUser(ctx, u, a); err != nil {
		return nil, err
	}
	return s.startSession(ctx, u)
}

// Login checks the credentials and signs the user in.
func (s *Service) Login(ctx context.Context, email, password string) (*Session, error) {
	u, err := s.Store.UserByEmail(ctx, email)
	if err != nil && models.ErrorCode(err) != models.CodeNotFound {
		return nil, err
	}
	if u == nil {
		CheckPassword(password, dummyHash)
		return nil, models.Errorf(models.CodeUnauthorized, "wrong email or password")
	}
	if !CheckPassword(password, u.PasswordHash) {
		return nil, models.Errorf(models.CodeUnauthorized, "wrong email or password")
	}
	return s.startSession(ctx, u)
}

// Refresh trades a refresh token for a new pair; the old token is spent.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (*Session, error) {
	now := s.Now()
	token, hash := newRefreshToken()
	next := &models.RefreshToken{ID: models.NewID(), TokenHash: hash, ExpiresAt: now.Add(s.Tokens.RefreshTTL)}
	old, err := s.Store.UseRefreshToken(ctx, hashRefreshToken(refreshToken), now, next)
	if err != nil {
		return nil, err
	}
	u, err := s.Store.UserByID(ctx, old.UserID)
	if err != nil {
		return nil, err
	}
	return s.session(u, token, now)
}

// RefreshFamily returns the rotation family of a stored refresh token (one
// lookup by its hash), used or not; ErrTokenUnknown for any other string.
func (s *Service) RefreshFamily(ctx context.Context, refreshToken string) (uuid.UUID, error) {
	t, err := s.Store.RefreshTokenByHash(ctx, hashRefreshToken(refreshToken))
	if models.ErrorCode(err) == models.CodeNotFound {
		return uuid.Nil, store.ErrTokenUnknown
	}
	if err != nil {
		return uuid.Nil, err
	}
	return t.FamilyID, nil
}

// Logout revokes the refresh token's family: every device that got its
// tokens from that sign-in is signed out.
func (s *Service) Logout(ctx context.Context, refreshToken string) error {
	family, err := s.RefreshFamily(ctx, refreshToken)
	if err != nil {
		return err
	}
	return s.Store.RevokeFamily(ctx, family, s.Now())
}

func (s *Service) startSession(ctx context.Context, u *models.User) (*Session, error) {
	now := s.Now()
	token, hash := newRefreshToken()
	rt := &models.RefreshToken{
		ID: models.NewID(), UserID: u.ID, FamilyID: models.NewID(),
		TokenHash: hash, ExpiresAt: now.Add(s.Tokens.RefreshTTL),
	}
	if err := s.Store.CreateRefreshToken(ctx, rt); err != nil {
		return nil, err
	}
	return s.session(u, token, now)
}

func (s *Service) session(u *models.User, refresh string, now time.Time) (*Session, error) {
	access, err := s.Tokens.IssueAccess(u, now)
	if err != nil {
		return nil, err
	}
	return &Session{AccessToken: access, RefreshToken: refresh, ExpiresIn: s.Tokens.AccessTTL, User: u}, nil
}

// Slug turns an artist name into a URL-safe slug ("Daft Punk" → "daft-punk").
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimSuffix(b.String(), "-")
	if len(s) > 48 {
		s = strings.TrimSuffix(s[:48], "-")
	}
	if s == "" {
		return "artist"
	}
	return s
}
