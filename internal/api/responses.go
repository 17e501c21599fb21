package api

import (
	"time"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// TimeLayout is the format of created_at and updated_at, always in UTC
// (../shared/spec/README.md §3.3). The SDK decodes filter and rule timestamps
// as sdktime.SdkTime, which needs the colon in the offset.
const TimeLayout = "2006-01-02T15:04:05.000+00:00"

// FormatTime formats t in UTC with TimeLayout.
func FormatTime(t time.Time) string {
	var buf [len(TimeLayout)]byte
	return string(AppendTime(buf[:0], t))
}

// Session is the response representation of a traffic mirror session
// (../shared/spec/sessions.md §1.1). Every field is always present.
type Session struct {
	ID               string   `json:"id"`
	ProjectID        string   `json:"project_id"`
	Name             string   `json:"name"`
	Description      string   `json:"description"`
	FilterID         string   `json:"traffic_mirror_filter_id"`
	Sources          []string `json:"traffic_mirror_sources"`
	TargetID         string   `json:"traffic_mirror_target_id"`
	TargetType       string   `json:"traffic_mirror_target_type"`
	VirtualNetworkID int      `json:"virtual_network_id"`
	PacketLength     int      `json:"packet_length"`
	Priority         int      `json:"priority"`
	Enabled          bool     `json:"enabled"`
	Type             string   `json:"type"`
	CreatedAt        string   `json:"created_at"`
	UpdatedAt        string   `json:"updated_at"`
}

// Filter is the response representation of a traffic mirror filter
// (../shared/spec/filters.md §1.1).
type Filter struct {
	ID           string       `json:"id"`
	ProjectID    string       `json:"project_id"`
	Name         string       `json:"name"`
	Description  string       `json:"description"`
	Type         string       `json:"type"`
	IngressRules []FilterRule `json:"ingress_rules"`
	EgressRules  []FilterRule `json:"egress_rules"`
	CreatedAt    string       `json:"created_at"`
	UpdatedAt    string       `json:"updated_at"`
}

// FilterRule is the response representation of a traffic mirror filter rule
// (../shared/spec/filter-rules.md §1.1).
type FilterRule struct {
	ID                   string `json:"id"`
	ProjectID            string `json:"project_id"`
	Description          string `json:"description"`
	FilterID             string `json:"traffic_mirror_filter_id"`
	Direction            string `json:"direction"`
	SourceCIDR           string `json:"source_cidr_block"`
	DestinationCIDR      string `json:"destination_cidr_block"`
	SourcePortRange      string `json:"source_port_range"`
	DestinationPortRange string `json:"destination_port_range"`
	Ethertype            string `json:"ethertype"`
	Protocol             string `json:"protocol"`
	Action               string `json:"action"`
	Priority             int    `json:"priority"`
	CreatedAt            string `json:"created_at"`
	UpdatedAt            string `json:"updated_at"`
}

// PageInfo describes one page of a list (../shared/spec/README.md §3.5).
type PageInfo struct {
	// PreviousMarker is the ID of the first item, "" for an empty page.
	PreviousMarker string `json:"previous_marker"`
	CurrentCount   int    `json:"current_count"`
	// NextMarker is the ID of the last item when more items follow; the key
	// is absent on the last page, which is how clients know to stop.
	NextMarker string `json:"next_marker,omitempty"`
}

// SessionResponse is the body of every operation that returns one session.
type SessionResponse struct {
	Session   Session `json:"traffic_mirror_session"`
	RequestID string  `json:"request_id"`
}

// SessionList is the body of ListTrafficMirrorSessions.
type SessionList struct {
	Sessions  []Session `json:"traffic_mirror_sessions"`
	PageInfo  PageInfo  `json:"page_info"`
	RequestID string    `json:"request_id"`
}

// FilterResponse is the body of every operation that returns one filter.
type FilterResponse struct {
	Filter    Filter `json:"traffic_mirror_filter"`
	RequestID string `json:"request_id"`
}

// FilterList is the body of ListTrafficMirrorFilters.
type FilterList struct {
	Filters   []Filter `json:"traffic_mirror_filters"`
	PageInfo  PageInfo `json:"page_info"`
	RequestID string   `json:"request_id"`
}

// FilterRuleResponse is the body of every operation that returns one rule.
type FilterRuleResponse struct {
	Rule      FilterRule `json:"traffic_mirror_filter_rule"`
	RequestID string     `json:"request_id"`
}

// FilterRuleList is the body of ListTrafficMirrorFilterRules.
type FilterRuleList struct {
	Rules     []FilterRule `json:"traffic_mirror_filter_rules"`
	PageInfo  PageInfo     `json:"page_info"`
	RequestID string       `json:"request_id"`
}

// ErrorResponse is the body of every error response
// (../shared/spec/errors.md §1).
type ErrorResponse struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	RequestID string `json:"request_id"`
}

