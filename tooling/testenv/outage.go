package testenv

import (
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.temporal.io/sdk/testsuite"

	"github.com/fanfare/fanfare/internal/temporalx"
	"github.com/fanfare/fanfare/worker"
)

// Tests of a dependency that goes down and comes back: each of these is
// private to one test, which may stop it and start it again on the same
// address, with the same data where it keeps any.

// FreePort returns a TCP port nothing listens on right now.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TemporalServer is a Temporal dev server keeping its state in a file.
type TemporalServer struct {
	Address string
	t       testing.TB
	opts    temporalx.DevServer
	srv     *testsuite.DevServer
}

// StartTemporal starts a dev server private to the test.
func StartTemporal(t testing.TB) *TemporalServer {
	t.Helper()
	port := FreePort(t)
	s := &TemporalServer{Address: "127.0.0.1:" + strconv.Itoa(port), t: t, opts: temporalx.DevServer{
		CLI: filepath.Join(RepoRoot(), "bin", "temporal"), Port: port, Namespace: "default", Log: Log(),
		DBFile: filepath.Join(t.TempDir(), "temporal.db"), SearchAttributes: worker.SearchAttributes(),
	}}
	s.Start()
	t.Cleanup(func() {
		if s.srv != nil {
			s.Stop()
		}
	})
	return s
}

// Start starts the server again after Stop.
func (s *TemporalServer) Start() {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := s.opts.Start(ctx)
	if err != nil {
		s.t.Fatalf("start a private Temporal dev server: %v", err)
	}
	s.srv = srv
}

// Stop stops the server and waits until it exited.
func (s *TemporalServer) Stop() {
	s.t.Helper()
	s.srv.Client().Close()
	if err := s.srv.Stop(); err != nil {
		s.t.Logf("temporal dev server stopped with: %v", err)
	}
	s.srv = nil
}

// RedisServer is a redis-server process keeping nothing on disk.
type RedisServer struct {
	URL  string
	t    testing.TB
	port int
	cmd  *exec.Cmd
}

// StartRedis starts a redis-server private to the test.
func StartRedis(t testing.TB) *RedisServer {
	t.Helper()
	r := &RedisServer{t: t, port: FreePort(t)}
	r.URL = fmt.Sprintf("redis://127.0.0.1:%d/0", r.port)
	r.Start()
	t.Cleanup(func() {
		if r.cmd != nil {
			r.Stop()
		}
	})
	return r
}

// Start starts the server again after Stop and waits until it answers.
func (r *RedisServer) Start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.t.TempDir())
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("redis-server is required: %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.port), MaxRetries: -1})
	defer c.Close()
	for start := time.Now(); c.Ping(context.Background()).Err() != nil; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 30*time.Second {
			r.t.Fatalf("redis-server on port %d did not answer", r.port)
		}
	}
}

// Stop kills the server, as a crash would, and waits until it exited.
func (r *RedisServer) Stop() {
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

// Proxy forwards TCP connections to a target: Down refuses new ones and
// cuts those it carries, as a server that went away would; Up serves on
// the same address again.
type Proxy struct {
	Addr   string
	t      testing.TB
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]struct{}
}

// StartProxy forwards a free local port to target until the test ends.
func StartProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	p := &Proxy{Addr: fmt.Sprintf("127.0.0.1:%d", FreePort(t)), t: t, target: target, conns: map[net.Conn]struct{}{}}
	p.Up()
	t.Cleanup(p.Down)
	return p
}

// Up accepts connections again.
func (p *Proxy) Up() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.Addr)
	if err != nil {
		p.t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go p.accept(ln)
}

// Down closes the listener and every connection through it.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		_ = c.Close()
		delete(p.conns, c)
	}
}

func (p *Proxy) accept(ln net.Listener) {
	for {
		in, err := ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = in.Close()
			continue
		}
		p.mu.Lock()
		if p.ln != ln { // went down meanwhile
			p.mu.Unlock()
			_ = in.Close()
			_ = out.Close()
			return
		}
		p.conns[in], p.conns[out] = struct{}{}, struct{}{}
		p.mu.Unlock()
		go pipe(in, out)
		go pipe(out, in)
	}
}

func pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
}
