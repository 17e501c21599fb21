package server_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"

	"github.com/trafficmirror/trafficmirror/internal/auth"
	"github.com/trafficmirror/trafficmirror/internal/server"
	"github.com/trafficmirror/trafficmirror/internal/sqlstore"
)

// countingAuth counts the signature verifications the server asks for.
type countingAuth struct {
	next  server.Authenticator
	calls atomic.Int64
}

func (c *countingAuth) Verify(r *http.Request, body []byte) (auth.Credential, error) {
	c.calls.Add(1)
	return c.next.Verify(r, body)
}

// counting returns a config option that counts verifications in c.
func counting(c *countingAuth) func(server.Authenticator) server.Authenticator {
	return func(a server.Authenticator) server.Authenticator {
		c.next = a
		return c
	}
}

// wantRateLimited checks a 429 APIGW.0308 response and returns its
// Retry-After seconds.
func (resp response) wantRateLimited(t *testing.T, policy string) int {
	t.Helper()
	resp.wantError(t, http.StatusTooManyRequests, "APIGW.0308", "")
	if !contains(resp.Body, "The throttling threshold has been reached: policy "+policy+" over ratelimit") {
		t.Errorf("429 body %s, want Huawei's throttling message for policy %s", resp.Body, policy)
	}
	ra := resp.Header.Get("Retry-After")
	secs, err := strconv.Atoi(ra)
	if err != nil || secs < 1 {
		t.Errorf("Retry-After = %q, want a whole number of seconds, at least 1", ra)
	}
	return secs
}

