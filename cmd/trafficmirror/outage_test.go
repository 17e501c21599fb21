package main

// The database going away (issue 3, item 6): requests fail fast with a 503
// in the API's error format, /healthz says unhealthy, and the server
// recovers by itself when the database returns.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"

	"github.com/trafficmirror/trafficmirror/internal/pgtest"
)

// dbProxy forwards TCP connections to a database server, and cuts them as
// a database or a network can fail: refusing (every connection is closed
// and new ones are refused, as when the server is down) or silent (nothing
// is forwarded or closed any more, as when a network drops packets or a
// failover moved the address away). restore forwards new connections again.
type dbProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	mode  proxyMode
	conns map[net.Conn]net.Conn // each forwarded client's connection to the target
	held  []net.Conn            // client connections left hanging by a silent cut
}

// proxyMode is what a dbProxy does with connections.
type proxyMode int

const (
	forwarding proxyMode = iota
	refusing
	silent
)

// newDBProxy starts a proxy to target on a loopback port; it stops when the
// test ends.
func newDBProxy(t *testing.T, target string) *dbProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProxy{ln: ln, target: target, conns: make(map[net.Conn]net.Conn)}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.cut(refusing)
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, c := range p.held {
			c.Close()
		}
	})
	return p
}

// addr returns the host:port clients connect to.
func (p *dbProxy) addr() string { return p.ln.Addr().String() }

func (p *dbProxy) serve() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.forward(client)
	}
}

// forward copies between client and a new connection to the target until
// either end closes or the proxy is cut.
func (p *dbProxy) forward(client net.Conn) {
	p.mu.Lock()
	mode := p.mode
	p.mu.Unlock()
	if mode != forwarding {
		p.drop(client, mode)
		return
	}
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	p.mu.Lock()
	if mode = p.mode; mode == forwarding {
		p.conns[client] = server
	}
	p.mu.Unlock()
	if mode != forwarding { // cut while dialling
		server.Close()
		p.drop(client, mode)
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(server, client)
	go pipe(client, server)
	<-done
	server.Close()
	p.mu.Lock()
	delete(p.conns, client)
	mode = p.mode
	p.mu.Unlock()
	p.drop(client, mode)
	<-done
}

// drop ends a client's connection as the mode says: closes it, or holds it
// open, never to be answered, when the proxy is silent.
func (p *dbProxy) drop(client net.Conn, mode proxyMode) {
	if mode != silent {
		client.Close()
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.held = append(p.held, client)
}

// cut stops forwarding in the given mode: every connection to the target is
// closed, and the clients' connections are closed too (refusing) or left
// hanging (silent).
func (p *dbProxy) cut(mode proxyMode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = mode
	for _, server := range p.conns {
		// This ends forward's copies, and forward closes or holds the
		// client's end as the mode says.
		server.Close()
	}
}

// restore forwards new connections again. The connections a silent cut
// left hanging stay so, as those to an address a failover moved away.
func (p *dbProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = forwarding
}

// TestOutagePostgres points a server at a proxy in front of PostgreSQL and
// cuts it, refusing and then silent: signed API requests answer 503
// VPC.9502 in the API's error format, and /healthz answers 503. When the
// proxy forwards again, both succeed again from the same server, which was
// never restarted, and no failed write was applied.
func TestOutagePostgres(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t) // its cleanup (drop the schema) runs after the server's
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		t.Skipf("%s: the proxy needs a URL with host:port", pgtest.EnvVar)
	}
	target := u.Host
	if u.Port() == "" {
		target = net.JoinHostPort(u.Hostname(), "5432")
	}
	p := newDBProxy(t, target)
	u.Host = p.addr()

	// A short statement timeout bounds how long a request waits for a
	// database that does not answer (the silent cut); the test checks only
	// that requests return, and with what.
	e := newE2EEnv(t, func(t *testing.T, extra ...string) *instance {
		t.Helper()
		return runServer(t, "", append([]string{"--db", u.String(), "--db-statement-timeout", "2s"}, extra...)...)
	})
	before := mustCreateFilter(t, e.clientA, "before", nil)

	// Signed reads and writes, each answered with the error body.
	calls := []struct {
		name string
		call sdkCall
	}{
		{"ListTrafficMirrorSessions", sdkCall{method: "GET", path: apiSessionsPath}},
		{"ShowTrafficMirrorFilter", sdkCall{method: "GET", path: apiFiltersPath + "/" + before.Id}},
		{"CreateTrafficMirrorFilter", sdkCall{method: "POST", path: apiFiltersPath,
			body: map[string]any{"traffic_mirror_filter": map[string]any{"name": "during"}}}},
		{"UpdateTrafficMirrorFilter", sdkCall{method: "PUT", path: apiFiltersPath + "/" + before.Id,
			body: map[string]any{"traffic_mirror_filter": map[string]any{"name": "during"}}}},
		{"DeleteTrafficMirrorFilter", sdkCall{method: "DELETE", path: apiFiltersPath + "/" + before.Id}},
	}

	filters := 1
	for _, outage := range []struct {
		name string
		mode proxyMode
	}{{"Refusing", refusing}, {"Silent", silent}} {
		t.Run(outage.name, func(t *testing.T) {
			requests := make([]*http.Request, len(calls))
			for i, c := range calls {
				requests[i] = e.request(t, sdkCredentials(t, e.a, e.projectA), c.call)
			}
			p.cut(outage.mode)
			// All at once: on a silent network each waits for its
			// timeout.
			var (
				wg      sync.WaitGroup
				health  rawResponse
				sdkErr  error
				answers = make([]rawResponse, len(requests))
				errs    = make([]error, len(requests)+1)
			)
			wg.Go(func() {
				health, errs[0] = sendOnce(mustNewRequest(t, "GET", e.inst.Endpoint+"/healthz"))
			})
			wg.Go(func() {
				_, sdkErr = e.clientA.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
			})
			for i, r := range requests {
				wg.Go(func() { answers[i], errs[i+1] = sendOnce(r) })
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatalf("while cut: %v", err)
			}
			if health.status != http.StatusServiceUnavailable {
				t.Errorf("/healthz while cut: %d %s, want 503", health.status, health.body)
			}
			for i, r := range answers {
				wantUnavailable(t, calls[i].name, r)
			}
			// The SDK reads the same answer as its ServiceResponseError.
			wantSDKError(t, "ListTrafficMirrorFilters while cut (SDK)", sdkErr, http.StatusServiceUnavailable, "VPC.9502")

			p.restore()
			// The first requests after the database returns succeed: the
			// server has no dead connection left to try.
			health, err := sendOnce(mustNewRequest(t, "GET", e.inst.Endpoint+"/healthz"))
			if err != nil || health.status != http.StatusOK {
				t.Errorf("/healthz after restore: %d %s %v, want 200", health.status, health.body, err)
			}
			show, err := e.clientA.ShowTrafficMirrorFilter(&model.ShowTrafficMirrorFilterRequest{TrafficMirrorFilterId: before.Id})
			if err != nil {
				t.Fatalf("ShowTrafficMirrorFilter after restore: %v", err)
			}
			// None of the failed writes was applied.
			if got := show.TrafficMirrorFilter.Name; got != "before" {
				t.Errorf("filter name after restore = %q, want %q", got, "before")
			}
			raceFilter(t, e.clientA) // kept: the count below includes it
			filters++
			list, err := e.clientA.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
			if err != nil {
				t.Fatalf("ListTrafficMirrorFilters after restore: %v", err)
			}
			if got := len(*list.TrafficMirrorFilters); got != filters {
				t.Errorf("filters after restore = %d, want %d", got, filters)
			}
		})
	}

	select {
	case err := <-e.inst.done:
		t.Fatalf("the server stopped during the outages: %v", err)
	default:
	}
}

