package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAddMonthsClampsToMonthEnd(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 30, 0, 0, time.UTC) }
	for _, c := range []struct {
		from time.Time
		n    int
		want time.Time
	}{
		{day(2027, 1, 31), 1, day(2027, 2, 28)},
		{day(2028, 1, 31), 1, day(2028, 2, 29)},
		{day(2027, 1, 31), 2, day(2027, 3, 31)},
		{day(2027, 1, 31), 3, day(2027, 4, 30)},
		{day(2027, 1, 31), 12, day(2028, 1, 31)},
		{day(2027, 8, 31), 6, day(2028, 2, 29)},
		{day(2027, 3, 15), 0, day(2027, 3, 15)},
		{day(2027, 12, 5), 1, day(2028, 1, 5)},
	} {
		require.Equal(t, c.want, AddMonths(c.from, c.n), "%s + %d", c.from, c.n)
	}
}