// NewSession returns the response representation of s.
func NewSession(s mirror.Session) Session {
	return Session{
		ID:               s.ID,
		ProjectID:        s.ProjectID,
		Name:             s.Name,
		Description:      s.Description,
		FilterID:         s.FilterID,
		Sources:          nonNil(s.Sources),
		TargetID:         s.TargetID,
		TargetType:       s.TargetType,
		VirtualNetworkID: s.VirtualNetworkID,
		PacketLength:     s.PacketLength,
		Priority:         s.Priority,
		Enabled:          s.Enabled,
		Type:             s.Type,
		CreatedAt:        FormatTime(s.CreatedAt),
		UpdatedAt:        FormatTime(s.UpdatedAt),
	}
}

// NewFilter returns the response representation of f with its rules.
func NewFilter(f mirror.Filter) Filter {
	return Filter{
		ID:           f.ID,
		ProjectID:    f.ProjectID,
		Name:         f.Name,
		Description:  f.Description,
		Type:         f.Type,
		IngressRules: mapSlice(f.IngressRules, NewFilterRule),
		EgressRules:  mapSlice(f.EgressRules, NewFilterRule),
		CreatedAt:    FormatTime(f.CreatedAt),
		UpdatedAt:    FormatTime(f.UpdatedAt),
	}
}

// NewFilterRule returns the response representation of r.
func NewFilterRule(r mirror.FilterRule) FilterRule {
	return FilterRule{
		ID:                   r.ID,
		ProjectID:            r.ProjectID,
		Description:          r.Description,
		FilterID:             r.FilterID,
		Direction:            r.Direction,
		SourceCIDR:           r.SourceCIDR,
		DestinationCIDR:      r.DestinationCIDR,
		SourcePortRange:      r.SourcePortRange,
		DestinationPortRange: r.DestinationPortRange,
		Ethertype:            r.Ethertype,
		Protocol:             r.Protocol,
		Action:               r.Action,
		Priority:             r.Priority,
		CreatedAt:            FormatTime(r.CreatedAt),
		UpdatedAt:            FormatTime(r.UpdatedAt),
	}
}

// NewSessionResponse returns the body for one session.
func NewSessionResponse(s mirror.Session, requestID string) SessionResponse {
	return SessionResponse{Session: NewSession(s), RequestID: requestID}
}

// NewFilterResponse returns the body for one filter.
func NewFilterResponse(f mirror.Filter, requestID string) FilterResponse {
	return FilterResponse{Filter: NewFilter(f), RequestID: requestID}
}

// NewFilterRuleResponse returns the body for one filter rule.
func NewFilterRuleResponse(r mirror.FilterRule, requestID string) FilterRuleResponse {
	return FilterRuleResponse{Rule: NewFilterRule(r), RequestID: requestID}
}

// NewSessionList returns the body for a page of sessions.
func NewSessionList(p mirror.Page[mirror.Session], requestID string) SessionList {
	return SessionList{
		Sessions:  mapSlice(p.Items, NewSession),
		PageInfo:  newPageInfo(p, func(s mirror.Session) string { return s.ID }),
		RequestID: requestID,
	}
}

// NewFilterList returns the body for a page of filters.
func NewFilterList(p mirror.Page[mirror.Filter], requestID string) FilterList {
	return FilterList{
		Filters:   mapSlice(p.Items, NewFilter),
		PageInfo:  newPageInfo(p, func(f mirror.Filter) string { return f.ID }),
		RequestID: requestID,
	}
}

// NewFilterRuleList returns the body for a page of filter rules.
func NewFilterRuleList(p mirror.Page[mirror.FilterRule], requestID string) FilterRuleList {
	return FilterRuleList{
		Rules:     mapSlice(p.Items, NewFilterRule),
		PageInfo:  newPageInfo(p, func(r mirror.FilterRule) string { return r.ID }),
		RequestID: requestID,
	}
}

// NewErrorResponse returns the body of an error response.
func NewErrorResponse(code, msg, requestID string) ErrorResponse {
	return ErrorResponse{ErrorCode: code, ErrorMsg: msg, RequestID: requestID}
}

func newPageInfo[T any](p mirror.Page[T], id func(T) string) PageInfo {
	info := PageInfo{CurrentCount: len(p.Items)}
	if len(p.Items) > 0 {
		info.PreviousMarker = id(p.Items[0])
		if p.More {
			info.NextMarker = id(p.Items[len(p.Items)-1])
		}
	}
	return info
}

// mapSlice converts every item, returning [] rather than nil so that the
// JSON array is never null.
func mapSlice[T, U any](items []T, f func(T) U) []U {
	out := make([]U, len(items))
	for i, item := range items {
		out[i] = f(item)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
