package workflows

import "time"

// AddMonths moves t by n calendar months, clamping the day to the end of
// a shorter month: Jan 31 + 1 month is Feb 28 (or 29), + 2 is Mar 31.
// Periods always count from the anchor, so a start on the 31st does not
// drift to the 28th.
func AddMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}
