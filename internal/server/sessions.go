package server

import (
	"net/http"

	"github.com/trafficmirror/trafficmirror/internal/api"
)

// Handlers of the seven session operations (../shared/spec/sessions.md).

func sessionID(r *http.Request) string { return r.PathValue("traffic_mirror_session_id") }

func (s *server) handleCreateSession() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := api.DecodeSession(body(r))
		if err != nil {
			return err
		}
		sess, err := f.NewSession(projectID(r), s.limits.SourcesPerSession)
		if err != nil {
			return err
		}
		sess, err = s.store.CreateSession(r.Context(), sess)
		if err != nil {
			return err
		}
		created(r, sess.ID)
		return respond(w, r, http.StatusCreated, api.AppendSessionResponse, sess)
	}
}

func (s *server) handleListSessions() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := parseSessionQuery(r.URL.RawQuery)
		if err != nil {
			return err
		}
		page, err := s.store.ListSessions(r.Context(), projectID(r), q)
		if err != nil {
			return err
		}
		return respond(w, r, http.StatusOK, api.AppendSessionList, page)
	}
}

func (s *server) handleShowSession() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		sess, err := s.store.GetSession(r.Context(), projectID(r), sessionID(r))
		if err != nil {
			return err
		}
		return respond(w, r, http.StatusOK, api.AppendSessionResponse, sess)
	}
}

func (s *server) handleUpdateSession() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := api.DecodeSession(body(r))
		if err != nil {
			return err
		}
		u, err := f.Update()
		if err != nil {
			return err
		}
		sess, err := s.store.UpdateSession(r.Context(), projectID(r), sessionID(r), u)
		if err != nil {
			return err
		}
		return respond(w, r, http.StatusOK, api.AppendSessionResponse, sess)
	}
}

func (s *server) handleDeleteSession() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := s.store.DeleteSession(r.Context(), projectID(r), sessionID(r)); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func (s *server) handleAddSources() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := api.DecodeSources(body(r))
		if err != nil {
			return err
		}
		sources, err := f.List(s.limits.SourcesPerSession)
		if err != nil {
			return err
		}
		sess, err := s.store.AddSessionSources(r.Context(), projectID(r), sessionID(r), sources)
		if err != nil {
			return err
		}
		return respond(w, r, http.StatusOK, api.AppendSessionResponse, sess)
	}
}

func (s *server) handleRemoveSources() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := api.DecodeSources(body(r))
		if err != nil {
			return err
		}
		sources, err := f.List(s.limits.SourcesPerSession)
		if err != nil {
			return err
		}
		sess, err := s.store.RemoveSessionSources(r.Context(), projectID(r), sessionID(r), sources)
		if err != nil {
			return err
		}
		return respond(w, r, http.StatusOK, api.AppendSessionResponse, sess)
	}
}
