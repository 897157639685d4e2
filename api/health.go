package api

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

type healthResponse struct {
	Status string   `json:"status" enum:"ok,ready,unavailable"`
	Failed []string `json:"failed,omitempty" description:"The dependencies that did not answer, by name; the errors go to the log."`
}

func (s *Server) healthRoutes(r *routes) {
	r.add(fiber.MethodGet, "/healthz", op{summary: "Liveness: the process answers", tag: "health", out: healthResponse{}},
		func(c *fiber.Ctx) error { return c.JSON(healthResponse{Status: "ok"}) })
	r.add(fiber.MethodGet, "/readyz", op{summary: "Readiness: database, Redis and Temporal answer", tag: "health",
		out: healthResponse{}, errors: []int{http.StatusServiceUnavailable}}, s.ready)
}

// ready checks every dependency at once, each within two seconds.
func (s *Server) ready(c *fiber.Ctx) error {
	checks := map[string]func(context.Context) error{
		"database": s.Store.Ping,
		"temporal": func(ctx context.Context) error {
			_, err := s.Temporal.CheckHealth(ctx, nil)
			return err
		},
	}
	if s.Redis != nil {
		checks["redis"] = func(ctx context.Context) error { return s.Redis.Ping(ctx).Err() }
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		res = healthResponse{Status: "ready"}
		rid = requestID(c)
	)
	for name, check := range checks {
		wg.Go(func() {
			err := check(ctx)
			if err == nil {
				return
			}
			s.Log.Warn("readiness check failed", "request_id", rid, "check", name, "error", err)
			mu.Lock()
			defer mu.Unlock()
			res.Status, res.Failed = "unavailable", append(res.Failed, name)
		})
	}
	wg.Wait()
	if res.Status != "ready" {
		slices.Sort(res.Failed)
		return c.Status(http.StatusServiceUnavailable).JSON(res)
	}
	return c.JSON(res)
}
