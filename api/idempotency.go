package api

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/idempotency"

	"github.com/fanfare/fanfare/models"
)

const idempotencyHeader = "Idempotency-Key"

// idempotent answers a retried creating or charging request carrying the
// same Idempotency-Key with the first answer (Fiber's idempotency
// middleware on the shared limiter storage: memory, or Redis across api
// instances). Keys are scoped to the caller and the route, so one user's key
// never replays another's answer. Place it after authenticate.
func (s *Server) idempotent() fiber.Handler {
	h := idempotency.New(idempotency.Config{
		KeyHeader: idempotencyHeader,
		Lifetime:  24 * time.Hour,
		Storage:   s.Limiter, // nil: the middleware's own memory
		// The client's key is checked below, before it is scoped.
		KeyHeaderValidate:   func(string) error { return nil },
		KeepResponseHeaders: []string{fiber.HeaderContentType},
	})
	return func(c *fiber.Ctx) error {
		if key := c.Get(idempotencyHeader); key != "" {
			if len(key) > 128 {
				return models.Errorf(models.CodeInvalid, "Idempotency-Key must be at most 128 characters")
			}
			p, _ := caller(c)
			c.Request().Header.Set(idempotencyHeader, p.UserID.String()+" "+c.Method()+" "+c.Path()+" "+key)
		}
		return h(c)
	}
}
