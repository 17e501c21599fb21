package client

import (
	"context"
	"iter"

	"github.com/trafficmirror/trafficmirror/internal/api"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// Path segments of the three collections below /v3/{project_id}/vpc.
const (
	sessionsSegment = "traffic-mirror-sessions"
	filtersSegment  = "traffic-mirror-filters"
	rulesSegment    = "traffic-mirror-filter-rules"
)

// CreateSession creates a session (CreateTrafficMirrorSession). Fields left
// zero are not sent, so the server applies its defaults.
func (c *Client) CreateSession(ctx context.Context, f api.SessionFields) (api.SessionResponse, error) {
	var resp api.SessionResponse
	err := c.do(ctx, "POST", []string{sessionsSegment}, nil, api.SessionRequest{Session: f}, &resp)
	return resp, err
}

// ShowSession returns one session (ShowTrafficMirrorSession).
func (c *Client) ShowSession(ctx context.Context, id string) (api.SessionResponse, error) {
	var resp api.SessionResponse
	err := c.do(ctx, "GET", []string{sessionsSegment, id}, nil, nil, &resp)
	return resp, err
}

// ListSessions returns one page of the sessions matching q
// (ListTrafficMirrorSessions). Every value of a multi-valued field is sent as
// its own query parameter; q.MatchNone is not sent, it is a conclusion the
// server draws.
func (c *Client) ListSessions(ctx context.Context, q mirror.SessionQuery) (api.SessionList, error) {
	var resp api.SessionList
	err := c.do(ctx, "GET", []string{sessionsSegment}, sessionValues(q), nil, &resp)
	return resp, err
}

// SessionPages returns the pages of the sessions matching q, from q.Marker
// to the end, fetching each page only when the previous one has been
// consumed.
func (c *Client) SessionPages(ctx context.Context, q mirror.SessionQuery) iter.Seq2[api.SessionList, error] {
	return pages(q.Marker, func(marker string) (api.SessionList, string, error) {
		q.Marker = marker
		p, err := c.ListSessions(ctx, q)
		return p, p.PageInfo.NextMarker, err
	})
}

// UpdateSession changes the fields of f that are not zero
// (UpdateTrafficMirrorSession).
func (c *Client) UpdateSession(ctx context.Context, id string, f api.SessionFields) (api.SessionResponse, error) {
	var resp api.SessionResponse
	err := c.do(ctx, "PUT", []string{sessionsSegment, id}, nil, api.SessionRequest{Session: f}, &resp)
	return resp, err
}

// DeleteSession deletes a session (DeleteTrafficMirrorSession).
func (c *Client) DeleteSession(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", []string{sessionsSegment, id}, nil, nil, nil)
}

// AddSessionSources appends sources to a session
// (AddSourcesToTrafficMirrorSession).
func (c *Client) AddSessionSources(ctx context.Context, id string, sources []string) (api.SessionResponse, error) {
	return c.changeSources(ctx, id, "add-sources", sources)
}

// RemoveSessionSources removes sources from a session
// (RemoveSourcesFromTrafficMirrorSession).
func (c *Client) RemoveSessionSources(ctx context.Context, id string, sources []string) (api.SessionResponse, error) {
	return c.changeSources(ctx, id, "remove-sources", sources)
}

func (c *Client) changeSources(ctx context.Context, id, action string, sources []string) (api.SessionResponse, error) {
	var resp api.SessionResponse
	body := api.SourcesRequest{Session: api.SourcesFields{Sources: api.StringsOf(sources)}}
	err := c.do(ctx, "PUT", []string{sessionsSegment, id, action}, nil, body, &resp)
	return resp, err
}

// CreateFilter creates a filter (CreateTrafficMirrorFilter).
func (c *Client) CreateFilter(ctx context.Context, f api.FilterFields) (api.FilterResponse, error) {
	var resp api.FilterResponse
	err := c.do(ctx, "POST", []string{filtersSegment}, nil, api.FilterRequest{Filter: f}, &resp)
	return resp, err
}

// ShowFilter returns one filter with its rules (ShowTrafficMirrorFilter).
func (c *Client) ShowFilter(ctx context.Context, id string) (api.FilterResponse, error) {
	var resp api.FilterResponse
	err := c.do(ctx, "GET", []string{filtersSegment, id}, nil, nil, &resp)
	return resp, err
}

// ListFilters returns one page of the filters matching q
// (ListTrafficMirrorFilters).
func (c *Client) ListFilters(ctx context.Context, q mirror.FilterQuery) (api.FilterList, error) {
	var resp api.FilterList
	err := c.do(ctx, "GET", []string{filtersSegment}, filterValues(q), nil, &resp)
	return resp, err
}

// FilterPages returns the pages of the filters matching q, as SessionPages
// does.
func (c *Client) FilterPages(ctx context.Context, q mirror.FilterQuery) iter.Seq2[api.FilterList, error] {
	return pages(q.Marker, func(marker string) (api.FilterList, string, error) {
		q.Marker = marker
		p, err := c.ListFilters(ctx, q)
		return p, p.PageInfo.NextMarker, err
	})
}

// UpdateFilter changes the fields of f that are not zero
// (UpdateTrafficMirrorFilter).
func (c *Client) UpdateFilter(ctx context.Context, id string, f api.FilterFields) (api.FilterResponse, error) {
	var resp api.FilterResponse
	err := c.do(ctx, "PUT", []string{filtersSegment, id}, nil, api.FilterRequest{Filter: f}, &resp)
	return resp, err
}

// DeleteFilter deletes a filter and its rules (DeleteTrafficMirrorFilter).
func (c *Client) DeleteFilter(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", []string{filtersSegment, id}, nil, nil, nil)
}

// CreateFilterRule creates a filter rule (CreateTrafficMirrorFilterRule).
func (c *Client) CreateFilterRule(ctx context.Context, f api.FilterRuleFields) (api.FilterRuleResponse, error) {
	var resp api.FilterRuleResponse
	err := c.do(ctx, "POST", []string{rulesSegment}, nil, api.FilterRuleRequest{Rule: f}, &resp)
	return resp, err
}

// ShowFilterRule returns one filter rule (ShowTrafficMirrorFilterRule).
func (c *Client) ShowFilterRule(ctx context.Context, id string) (api.FilterRuleResponse, error) {
	var resp api.FilterRuleResponse
	err := c.do(ctx, "GET", []string{rulesSegment, id}, nil, nil, &resp)
	return resp, err
}

// ListFilterRules returns one page of the filter rules matching q
// (ListTrafficMirrorFilterRules).
func (c *Client) ListFilterRules(ctx context.Context, q mirror.FilterRuleQuery) (api.FilterRuleList, error) {
	var resp api.FilterRuleList
	err := c.do(ctx, "GET", []string{rulesSegment}, filterRuleValues(q), nil, &resp)
	return resp, err
}

// FilterRulePages returns the pages of the filter rules matching q, as
// SessionPages does.
func (c *Client) FilterRulePages(ctx context.Context, q mirror.FilterRuleQuery) iter.Seq2[api.FilterRuleList, error] {
	return pages(q.Marker, func(marker string) (api.FilterRuleList, string, error) {
		q.Marker = marker
		p, err := c.ListFilterRules(ctx, q)
		return p, p.PageInfo.NextMarker, err
	})
}

// UpdateFilterRule changes the fields of f that are not zero
// (UpdateTrafficMirrorFilterRule).
func (c *Client) UpdateFilterRule(ctx context.Context, id string, f api.FilterRuleFields) (api.FilterRuleResponse, error) {
	var resp api.FilterRuleResponse
	err := c.do(ctx, "PUT", []string{rulesSegment, id}, nil, api.FilterRuleRequest{Rule: f}, &resp)
	return resp, err
}

// DeleteFilterRule deletes a filter rule (DeleteTrafficMirrorFilterRule).
func (c *Client) DeleteFilterRule(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", []string{rulesSegment, id}, nil, nil, nil)
}
