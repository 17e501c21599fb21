package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trafficmirror/trafficmirror/internal/api"
	"github.com/trafficmirror/trafficmirror/internal/auth"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
	"github.com/trafficmirror/trafficmirror/internal/server"
	"github.com/trafficmirror/trafficmirror/internal/sqlstore"
)

const (
	project  = "0123456789abcdef0123456789abcdef"
	other    = "fedcba9876543210fedcba9876543210" // a project the main key may not use
	ak       = "HPUAEXAMPLEAK0000001"
	sk       = "sk/EXAMPLE+SecretKey0000000000000000000000"
	anyAK    = "HPUAEXAMPLEAK0000002" // may use any project
	anySK    = "another-secret-key-0000000000000000000000"
	src1     = "6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b"
	src2     = "7e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b"
	target   = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
	noSuchID = "00000000-0000-4000-8000-000000000000"
)

var (
	uuidV4RE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	timeRE   = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$`)
)

// lockedBuffer collects the server's log lines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testServer is a server on the real SQLite store and the real verifier.
type testServer struct {
	URL   string
	Store *sqlstore.Store
	Logs  *lockedBuffer
	Audit *lockedBuffer // the audit logger's JSON lines
	// DBPath is the SQLite file of Store.
	DBPath string
}

// config adjusts the server's configuration; wrap replaces the store the
// server sees (for fault injection).
type config struct {
	maxBody int64
	limits  mirror.Limits
	wrap    func(mirror.Store) mirror.Store
	version string
	noAudit bool // no audit logger
	// keyRate and authFailures are the rate limits; wrapAuth replaces
	// the authenticator the server sees.
	keyRate, authFailures server.RateLimit
	wrapAuth              func(server.Authenticator) server.Authenticator
}

func newServer(t *testing.T, cfg config) *testServer {
	t.Helper()
	dbPath := filepath.Join(t.TempDir(), "trafficmirror.db")
	store, err := sqlstore.Open(context.Background(), dbPath, sqlstore.Options{Limits: cfg.limits})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	var st mirror.Store = store
	if cfg.wrap != nil {
		st = cfg.wrap(store)
	}
	logs, audit := &lockedBuffer{}, &lockedBuffer{}
	auditLogger := slog.New(slog.NewJSONHandler(audit, nil))
	if cfg.noAudit {
		auditLogger = nil
	}
	keys := auth.NewKeyring([]auth.Credential{
		{AccessKey: ak, SecretKey: sk, Projects: []string{project}},
		{AccessKey: anyAK, SecretKey: anySK, Projects: []string{auth.AnyProject}},
	})
	var authn server.Authenticator = &auth.Verifier{Keys: keys}
	if cfg.wrapAuth != nil {
		authn = cfg.wrapAuth(authn)
	}
	srv := httptest.NewServer(server.New(server.Config{
		Store:            st,
		Auth:             authn,
		Limits:           cfg.limits,
		Logger:           slog.New(slog.NewJSONHandler(logs, nil)),
		AuditLogger:      auditLogger,
		MaxBodyBytes:     cfg.maxBody,
		Version:          cfg.version,
		KeyRateLimit:     cfg.keyRate,
		AuthFailureLimit: cfg.authFailures,
	}))
	t.Cleanup(srv.Close)
	return &testServer{URL: srv.URL, Store: store, Logs: logs, Audit: audit, DBPath: dbPath}
}

// response is a received response with its body read.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// reqConfig is how do builds a request.
type reqConfig struct {
	ak, sk   string
	unsigned bool
	headers  http.Header // set before signing, so signed
}

type reqOption func(*reqConfig)

// header sets a (signed) request header.
func header(k, v string) reqOption {
	return func(c *reqConfig) { c.headers.Set(k, v) }
}

// as signs with another key pair.
func as(accessKey, secretKey string) reqOption {
	return func(c *reqConfig) { c.ak, c.sk = accessKey, secretKey }
}

// unsigned sends the request without a signature.
func unsigned(c *reqConfig) { c.unsigned = true }

// do sends a request signed as the Go SDK signs it and reads the response.
func (s *testServer) do(t *testing.T, method, path, body string, opts ...reqOption) response {
	t.Helper()
	c := reqConfig{ak: ak, sk: sk, headers: http.Header{}}
	for _, o := range opts {
		o(&c)
	}
	r, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("User-Agent", "huaweicloud-usdk-go/3.0; test")
	for k, v := range c.headers {
		r.Header[k] = v
	}
	if !c.unsigned {
		if err := auth.Sign(r, []byte(body), c.ak, c.sk, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	r.Header.Set("Content-Type", "application/json") // unsigned, as from the SDK
	return s.send(t, r)
}

func (s *testServer) send(t *testing.T, r *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// decode decodes the body into v, failing on unknown fields.
func (resp response) decode(t *testing.T, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(resp.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", resp.Body, err)
	}
}

// wantStatus checks the status and the headers every response must have:
// a fresh lower-case UUIDv4 X-Request-Id equal to the body's request_id, and
// Content-Type application/json and the Content-Length on every response
// with a body.
func (resp response) wantStatus(t *testing.T, status int) {
	t.Helper()
	if resp.Status != status {
		t.Fatalf("status = %d, want %d; body %s", resp.Status, status, resp.Body)
	}
	id := resp.Header.Get("X-Request-Id")
	if !uuidV4RE.MatchString(id) {
		t.Errorf("X-Request-Id = %q, want a lower-case UUIDv4", id)
	}
	if len(resp.Body) == 0 {
		return
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if cl := resp.Header.Get("Content-Length"); cl != strconv.Itoa(len(resp.Body)) {
		t.Errorf("Content-Length = %q for a body of %d bytes", cl, len(resp.Body))
	}
	var body struct {
		RequestID *string `json:"request_id"`
	}
	if err := json.Unmarshal(resp.Body, &body); err != nil {
		t.Fatalf("body %s: %v", resp.Body, err)
	}
	if body.RequestID != nil && *body.RequestID != id {
		t.Errorf("body request_id = %q, X-Request-Id = %q, want equal", *body.RequestID, id)
	}
}

// wantError checks an error response: status, all three keys, the code and,
// when msg is not "", the message.
func (resp response) wantError(t *testing.T, status int, code, msg string) {
	t.Helper()
	resp.wantStatus(t, status)
	var e api.ErrorResponse
	resp.decode(t, &e)
	if e.ErrorCode != code || msg != "" && e.ErrorMsg != msg || e.ErrorMsg == "" || e.RequestID == "" {
		t.Errorf("error body = %s, want code %s message %q", resp.Body, code, msg)
	}
}

func (s *testServer) mustCreateFilter(t *testing.T, name string) api.Filter {
	t.Helper()
	resp := s.do(t, "POST", "/v3/"+project+"/vpc/traffic-mirror-filters", `{"traffic_mirror_filter":{"name":"`+name+`"}}`+"\n")
	resp.wantStatus(t, http.StatusCreated)
	var out api.FilterResponse
	resp.decode(t, &out)
	return out.Filter
}

func (s *testServer) mustCreateRule(t *testing.T, filterID, direction string, priority int) api.FilterRule {
	t.Helper()
	resp := s.do(t, "POST", "/v3/"+project+"/vpc/traffic-mirror-filter-rules", fmt.Sprintf(
		`{"traffic_mirror_filter_rule":{"traffic_mirror_filter_id":%q,"direction":%q,"protocol":"TCP","ethertype":"ipv4",`+
			`"action":"accept","priority":%d,"source_cidr_block":" 10.0.0.0/8 ","destination_port_range":"80-443"}}`,
		filterID, direction, priority))
	resp.wantStatus(t, http.StatusCreated)
	var out api.FilterRuleResponse
	resp.decode(t, &out)
	return out.Rule
}

func (s *testServer) mustCreateSession(t *testing.T, filterID string, priority int, sources ...string) api.Session {
	t.Helper()
	srcs, _ := json.Marshal(sources)
	resp := s.do(t, "POST", "/v3/"+project+"/vpc/traffic-mirror-sessions", fmt.Sprintf(
		`{"traffic_mirror_session":{"name":"s","traffic_mirror_filter_id":%q,"traffic_mirror_sources":%s,`+
			`"traffic_mirror_target_id":%q,"traffic_mirror_target_type":"eni","priority":%d}}`,
		filterID, srcs, target, priority))
	resp.wantStatus(t, http.StatusCreated)
	var out api.SessionResponse
	resp.decode(t, &out)
	return out.Session
}

// wantTimes checks the timestamp format of a resource.
func wantTimes(t *testing.T, createdAt, updatedAt string) {
	t.Helper()
	if !timeRE.MatchString(createdAt) || !timeRE.MatchString(updatedAt) {
		t.Errorf("created_at %q, updated_at %q: want YYYY-MM-DDTHH:MM:SS.sss+00:00", createdAt, updatedAt)
	}
}

func contains(body []byte, s string) bool { return bytes.Contains(body, []byte(s)) }
