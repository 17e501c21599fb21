package server

import (
	"net/http"

	"github.com/trafficmirror/trafficmirror/internal/api"
)

// Handlers of the five filter operations (../shared/spec/filters.md).

func filterID(r *http.Request) string { return r.PathValue("traffic_mirror_filter_id") }

func (s *server) handleCreateFilter() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := api.DecodeFilter(body(r))
		if err != nil {
			return err
		}
		flt, err := f.NewFilter(projectID(r))
		if err != nil {
			return err
		}
		flt, err = s.store.CreateFilter(r.Context(), flt)
		if err != nil {
			return err
		}
		created(r, flt.ID)
		return respond(w, r, http.StatusCreated, api.AppendFilterResponse, flt)
	}
}

func (s *server) handleListFilters() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := parseFilterQuery(r.URL.RawQuery)
		if err != nil {
			return err
		}
		page, err := s.store.ListFilters(r.Context(), projectID(r), q)
		if err != nil {
			return err
		}
		return respond(w, r, http.StatusOK, api.AppendFilterList, page)
	}
}

func (s *server) handleShowFilter() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		flt, err := s.store.GetFilter(r.Context(), projectID(r), filterID(r))
		if err != nil {
			return err
		}
		return respond(w, r, http.StatusOK, api.AppendFilterResponse, flt)
	}
}

func (s *server) handleUpdateFilter() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := api.DecodeFilter(body(r))
		if err != nil {
			return err
		}
		u, err := f.Update()
		if err != nil {
			return err
		}
		flt, err := s.store.UpdateFilter(r.Context(), projectID(r), filterID(r), u)
		if err != nil {
			return err
		}
		return respond(w, r, http.StatusOK, api.AppendFilterResponse, flt)
	}
}

func (s *server) handleDeleteFilter() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := s.store.DeleteFilter(r.Context(), projectID(r), filterID(r)); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
