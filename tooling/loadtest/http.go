package loadtest

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// HTTP is a closed-loop HTTP load: Conns connections each send the next
// request as soon as the last one is answered.
type HTTP struct {
	Name     string
	URL      string
	Headers  map[string]string
	Conns    int
	Warmup   time.Duration
	Duration time.Duration
}

// Result is what one HTTP load measured.
type Result struct {
	Requests int
	Errors   int
	Elapsed  time.Duration
	P50, P99 time.Duration
}

// RPS is answered requests a second.
func (r Result) RPS() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// Run sends the load and measures only after the warm-up.
func (h HTTP) Run(ctx context.Context) (Result, error) {
	uri := fasthttp.AcquireURI()
	defer fasthttp.ReleaseURI(uri)
	if err := uri.Parse(nil, []byte(h.URL)); err != nil {
		return Result{}, err
	}
	c := &fasthttp.HostClient{Addr: string(uri.Host()), MaxConns: h.Conns, ReadTimeout: 10 * time.Second}

	warm, cancelWarm := context.WithTimeout(ctx, h.Warmup)
	defer cancelWarm()
	if _, err := h.loop(warm, c); err != nil {
		return Result{}, err
	}
	run, cancel := context.WithTimeout(ctx, h.Duration)
	defer cancel()
	start := time.Now()
	samples, err := h.loop(run, c)
	elapsed := time.Since(start)
	if err != nil {
		return Result{}, err
	}
	res := Result{Elapsed: elapsed}
	var all []time.Duration
	for _, s := range samples {
		all = append(all, s.latencies...)
		res.Errors += s.errors
	}
	if len(all) == 0 {
		return res, fmt.Errorf("%s: no request was answered", h.Name)
	}
	slices.Sort(all)
	res.Requests = len(all)
	res.P50 = all[len(all)*50/100]
	res.P99 = all[len(all)*99/100]
	return res, nil
}

type sample struct {
	latencies []time.Duration
	errors    int
}

func (h HTTP) loop(ctx context.Context, c *fasthttp.HostClient) ([]sample, error) {
	samples := make([]sample, h.Conns)
	var wg sync.WaitGroup
	for i := range samples {
		s := &samples[i]
		s.latencies = make([]time.Duration, 0, 1<<16)
		wg.Go(func() {
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.SetRequestURI(h.URL)
			for k, v := range h.Headers {
				req.Header.Set(k, v)
			}
			for ctx.Err() == nil {
				t := time.Now()
				err := c.Do(req, resp)
				if err != nil || resp.StatusCode() != fasthttp.StatusOK {
					s.errors++
					continue
				}
				s.latencies = append(s.latencies, time.Since(t))
			}
		})
	}
	wg.Wait()
	return samples, nil
}

// Print writes the result as BENCH lines.
func (r Result) Print(w io.Writer, name string) {
	fmt.Fprintf(w, "BENCH %s_rps %.0f req/s\n", name, r.RPS())
	fmt.Fprintf(w, "BENCH %s_p50 %.2f ms\n", name, float64(r.P50.Microseconds())/1000)
	fmt.Fprintf(w, "BENCH %s_p99 %.2f ms\n", name, float64(r.P99.Microseconds())/1000)
	fmt.Fprintf(w, "BENCH %s_errors %d count\n", name, r.Errors)
}
