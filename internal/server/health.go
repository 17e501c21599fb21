package server

import (
	"log/slog"
	"net/http"
)

// healthStatus is the body of GET /healthz.
type healthStatus struct {
	Status string `json:"status"`
}

// handleHealth answers 200 when the store can serve requests and 503
// otherwise. It needs no signature: load balancers and the smoke test call
// it.
func (s *server) handleHealth() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := s.store.Ping(r.Context()); err != nil {
			s.logger.LogAttrs(r.Context(), slog.LevelWarn, "health check failed",
				slog.String("request_id", requestID(r)), slog.Any("err", err))
			return encode(w, http.StatusServiceUnavailable, healthStatus{Status: "unavailable"})
		}
		return encode(w, http.StatusOK, healthStatus{Status: "ok"})
	}
}
