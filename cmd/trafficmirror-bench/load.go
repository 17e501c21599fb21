package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/trafficmirror/trafficmirror/internal/auth"
)

// request is one API call of a workload: a path below the endpoint (with
// the project), a raw query and, for writes, a JSON body.
type request struct {
	op     string // the row of the report it is counted in
	method string
	path   string
	query  string
	body   []byte
}

// key identifies the response of a read for the replay: the baseline
// server answers the same path and query with the captured bytes.
func (r request) key() string {
	if r.query == "" {
		return r.path
	}
	return r.path + "?" + r.query
}

// endpoint is a server the load is sent to: the trafficmirror server or the
// static baseline. Both are called the same way, so that the client does the
// same work for either: build the request, sign it, send it, read the whole
// body.
type endpoint struct {
	base      string // scheme://host:port, no trailing slash
	accessKey string
	secretKey string
	project   string
	hc        *http.Client
}

// newHTTPClient returns the client of the load: keep-alive connections
// enough for every worker, no compression (the server sends none), no proxy.
func newHTTPClient(concurrency int) *http.Client {
	return &http.Client{
		Timeout: 2 * time.Minute,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        4 * concurrency,
			MaxIdleConnsPerHost: 4 * concurrency,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
	}
}

// reply is what one call returned.
type reply struct {
	status int
	header http.Header
	body   []byte // valid until the next call with the same buffer
}

// do sends req signed as the Go SDK signs, and reads the whole response
// body into buf.
func (e *endpoint) do(ctx context.Context, req request, buf *bytes.Buffer) (reply, error) {
	u := e.base + req.path
	if req.query != "" {
		u += "?" + req.query
	}
	var body io.Reader = http.NoBody
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, u, body)
	if err != nil {
		return reply{}, err
	}
	if req.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	hr.Header.Set("X-Project-Id", e.project)
	hr.Header.Set("User-Agent", "trafficmirror-bench")
	if err := auth.Sign(hr, req.body, e.accessKey, e.secretKey, time.Now()); err != nil {
		return reply{}, err
	}
	resp, err := e.hc.Do(hr)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return reply{}, fmt.Errorf("read response: %w", err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: buf.Bytes()}, nil
}

// apiError returns the error of a reply that is not a success.
func (r reply) apiError() error {
	if r.status < 300 {
		return nil
	}
	b := r.body
	if len(b) > 300 {
		b = b[:300]
	}
	return fmt.Errorf("HTTP %d: %s", r.status, bytes.TrimSpace(b))
}

// pageInfo reads current_count and next_marker from a list response
// without decoding the page: page_info is the last object of the body, and
// the key cannot occur earlier unescaped (a string holding it would have its
// quotes escaped).
func pageInfo(body []byte) (count int, next string) {
	i := bytes.LastIndex(body, []byte(`"page_info":`))
	if i < 0 {
		return 0, ""
	}
	tail := body[i:]
	if j := bytes.Index(tail, []byte(`"current_count":`)); j >= 0 {
		digits := tail[j+len(`"current_count":`):]
		end := 0
		for end < len(digits) && digits[end] >= '0' && digits[end] <= '9' {
			end++
		}
		count, _ = strconv.Atoi(string(digits[:end]))
	}
	if j := bytes.Index(tail, []byte(`"next_marker":"`)); j >= 0 {
		rest := tail[j+len(`"next_marker":"`):]
		if end := bytes.IndexByte(rest, '"'); end >= 0 {
			next = string(rest[:end])
		}
	}
	return count, next
}

// firstID returns the first "id" of a body, the ID of a created resource.
func firstID(body []byte) string {
	i := bytes.Index(body, []byte(`"id":"`))
	if i < 0 {
		return ""
	}
	rest := body[i+len(`"id":"`):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return ""
	}
	return string(rest[:end])
}

// opStats collects the calls of one operation.
type opStats struct {
	latencies  []time.Duration
	errors     int
	firstError string
	bytes      int64
	items      int64
}

func (s *opStats) merge(o *opStats) {
	s.latencies = append(s.latencies, o.latencies...)
	s.errors += o.errors
	if s.firstError == "" {
		s.firstError = o.firstError
	}
	s.bytes += o.bytes
	s.items += o.items
}

