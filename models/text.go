package models

import "unicode/utf8"

// Clip cuts s to at most n characters, the last an ellipsis when it cut.
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
