package models

import (
	"errors"
	"fmt"
	"time"
)

// Code is a machine-readable error code shared by REST and WebSocket errors.
type Code string

// The error codes of the platform; api maps each to one HTTP status.
const (
	CodeInvalid       Code = "invalid"
	CodeUnauthorized  Code = "unauthorized"
	CodeForbidden     Code = "forbidden"
	CodeNotFound      Code = "not_found"
	CodeConflict      Code = "conflict"
	CodeFull          Code = "full"             // a room at capacity (a party's seats): a conflict the client can tell apart
	CodeRedeemed      Code = "already_redeemed" // a single-use code used before: a conflict the client can tell apart
	CodeExpired       Code = "expired"          // a code past its expiry: a conflict the client can tell apart
	CodeTooLarge      Code = "too_large"
	CodeUnsupported   Code = "unsupported_type"
	CodeQuotaExceeded Code = "quota_exceeded"
	CodePaymentFailed Code = "payment_failed"
	CodeRateLimited   Code = "rate_limited"
	CodeUnavailable   Code = "unavailable"
	CodeInternal      Code = "internal"
)

// Error is the one application error type: a code, a message safe to show
// to the client and, for invalid input, the field at fault.
type Error struct {
	Code    Code
	Message string
	Field   string
	RetryAt time.Time // when a quota or limit lets the caller try again (zero: not said)
	// Locked content (forbidden): the tier it needs, and when it opens
	// to the caller (zero: never at their tier). See Locked.
	RequiredTier Tier
	AvailableAt  time.Time
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf builds an application error.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError builds an invalid-input error naming the field at fault.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Message: fmt.Sprintf(format, args...), Field: field}
}

// ErrorCode returns the code of err, or CodeInternal when it is not an
// application error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// Common errors.
var (
	ErrNotFound     = Errorf(CodeNotFound, "not found")
	ErrUnauthorized = Errorf(CodeUnauthorized, "authentication required")
	ErrForbidden    = Errorf(CodeForbidden, "not allowed")
)
