package server_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/api"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

const (
	sessions = "/v3/" + project + "/vpc/traffic-mirror-sessions"
	filters  = "/v3/" + project + "/vpc/traffic-mirror-filters"
	rules    = "/v3/" + project + "/vpc/traffic-mirror-filter-rules"
)

func TestFilterOperations(t *testing.T) {
	s := newServer(t, config{})
	var f api.Filter

	t.Run("Create", func(t *testing.T) {
		// Example A of auth.md §8.1, body as the SDK sends it.
		resp := s.do(t, "POST", filters, "{\"traffic_mirror_filter\":{\"description\":\"demo & filter\",\"name\":\"filter-1\"}}\n")
		resp.wantStatus(t, http.StatusCreated)
		if !contains(resp.Body, `"description":"demo & filter"`) {
			t.Errorf("body %s: want '&' unescaped", resp.Body)
		}
		var out api.FilterResponse
		resp.decode(t, &out)
		f = out.Filter
		want := api.Filter{ID: f.ID, ProjectID: project, Name: "filter-1", Description: "demo & filter", Type: "eni",
			IngressRules: []api.FilterRule{}, EgressRules: []api.FilterRule{}, CreatedAt: f.CreatedAt, UpdatedAt: f.CreatedAt}
		if diff := cmp.Diff(want, f); diff != "" {
			t.Errorf("created filter mismatch (-want +got):\n%s", diff)
		}
		if !uuidV4RE.MatchString(f.ID) {
			t.Errorf("id = %q, want a UUIDv4", f.ID)
		}
		wantTimes(t, f.CreatedAt, f.UpdatedAt)
	})
	rule := s.mustCreateRule(t, f.ID, "egress", 3)

	t.Run("Show", func(t *testing.T) {
		resp := s.do(t, "GET", filters+"/"+f.ID, "")
		resp.wantStatus(t, http.StatusOK)
		var out api.FilterResponse
		resp.decode(t, &out)
		if len(out.Filter.IngressRules) != 0 || len(out.Filter.EgressRules) != 1 || out.Filter.EgressRules[0].ID != rule.ID {
			t.Errorf("rules of shown filter = %+v, %+v, want only egress rule %s", out.Filter.IngressRules, out.Filter.EgressRules, rule.ID)
		}
	})
	t.Run("List", func(t *testing.T) {
		s.mustCreateFilter(t, "filter-2")
		resp := s.do(t, "GET", filters+"?name=filter-1&name=nope", "")
		resp.wantStatus(t, http.StatusOK)
		var out api.FilterList
		resp.decode(t, &out)
		if len(out.Filters) != 1 || out.Filters[0].ID != f.ID {
			t.Fatalf("listed %+v, want filter %s only", out.Filters, f.ID)
		}
		if diff := cmp.Diff(api.PageInfo{PreviousMarker: f.ID, CurrentCount: 1}, out.PageInfo); diff != "" {
			t.Errorf("page_info mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("Update", func(t *testing.T) {
		resp := s.do(t, "PUT", filters+"/"+f.ID, `{"traffic_mirror_filter":{"name":"renamed","description":"","type":"ENI"}}`)
		resp.wantStatus(t, http.StatusOK)
		var out api.FilterResponse
		resp.decode(t, &out)
		if out.Filter.Name != "renamed" || out.Filter.Description != "" || out.Filter.ID != f.ID {
			t.Errorf("updated filter = %+v, want name renamed, description \"\"", out.Filter)
		}
		s.do(t, "PUT", filters+"/"+f.ID, `{"traffic_mirror_filter":{"type":"eip"}}`).wantError(t, http.StatusBadRequest, "VPC.9105", "")
	})
	t.Run("DeleteInUse", func(t *testing.T) {
		sess := s.mustCreateSession(t, f.ID, 1, src1)
		s.do(t, "DELETE", filters+"/"+f.ID, "").wantError(t, http.StatusConflict, "VPC.9301", "")
		s.do(t, "DELETE", sessions+"/"+sess.ID, "").wantStatus(t, http.StatusNoContent)
	})
	t.Run("Delete", func(t *testing.T) {
		resp := s.do(t, "DELETE", filters+"/"+f.ID, "")
		resp.wantStatus(t, http.StatusNoContent)
		if len(resp.Body) != 0 || resp.Header.Get("Content-Type") != "" {
			t.Errorf("204 response has body %q, Content-Type %q", resp.Body, resp.Header.Get("Content-Type"))
		}
		s.do(t, "GET", filters+"/"+f.ID, "").wantError(t, http.StatusNotFound, "VPC.9202", "Traffic mirror filter "+f.ID+" not found.")
		s.do(t, "DELETE", filters+"/"+f.ID, "").wantError(t, http.StatusNotFound, "VPC.9202", "")
		s.do(t, "GET", rules+"/"+rule.ID, "").wantError(t, http.StatusNotFound, "VPC.9203", "")
	})
}

func TestRuleOperations(t *testing.T) {
	s := newServer(t, config{})
	f := s.mustCreateFilter(t, "f")
	var r api.FilterRule

	t.Run("Create", func(t *testing.T) {
		r = s.mustCreateRule(t, f.ID, "INGRESS", 1)
		want := api.FilterRule{ID: r.ID, ProjectID: project, FilterID: f.ID, Direction: "ingress",
			SourceCIDR: "10.0.0.0/8", DestinationPortRange: "80-443", Ethertype: "IPv4", Protocol: "TCP",
			Action: "accept", Priority: 1, CreatedAt: r.CreatedAt, UpdatedAt: r.CreatedAt}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("created rule mismatch (-want +got):\n%s", diff)
		}
		wantTimes(t, r.CreatedAt, r.UpdatedAt)
	})
	t.Run("CreateErrors", func(t *testing.T) {
		body := `{"traffic_mirror_filter_rule":{"traffic_mirror_filter_id":%q,"direction":"ingress","protocol":%q,"ethertype":"ipv4","action":"accept","priority":%d}}`
		s.do(t, "POST", rules, fmt.Sprintf(body, noSuchID, "tcp", 2)).wantError(t, http.StatusNotFound, "VPC.9202", "")
		s.do(t, "POST", rules, fmt.Sprintf(body, f.ID, "icmpv6", 2)).wantError(t, http.StatusBadRequest, "VPC.9105", "")
		s.do(t, "POST", rules, fmt.Sprintf(body, f.ID, "tcp", 1)).wantError(t, http.StatusConflict, "VPC.9302", "")
		// Body checks come before the filter lookup.
		s.do(t, "POST", rules, fmt.Sprintf(body, noSuchID, "tcp", 0)).wantError(t, http.StatusBadRequest, "VPC.9103",
			"Invalid parameter traffic_mirror_filter_rule.priority: must be an integer from 1 to 65535")
	})
	t.Run("Show", func(t *testing.T) {
		resp := s.do(t, "GET", rules+"/"+r.ID, "")
		resp.wantStatus(t, http.StatusOK)
		var out api.FilterRuleResponse
		resp.decode(t, &out)
		if diff := cmp.Diff(r, out.Rule); diff != "" {
			t.Errorf("shown rule mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("List", func(t *testing.T) {
		r2 := s.mustCreateRule(t, f.ID, "egress", 1)
		resp := s.do(t, "GET", rules+"?traffic_mirror_filter_id="+f.ID+"&protocol=tcp&source_cidr_block=10.0.0.0%2F8&limit=1", "")
		resp.wantStatus(t, http.StatusOK)
		var out api.FilterRuleList
		resp.decode(t, &out)
		first := min(r.ID, r2.ID)
		if len(out.Rules) != 1 || out.Rules[0].ID != first {
			t.Fatalf("listed %+v, want rule %s", out.Rules, first)
		}
		if diff := cmp.Diff(api.PageInfo{PreviousMarker: first, CurrentCount: 1, NextMarker: first}, out.PageInfo); diff != "" {
			t.Errorf("page_info mismatch (-want +got):\n%s", diff)
		}
		resp = s.do(t, "GET", rules+"?marker="+first+"&priority=1&priority=99999", "")
		resp.wantStatus(t, http.StatusOK)
		out = api.FilterRuleList{}
		resp.decode(t, &out)
		if last := max(r.ID, r2.ID); len(out.Rules) != 1 || out.Rules[0].ID != last || out.PageInfo.NextMarker != "" {
			t.Errorf("second page = %+v, %+v, want rule %s and no next_marker", out.Rules, out.PageInfo, last)
		}
	})
	t.Run("Update", func(t *testing.T) {
		// The Terraform flow of filter-rules.md §5 (after turning the rule
		// into udp with ports).
		s.do(t, "PUT", rules+"/"+r.ID, `{"traffic_mirror_filter_rule":{"protocol":"udp","source_port_range":"80-81"}}`).wantStatus(t, http.StatusOK)
		resp := s.do(t, "PUT", rules+"/"+r.ID, `{"traffic_mirror_filter_rule":{"protocol":"icmpv6","ethertype":"IPv6",`+
			`"source_cidr_block":"2002:50::44/128","destination_cidr_block":"::/0","priority":2,"action":"reject","description":""}}`)
		resp.wantStatus(t, http.StatusOK)
		var out api.FilterRuleResponse
		resp.decode(t, &out)
		want := api.FilterRule{ID: r.ID, ProjectID: project, FilterID: f.ID, Direction: "ingress",
			SourceCIDR: "2002:50::44/128", DestinationCIDR: "::/0", Ethertype: "IPv6", Protocol: "icmpv6",
			Action: "reject", Priority: 2, CreatedAt: r.CreatedAt, UpdatedAt: out.Rule.UpdatedAt}
		if diff := cmp.Diff(want, out.Rule); diff != "" {
			t.Errorf("updated rule mismatch (-want +got):\n%s", diff)
		}
		s.do(t, "PUT", rules+"/"+r.ID, `{"traffic_mirror_filter_rule":{"direction":"egress"}}`).wantError(t, http.StatusBadRequest, "VPC.9105", "")
		s.do(t, "PUT", rules+"/"+noSuchID, `{"traffic_mirror_filter_rule":{}}`).wantError(t, http.StatusNotFound, "VPC.9203", "")
	})
	t.Run("Delete", func(t *testing.T) {
		s.do(t, "DELETE", rules+"/"+r.ID, "").wantStatus(t, http.StatusNoContent)
		s.do(t, "DELETE", rules+"/"+r.ID, "").wantError(t, http.StatusNotFound, "VPC.9203", "Traffic mirror filter rule "+r.ID+" not found.")
	})
}

func TestSessionOperations(t *testing.T) {
	s := newServer(t, config{})
	f := s.mustCreateFilter(t, "f")
	var sess api.Session

	t.Run("Create", func(t *testing.T) {
		// The example of sessions.md §2 with the Go SDK's string integers.
		resp := s.do(t, "POST", sessions, `{"traffic_mirror_session": {
  "name": "sess-01",
  "traffic_mirror_filter_id": "`+f.ID+`",
  "traffic_mirror_sources": ["`+src1+`"],
  "traffic_mirror_target_id": "`+target+`",
  "traffic_mirror_target_type": "eni",
  "virtual_network_id": "100",
  "priority": 10,
  "enabled": "true"
}}`+"\n")
		resp.wantStatus(t, http.StatusCreated)
		var out api.SessionResponse
		resp.decode(t, &out)
		sess = out.Session
		want := api.Session{ID: sess.ID, ProjectID: project, Name: "sess-01", FilterID: f.ID, Sources: []string{src1},
			TargetID: target, TargetType: "eni", VirtualNetworkID: 100, PacketLength: 96, Priority: 10, Enabled: true,
			Type: "eni", CreatedAt: sess.CreatedAt, UpdatedAt: sess.CreatedAt}
		if diff := cmp.Diff(want, sess); diff != "" {
			t.Errorf("created session mismatch (-want +got):\n%s", diff)
		}
		wantTimes(t, sess.CreatedAt, sess.UpdatedAt)
	})
	t.Run("CreateErrors", func(t *testing.T) {
		body := `{"traffic_mirror_session":{"name":"s","traffic_mirror_filter_id":%q,"traffic_mirror_sources":[%q],` +
			`"traffic_mirror_target_id":%q,"traffic_mirror_target_type":"eni","priority":%d}}`
		s.do(t, "POST", sessions, fmt.Sprintf(body, noSuchID, src2, target, 1)).wantError(t, http.StatusNotFound, "VPC.9202", "")
		s.do(t, "POST", sessions, fmt.Sprintf(body, f.ID, target, target, 1)).wantError(t, http.StatusBadRequest, "VPC.9105", "")
		s.do(t, "POST", sessions, fmt.Sprintf(body, f.ID, src1, target, 10)).wantError(t, http.StatusConflict, "VPC.9303", "")
		s.do(t, "POST", sessions, fmt.Sprintf(body, f.ID, target, src1, 1)).wantError(t, http.StatusConflict, "VPC.9305", "")
	})
	t.Run("Show", func(t *testing.T) {
		resp := s.do(t, "GET", sessions+"/"+sess.ID, "")
		resp.wantStatus(t, http.StatusOK)
		var out api.SessionResponse
		resp.decode(t, &out)
		if diff := cmp.Diff(sess, out.Session); diff != "" {
			t.Errorf("shown session mismatch (-want +got):\n%s", diff)
		}
		s.do(t, "GET", sessions+"/"+noSuchID, "").wantError(t, http.StatusNotFound, "VPC.9201", "Traffic mirror session "+noSuchID+" not found.")
		// Resources of another project are not found.
		s.do(t, "GET", "/v3/"+other+"/vpc/traffic-mirror-sessions/"+sess.ID, "", as(anyAK, anySK)).wantError(t, http.StatusNotFound, "VPC.9201", "")
	})
	t.Run("List", func(t *testing.T) {
		resp := s.do(t, "GET", sessions+"?enabled=TRUE&virtual_network_id=100&type=ENI&description", "")
		resp.wantStatus(t, http.StatusOK)
		var out api.SessionList
		resp.decode(t, &out)
		if diff := cmp.Diff(api.SessionList{Sessions: []api.Session{sess}, PageInfo: api.PageInfo{PreviousMarker: sess.ID, CurrentCount: 1},
			RequestID: resp.Header.Get("X-Request-Id")}, out); diff != "" {
			t.Errorf("list mismatch (-want +got):\n%s", diff)
		}
		resp = s.do(t, "GET", sessions+"?priority=0", "")
		resp.wantStatus(t, http.StatusOK)
		resp.decode(t, &out)
		if len(out.Sessions) != 0 || out.Sessions == nil {
			t.Errorf("priority=0 listed %#v, want []", out.Sessions)
		}
		if want := `"traffic_mirror_sessions":[],"page_info":{"previous_marker":"","current_count":0}`; !contains(resp.Body, want) {
			t.Errorf("empty list body %s, want it to contain %s", resp.Body, want)
		}
	})
	t.Run("Update", func(t *testing.T) {
		// Terraform echoes type and sources.
		resp := s.do(t, "PUT", sessions+"/"+sess.ID, `{"traffic_mirror_session":{"name":"n2","description":"d",`+
			`"packet_length":1460,"priority":11,"enabled":false,"type":"ENI","traffic_mirror_sources":["`+src1+`"]}}`)
		resp.wantStatus(t, http.StatusOK)
		var out api.SessionResponse
		resp.decode(t, &out)
		if s := out.Session; s.Name != "n2" || s.Description != "d" || s.PacketLength != 1460 || s.Priority != 11 || s.Enabled || s.VirtualNetworkID != 100 {
			t.Errorf("updated session = %+v", s)
		}
		s.do(t, "PUT", sessions+"/"+sess.ID, `{"traffic_mirror_session":{"type":"eip"}}`).wantError(t, http.StatusBadRequest, "VPC.9105", "")
		s.do(t, "PUT", sessions+"/"+sess.ID, `{"traffic_mirror_session":{"traffic_mirror_filter_id":"`+noSuchID+`"}}`).wantError(t, http.StatusNotFound, "VPC.9202", "")
		s.do(t, "PUT", sessions+"/"+noSuchID, `{"traffic_mirror_session":{}}`).wantError(t, http.StatusNotFound, "VPC.9201", "")
		// Body errors come before the session lookup.
		s.do(t, "PUT", sessions+"/"+noSuchID, `{"traffic_mirror_session":{"name":""}}`).wantError(t, http.StatusBadRequest, "VPC.9103", "")
	})
	t.Run("AddSources", func(t *testing.T) {
		path := sessions + "/" + sess.ID + "/add-sources"
		resp := s.do(t, "PUT", path, `{"traffic_mirror_session":{"traffic_mirror_sources":["`+src2+`"]}}`)
		resp.wantStatus(t, http.StatusOK)
		var out api.SessionResponse
		resp.decode(t, &out)
		if diff := cmp.Diff([]string{src1, src2}, out.Session.Sources); diff != "" {
			t.Errorf("sources mismatch (-want +got):\n%s", diff)
		}
		s.do(t, "PUT", path, `{"traffic_mirror_session":{"traffic_mirror_sources":["`+src2+`"]}}`).wantError(t, http.StatusConflict, "VPC.9304", "")
		s.do(t, "PUT", path, `{"traffic_mirror_session":{"traffic_mirror_sources":[]}}`).wantError(t, http.StatusBadRequest, "VPC.9103", "")
		s.do(t, "PUT", sessions+"/"+noSuchID+"/add-sources", `{"traffic_mirror_session":{"traffic_mirror_sources":["`+src2+`"]}}`).wantError(t, http.StatusNotFound, "VPC.9201", "")
	})
	t.Run("RemoveSources", func(t *testing.T) {
		path := sessions + "/" + sess.ID + "/remove-sources"
		s.do(t, "PUT", path, `{"traffic_mirror_session":{"traffic_mirror_sources":["`+noSuchID+`"]}}`).wantError(t, http.StatusBadRequest, "VPC.9106", "")
		resp := s.do(t, "PUT", path, `{"traffic_mirror_session":{"traffic_mirror_sources":["`+src1+`","`+src2+`"]}}`)
		resp.wantStatus(t, http.StatusOK)
		var out api.SessionResponse
		resp.decode(t, &out)
		if out.Session.Sources == nil || len(out.Session.Sources) != 0 {
			t.Errorf("sources after removing all = %#v, want []", out.Session.Sources)
		}
		if !contains(resp.Body, `"traffic_mirror_sources":[]`) {
			t.Errorf("body %s lacks \"traffic_mirror_sources\":[]", resp.Body)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		resp := s.do(t, "DELETE", sessions+"/"+sess.ID, "")
		resp.wantStatus(t, http.StatusNoContent)
		if len(resp.Body) != 0 {
			t.Errorf("204 body = %q, want none", resp.Body)
		}
		s.do(t, "DELETE", sessions+"/"+sess.ID, "").wantError(t, http.StatusNotFound, "VPC.9201", "")
	})
}

// Limits given to the server bound the sources of a request body.
func TestSourcesLimit(t *testing.T) {
	limits := mirror.DefaultLimits()
	limits.SourcesPerSession = 1
	s := newServer(t, config{limits: limits})
	f := s.mustCreateFilter(t, "f")
	body := `{"traffic_mirror_session":{"name":"s","traffic_mirror_filter_id":"` + f.ID + `","traffic_mirror_sources":["` + src1 + `","` + src2 + `"],` +
		`"traffic_mirror_target_id":"` + target + `","traffic_mirror_target_type":"eni","priority":1}}`
	s.do(t, "POST", sessions, body).wantError(t, http.StatusBadRequest, "VPC.9103",
		"Invalid parameter traffic_mirror_session.traffic_mirror_sources: must contain at most 1 items")
}
