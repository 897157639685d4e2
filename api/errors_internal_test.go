package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/fanfare/fanfare/models"
)

// Failures of a dependency are 503s however they are wrapped; other errors
// are not. The ones no integration test provokes are listed here.
func TestDependencyDown(t *testing.T) {
	for name, tc := range map[string]struct {
		err  error
		down bool
	}{
		"request deadline":          {fmt.Errorf("query: %w", context.DeadlineExceeded), true},
		"connection refused":        {&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, true},
		"connection cut":            {io.ErrUnexpectedEOF, true},
		"redis pool timeout":        {redis.ErrPoolTimeout, true},
		"postgres shutting down":    {&pgconn.PgError{Code: "57P01"}, true},
		"postgres too many clients": {&pgconn.PgError{Code: "53300"}, true},
		"postgres connection lost":  {&pgconn.PgError{Code: "08006"}, true},
		"temporal unavailable":      {serviceerror.NewUnavailable("down"), true},
		"temporal overloaded":       {serviceerror.NewResourceExhausted(0, "busy"), true},
		"update timed out":          {client.NewWorkflowUpdateServiceTimeoutOrCanceledError(context.DeadlineExceeded), true},
		"postgres unique violation": {&pgconn.PgError{Code: "23505"}, false},
		"temporal invalid argument": {serviceerror.NewInvalidArgument("bad"), false},
		"canceled by the caller":    {context.Canceled, false},
		"record not found":          {gorm.ErrRecordNotFound, false},
		"application error":         {models.ErrNotFound, false},
	} {
		t.Run(name, func(t *testing.T) { require.Equal(t, tc.down, dependencyDown(tc.err)) })
	}
}
