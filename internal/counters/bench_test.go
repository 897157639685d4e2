package counters_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fanfare/fanfare/internal/counters"
)

// BenchmarkFirstSeen500 checks batches of 500 new client ids from one
// client, one round trip each on Redis, and prints
// `BENCH counters_firstseen_500_<impl> <ids/s> ids/s`.
func BenchmarkFirstSeen500(b *testing.B) {
	ctx := context.Background()
	for _, name := range []string{"memory", "redis"} {
		b.Run(name, func(b *testing.B) {
			c := impls(b)[name]()
			ids := make([]string, counters.MaxBatch)
			batch := 0
			for b.Loop() {
				for i := range ids {
					ids[i] = fmt.Sprint(batch, "-", i)
				}
				batch++
				if _, err := c.FirstSeen(ctx, "fan:bench", ids, time.Minute); err != nil {
					b.Fatal(err)
				}
			}
			rate := float64(batch*counters.MaxBatch) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "ids/s")
			fmt.Printf("BENCH counters_firstseen_500_%s %.0f ids/s\n", name, rate)
		})
	}
}
