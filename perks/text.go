package perks

import (
	"strings"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"

	"github.com/fanfare/fanfare/models"
)

var strictHTML = bluemonday.StrictPolicy()

// Text checks free text written by a person and returns it sanitized like
// a DM: every tag stripped, the rest HTML-escaped, trimmed; it must keep
// between 1 and max characters.
func Text(raw, field string, max int) (string, error) {
	if !utf8.ValidString(raw) {
		return "", models.FieldError(field, "%s must be UTF-8 text", field)
	}
	if utf8.RuneCountInString(raw) > max {
		return "", models.FieldError(field, "%s must be at most %d characters", field, max)
	}
	text := strings.TrimSpace(strictHTML.Sanitize(raw))
	if text == "" {
		return "", models.FieldError(field, "%s must not be empty", field)
	}
	if utf8.RuneCountInString(text) > max { // escaping lengthens
		return "", models.FieldError(field, "%s must be at most %d characters", field, max)
	}
	return text, nil
}
