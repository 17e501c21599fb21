package api

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdktime"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/utils"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

const requestID = "5d0c2c8e-3b7a-4f6e-9a1d-2b3c4d5e6f70"

var (
	// created is not in UTC and has more than millisecond precision: the
	// output must be UTC with exactly three fractional digits.
	created = time.Date(2024, 3, 14, 16, 44, 12, 123456789, time.FixedZone("CST", 8*3600))
	updated = time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)
)

func testSession() mirror.Session {
	return mirror.Session{
		ID: "b2f1d9c4-7a3e-4e2b-9c1d-5f6a7b8c9d0e", ProjectID: project, Name: "sess-01", FilterID: filter,
		Sources: []string{src1}, TargetID: target, TargetType: "eni", VirtualNetworkID: 100,
		PacketLength: 96, Priority: 10, Enabled: true, Type: "eni", CreatedAt: created, UpdatedAt: updated,
	}
}

func testRule(id, direction string, priority int) mirror.FilterRule {
	return mirror.FilterRule{
		ID: id, ProjectID: project, FilterID: filter, Direction: direction, SourceCIDR: "10.0.0.0/8",
		DestinationPortRange: "80-443", Ethertype: "IPv4", Protocol: "TCP", Action: "accept",
		Priority: priority, CreatedAt: created, UpdatedAt: created,
	}
}

func testFilter() mirror.Filter {
	return mirror.Filter{
		ID: filter, ProjectID: project, Name: "filter-1", Description: "demo filter", Type: "eni",
		IngressRules: []mirror.FilterRule{testRule("7c9e6679-7425-40de-944b-e07fc1f90ae7", "ingress", 1)},
		CreatedAt:    created, UpdatedAt: updated,
	}
}

const (
	sessionJSON = `{"id":"b2f1d9c4-7a3e-4e2b-9c1d-5f6a7b8c9d0e","project_id":"0123456789abcdef0123456789abcdef",` +
		`"name":"sess-01","description":"","traffic_mirror_filter_id":"3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11",` +
		`"traffic_mirror_sources":["6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b"],` +
		`"traffic_mirror_target_id":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d","traffic_mirror_target_type":"eni",` +
		`"virtual_network_id":100,"packet_length":96,"priority":10,"enabled":true,"type":"eni",` +
		`"created_at":"2024-03-14T08:44:12.123+00:00","updated_at":"2024-03-15T00:00:00.000+00:00"}`
	ruleJSON = `{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","project_id":"0123456789abcdef0123456789abcdef",` +
		`"description":"","traffic_mirror_filter_id":"3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11","direction":"ingress",` +
		`"source_cidr_block":"10.0.0.0/8","destination_cidr_block":"","source_port_range":"",` +
		`"destination_port_range":"80-443","ethertype":"IPv4","protocol":"TCP","action":"accept","priority":1,` +
		`"created_at":"2024-03-14T08:44:12.123+00:00","updated_at":"2024-03-14T08:44:12.123+00:00"}`
	filterJSON = `{"id":"3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11","project_id":"0123456789abcdef0123456789abcdef",` +
		`"name":"filter-1","description":"demo filter","type":"eni","ingress_rules":[` + ruleJSON + `],"egress_rules":[],` +
		`"created_at":"2024-03-14T08:44:12.123+00:00","updated_at":"2024-03-15T00:00:00.000+00:00"}`
)

