package server

import (
	"net/http"

	"github.com/trafficmirror/trafficmirror/internal/api"
)

// Handlers of the five filter rule operations
// (../shared/spec/filter-rules.md).

func ruleID(r *http.Request) string { return r.PathValue("traffic_mirror_filter_rule_id") }

func (s *server) handleCreateRule() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := api.DecodeFilterRule(body(r))
		if err != nil {
			return err
		}
		rule, err := f.NewRule(projectID(r))
		if err != nil {
			return err
		}
		rule, err = s.store.CreateFilterRule(r.Context(), rule)
		if err != nil {
			return err
		}
		created(r, rule.ID)
		return respond(w, r, http.StatusCreated, api.AppendFilterRuleResponse, rule)
	}
}

func (s *server) handleListRules() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := parseFilterRuleQuery(r.URL.RawQuery)
		if err != nil {
			return err
		}
		page, err := s.store.ListFilterRules(r.Context(), projectID(r), q)
		if err != nil {
			return err
		}
		return respond(w, r, http.StatusOK, api.AppendFilterRuleList, page)
	}
}

func (s *server) handleShowRule() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		rule, err := s.store.GetFilterRule(r.Context(), projectID(r), ruleID(r))
		if err != nil {
			return err
		}
		return respond(w, r, http.StatusOK, api.AppendFilterRuleResponse, rule)
	}
}

func (s *server) handleUpdateRule() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := api.DecodeFilterRule(body(r))
		if err != nil {
			return err
		}
		u, err := f.Update()
		if err != nil {
			return err
		}
		rule, err := s.store.UpdateFilterRule(r.Context(), projectID(r), ruleID(r), u)
		if err != nil {
			return err
		}
		return respond(w, r, http.StatusOK, api.AppendFilterRuleResponse, rule)
	}
}

func (s *server) handleDeleteRule() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := s.store.DeleteFilterRule(r.Context(), projectID(r), ruleID(r)); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