// mustNewRequest returns a request without a body.
func mustNewRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// outageClient sends the requests of the outage test. Its timeout is not
// what the test checks (that is the server's own); it is far longer, only so
// that a server that hangs fails the test instead of holding it.
var outageClient = &http.Client{Timeout: time.Minute}

// sendOnce sends r and reads the whole response; unlike sendRaw, it may run
// in any goroutine.
func sendOnce(r *http.Request) (rawResponse, error) {
	resp, err := outageClient.Do(r)
	if err != nil {
		return rawResponse{}, fmt.Errorf("%s %s: %w", r.Method, r.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return rawResponse{}, fmt.Errorf("%s %s: reading the response: %w", r.Method, r.URL, err)
	}
	return rawResponse{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// wantUnavailable checks that r is a 503 VPC.9502 in the API's error
// format: a JSON body of request_id, error_code and error_msg, whose
// request_id is the X-Request-Id header.
func wantUnavailable(t *testing.T, op string, r rawResponse) {
	t.Helper()
	var body struct {
		RequestID string `json:"request_id"`
		Code      string `json:"error_code"`
		Msg       string `json:"error_msg"`
	}
	err := json.Unmarshal(r.body, &body)
	id := r.header.Get("X-Request-Id")
	if r.status != http.StatusServiceUnavailable || err != nil || body.Code != "VPC.9502" || body.Msg == "" ||
		!uuidV4RE.MatchString(id) || body.RequestID != id || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("%s while the database is away: %d, X-Request-Id %q, Content-Type %q, body %s; want 503 with VPC.9502, a message and the request id",
			op, r.status, id, r.header.Get("Content-Type"), r.body)
	}
}