func TestResponseGolden(t *testing.T) {
	second := testSession()
	second.ID = "c2f1d9c4-7a3e-4e2b-9c1d-5f6a7b8c9d0e"
	second.Sources = nil
	secondJSON := `{"id":"c2f1d9c4-7a3e-4e2b-9c1d-5f6a7b8c9d0e","project_id":"0123456789abcdef0123456789abcdef",` +
		`"name":"sess-01","description":"","traffic_mirror_filter_id":"3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11",` +
		`"traffic_mirror_sources":[],` +
		`"traffic_mirror_target_id":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d","traffic_mirror_target_type":"eni",` +
		`"virtual_network_id":100,"packet_length":96,"priority":10,"enabled":true,"type":"eni",` +
		`"created_at":"2024-03-14T08:44:12.123+00:00","updated_at":"2024-03-15T00:00:00.000+00:00"}`
	// Each case is checked twice: encoding/json on the response struct, and
	// the Append function the server uses, which must give the same bytes.
	page2 := mirror.Page[mirror.Session]{Items: []mirror.Session{testSession(), second}, More: true}
	lastPage := mirror.Page[mirror.Session]{Items: []mirror.Session{testSession()}}
	filterPage := mirror.Page[mirror.Filter]{Items: []mirror.Filter{testFilter()}}
	nilRules := mirror.Filter{CreatedAt: updated, UpdatedAt: updated}
	tests := []struct {
		name     string
		v        any
		appended []byte
		want     string
	}{
		{"Session", NewSessionResponse(testSession(), requestID), AppendSessionResponse(nil, testSession(), requestID),
			`{"traffic_mirror_session":` + sessionJSON + `,"request_id":"` + requestID + `"}`},
		{"FilterWithRules", NewFilterResponse(testFilter(), requestID), AppendFilterResponse(nil, testFilter(), requestID),
			`{"traffic_mirror_filter":` + filterJSON + `,"request_id":"` + requestID + `"}`},
		{"FilterWithNilRules", NewFilter(nilRules), AppendFilter(nil, nilRules),
			`{"id":"","project_id":"","name":"","description":"","type":"","ingress_rules":[],"egress_rules":[],` +
				`"created_at":"2024-03-15T00:00:00.000+00:00","updated_at":"2024-03-15T00:00:00.000+00:00"}`},
		{"Rule", NewFilterRuleResponse(testRule("7c9e6679-7425-40de-944b-e07fc1f90ae7", "ingress", 1), requestID),
			AppendFilterRuleResponse(nil, testRule("7c9e6679-7425-40de-944b-e07fc1f90ae7", "ingress", 1), requestID),
			`{"traffic_mirror_filter_rule":` + ruleJSON + `,"request_id":"` + requestID + `"}`},
		{"ListWithNextMarker", NewSessionList(page2, requestID), AppendSessionList(nil, page2, requestID),
			`{"traffic_mirror_sessions":[` + sessionJSON + `,` + secondJSON + `],"page_info":{"previous_marker":"b2f1d9c4-7a3e-4e2b-9c1d-5f6a7b8c9d0e",` +
				`"current_count":2,"next_marker":"c2f1d9c4-7a3e-4e2b-9c1d-5f6a7b8c9d0e"},"request_id":"` + requestID + `"}`},
		{"LastPage", NewSessionList(lastPage, requestID), AppendSessionList(nil, lastPage, requestID),
			`{"traffic_mirror_sessions":[` + sessionJSON + `],"page_info":{"previous_marker":"b2f1d9c4-7a3e-4e2b-9c1d-5f6a7b8c9d0e",` +
				`"current_count":1},"request_id":"` + requestID + `"}`},
		{"EmptyList", NewFilterRuleList(mirror.Page[mirror.FilterRule]{}, requestID), AppendFilterRuleList(nil, mirror.Page[mirror.FilterRule]{}, requestID),
			`{"traffic_mirror_filter_rules":[],"page_info":{"previous_marker":"","current_count":0},"request_id":"` + requestID + `"}`},
		{"FilterList", NewFilterList(filterPage, requestID), AppendFilterList(nil, filterPage, requestID),
			`{"traffic_mirror_filters":[` + filterJSON + `],"page_info":{"previous_marker":"3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11",` +
				`"current_count":1},"request_id":"` + requestID + `"}`},
		{"Error", NewErrorResponse("VPC.9202", "Traffic mirror filter x not found.", requestID),
			AppendErrorResponse(nil, "VPC.9202", "Traffic mirror filter x not found.", requestID),
			`{"error_code":"VPC.9202","error_msg":"Traffic mirror filter x not found.","request_id":"` + requestID + `"}`},
	}
	for _, tt := range tests {
		got, err := json.Marshal(tt.v)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if string(got) != tt.want {
			t.Errorf("%s: json.Marshal =\n%s\nwant\n%s", tt.name, got, tt.want)
		}
		if string(tt.appended) != tt.want {
			t.Errorf("%s: Append… =\n%s\nwant\n%s", tt.name, tt.appended, tt.want)
		}
	}
}

func TestFormatTime(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{created, "2024-03-14T08:44:12.123+00:00"},
		{time.Date(2024, 12, 31, 23, 59, 59, 999999999, time.UTC), "2024-12-31T23:59:59.999+00:00"},
		{time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("", -5*3600)), "2025-01-01T05:00:00.000+00:00"},
	}
	for _, tt := range tests {
		if got := FormatTime(tt.in); got != tt.want {
			t.Errorf("FormatTime(%v) = %s, want %s", tt.in, got, tt.want)
		}
		if got := string(AppendTime([]byte("x"), tt.in)); got != "x"+tt.want {
			t.Errorf("AppendTime(x, %v) = %s, want x%s", tt.in, got, tt.want)
		}
	}
}

// sdkDecode decodes body as the Go SDK v0.1.207 decodes a success response
// (core: utils.Unmarshal, a json-iterator decoder with UseNumber). It fails
// on wrong JSON types.
func sdkDecode(t *testing.T, body any, into any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	if err := utils.Unmarshal(b, into); err != nil {
		t.Fatalf("SDK decode of %s: %v", b, err)
	}
}

func sdkTime(tm time.Time) *sdktime.SdkTime {
	st := sdktime.SdkTime(tm.UTC().Truncate(time.Millisecond))
	return &st
}

