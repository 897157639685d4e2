package api

import (
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

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
}

// statusOf is the one map from error codes to HTTP statuses.
var statusOf = map[models.Code]int{
	models.CodeInvalid:       http.StatusBadRequest,
	models.CodeUnauthorized:  http.StatusUnauthorized,
	models.CodeForbidden:     http.StatusForbidden,
	models.CodeNotFound:      http.StatusNotFound,
	models.CodeConflict:      http.StatusConflict,
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

// errorHandler answers every error of every route. Application errors keep
// their message; anything else is logged with the request ID and shown as
// a bare internal error.
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
			body = errorDetail{Code: appErr.Code, Message: appErr.Message, Field: appErr.Field}
			status = statusOf[appErr.Code]
			if !appErr.RetryAt.IsZero() {
				at := appErr.RetryAt.UTC()
				body.RetryAt = &at
				c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(math.Ceil(time.Until(at).Seconds()))))) // never early
			}
		case errors.As(err, &fErr):
			body = errorDetail{Code: codeOfStatus(fErr.Code), Message: fErr.Message}
			status = fErr.Code
		default:
			body = errorDetail{Code: models.CodeInternal, Message: "internal error"}
			status = http.StatusInternalServerError
		}
		if status >= 500 {
			log.ErrorContext(c.UserContext(), "request failed",
				"request_id", requestID(c), "method", c.Method(), "path", c.Path(), "error", err)
		}
		return c.Status(status).JSON(errorBody{Error: body})
	}
}
