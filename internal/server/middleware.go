package server

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/google/uuid"

	"github.com/trafficmirror/trafficmirror/internal/auth"
	"github.com/trafficmirror/trafficmirror/internal/metrics"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// withRequestID gives every request a fresh request id, sent in the
// X-Request-Id header of every response (the Go SDK reads it only from
// there), and when the request is done writes its access log line, counts it
// in the metrics and writes the audit line of a successful mutation. An
// incoming X-Request-Id is ignored: ids are the server's own.
func (s *server) withRequestID(next http.Handler) http.Handler {
	unmatched := s.metrics.Operation(metrics.UnmatchedOperation)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// The recorder lives in the info: one allocation for both.
		info := &requestInfo{id: newRequestID()}
		info.recorder = statusRecorder{ResponseWriter: w, info: info}
		w.Header().Set("X-Request-Id", info.id)
		r = r.WithContext(withInfo(r.Context(), info))
		defer func() {
			status := info.status
			if status == 0 {
				status = http.StatusOK // what net/http sends for an empty response
			}
			end := time.Now()
			duration := end.Sub(start)
			s.logRequest(r, info, status, end, duration)
			switch {
			case info.opMetrics != nil:
				info.opMetrics.ObserveRequest(status, duration)
			case info.operation == "":
				unmatched.ObserveRequest(status, duration)
			}
			if info.op != nil && info.op.mutates() && status < 300 {
				s.auditMutation(r, info, status, end)
			}
		}()
		next.ServeHTTP(&info.recorder, r)
	})
}

// logRequest writes the access log line of a request that ended at end.
// It builds the record itself rather than calling Logger.LogAttrs, which
// would read the clock again and walk the stack for a source position that
// the server's handlers never print.
func (s *server) logRequest(r *http.Request, info *requestInfo, status int, end time.Time, duration time.Duration) {
	ctx := r.Context()
	h := s.logger.Handler()
	if !h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	rec := slog.NewRecord(end, slog.LevelInfo, "request", 0)
	rec.AddAttrs(
		slog.String("request_id", info.id),
		slog.String("operation", info.operation),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("project", info.project),
		slog.String("access_key", info.accessKey),
		slog.Int("status", status),
		slog.Duration("duration", duration))
	_ = h.Handle(ctx, rec) // as Logger.LogAttrs, which drops the error too
}

// newRequestID returns a random (version 4) UUID in lower case. The 16
// bytes come from crypto/rand into an array on the stack, which costs one
// allocation (the string) where uuid.NewString costs two. uuid's buffered
// pool (uuid.EnableRandPool) was no faster alone and slower under
// concurrency, behind its mutex, and it is a process-wide switch.
func newRequestID() string {
	var u uuid.UUID
	rand.Read(u[:])         // never fails (crypto/rand, Go 1.24+)
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // the RFC 9562 variant
	return u.String()
}

// statusRecorder notes in the request info the status a response starts
// with.
type statusRecorder struct {
	http.ResponseWriter
	info *requestInfo
}

func (w *statusRecorder) WriteHeader(status int) {
	if w.info.status == 0 {
		w.info.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.info.status == 0 {
		w.info.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withRecover turns a panic into a 500 VPC.9501 response and a log line with
// the stack, so that one bad request never stops the server.
func (s *server) withRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // net/http's own way to abort a response
			}
			info := infoOf(r)
			s.logger.LogAttrs(r.Context(), slog.LevelError, "panic",
				slog.String("request_id", info.id),
				slog.String("operation", info.operation),
				slog.String("panic", fmt.Sprint(v)),
				slog.String("stack", string(debug.Stack())))
			if info.status == 0 {
				s.respondError(w, r, http.StatusInternalServerError, mirror.CodeInternal, internalMsg)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// readBody reads the raw body once, for the signature and then for the
// handler. A Content-Length above the limit is refused before reading; a body
// without one (chunked) is read up to one byte past the limit.
func (s *server) readBody(next handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if r.ContentLength == 0 {
			// No body (net/http's NoBody): nothing to read, nor to
			// allocate a read buffer for, on every GET.
			return next(w, r)
		}
		if r.ContentLength > s.maxBody {
			return errTooLarge
		}
		b, err := io.ReadAll(io.LimitReader(r.Body, s.maxBody+1))
		if err != nil {
			return &mirror.Error{Kind: mirror.KindInvalid, Code: mirror.CodeInvalidBody,
				Msg: "Invalid request body: the body could not be read", Err: err}
		}
		if int64(len(b)) > s.maxBody {
			return errTooLarge
		}
		infoOf(r).body = b
		return next(w, r)
	}
}

// authenticate verifies the request's signature over the raw body. A client
// address that has failed too often is refused before the verification, and
// every failure is charged to the address (ratelimit.go).
func (s *server) authenticate(next handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		info := infoOf(r)
		addr := clientAddress(r)
		if err := s.authFailureGate(addr); err != nil {
			return err
		}
		cred, err := s.auth.Verify(r, info.body)
		if err != nil {
			s.chargeAuthFailure(r, addr)
			return err
		}
		info.cred = cred
		info.accessKey = cred.AccessKey
		return next(w, r)
	}
}

// checkProject checks the path project against the X-Project-Id header and
// the credential (auth.md §6).
func (s *server) checkProject(next handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := auth.CheckProject(r, infoOf(r).cred, projectID(r)); err != nil {
			return err
		}
		return next(w, r)
	}
}
