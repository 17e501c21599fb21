package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/trafficmirror/trafficmirror/internal/api"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// wantJSONBody checks that a response body is byte for byte what
// encoding/json, configured as the server used it before the api.Append…
// functions replaced it (HTML escaping off, a final newline), makes of the
// response struct that body(requestID) returns, and that Content-Length
// gives its size.
func wantJSONBody(t *testing.T, op string, resp response, body func(requestID string) (any, error)) {
	t.Helper()
	v, err := body(resp.Header.Get("X-Request-Id"))
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(resp.Body, buf.Bytes()) {
		t.Errorf("%s: body =\n%q\nencoding/json =\n%q", op, resp.Body, buf.Bytes())
	}
	if cl := resp.Header.Get("Content-Length"); cl != strconv.Itoa(len(resp.Body)) {
		t.Errorf("%s: Content-Length = %q for a body of %d bytes", op, cl, len(resp.Body))
	}
}

// TestBodiesMatchEncodingJSON sends every kind of response body over the
// wire, with descriptions holding the characters JSON escapes (and '&',
// which it would escape with HTML escaping on), and compares each with
// encoding/json's encoding of the stored value.
func TestBodiesMatchEncodingJSON(t *testing.T) {
	s := newServer(t, config{})
	ctx := context.Background()
	desc := "quote \" backslash \\ tab\t nl\n amp & sep \u2028\u2029 é 日本 \x01 \x7f"
	descJSON, _ := json.Marshal(desc)
	base := "/v3/" + project + "/vpc/"

	resp := s.do(t, "POST", base+"traffic-mirror-filters", `{"traffic_mirror_filter":{"name":"f-1","description":`+string(descJSON)+`}}`)
	resp.wantStatus(t, http.StatusCreated)
	var created api.FilterResponse
	resp.decode(t, &created)
	filterID := created.Filter.ID
	wantJSONBody(t, "CreateFilter", resp, func(id string) (any, error) {
		v, err := s.Store.GetFilter(ctx, project, filterID)
		return api.NewFilterResponse(v, id), err
	})

	resp = s.do(t, "POST", base+"traffic-mirror-filter-rules", `{"traffic_mirror_filter_rule":{"traffic_mirror_filter_id":"`+filterID+
		`","direction":"ingress","protocol":"TCP","ethertype":"IPv4","action":"accept","priority":1,"description":`+string(descJSON)+`}}`)
	resp.wantStatus(t, http.StatusCreated)
	var rule api.FilterRuleResponse
	resp.decode(t, &rule)
	ruleID := rule.Rule.ID
	wantJSONBody(t, "CreateFilterRule", resp, func(id string) (any, error) {
		v, err := s.Store.GetFilterRule(ctx, project, ruleID)
		return api.NewFilterRuleResponse(v, id), err
	})

	var sessionIDs []string
	for i, src := range []string{src1, src2} {
		resp = s.do(t, "POST", base+"traffic-mirror-sessions", `{"traffic_mirror_session":{"name":"s-`+strconv.Itoa(i)+
			`","description":`+string(descJSON)+`,"traffic_mirror_filter_id":"`+filterID+`","traffic_mirror_sources":["`+src+
			`"],"traffic_mirror_target_id":"`+target+`","traffic_mirror_target_type":"eni","priority":`+strconv.Itoa(i+1)+`}}`)
		resp.wantStatus(t, http.StatusCreated)
		var sess api.SessionResponse
		resp.decode(t, &sess)
		sessionIDs = append(sessionIDs, sess.Session.ID)
		wantJSONBody(t, "CreateSession", resp, func(id string) (any, error) {
			v, err := s.Store.GetSession(ctx, project, sess.Session.ID)
			return api.NewSessionResponse(v, id), err
		})
	}

	for _, tc := range []struct {
		op, path string
		body     func(id string) (any, error)
	}{
		{"ShowSession", "traffic-mirror-sessions/" + sessionIDs[0], func(id string) (any, error) {
			v, err := s.Store.GetSession(ctx, project, sessionIDs[0])
			return api.NewSessionResponse(v, id), err
		}},
		{"ListSessionsFirstPage", "traffic-mirror-sessions?limit=1", func(id string) (any, error) {
			v, err := s.Store.ListSessions(ctx, project, mirror.SessionQuery{ListParams: mirror.ListParams{Limit: 1}})
			return api.NewSessionList(v, id), err
		}},
		{"ListSessions", "traffic-mirror-sessions", func(id string) (any, error) {
			v, err := s.Store.ListSessions(ctx, project, mirror.SessionQuery{})
			return api.NewSessionList(v, id), err
		}},
		{"ShowFilter", "traffic-mirror-filters/" + filterID, func(id string) (any, error) {
			v, err := s.Store.GetFilter(ctx, project, filterID)
			return api.NewFilterResponse(v, id), err
		}},
		{"ListFilters", "traffic-mirror-filters", func(id string) (any, error) {
			v, err := s.Store.ListFilters(ctx, project, mirror.FilterQuery{})
			return api.NewFilterList(v, id), err
		}},
		{"ShowFilterRule", "traffic-mirror-filter-rules/" + ruleID, func(id string) (any, error) {
			v, err := s.Store.GetFilterRule(ctx, project, ruleID)
			return api.NewFilterRuleResponse(v, id), err
		}},
		{"ListFilterRules", "traffic-mirror-filter-rules", func(id string) (any, error) {
			v, err := s.Store.ListFilterRules(ctx, project, mirror.FilterRuleQuery{})
			return api.NewFilterRuleList(v, id), err
		}},
		{"ListFilterRulesEmpty", "traffic-mirror-filter-rules?direction=egress", func(id string) (any, error) {
			return api.NewFilterRuleList(mirror.Page[mirror.FilterRule]{}, id), nil
		}},
		{"NotFound", "traffic-mirror-sessions/" + noSuchID, func(id string) (any, error) {
			_, err := s.Store.GetSession(ctx, project, noSuchID)
			var e *mirror.Error
			if !errors.As(err, &e) {
				return nil, fmt.Errorf("GetSession(%s) = %v, want a *mirror.Error", noSuchID, err)
			}
			return api.NewErrorResponse(e.Code, e.Msg, id), nil
		}},
	} {
		resp := s.do(t, "GET", base+tc.path, "")
		wantJSONBody(t, tc.op, resp, tc.body)
	}
}