// A Content-Length over the limit is answered 413 from the headers alone:
// the body is never sent here, and no signature is verified.
func TestHugeContentLengthRefusedUnread(t *testing.T) {
	var verifier countingAuth
	s := newServer(t, config{wrapAuth: counting(&verifier)})
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A bound on this test's own wait, not an assertion about speed.
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	r, err := http.NewRequest("POST", s.URL+filters, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.Sign(r, nil, ak, sk, time.Now()); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", filters, r.Host, int64(1)<<40)
	for k, v := range r.Header {
		fmt.Fprintf(conn, "%s: %s\r\n", k, v[0])
	}
	io.WriteString(conn, "\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no response to headers announcing a 1 TiB body: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	response{Status: resp.StatusCode, Header: resp.Header, Body: b}.
		wantError(t, http.StatusRequestEntityTooLarge, "APIGW.0201", "Request entity too large.")
	if n := verifier.calls.Load(); n != 0 {
		t.Errorf("%d signature verifications for a request refused by its size, want 0", n)
	}
}

func TestKeyRateLimit(t *testing.T) {
	var verifier countingAuth
	s := newServer(t, config{
		// One token per 1000 s: nothing refills while the test runs.
		keyRate:  server.RateLimit{Rate: 0.001, Burst: 2},
		wrapAuth: counting(&verifier),
	})

	// Badly signed requests in the key's name cost it nothing: the key is
	// charged only once verified.
	for range 5 {
		s.do(t, "GET", filters, "", as(ak, "not-the-secret")).wantError(t, http.StatusUnauthorized, "APIGW.0301", "")
	}
	s.do(t, "GET", filters, "").wantStatus(t, http.StatusOK)
	s.do(t, "GET", filters, "").wantStatus(t, http.StatusOK)
	resp := s.do(t, "GET", filters, "")
	if secs := resp.wantRateLimited(t, "user"); secs > 1000 {
		t.Errorf("Retry-After = %d, want at most the 1000 s a token takes", secs)
	}
	if !contains(resp.Body, "limit:0.001,time:1 second") {
		t.Errorf("429 body %s does not state the limit", resp.Body)
	}

	t.Run("Order", func(t *testing.T) {
		// Route and body size come first; then authentication (a bad
		// signature is 401, not 429); the rate limit comes before the
		// project and everything after it.
		s.do(t, "GET", "/v3/"+project+"/vpc/nothing", "").wantError(t, http.StatusNotFound, "APIGW.0101", "")
		s.do(t, "POST", filters, strings.Repeat(" ", 1<<20+1)).wantError(t, http.StatusRequestEntityTooLarge, "APIGW.0201", "")
		s.do(t, "GET", filters, "", as(ak, "not-the-secret")).wantError(t, http.StatusUnauthorized, "APIGW.0301", "")
		s.do(t, "GET", "/v3/"+other+"/vpc/traffic-mirror-filters", "").wantRateLimited(t, "user")
		s.do(t, "POST", filters, "not json").wantRateLimited(t, "user")
	})
	t.Run("OtherKeys", func(t *testing.T) {
		s.do(t, "GET", filters, "", as(anyAK, anySK)).wantStatus(t, http.StatusOK)
		s.do(t, "GET", "/healthz", "", unsigned).wantStatus(t, http.StatusOK)
	})
	t.Run("SDK", func(t *testing.T) {
		// What a client's retry path sees.
		_, err := sdkClient(s.URL).ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
		var se *sdkerr.ServiceResponseError
		if !errors.As(err, &se) || se.StatusCode != http.StatusTooManyRequests || se.ErrorCode != "APIGW.0308" ||
			!strings.HasPrefix(se.ErrorMessage, "The throttling threshold has been reached") || !uuidV4RE.MatchString(se.RequestId) {
			t.Errorf("SDK call over the limit: %v, want a ServiceResponseError 429 APIGW.0308", err)
		}
	})
	t.Run("AccessLog", func(t *testing.T) {
		if !strings.Contains(s.Logs.String(), `"access_key":"`+ak+`","status":429`) {
			t.Errorf("no access log line with status 429 for %s:\n%s", ak, s.Logs.String())
		}
	})
}

// newHandler returns the API handler on a fresh SQLite store, with the test
// keys and the verifier counted by verifier, for requests that need their
// own client address.
func newHandler(t *testing.T, cfg server.Config, verifier *countingAuth) (http.Handler, *lockedBuffer) {
	t.Helper()
	store, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	verifier.next = &auth.Verifier{Keys: auth.NewKeyring([]auth.Credential{
		{AccessKey: ak, SecretKey: sk, Projects: []string{project}},
	})}
	logs := &lockedBuffer{}
	cfg.Store, cfg.Auth, cfg.Logger = store, verifier, slog.New(slog.NewJSONHandler(logs, nil))
	return server.New(cfg), logs
}

// serveFrom sends a request from the client address from (host:port)
// straight to h, signed with secret unless secret is "".
func serveFrom(t *testing.T, h http.Handler, from, method, path, secret string) response {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	r.RemoteAddr = from
	if secret != "" {
		if err := auth.Sign(r, nil, ak, secret, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return response{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
}

func TestAuthFailureLimit(t *testing.T) {
	var verifier countingAuth
	h, logs := newHandler(t, server.Config{AuthFailureLimit: server.RateLimit{Rate: 0.001, Burst: 3}}, &verifier)
	const (
		attacker = "192.0.2.1:40000"
		good     = "198.51.100.7:50000"
	)
	for range 3 {
		serveFrom(t, h, attacker, "GET", filters, "guess").wantError(t, http.StatusUnauthorized, "APIGW.0301", "")
	}
	if n := verifier.calls.Load(); n != 3 {
		t.Fatalf("%d verifications, want 3", n)
	}
	// The budget is spent: the address's requests are refused before any
	// signature work, also correctly signed ones, from any port.
	serveFrom(t, h, attacker, "GET", filters, "guess").wantRateLimited(t, "ip")
	serveFrom(t, h, "192.0.2.1:40001", "GET", filters, sk).wantRateLimited(t, "ip")
	if n := verifier.calls.Load(); n != 3 {
		t.Errorf("%d verifications, want still 3: a refused address costs no signature work", n)
	}
	// What needs no signature still answers it.
	serveFrom(t, h, attacker, "GET", "/healthz", "").wantStatus(t, http.StatusOK)
	serveFrom(t, h, attacker, "GET", "/v3/"+project+"/vpc/nothing", "guess").wantError(t, http.StatusNotFound, "APIGW.0101", "")

	// Other addresses are not slowed, and have their own budget.
	serveFrom(t, h, good, "GET", filters, sk).wantStatus(t, http.StatusOK)
	serveFrom(t, h, good, "GET", filters, "guess").wantError(t, http.StatusUnauthorized, "APIGW.0301", "")
	serveFrom(t, h, good, "GET", filters, sk).wantStatus(t, http.StatusOK)

	if got := strings.Count(logs.String(), "too many failed authentications"); got != 1 {
		t.Errorf("%d warnings about the address, want 1:\n%s", got, logs.String())
	}
	if !strings.Contains(logs.String(), `"client":"192.0.2.1"`) {
		t.Errorf("the warning does not name the address:\n%s", logs.String())
	}

	t.Run("IPv6Prefix", func(t *testing.T) {
		// A host picks addresses from its /64 at will: the /64 is one
		// client.
		for i := range 3 {
			serveFrom(t, h, fmt.Sprintf("[2001:db8::%x]:1", i+1), "GET", filters, "guess").wantError(t, http.StatusUnauthorized, "APIGW.0301", "")
		}
		serveFrom(t, h, "[2001:db8::ffff:1]:2", "GET", filters, sk).wantRateLimited(t, "ip")
		serveFrom(t, h, "[2001:db8:0:1::1]:3", "GET", filters, sk).wantStatus(t, http.StatusOK)
	})
}

// Under a burst of ten times the rate limit from many keys at once, the
// excess is refused cheaply and /healthz keeps answering.
func TestOverloadKeepsHealthz(t *testing.T) {
	const (
		keys     = 20
		burst    = 5
		requests = 10 * burst // per key
	)
	store, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	creds := make([]auth.Credential, keys)
	for i := range creds {
		creds[i] = auth.Credential{AccessKey: fmt.Sprintf("HPUAOVERLOADAK%06d", i), SecretKey: fmt.Sprintf("secret-%d", i), Projects: []string{project}}
	}
	srv := httptest.NewServer(server.New(server.Config{
		Store: store,
		Auth:  &auth.Verifier{Keys: auth.NewKeyring(creds)},
		// One token per 100 s: the burst is all a key gets in this test.
		KeyRateLimit: server.RateLimit{Rate: 0.01, Burst: burst},
	}))
	t.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * keys}}
	t.Cleanup(client.CloseIdleConnections)

	healthz := func() error {
		resp, err := client.Get(srv.URL + "/healthz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	done := make(chan struct{})
	probes := make(chan error, 1)
	go func() {
		n := 0
		for {
			select {
			case <-done:
				probes <- nil
				return
			default:
			}
			n++
			if err := healthz(); err != nil {
				probes <- fmt.Errorf("/healthz probe %d during the burst: %v", n, err)
				return
			}
		}
	}()

	var wg sync.WaitGroup
	statuses := make([]map[int]int, keys)
	for i, c := range creds {
		statuses[i] = map[int]int{}
		wg.Go(func() {
			for range requests {
				r, err := http.NewRequest("GET", srv.URL+filters, nil)
				if err != nil {
					t.Error(err)
					return
				}
				if err := auth.Sign(r, nil, c.AccessKey, c.SecretKey, time.Now()); err != nil {
					t.Error(err)
					return
				}
				resp, err := client.Do(r)
				if err != nil {
					t.Errorf("key %s: %v", c.AccessKey, err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				statuses[i][resp.StatusCode]++
			}
		})
	}
	wg.Wait()
	close(done)
	if err := <-probes; err != nil {
		t.Error(err)
	}
	if err := healthz(); err != nil {
		t.Errorf("/healthz after the burst: %v", err)
	}
	for i, got := range statuses {
		if got[http.StatusOK] < burst || got[http.StatusTooManyRequests] == 0 || got[http.StatusOK]+got[http.StatusTooManyRequests] != requests {
			t.Errorf("key %d: statuses %v, want at least %d × 200, some 429 and nothing else", i, got, burst)
		}
	}
}

// A 429 is described by /openapi.json, Retry-After header included.
func TestOpenAPIDescribesRateLimit(t *testing.T) {
	s := newServer(t, config{keyRate: server.RateLimit{Rate: 0.001, Burst: 2}})
	v := newValidator(t, s) // fetching the document costs no token
	v.do(t, "GET", filters, "").wantStatus(t, http.StatusOK)
	v.do(t, "GET", filters, "").wantStatus(t, http.StatusOK)
	v.do(t, "GET", filters, "").wantRateLimited(t, "user")
	_, doc := loadOpenAPI(t, s)
	resp := doc.Paths.Find("/v3/{project_id}/vpc/traffic-mirror-filters").Get.Responses.Value("429")
	if resp == nil || resp.Value.Headers["Retry-After"] == nil {
		t.Errorf("ListTrafficMirrorFilters documents no 429 with Retry-After")
	}
}

// panickingAuth panics in the middle of authentication.
type panickingAuth struct{}

func (panickingAuth) Verify(*http.Request, []byte) (auth.Credential, error) {
	panic("injected fault in the verifier")
}

// A panic anywhere in a request, here before the handler, is a 500 VPC.9501
// and a log line with the stack; the server goes on serving.
func TestPanicInAuthentication(t *testing.T) {
	s := newServer(t, config{wrapAuth: func(server.Authenticator) server.Authenticator { return panickingAuth{} }})
	for range 3 {
		resp := s.do(t, "GET", filters, "")
		resp.wantError(t, http.StatusInternalServerError, "VPC.9501", "Internal server error.")
		if contains(resp.Body, "injected") {
			t.Errorf("500 body %s reveals the panic", resp.Body)
		}
		s.do(t, "GET", "/healthz", "", unsigned).wantStatus(t, http.StatusOK)
	}
	logs := s.Logs.String()
	if strings.Count(logs, `"msg":"panic"`) != 3 || !strings.Contains(logs, "injected fault in the verifier") || !strings.Contains(logs, "goroutine ") {
		t.Errorf("want 3 panic lines with the value and the stack:\n%s", logs)
	}
	if !strings.Contains(logs, `"operation":"ListTrafficMirrorFilters","method":"GET"`) || !strings.Contains(logs, `"status":500`) {
		t.Errorf("the access log does not show the 500:\n%s", logs)
	}
}
