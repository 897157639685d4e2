package activities

import (
	"context"

	"github.com/fanfare/fanfare/internal/store"
)

// Health checks, from inside a worker, the dependencies activities use.
type Health struct {
	Store *store.Store
}

// CheckDatabase pings the application database.
func (h *Health) CheckDatabase(ctx context.Context) error {
	return h.Store.Ping(ctx)
}
