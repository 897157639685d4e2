package engagement

import (
	"context"
	"slices"
)

// credit credits the batch's progress against the caller's listening
// watermark (counters.Credit) and keeps what earned a second: a
// progress event credited nothing is implausible (the fan's wall clock
// has no time left for it). The claims are credited in time order, and a
// run of claims that overlap or touch is one Credit: the watermark rule
// credits such a run as it credits the run's span, so one round trip
// credits it all, and each event's share follows from the total.
func (in *Ingest) credit(ctx context.Context, b *batch, res *Result) error {
	var claims []*pending
	for i := range b.events {
		if b.events[i].seconds > 0 {
			claims = append(claims, &b.events[i])
		}
	}
	slices.SortStableFunc(claims, func(x, y *pending) int { return x.At.Compare(y.At) })
	for len(claims) > 0 {
		n, end := 1, claims[0].At.Unix()
		for n < len(claims) && claims[n].At.Unix()-claims[n].seconds <= end {
			end = claims[n].At.Unix() // sorted: the run's latest end
			n++
		}
		run := claims[:n]
		claims = claims[n:]
		start := run[0].At.Unix() - run[0].seconds
		got, err := in.Counters.Credit(ctx, b.userID.String(), run[len(run)-1].At, end-start)
		if err != nil {
			return err
		}
		// The watermark the run met, as the rule saw it: at or after its start.
		w := end - got
		for _, p := range run {
			at := p.At.Unix()
			p.amount = max(at-max(w, at-p.seconds), 0)
			w = max(w, at)
		}
	}
	b.keep(func(p *pending) bool {
		if p.seconds > 0 && p.amount == 0 {
			res.Refused.Implausible++
			return false
		}
		return true
	})
	return nil
}