// Result is the measurement of one operation of a workload.
type Result struct {
	Name        string  `json:"name"`
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	FirstError  string  `json:"first_error,omitempty"`
	RPS         float64 `json:"requests_per_second"`
	P50ms       float64 `json:"p50_ms"`
	P90ms       float64 `json:"p90_ms"`
	P99ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
	BytesPerRes float64 `json:"bytes_per_response"`
	ItemsPerRes float64 `json:"items_per_response"`
	// ServerCPUus is the server process's CPU time per request, in
	// microseconds (user plus system), when the server's PID is known.
	ServerCPUus float64 `json:"server_cpu_us_per_request,omitempty"`
	// ClientCPUus is this process's CPU time per request: the client's,
	// and for a baseline the static server's too, which runs in this
	// process.
	ClientCPUus float64 `json:"client_cpu_us_per_request,omitempty"`
	// Baseline is the same workload replayed from the static server.
	Baseline *Result `json:"baseline,omitempty"`
	// Ratio is RPS / Baseline.RPS.
	Ratio float64 `json:"ratio_to_baseline,omitempty"`
}

// result summarises stats over elapsed.
func (s *opStats) result(name string, concurrency int, elapsed time.Duration) Result {
	r := Result{Name: name, Concurrency: concurrency, Seconds: elapsed.Seconds(), Requests: len(s.latencies),
		Errors: s.errors, FirstError: s.firstError}
	if elapsed > 0 {
		r.RPS = float64(len(s.latencies)) / elapsed.Seconds()
	}
	ok := len(s.latencies) - s.errors
	if ok > 0 {
		r.BytesPerRes = float64(s.bytes) / float64(ok)
		r.ItemsPerRes = float64(s.items) / float64(ok)
	}
	slices.Sort(s.latencies)
	r.P50ms = ms(percentile(s.latencies, 50))
	r.P90ms = ms(percentile(s.latencies, 90))
	r.P99ms = ms(percentile(s.latencies, 99))
	if n := len(s.latencies); n > 0 {
		r.MaxMs = ms(s.latencies[n-1])
	}
	return r
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// percentile returns the p-th percentile of sorted latencies by the
// nearest-rank method: the smallest value that at least p% of the values
// do not exceed.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100 + 0.999999)
	rank = max(rank, 1)
	rank = min(rank, len(sorted))
	return sorted[rank-1]
}

// capture keeps the responses of a workload's reads, up to a byte budget,
// for the replay. Only the first response of each key is kept.
type capture struct {
	mu     sync.Mutex
	budget int64
	used   int64
	keys   []string
	byKey  map[string]capturedReply
}

type capturedReply struct {
	method string
	status int
	header http.Header
	body   []byte
}

func newCapture(budget int64) *capture {
	return &capture{budget: budget, byKey: make(map[string]capturedReply)}
}

