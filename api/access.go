package api

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fanfare/fanfare/internal/auth"
	"github.com/fanfare/fanfare/models"
)

// Who may call what is decided here and only here: authenticate reads the
// bearer token, requireRole gates a route on the caller's role, and handlers
// check ownership with owns. Who may join a socket room is decided by the
// Access of its room kind, which its feature registers next to its routes
// (messagingRealtime, backstageRealtime, artistRealtime; docs/realtime.md).

const principalKey = "principal"

// authenticate requires a valid access token and stores its principal.
func (s *Server) authenticate(c *fiber.Ctx) error {
	p, err := s.principalFrom(c)
	if err != nil {
		return err
	}
	if p == nil {
		return models.ErrUnauthorized
	}
	c.Locals(principalKey, *p)
	return c.Next()
}

// authenticateOptional stores the principal when a token is sent; a bad
// token is still an error, a missing one is not.
func (s *Server) authenticateOptional(c *fiber.Ctx) error {
	p, err := s.principalFrom(c)
	if err != nil {
		return err
	}
	if p != nil {
		c.Locals(principalKey, *p)
	}
	return c.Next()
}

func (s *Server) principalFrom(c *fiber.Ctx) (*auth.Principal, error) {
	h := c.Get(fiber.HeaderAuthorization)
	if h == "" {
		return nil, nil
	}
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return nil, models.Errorf(models.CodeUnauthorized, "Authorization must be a Bearer token")
	}
	p, err := s.tokens.Verify(token)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// requireRole admits callers with one of the roles; admins always pass.
func requireRole(roles ...models.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, ok := caller(c)
		if !ok {
			return models.ErrUnauthorized
		}
		if p.Role != models.RoleAdmin && !slices.Contains(roles, p.Role) {
			return models.ErrForbidden
		}
		return c.Next()
	}
}

// caller returns the authenticated principal of the request, if any.
func caller(c *fiber.Ctx) (auth.Principal, bool) {
	p, ok := c.Locals(principalKey).(auth.Principal)
	return p, ok
}

// owns reports whether the caller may change a resource owned by owner.
func owns(p auth.Principal, owner string) bool {
	return p.Role == models.RoleAdmin || p.UserID.String() == owner
}

// ownedArtist is the artist the path names, when the caller owns it.
func (s *Server) ownedArtist(c *fiber.Ctx) (*models.Artist, error) {
	a, err := s.findArtist(c)
	if err != nil {
		return nil, err
	}
	if p, _ := caller(c); !owns(p, a.ID.String()) {
		return nil, models.ErrForbidden
	}
	return a, nil
}
