package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/fanfare/fanfare/models"
)

const (
	issuer   = "fanfare"
	audience = "fanfare-api"
)

// Claims are the claims of an access token.
type Claims struct {
	jwt.RegisteredClaims
	Role models.Role `json:"role"`
}

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID uuid.UUID
	Role   models.Role
}

// Tokens signs and verifies access tokens (HS256).
type Tokens struct {
	secret     []byte
	AccessTTL  time.Duration
	RefreshTTL time.Duration
}

// NewTokens returns a signer with the given secret and lifetimes.
func NewTokens(secret []byte, accessTTL, refreshTTL time.Duration) *Tokens {
	return &Tokens{secret: secret, AccessTTL: accessTTL, RefreshTTL: refreshTTL}
}

// IssueAccess returns a signed access token for the user.
func (t *Tokens) IssueAccess(u *models.User, now time.Time) (string, error) {
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Audience:  jwt.ClaimStrings{audience},
			Subject:   u.ID.String(),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(t.AccessTTL)),
			ID:        models.NewID().String(),
		},
		Role: u.Role,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.secret)
}

var parser = jwt.NewParser(
	jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
	jwt.WithIssuer(issuer),
	jwt.WithAudience(audience),
	jwt.WithExpirationRequired(),
	jwt.WithIssuedAt(),
	jwt.WithLeeway(5*time.Second),
)

// Verify checks an access token's signature, algorithm, issuer, audience and
// expiry and returns its principal.
func (t *Tokens) Verify(token string) (Principal, error) {
	var c Claims
	_, err := parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.secret, nil })
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return Principal{}, models.Errorf(models.CodeUnauthorized, "access token expired")
		}
		return Principal{}, models.Errorf(models.CodeUnauthorized, "invalid access token")
	}
	id, err := uuid.Parse(c.Subject)
	if err != nil {
		return Principal{}, models.Errorf(models.CodeUnauthorized, "invalid access token")
	}
	return Principal{UserID: id, Role: c.Role}, nil
}

// newRefreshToken returns a random opaque token and the hash stored for it.
func newRefreshToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashRefreshToken(token)
}

func hashRefreshToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