// add keeps a copy of a successful reply unless its key is known or the
// budget is spent.
func (c *capture) add(req request, rep reply) {
	if c == nil || rep.status != http.StatusOK {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := req.key()
	if _, ok := c.byKey[k]; ok || c.used+int64(len(rep.body)) > c.budget {
		return
	}
	c.used += int64(len(rep.body))
	h := rep.header.Clone()
	h.Del("Date") // net/http sets its own
	c.byKey[k] = capturedReply{method: req.method, status: rep.status, header: h, body: bytes.Clone(rep.body)}
	c.keys = append(c.keys, k)
}

// workload is a closed loop of requests.
type workload struct {
	name string
	// next returns the next request of a worker.
	next func(r *rand.Rand) request
	// after, when not nil, sees every successful reply (creates note their
	// IDs).
	after func(req request, rep reply)
}

// loadConfig is how a workload is run.
type loadConfig struct {
	concurrency int
	warmup      time.Duration
	duration    time.Duration
	seed        uint64
	serverPID   int // 0: unknown
}

// run runs w against e for the warmup (not counted) and the duration, with
// cfg.concurrency workers each sending its next request as soon as the last
// one is answered. It returns one Result per operation of the workload,
// the first being all operations together.
func run(ctx context.Context, e *endpoint, w workload, cfg loadConfig, captured *capture, countServer bool) []Result {
	if cfg.warmup > 0 {
		runPhase(ctx, e, w, cfg, cfg.warmup, nil)
	}
	serverCPU0 := processCPU(cfg.serverPID)
	clientCPU0 := selfCPU()
	start := time.Now()
	stats := runPhase(ctx, e, w, cfg, cfg.duration, captured)
	elapsed := time.Since(start)
	serverCPU := processCPU(cfg.serverPID) - serverCPU0
	clientCPU := selfCPU() - clientCPU0

	total := &opStats{}
	var ops []string
	for op := range stats {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	for _, op := range ops {
		total.merge(stats[op])
	}
	results := []Result{total.result(w.name, cfg.concurrency, elapsed)}
	if n := results[0].Requests; n > 0 {
		if countServer && cfg.serverPID > 0 {
			results[0].ServerCPUus = float64(serverCPU.Microseconds()) / float64(n)
		}
		results[0].ClientCPUus = float64(clientCPU.Microseconds()) / float64(n)
	}
	if len(ops) > 1 {
		for _, op := range ops {
			results = append(results, stats[op].result(w.name+"/"+op, cfg.concurrency, elapsed))
		}
	}
	return results
}

// runPhase runs the workers for d and returns their stats by operation.
func runPhase(ctx context.Context, e *endpoint, w workload, cfg loadConfig, d time.Duration, captured *capture) map[string]*opStats {
	deadline := time.Now().Add(d)
	var (
		mu  sync.Mutex
		all = make(map[string]*opStats)
		wg  sync.WaitGroup
	)
	for worker := range cfg.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(cfg.seed, uint64(worker)))
			mine := make(map[string]*opStats)
			var buf bytes.Buffer
			for ctx.Err() == nil && time.Now().Before(deadline) {
				req := w.next(r)
				st := mine[req.op]
				if st == nil {
					st = &opStats{latencies: make([]time.Duration, 0, 1024)}
					mine[req.op] = st
				}
				t0 := time.Now()
				rep, err := e.do(ctx, req, &buf)
				lat := time.Since(t0)
				if err == nil {
					err = rep.apiError()
				}
				if err != nil {
					if ctx.Err() != nil {
						break // interrupted: not a failure of the server
					}
					st.latencies = append(st.latencies, lat)
					st.errors++
					if st.firstError == "" {
						st.firstError = err.Error()
					}
					continue
				}
				st.latencies = append(st.latencies, lat)
				st.bytes += int64(len(rep.body))
				if req.method == http.MethodGet && isCollection(req.path) {
					n, _ := pageInfo(rep.body)
					st.items += int64(n)
				} else {
					st.items++
				}
				captured.add(req, rep)
				if w.after != nil {
					w.after(req, rep)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			for op, st := range mine {
				if all[op] == nil {
					all[op] = &opStats{}
				}
				all[op].merge(st)
			}
		}()
	}
	wg.Wait()
	return all
}

// isCollection reports whether a GET of path is a list.
func isCollection(path string) bool {
	return len(path) > 0 && path[len(path)-1] == 's' // …/traffic-mirror-sessions, -filters, -rules
}

// replayWorkload returns the workload that asks the baseline for the
// captured keys, uniformly.
func replayWorkload(name string, c *capture) workload {
	keys := slices.Clone(c.keys)
	return workload{
		name: name,
		next: func(r *rand.Rand) request {
			k := keys[r.IntN(len(keys))]
			path, query, _ := strings.Cut(k, "?")
			return request{op: "get", method: c.byKey[k].method, path: path, query: query}
		},
	}
}

// baselineServer is the static net/http server of the replay: it answers
// each captured path and query with the captured status, headers and bytes,
// and anything else with 404. It does no work per request beyond what
// net/http itself does, which is the limit the target is compared with.
type baselineServer struct {
	mu      sync.RWMutex
	replies map[string]capturedReply
	srv     *http.Server
	ln      net.Listener
}

func startBaseline() (*baselineServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("baseline server: %w", err)
	}
	b := &baselineServer{replies: make(map[string]capturedReply), ln: ln}
	b.srv = &http.Server{Handler: b, ReadHeaderTimeout: 10 * time.Second}
	go b.srv.Serve(ln)
	return b, nil
}

// URL returns the base URL of the server.
func (b *baselineServer) URL() string { return "http://" + b.ln.Addr().String() }

// load makes the server answer c's keys.
func (b *baselineServer) load(c *capture) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k, v := range c.byKey {
		b.replies[k] = v
	}
}

// reset forgets every reply, so that the next workload's memory is its own.
func (b *baselineServer) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.replies = make(map[string]capturedReply)
}

func (b *baselineServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The body, if any, is read as the target's server reads it.
	_, _ = io.Copy(io.Discard, r.Body)
	k := r.URL.Path
	if r.URL.RawQuery != "" {
		k += "?" + r.URL.RawQuery
	}
	b.mu.RLock()
	rep, ok := b.replies[k]
	b.mu.RUnlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	for name, values := range rep.header {
		h[name] = values
	}
	w.WriteHeader(rep.status)
	w.Write(rep.body)
}

func (b *baselineServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := b.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return b.srv.Close()
	}
	return err
}
