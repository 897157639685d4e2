package api

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/idempotency"
	redisstorage "github.com/gofiber/storage/redis/v3"

	"github.com/fanfare/fanfare/models"
)

const idempotencyHeader = "Idempotency-Key"

// idempotent answers a retried creating or charging request carrying the
// same Idempotency-Key with the first answer (Fiber's idempotency
// middleware in memory, or in Redis across api instances). Keys are scoped
// to the caller and the route, so one user's key never replays another's
// answer, and stored under REDIS_PREFIX, so deployments sharing a Redis do
// not share answers. Place it after authenticate.
func (s *Server) idempotent() fiber.Handler {
	var storage fiber.Storage // nil: the middleware's own memory
	if s.Redis != nil {
		storage = redisstorage.NewFromConnection(s.Redis)
	}
	h := idempotency.New(idempotency.Config{
		KeyHeader: idempotencyHeader,
		Lifetime:  24 * time.Hour,
		Storage:   storage,
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
			c.Request().Header.Set(idempotencyHeader, s.Config.RedisPrefix+"idem:"+p.UserID.String()+" "+c.Method()+" "+c.Path()+" "+key)
		}
		return h(c)
	}
}
