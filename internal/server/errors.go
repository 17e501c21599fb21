package server

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/trafficmirror/trafficmirror/internal/api"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// This file is the only place that maps error kinds to HTTP statuses and
// writes error bodies (../shared/spec/errors.md).

// internalMsg is all a client learns of an unexpected failure.
const internalMsg = "Internal server error."

var (
	errNoRoute  = mirror.Errorf(mirror.KindNotFound, mirror.CodeAPINotFound, "The API does not exist or has not been published in the environment")
	errTooLarge = mirror.Errorf(mirror.KindTooLarge, mirror.CodeBodyTooLarge, "Request entity too large.")
)

// statusOf returns the HTTP status of an error kind.
func statusOf(k mirror.Kind) int {
	switch k {
	case mirror.KindInvalid:
		return http.StatusBadRequest
	case mirror.KindUnauthenticated:
		return http.StatusUnauthorized
	case mirror.KindNotFound:
		return http.StatusNotFound
	case mirror.KindConflict:
		return http.StatusConflict
	case mirror.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case mirror.KindRateLimited:
		return http.StatusTooManyRequests
	case mirror.KindUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// writeError writes err as an error response. A *mirror.Error carries its
// public code and message; anything else, and an internal *mirror.Error, is
// answered with VPC.9501 and only the log learns the cause.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, code, msg := http.StatusInternalServerError, mirror.CodeInternal, internalMsg
	var e *mirror.Error
	if errors.As(err, &e) && e.Kind != mirror.KindInternal && e.Code != "" && e.Msg != "" {
		status, code, msg = statusOf(e.Kind), e.Code, e.Msg
	}
	if ra := retryAfter(0); status == http.StatusTooManyRequests && errors.As(err, &ra) {
		w.Header().Set("Retry-After", strconv.FormatInt(ra.seconds(), 10))
	}
	if status >= 500 {
		info := infoOf(r)
		s.logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("request_id", info.id),
			slog.String("operation", info.operation),
			slog.Int("status", status),
			slog.Any("err", err))
	}
	s.respondError(w, r, status, code, msg)
}

// respondError writes the error body {"error_code", "error_msg",
// "request_id"}.
func (s *server) respondError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if err := respond(w, r, status, appendErrorBody, errorBody{code, msg}); err != nil {
		s.logger.LogAttrs(r.Context(), slog.LevelWarn, "error response not written",
			slog.String("request_id", requestID(r)), slog.Any("err", err))
	}
}

// errorBody is the public part of an error response.
type errorBody struct{ code, msg string }

func appendErrorBody(dst []byte, e errorBody, requestID string) []byte {
	return api.AppendErrorResponse(dst, e.code, e.msg, requestID)
}
