package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
)

// The sampling of the block and mutex profiles while --pprof is on. Both
// cost a little on every blocking event, so they stay off without --pprof.
const (
	// pprofBlockRate records every blocking event of 10µs or more and a
	// proportional sample of shorter ones.
	pprofBlockRate = 10_000 // nanoseconds
	// pprofMutexFraction records one contended mutex event in 100.
	pprofMutexFraction = 100
)

// pprofAddress returns the address the --pprof listener binds. An address
// without a host (":6060") binds loopback only: profiles show the server's
// internals and let anyone who reaches them burn CPU, so exposing them
// further must be asked for by naming the host.
func pprofAddress(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--pprof %q: want host:port, or :port for loopback only: %v", addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// pprofServer serves net/http/pprof on a listener of its own, never on the
// API listener, so that profiles need neither a signature nor a route in the
// API and cannot be reached through the API's address.
type pprofServer struct {
	ln  net.Listener
	srv *http.Server
	// prevMutexFraction is restored at close, so that the process (and
	// tests that run serve in-process) is left as it was found.
	prevMutexFraction int
	done              chan struct{}
}

// startPprof listens on addr (see pprofAddress), turns on block and mutex
// profiling and serves /debug/pprof/ until close.
func startPprof(addr string, logger *slog.Logger) (*pprofServer, error) {
	bind, err := pprofAddress(addr)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", bind)
	if err != nil {
		return nil, fmt.Errorf("--pprof: listen on %s: %w", bind, err)
	}
	if !isLoopback(ln.Addr()) {
		logger.Warn("--pprof listens on a non-loopback address: anyone who reaches it can read the server's internals and make it spend CPU",
			"pprof", ln.Addr().String())
	}
	mux := http.NewServeMux()
	// The handlers are registered on a mux of our own: the package also
	// registers them on http.DefaultServeMux, which nothing here serves.
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	p := &pprofServer{
		ln: ln,
		srv: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: defaultReadHeaderTimeout,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
			// No WriteTimeout: a CPU profile or trace streams for as long
			// as its seconds parameter asks.
		},
		done: make(chan struct{}),
	}
	runtime.SetBlockProfileRate(pprofBlockRate)
	p.prevMutexFraction = runtime.SetMutexProfileFraction(pprofMutexFraction)
	go func() {
		defer close(p.done)
		if err := p.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("pprof server stopped", "err", err)
		}
	}()
	return p, nil
}

// URL is the address of the profile index.
func (p *pprofServer) URL() string { return endpointURL(p.ln.Addr(), false) + "/debug/pprof/" }

// close stops the pprof server, cutting a profile in progress, and turns
// block and mutex profiling back off.
func (p *pprofServer) close() {
	p.srv.Close()
	<-p.done
	runtime.SetBlockProfileRate(0)
	runtime.SetMutexProfileFraction(p.prevMutexFraction)
}
