// Package server is the HTTP server of the traffic-mirroring API: routing,
// request ids, authentication, the translation of errors into responses, and
// one handler per operation of ../shared/spec/README.md §2.
package server

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/trafficmirror/trafficmirror/internal/auth"
	"github.com/trafficmirror/trafficmirror/internal/metrics"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// Authenticator verifies a request's signature over the raw body and returns
// the caller's credential; *auth.Verifier implements it. Its errors are
// *mirror.Error values of KindUnauthenticated.
type Authenticator interface {
	Verify(r *http.Request, body []byte) (auth.Credential, error)
}

// Config is what the server needs. Store and Auth are required.
type Config struct {
	Store        mirror.Store
	Auth         Authenticator
	Limits       mirror.Limits // zero → mirror.DefaultLimits()
	Logger       *slog.Logger  // nil → discard
	MaxBodyBytes int64         // 0 → 1 MiB
	// AuditLogger receives one line per successful mutation (see audit.go);
	// nil → no audit lines.
	AuditLogger *slog.Logger
	// Version is reported by trafficmirror_build_info and /openapi.json;
	// "" → "devel".
	Version string
	// KeyRateLimit limits the API requests of each access key; beyond it a
	// request gets 429 APIGW.0308 with Retry-After. A request is charged
	// only once its signature is verified, so that nobody can spend another
	// key's budget. Zero: no limit.
	KeyRateLimit RateLimit
	// AuthFailureLimit limits the failed authentications of each client
	// address (the host of the connection's remote address; an IPv6 address
	// counts by its /64). An address past its budget gets 429 APIGW.0308 for
	// every API request, before any signature work, until its bucket
	// refills. Zero: no limit.
	AuthFailureLimit RateLimit
}

// defaultMaxBodyBytes is the body size limit of ../shared/spec/constraints.md §1.
const defaultMaxBodyBytes = 1 << 20

// New returns the handler of the whole API plus the unauthenticated
// GET /healthz, GET /metrics (Prometheus text) and GET /openapi.json.
func New(cfg Config) http.Handler {
	s := &server{
		store:   cfg.Store,
		auth:    cfg.Auth,
		limits:  cfg.Limits,
		logger:  cfg.Logger,
		audit:   cfg.AuditLogger,
		maxBody: cfg.MaxBodyBytes,

		keyLimit:     newLimiter(cfg.KeyRateLimit),
		authFailures: newLimiter(cfg.AuthFailureLimit),
	}
	if s.limits == (mirror.Limits{}) {
		s.limits = mirror.DefaultLimits()
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.maxBody <= 0 {
		s.maxBody = defaultMaxBodyBytes
	}
	version := cfg.Version
	if version == "" {
		version = "devel"
	}
	// The resources are counted on the store as given: a wrapper (such as
	// the instrumentation below) would hide the optional method.
	counter, _ := cfg.Store.(metrics.ResourceCounter)
	s.metrics = metrics.New(metrics.Options{
		Version:    version,
		Operations: operationNames(),
		Resources:  counter,
		Logger:     s.logger,
	})
	s.store = s.metrics.Store(s.store)
	s.openapi = openAPIDocument(version, s.limits)
	mux := http.NewServeMux()
	s.routes(mux)
	// The order of errors.md §4: every response gets a request id, a panic
	// anywhere becomes a 500, the route is matched before the body is read
	// and the signature verified (see routes.go for the per-operation steps).
	return s.withRequestID(s.withRecover(s.withRoute(mux)))
}

type server struct {
	store   mirror.Store // instrumented by metrics
	auth    Authenticator
	limits  mirror.Limits
	logger  *slog.Logger
	audit   *slog.Logger // nil: no audit lines
	maxBody int64
	metrics *metrics.Metrics
	openapi []byte // the /openapi.json body

	keyLimit     *limiter // requests per access key; nil: none
	authFailures *limiter // failed authentications per client address; nil: none
}

// handlerFunc handles one request. Every failure is returned, never written:
// adapt writes it, so that errors.go is the only place deciding statuses.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// adapt turns h into an http.Handler that writes h's error as an error
// response.
func (s *server) adapt(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		if info := infoOf(r); info.status != 0 {
			// The response has started (the client went away while it was
			// written): there is nothing left to tell the client.
			s.logger.LogAttrs(r.Context(), slog.LevelWarn, "response not completed",
				slog.String("request_id", info.id), slog.String("operation", info.operation), slog.Any("err", err))
			return
		}
		s.writeError(w, r, err)
	})
}

// encode writes v, encoded by encoding/json, as the JSON body of a response
// with the given status. The API's own bodies go through respond instead;
// this is for the few others (/healthz).
func encode(w http.ResponseWriter, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Descriptions may hold '&'; keep it readable rather than \u0026.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return writeJSON(w, status, buf.Bytes())
}

// respBufs holds the buffers response bodies are encoded into, so that a
// busy server does not allocate (and grow) one per response.
var respBufs = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBuf is the largest buffer put back into respBufs: a walk page of
// 2000 sessions is about 1.1 MiB, while a one-off giant (2000 filters full
// of rules) is left to the garbage collector rather than kept.
const maxPooledBuf = 4 << 20

// respond writes, with the given status, the JSON body that appendJSON
// (one of the api.Append… functions) makes of v and the request's id. The
// body is exactly what encoding/json wrote before those functions existed,
// the newline json.Encoder ends a value with included.
func respond[T any](w http.ResponseWriter, r *http.Request, status int, appendJSON func([]byte, T, string) []byte, v T) error {
	bp := respBufs.Get().(*[]byte)
	b := appendJSON((*bp)[:0], v, requestID(r))
	b = append(b, '\n')
	err := writeJSON(w, status, b)
	if cap(b) <= maxPooledBuf {
		*bp = b
		respBufs.Put(bp)
	}
	return err
}

// writeJSON writes body as a JSON response with the given status. The
// Content-Length lets net/http send a list page in one piece rather than
// chunked, and tells the client the size up front.
func writeJSON(w http.ResponseWriter, status int, body []byte) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, err := w.Write(body)
	return err
}

// requestInfo is what the layers of one request learn and the access log
// reports. The request-id layer creates it; later layers fill it in.
type requestInfo struct {
	id        string
	operation string
	project   string
	accessKey string
	cred      auth.Credential // holds the secret key: never log it
	body      []byte          // the raw body, read once before authentication
	status    int             // the status written, 0 before the response started

	op         *operation // the API operation matched, nil for other requests
	resourceID string     // the path's resource ID, or the created resource's
	// opMetrics are op's request metrics, nil for other requests.
	opMetrics *metrics.OperationMetrics

	recorder statusRecorder // the response writer the layers below see
}

type infoKey struct{}

func withInfo(ctx context.Context, info *requestInfo) context.Context {
	return context.WithValue(ctx, infoKey{}, info)
}

// infoOf returns the request's info. The request-id layer always sets it;
// the fallback only keeps a handler called on its own from crashing.
func infoOf(r *http.Request) *requestInfo {
	if info, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
		return info
	}
	return &requestInfo{}
}

func requestID(r *http.Request) string { return infoOf(r).id }

// created records the ID of the resource a create made, for the audit line.
func created(r *http.Request, id string) { infoOf(r).resourceID = id }

func body(r *http.Request) []byte { return infoOf(r).body }

func projectID(r *http.Request) string { return r.PathValue("project_id") }