func TestSDKDecodesResponses(t *testing.T) {
	opts := cmp.Options{
		cmp.Comparer(func(a, b sdktime.SdkTime) bool { return time.Time(a).Equal(time.Time(b)) }),
	}
	wantSession := model.TrafficMirrorSession{
		Id: "b2f1d9c4-7a3e-4e2b-9c1d-5f6a7b8c9d0e", ProjectId: project, Name: "sess-01", Description: "",
		TrafficMirrorFilterId: filter, TrafficMirrorSources: []string{src1}, TrafficMirrorTargetId: target,
		TrafficMirrorTargetType: "eni", VirtualNetworkId: 100, PacketLength: 96, Priority: 10, Enabled: true,
		Type: "eni", CreatedAt: "2024-03-14T08:44:12.123+00:00", UpdatedAt: "2024-03-15T00:00:00.000+00:00",
	}
	wantRule := model.TrafficMirrorFilterRule{
		Id: "7c9e6679-7425-40de-944b-e07fc1f90ae7", ProjectId: project, TrafficMirrorFilterId: filter,
		Direction: "ingress", SourceCidrBlock: "10.0.0.0/8", DestinationPortRange: "80-443", Ethertype: "IPv4",
		Protocol: "TCP", Action: "accept", Priority: 1, CreatedAt: sdkTime(created), UpdatedAt: sdkTime(created),
	}
	wantFilter := model.TrafficMirrorFilter{
		Id: filter, ProjectId: project, Name: "filter-1", Description: "demo filter", Type: "eni",
		IngressRules: []model.TrafficMirrorFilterRule{wantRule}, EgressRules: []model.TrafficMirrorFilterRule{},
		CreatedAt: sdkTime(created), UpdatedAt: sdkTime(updated),
	}

	t.Run("Session", func(t *testing.T) {
		var got model.ShowTrafficMirrorSessionResponse
		sdkDecode(t, NewSessionResponse(testSession(), requestID), &got)
		want := model.ShowTrafficMirrorSessionResponse{TrafficMirrorSession: &wantSession, RequestId: ptr(requestID)}
		if diff := cmp.Diff(want, got, opts); diff != "" {
			t.Errorf("mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("Filter", func(t *testing.T) {
		var got model.CreateTrafficMirrorFilterResponse
		sdkDecode(t, NewFilterResponse(testFilter(), requestID), &got)
		want := model.CreateTrafficMirrorFilterResponse{TrafficMirrorFilter: &wantFilter, RequestId: ptr(requestID)}
		if diff := cmp.Diff(want, got, opts); diff != "" {
			t.Errorf("mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("Rule", func(t *testing.T) {
		var got model.UpdateTrafficMirrorFilterRuleResponse
		sdkDecode(t, NewFilterRuleResponse(testRule(wantRule.Id, "ingress", 1), requestID), &got)
		want := model.UpdateTrafficMirrorFilterRuleResponse{TrafficMirrorFilterRule: &wantRule, RequestId: ptr(requestID)}
		if diff := cmp.Diff(want, got, opts); diff != "" {
			t.Errorf("mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("SessionListWithNextMarker", func(t *testing.T) {
		var got model.ListTrafficMirrorSessionsResponse
		sdkDecode(t, NewSessionList(mirror.Page[mirror.Session]{Items: []mirror.Session{testSession()}, More: true}, requestID), &got)
		want := model.ListTrafficMirrorSessionsResponse{
			TrafficMirrorSessions: &[]model.TrafficMirrorSession{wantSession},
			PageInfo:              &model.PageInfo{PreviousMarker: wantSession.Id, CurrentCount: 1, NextMarker: ptr(wantSession.Id)},
			RequestId:             ptr(requestID),
		}
		if diff := cmp.Diff(want, got, opts); diff != "" {
			t.Errorf("mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("FilterListLastPage", func(t *testing.T) {
		var got model.ListTrafficMirrorFiltersResponse
		sdkDecode(t, NewFilterList(mirror.Page[mirror.Filter]{Items: []mirror.Filter{testFilter()}}, requestID), &got)
		want := model.ListTrafficMirrorFiltersResponse{
			TrafficMirrorFilters: &[]model.TrafficMirrorFilter{wantFilter},
			PageInfo:             &model.PageInfo{PreviousMarker: filter, CurrentCount: 1},
			RequestId:            ptr(requestID),
		}
		if diff := cmp.Diff(want, got, opts); diff != "" {
			t.Errorf("mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("RuleListEmpty", func(t *testing.T) {
		var got model.ListTrafficMirrorFilterRulesResponse
		sdkDecode(t, NewFilterRuleList(mirror.Page[mirror.FilterRule]{}, requestID), &got)
		want := model.ListTrafficMirrorFilterRulesResponse{
			TrafficMirrorFilterRules: &[]model.TrafficMirrorFilterRule{},
			PageInfo:                 &model.PageInfo{},
			RequestId:                ptr(requestID),
		}
		if diff := cmp.Diff(want, got, opts); diff != "" {
			t.Errorf("mismatch (-want +got):\n%s", diff)
		}
	})
	// The SDK rejects wrong JSON types even with status 200 (README §3.2):
	// the decode above would catch, for example, a string integer.
	t.Run("StrictDecoder", func(t *testing.T) {
		var got model.TrafficMirrorSession
		if err := utils.Unmarshal([]byte(`{"virtual_network_id":"1"}`), &got); err == nil {
			t.Error(`SDK decoded "virtual_network_id":"1" without error; this test's premise is wrong`)
		}
	})
}
