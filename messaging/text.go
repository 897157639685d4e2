package messaging

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"mvdan.cc/xurls/v2"

	"github.com/fanfare/fanfare/models"
)

// Limits of a direct message.
const (
	maxMessageRunes = 4000
	maxMessageLinks = 3
)

var (
	strictHTML = bluemonday.StrictPolicy()
	anyURL     = xurls.Relaxed()
)

// Text checks a message's text and returns it sanitized (every tag
// stripped, the rest HTML-escaped: stored inert, safe to render) with the
// hash duplicate detection compares.
func Text(raw string) (text, hash string, err error) {
	if !utf8.ValidString(raw) {
		return "", "", models.FieldError("body", "body must be UTF-8 text")
	}
	if n := utf8.RuneCountInString(raw); n > maxMessageRunes {
		return "", "", models.FieldError("body", "body must be at most %d characters", maxMessageRunes)
	}
	if links := anyURL.FindAllString(raw, -1); len(links) > maxMessageLinks {
		return "", "", models.FieldError("body", "at most %d links per message", maxMessageLinks)
	}
	text = strings.TrimSpace(strictHTML.Sanitize(raw))
	norm := strings.Join(strings.Fields(strings.ToLower(text)), " ")
	sum := sha256.Sum256([]byte(norm))
	return text, hex.EncodeToString(sum[:]), nil
}
