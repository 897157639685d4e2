package loadtest

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fasthttp/websocket"
)

// IdleMemory opens n idle sockets to a running api (another process) and
// reports what each costs it, from the api's own /metrics.
// When pprof (the api's PPROF_ADDR) is given, garbage is collected before
// each reading so only live memory counts.
func IdleMemory(c *Client, n int, pprof string, out io.Writer) error {
	fan, err := c.Register("fan")
	if err != nil {
		return err
	}
	before, err := c.memory(pprof)
	if err != nil {
		return err
	}
	conns := make([]*websocket.Conn, n)
	defer closeAll(conns)
	for i := range conns {
		if conns[i], err = c.Socket(fan.AccessToken); err != nil {
			return fmt.Errorf("socket %d: %w", i, err)
		}
	}
	time.Sleep(2 * time.Second) // let the server settle (and its GC run)
	after, err := c.memory(pprof)
	if err != nil {
		return err
	}
	per := func(k string) float64 { return (after[k] - before[k]) / float64(n) / 1024 }
	heap, stack := per("go_memstats_heap_inuse_bytes"), per("go_memstats_stack_inuse_bytes")
	fmt.Fprintf(out, "BENCH ws_idle_conns %d conns\n", n)
	fmt.Fprintf(out, "BENCH ws_idle_heap_per_conn %.2f KiB\n", heap)
	fmt.Fprintf(out, "BENCH ws_idle_stack_per_conn %.2f KiB\n", stack)
	fmt.Fprintf(out, "BENCH ws_idle_go_memory_per_conn %.2f KiB\n", heap+stack)
	fmt.Fprintf(out, "BENCH ws_idle_rss_per_conn %.2f KiB\n", per("process_resident_memory_bytes"))
	return nil
}

// memory reads the api's memory gauges.
func (c *Client) memory(pprof string) (map[string]float64, error) {
	if pprof != "" {
		gc, err := http.Get("http://" + pprof + "/debug/pprof/heap?gc=1")
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, gc.Body)
		gc.Body.Close()
	}
	resp, err := http.Get(c.Base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	vals := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		if v, err := strconv.ParseFloat(val, 64); err == nil {
			vals[name] = v
		}
	}
	return vals, sc.Err()
}
