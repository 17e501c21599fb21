package metrics

import (
	"context"
	"time"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// storeMethods are the method label values of the store metrics.
var storeMethods = []string{
	"CreateSession", "GetSession", "ListSessions", "UpdateSession", "DeleteSession",
	"AddSessionSources", "RemoveSessionSources",
	"CreateFilter", "GetFilter", "ListFilters", "UpdateFilter", "DeleteFilter",
	"CreateFilterRule", "GetFilterRule", "ListFilterRules", "UpdateFilterRule", "DeleteFilterRule",
	"Ping",
}

// Store returns s with every call timed into
// trafficmirror_store_query_duration_seconds and its unexpected failures
// counted into trafficmirror_store_errors_total. The calls and their results
// are s's own.
func (m *Metrics) Store(s mirror.Store) mirror.Store {
	return &instrumentedStore{next: s, m: m}
}

// instrumentedStore is the decorator returned by Metrics.Store.
type instrumentedStore struct {
	next mirror.Store
	m    *Metrics
}

var _ mirror.Store = (*instrumentedStore)(nil)

func (s *instrumentedStore) CreateSession(ctx context.Context, v mirror.Session) (mirror.Session, error) {
	start := time.Now()
	out, err := s.next.CreateSession(ctx, v)
	s.m.observeStore("CreateSession", start, err)
	return out, err
}

func (s *instrumentedStore) GetSession(ctx context.Context, projectID, id string) (mirror.Session, error) {
	start := time.Now()
	out, err := s.next.GetSession(ctx, projectID, id)
	s.m.observeStore("GetSession", start, err)
	return out, err
}

func (s *instrumentedStore) ListSessions(ctx context.Context, projectID string, q mirror.SessionQuery) (mirror.Page[mirror.Session], error) {
	start := time.Now()
	out, err := s.next.ListSessions(ctx, projectID, q)
	s.m.observeStore("ListSessions", start, err)
	return out, err
}

func (s *instrumentedStore) UpdateSession(ctx context.Context, projectID, id string, u mirror.SessionUpdate) (mirror.Session, error) {
	start := time.Now()
	out, err := s.next.UpdateSession(ctx, projectID, id, u)
	s.m.observeStore("UpdateSession", start, err)
	return out, err
}

func (s *instrumentedStore) DeleteSession(ctx context.Context, projectID, id string) error {
	start := time.Now()
	err := s.next.DeleteSession(ctx, projectID, id)
	s.m.observeStore("DeleteSession", start, err)
	return err
}

func (s *instrumentedStore) AddSessionSources(ctx context.Context, projectID, id string, sources []string) (mirror.Session, error) {
	start := time.Now()
	out, err := s.next.AddSessionSources(ctx, projectID, id, sources)
	s.m.observeStore("AddSessionSources", start, err)
	return out, err
}

func (s *instrumentedStore) RemoveSessionSources(ctx context.Context, projectID, id string, sources []string) (mirror.Session, error) {
	start := time.Now()
	out, err := s.next.RemoveSessionSources(ctx, projectID, id, sources)
	s.m.observeStore("RemoveSessionSources", start, err)
	return out, err
}

func (s *instrumentedStore) CreateFilter(ctx context.Context, f mirror.Filter) (mirror.Filter, error) {
	start := time.Now()
	out, err := s.next.CreateFilter(ctx, f)
	s.m.observeStore("CreateFilter", start, err)
	return out, err
}

func (s *instrumentedStore) GetFilter(ctx context.Context, projectID, id string) (mirror.Filter, error) {
	start := time.Now()
	out, err := s.next.GetFilter(ctx, projectID, id)
	s.m.observeStore("GetFilter", start, err)
	return out, err
}

func (s *instrumentedStore) ListFilters(ctx context.Context, projectID string, q mirror.FilterQuery) (mirror.Page[mirror.Filter], error) {
	start := time.Now()
	out, err := s.next.ListFilters(ctx, projectID, q)
	s.m.observeStore("ListFilters", start, err)
	return out, err
}

func (s *instrumentedStore) UpdateFilter(ctx context.Context, projectID, id string, u mirror.FilterUpdate) (mirror.Filter, error) {
	start := time.Now()
	out, err := s.next.UpdateFilter(ctx, projectID, id, u)
	s.m.observeStore("UpdateFilter", start, err)
	return out, err
}

func (s *instrumentedStore) DeleteFilter(ctx context.Context, projectID, id string) error {
	start := time.Now()
	err := s.next.DeleteFilter(ctx, projectID, id)
	s.m.observeStore("DeleteFilter", start, err)
	return err
}

func (s *instrumentedStore) CreateFilterRule(ctx context.Context, r mirror.FilterRule) (mirror.FilterRule, error) {
	start := time.Now()
	out, err := s.next.CreateFilterRule(ctx, r)
	s.m.observeStore("CreateFilterRule", start, err)
	return out, err
}

func (s *instrumentedStore) GetFilterRule(ctx context.Context, projectID, id string) (mirror.FilterRule, error) {
	start := time.Now()
	out, err := s.next.GetFilterRule(ctx, projectID, id)
	s.m.observeStore("GetFilterRule", start, err)
	return out, err
}

func (s *instrumentedStore) ListFilterRules(ctx context.Context, projectID string, q mirror.FilterRuleQuery) (mirror.Page[mirror.FilterRule], error) {
	start := time.Now()
	out, err := s.next.ListFilterRules(ctx, projectID, q)
	s.m.observeStore("ListFilterRules", start, err)
	return out, err
}

func (s *instrumentedStore) UpdateFilterRule(ctx context.Context, projectID, id string, u mirror.FilterRuleUpdate) (mirror.FilterRule, error) {
	start := time.Now()
	out, err := s.next.UpdateFilterRule(ctx, projectID, id, u)
	s.m.observeStore("UpdateFilterRule", start, err)
	return out, err
}

func (s *instrumentedStore) DeleteFilterRule(ctx context.Context, projectID, id string) error {
	start := time.Now()
	err := s.next.DeleteFilterRule(ctx, projectID, id)
	s.m.observeStore("DeleteFilterRule", start, err)
	return err
}

func (s *instrumentedStore) Ping(ctx context.Context) error {
	start := time.Now()
	err := s.next.Ping(ctx)
	s.m.observeStore("Ping", start, err)
	return err
}

// Close closes the underlying store; it is not timed.
func (s *instrumentedStore) Close() error { return s.next.Close() }
