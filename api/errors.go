package api

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/fanfare/fanfare/models"
)

// errorBody is the JSON of every error answer: {error:{code,message,field}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    models.Code `json:"code"`
	Message string      `json:"message"`
	Field   string      `json:"field,omitempty"`
	RetryAt *time.Time  `json:"retry_at,omitempty" description:"When a quota resets (quota_exceeded)"`
	// Locked content (forbidden).
	RequiredTier models.Tier `json:"required_tier,omitempty" enum:"follower,supporter,superfan" description:"Locked content (forbidden): the lowest tier let in now (the content's own tier before any window opens)"`
	AvailableAt  *time.Time  `json:"available_at,omitempty" description:"Locked content (forbidden): when it opens to the caller; absent when their tier never gets it"`
}

// statusOf is the one map from error codes to HTTP statuses.
var statusOf = map[models.Code]int{
	models.CodeInvalid:       http.StatusBadRequest,
	models.CodeUnauthorized:  http.StatusUnauthorized,
	models.CodeForbidden:     http.StatusForbidden,
	models.CodeNotFound:      http.StatusNotFound,
	models.CodeConflict:      http.StatusConflict,
	models.CodeFull:          http.StatusConflict,
	models.CodeRedeemed:      http.StatusConflict,
	models.CodeExpired:       http.StatusConflict,
	models.CodeTooLarge:      http.StatusRequestEntityTooLarge,
	models.CodeUnsupported:   http.StatusUnsupportedMediaType,
	models.CodeQuotaExceeded: http.StatusTooManyRequests,
	models.CodePaymentFailed: http.StatusPaymentRequired,
	models.CodeRateLimited:   http.StatusTooManyRequests,
	models.CodeUnavailable:   http.StatusServiceUnavailable,
	models.CodeInternal:      http.StatusInternalServerError,
}

// codeOfStatus maps Fiber's own errors (unknown route, body too large, …)
// back to a code.
func codeOfStatus(status int) models.Code {
	switch status {
	case http.StatusNotFound:
		return models.CodeNotFound
	case http.StatusMethodNotAllowed:
		return models.CodeNotFound
	case http.StatusRequestEntityTooLarge:
		return models.CodeTooLarge
	case http.StatusTooManyRequests:
		return models.CodeRateLimited
	case http.StatusUnauthorized:
		return models.CodeUnauthorized
	case http.StatusForbidden:
		return models.CodeForbidden
	case http.StatusServiceUnavailable:
		return models.CodeUnavailable
	}
	if status >= 400 && status < 500 {
		return models.CodeInvalid
	}
	return models.CodeInternal
}

// retryUnavailable is the Retry-After, in seconds, of a 503: about how long
// a restarted dependency takes to come back.
const retryUnavailable = "5"

// pgUnavailable are PostgreSQL's codes of a server shutting down, starting
// up or out of connections (class 08, connection failures, is checked too).
var pgUnavailable = []string{"57P01", "57P02", "57P03", "53300"}

// dependencyDown reports whether err says that a service the request needed
// (PostgreSQL, Redis, Temporal, the blob store, the payment provider) could
// not be reached or did not answer before the request's deadline: a retry
// may succeed, so it is a 503, not a 500.
func dependencyDown(err error) bool {
	var (
		netErr net.Error
		pgErr  *pgconn.PgError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr),              // refused, reset, timed out: every dial and socket error
		errors.Is(err, io.ErrUnexpectedEOF),  // a connection cut in the middle of an answer
		errors.Is(err, driver.ErrBadConn),    // database/sql gave up on its connections
		errors.Is(err, redis.ErrPoolTimeout), // every Redis connection busy
		errors.As(err, new(*serviceerror.Unavailable)),
		errors.As(err, new(*serviceerror.DeadlineExceeded)),
		errors.As(err, new(*serviceerror.ResourceExhausted)),
		errors.As(err, new(*client.WorkflowUpdateServiceTimeoutOrCanceledError)):
		return true
	case errors.As(err, &pgErr):
		return strings.HasPrefix(pgErr.Code, "08") || slices.Contains(pgUnavailable, pgErr.Code)
	}
	return false
}

// errorHandler answers every error of every route. Application errors keep
// their message; a dependency that is down is a 503 with Retry-After;
// anything else is logged with the request ID and shown as a bare internal
// error.
func errorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		var (
			appErr *models.Error
			fErr   *fiber.Error
			body   errorDetail
			status int
		)
		switch {
		case errors.As(err, &appErr):
			body = errorDetail{Code: appErr.Code, Message: appErr.Message, Field: appErr.Field, RequiredTier: appErr.RequiredTier}
			if !appErr.AvailableAt.IsZero() {
				at := appErr.AvailableAt.UTC()
				body.AvailableAt = &at
			}
			status = statusOf[appErr.Code]
			if !appErr.RetryAt.IsZero() {
				at := appErr.RetryAt.UTC()
				body.RetryAt = &at
				c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(math.Ceil(time.Until(at).Seconds()))))) // never early
			}
		case errors.As(err, &fErr):
			body = errorDetail{Code: codeOfStatus(fErr.Code), Message: fErr.Message}
			status = fErr.Code
		case dependencyDown(err):
			body = errorDetail{Code: models.CodeUnavailable, Message: "a service is unavailable right now, try again shortly"}
			status = http.StatusServiceUnavailable
		default:
			body = errorDetail{Code: models.CodeInternal, Message: "internal error"}
			status = http.StatusInternalServerError
		}
		if status == http.StatusServiceUnavailable && c.GetRespHeader(fiber.HeaderRetryAfter) == "" {
			c.Set(fiber.HeaderRetryAfter, retryUnavailable)
		}
		if status >= 500 {
			log.ErrorContext(c.UserContext(), "request failed",
				"request_id", requestID(c), "method", c.Method(), "path", c.Path(), "error", err)
		}
		return c.Status(status).JSON(errorBody{Error: body})
	}
}
