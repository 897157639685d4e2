package api

import (
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
)

// strictHTML strips every tag from free text (a report's reason).
var strictHTML = bluemonday.StrictPolicy()

// validEmoji admits one emoji (with its modifiers and joiners), nothing else.
func validEmoji(s string) bool {
	if s == "" || len(s) > 32 || utf8.RuneCountInString(s) > 8 {
		return false
	}
	for _, r := range s {
		switch {
		case r == 0x200D || r == 0xFE0F || r == 0x20E3: // joiner, emoji presentation, keycap
		case r >= 0x1F1E6 && r <= 0x1F1FF: // regional indicators (flags)
		case unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r):
		default:
			return false
		}
	}
	return true
}
