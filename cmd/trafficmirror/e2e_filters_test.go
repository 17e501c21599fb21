package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdktime"
	vpc "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"
)

// sameSDKTime compares the SDK's decoded timestamps as instants.
var sameSDKTime = cmp.Comparer(func(a, b sdktime.SdkTime) bool { return time.Time(a).Equal(time.Time(b)) })

// sdkTimes returns the decoded timestamps of a filter or rule, failing the
// test when the SDK decoded none.
func sdkTimes(t *testing.T, op string, created, updated *sdktime.SdkTime) (time.Time, time.Time) {
	t.Helper()
	if created == nil || updated == nil || time.Time(*created).IsZero() || time.Time(*updated).IsZero() {
		t.Fatalf("%s: created_at %v, updated_at %v; want both", op, created, updated)
	}
	return time.Time(*created), time.Time(*updated)
}

// testFilters drives the five filter operations through the SDK.
func testFilters(t *testing.T, start startFunc) {
	e := newE2EEnv(t, start)
	c := e.clientA

	resp, err := c.CreateTrafficMirrorFilter(&model.CreateTrafficMirrorFilterRequest{Body: &model.CreateTrafficMirrorFilterRequestBody{
		TrafficMirrorFilter: &model.CreateTrafficMirrorFilterOption{Name: "filter-1", Description: ptrTo("demo filter")},
	}})
	if err != nil {
		t.Fatalf("CreateTrafficMirrorFilter: %v", err)
	}
	if resp.HttpStatusCode != http.StatusCreated {
		t.Errorf("CreateTrafficMirrorFilter: status %d, want 201", resp.HttpStatusCode)
	}
	wantRequestID(t, "CreateTrafficMirrorFilter", resp.RequestId)
	f := *resp.TrafficMirrorFilter
	if !uuidV4RE.MatchString(f.Id) {
		t.Errorf("CreateTrafficMirrorFilter: id %q, want a lower-case UUIDv4", f.Id)
	}
	created, updated := sdkTimes(t, "CreateTrafficMirrorFilter", f.CreatedAt, f.UpdatedAt)
	if !created.Equal(updated) {
		t.Errorf("CreateTrafficMirrorFilter: updated_at %v, want created_at %v", updated, created)
	}
	if d := time.Since(created); d < -time.Minute || d > 10*time.Minute {
		t.Errorf("CreateTrafficMirrorFilter: created_at %v is not the current time", created)
	}
	want := model.TrafficMirrorFilter{
		Id:           f.Id,
		ProjectId:    e.projectA,
		Name:         "filter-1",
		Description:  "demo filter",
		Type:         "eni",
		IngressRules: []model.TrafficMirrorFilterRule{},
		EgressRules:  []model.TrafficMirrorFilterRule{},
		CreatedAt:    f.CreatedAt,
		UpdatedAt:    f.UpdatedAt,
	}
	// A new filter has no rules: [] rather than null, so the SDK decodes
	// empty slices.
	if diff := cmp.Diff(want, f, sameSDKTime); diff != "" || f.IngressRules == nil || f.EgressRules == nil {
		t.Errorf("CreateTrafficMirrorFilter mismatch (-want +got):\n%s", diff)
	}

	noDesc := mustCreateFilter(t, c, "filter-2", nil)
	if noDesc.Description != "" || noDesc.Type != "eni" {
		t.Errorf("CreateTrafficMirrorFilter without description = %v, want description \"\" and type eni", noDesc)
	}

	shown, err := c.ShowTrafficMirrorFilter(&model.ShowTrafficMirrorFilterRequest{TrafficMirrorFilterId: f.Id})
	if err != nil {
		t.Fatalf("ShowTrafficMirrorFilter: %v", err)
	}
	if shown.HttpStatusCode != http.StatusOK {
		t.Errorf("ShowTrafficMirrorFilter: status %d, want 200", shown.HttpStatusCode)
	}
	wantRequestID(t, "ShowTrafficMirrorFilter", shown.RequestId)
	if diff := cmp.Diff(want, *shown.TrafficMirrorFilter, sameSDKTime); diff != "" {
		t.Errorf("ShowTrafficMirrorFilter mismatch (-want +got):\n%s", diff)
	}

	list, err := c.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
	if err != nil {
		t.Fatalf("ListTrafficMirrorFilters: %v", err)
	}
	wantRequestID(t, "ListTrafficMirrorFilters", list.RequestId)
	if list.HttpStatusCode != http.StatusOK || list.TrafficMirrorFilters == nil || list.PageInfo == nil {
		t.Fatalf("ListTrafficMirrorFilters = %v, want 200 with a list and page_info", list)
	}
	if got, want := idsOfFilters(*list.TrafficMirrorFilters), sortedIDs(f.Id, noDesc.Id); !cmp.Equal(got, want) {
		t.Errorf("ListTrafficMirrorFilters = %v, want %v", got, want)
	}
	if list.PageInfo.CurrentCount != 2 || list.PageInfo.NextMarker != nil {
		t.Errorf("ListTrafficMirrorFilters page_info = %v, want 2 items and no next_marker", list.PageInfo)
	}

	// Rule changes leave the filter's updated_at alone (constraints.md F7).
	waitTick()
	rule := mustCreateRule(t, c, ruleOption(f.Id, "ingress", 1))
	want.IngressRules = []model.TrafficMirrorFilterRule{rule}
	shown, err = c.ShowTrafficMirrorFilter(&model.ShowTrafficMirrorFilterRequest{TrafficMirrorFilterId: f.Id})
	if err != nil {
		t.Fatalf("ShowTrafficMirrorFilter: %v", err)
	}
	if diff := cmp.Diff(want, *shown.TrafficMirrorFilter, sameSDKTime); diff != "" {
		t.Errorf("ShowTrafficMirrorFilter after a rule was added mismatch (-want +got):\n%s", diff)
	}
	waitTick()
	upd, err := c.UpdateTrafficMirrorFilter(&model.UpdateTrafficMirrorFilterRequest{TrafficMirrorFilterId: f.Id,
		Body: &model.UpdateTrafficMirrorFilterRequestBody{TrafficMirrorFilter: &model.UpdateTrafficMirrorFilterOption{
			Name: ptrTo("filter-renamed"), Description: ptrTo("new description")}}})
	if err != nil {
		t.Fatalf("UpdateTrafficMirrorFilter: %v", err)
	}
	if upd.HttpStatusCode != http.StatusOK {
		t.Errorf("UpdateTrafficMirrorFilter: status %d, want 200", upd.HttpStatusCode)
	}
	wantRequestID(t, "UpdateTrafficMirrorFilter", upd.RequestId)
	want.Name, want.Description = "filter-renamed", "new description"
	want = wantFilterUpdated(t, "UpdateTrafficMirrorFilter", want, *upd.TrafficMirrorFilter)

	// The SDK sends {"description":""} to clear a description.
	waitTick()
	upd, err = c.UpdateTrafficMirrorFilter(&model.UpdateTrafficMirrorFilterRequest{TrafficMirrorFilterId: f.Id,
		Body: &model.UpdateTrafficMirrorFilterRequestBody{TrafficMirrorFilter: &model.UpdateTrafficMirrorFilterOption{
			Description: ptrTo("")}}})
	if err != nil {
		t.Fatalf("UpdateTrafficMirrorFilter(description \"\"): %v", err)
	}
	want.Description = ""
	want = wantFilterUpdated(t, "UpdateTrafficMirrorFilter(description \"\")", want, *upd.TrafficMirrorFilter)

	waitTick()
	upd, err = c.UpdateTrafficMirrorFilter(&model.UpdateTrafficMirrorFilterRequest{TrafficMirrorFilterId: f.Id,
		Body: &model.UpdateTrafficMirrorFilterRequestBody{TrafficMirrorFilter: &model.UpdateTrafficMirrorFilterOption{}}})
	if err != nil {
		t.Fatalf("UpdateTrafficMirrorFilter({}): %v", err)
	}
	wantFilterUpdated(t, "UpdateTrafficMirrorFilter({})", want, *upd.TrafficMirrorFilter)

	// Deleting a filter deletes its rules (constraints.md F5).
	del, err := c.DeleteTrafficMirrorFilter(&model.DeleteTrafficMirrorFilterRequest{TrafficMirrorFilterId: f.Id})
	if err != nil {
		t.Fatalf("DeleteTrafficMirrorFilter: %v", err)
	}
	if del.HttpStatusCode != http.StatusNoContent {
		t.Errorf("DeleteTrafficMirrorFilter: status %d, want 204", del.HttpStatusCode)
	}
	_, err = c.ShowTrafficMirrorFilter(&model.ShowTrafficMirrorFilterRequest{TrafficMirrorFilterId: f.Id})
	wantSDKErrorMsg(t, "ShowTrafficMirrorFilter of a deleted filter", err, http.StatusNotFound, "VPC.9202", "Traffic mirror filter "+f.Id+" not found.")
	_, err = c.ShowTrafficMirrorFilterRule(&model.ShowTrafficMirrorFilterRuleRequest{TrafficMirrorFilterRuleId: rule.Id})
	wantSDKError(t, "ShowTrafficMirrorFilterRule of a deleted filter's rule", err, http.StatusNotFound, "VPC.9203")
	_, err = c.DeleteTrafficMirrorFilter(&model.DeleteTrafficMirrorFilterRequest{TrafficMirrorFilterId: f.Id})
	wantSDKError(t, "DeleteTrafficMirrorFilter again", err, http.StatusNotFound, "VPC.9202")
}

// wantFilterUpdated checks a filter after an update: the fields of want,
// created_at unchanged, updated_at later than before.
func wantFilterUpdated(t *testing.T, op string, want, got model.TrafficMirrorFilter) model.TrafficMirrorFilter {
	t.Helper()
	_, before := sdkTimes(t, op+" before", want.CreatedAt, want.UpdatedAt)
	_, after := sdkTimes(t, op, got.CreatedAt, got.UpdatedAt)
	if !after.After(before) {
		t.Errorf("%s: updated_at %v, want later than %v", op, after, before)
	}
	want.UpdatedAt = got.UpdatedAt
	if diff := cmp.Diff(want, got, sameSDKTime); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", op, diff)
	}
	return got
}

// testFilterRules drives the five filter rule operations through the SDK.
func testFilterRules(t *testing.T, start startFunc) {
	e := newE2EEnv(t, start)
	c := e.clientA
	f := mustCreateFilter(t, c, "rules", nil)

	// Enumerations in any case, a CIDR with a trailing space (trimmed), the
	// protocol kept in the case sent, the ethertype normalised.
	resp, err := c.CreateTrafficMirrorFilterRule(&model.CreateTrafficMirrorFilterRuleRequest{Body: &model.CreateTrafficMirrorFilterRuleRequestBody{
		TrafficMirrorFilterRule: &model.CreateTrafficMirrorFilterRuleOption{
			Description:           ptrTo("web traffic"),
			TrafficMirrorFilterId: f.Id,
			Direction:             "INGRESS",
			Protocol:              "TCP",
			Ethertype:             "ipv4",
			SourceCidrBlock:       ptrTo("10.0.0.0/8 "),
			DestinationCidrBlock:  ptrTo("192.168.1.10"),
			SourcePortRange:       ptrTo("1024-65535"),
			DestinationPortRange:  ptrTo("443"),
			Action:                "Accept",
			Priority:              20,
		},
	}})
	if err != nil {
		t.Fatalf("CreateTrafficMirrorFilterRule: %v", err)
	}
	if resp.HttpStatusCode != http.StatusCreated {
		t.Errorf("CreateTrafficMirrorFilterRule: status %d, want 201", resp.HttpStatusCode)
	}
	wantRequestID(t, "CreateTrafficMirrorFilterRule", resp.RequestId)
	r := *resp.TrafficMirrorFilterRule
	if !uuidV4RE.MatchString(r.Id) {
		t.Errorf("CreateTrafficMirrorFilterRule: id %q, want a lower-case UUIDv4", r.Id)
	}
	created, updated := sdkTimes(t, "CreateTrafficMirrorFilterRule", r.CreatedAt, r.UpdatedAt)
	if !created.Equal(updated) {
		t.Errorf("CreateTrafficMirrorFilterRule: updated_at %v, want created_at %v", updated, created)
	}
	want := model.TrafficMirrorFilterRule{
		Id:                    r.Id,
		ProjectId:             e.projectA,
		Description:           "web traffic",
		TrafficMirrorFilterId: f.Id,
		Direction:             "ingress",
		SourceCidrBlock:       "10.0.0.0/8",
		DestinationCidrBlock:  "192.168.1.10",
		SourcePortRange:       "1024-65535",
		DestinationPortRange:  "443",
		Ethertype:             "IPv4",
		Protocol:              "TCP",
		Action:                "accept",
		Priority:              20,
		CreatedAt:             r.CreatedAt,
		UpdatedAt:             r.UpdatedAt,
	}
	if diff := cmp.Diff(want, r, sameSDKTime); diff != "" {
		t.Errorf("CreateTrafficMirrorFilterRule mismatch (-want +got):\n%s", diff)
	}

	// Optional fields default to "".
	low := mustCreateRule(t, c, ruleOption(f.Id, "ingress", 10))
	if low.Description != "" || low.SourceCidrBlock != "" || low.DestinationCidrBlock != "" || low.SourcePortRange != "" || low.DestinationPortRange != "" {
		t.Errorf("CreateTrafficMirrorFilterRule without optional fields = %v, want them \"\"", low)
	}
	// Ingress and egress rules may share a priority.
	egress := mustCreateRule(t, c, model.CreateTrafficMirrorFilterRuleOption{
		TrafficMirrorFilterId: f.Id, Direction: "egress", Protocol: "icmpv6", Ethertype: "IPv6",
		DestinationCidrBlock: ptrTo("2001:db8::/32"), Action: "reject", Priority: 20,
	})

	shown, err := c.ShowTrafficMirrorFilterRule(&model.ShowTrafficMirrorFilterRuleRequest{TrafficMirrorFilterRuleId: r.Id})
	if err != nil {
		t.Fatalf("ShowTrafficMirrorFilterRule: %v", err)
	}
	if shown.HttpStatusCode != http.StatusOK {
		t.Errorf("ShowTrafficMirrorFilterRule: status %d, want 200", shown.HttpStatusCode)
	}
	wantRequestID(t, "ShowTrafficMirrorFilterRule", shown.RequestId)
	if diff := cmp.Diff(want, *shown.TrafficMirrorFilterRule, sameSDKTime); diff != "" {
		t.Errorf("ShowTrafficMirrorFilterRule mismatch (-want +got):\n%s", diff)
	}

	// The filter shows its rules by direction, sorted by priority.
	wantFilterRules(t, c, f.Id, []model.TrafficMirrorFilterRule{low, want}, []model.TrafficMirrorFilterRule{egress})

	list, err := c.ListTrafficMirrorFilterRules(&model.ListTrafficMirrorFilterRulesRequest{TrafficMirrorFilterId: &f.Id})
	if err != nil {
		t.Fatalf("ListTrafficMirrorFilterRules: %v", err)
	}
	wantRequestID(t, "ListTrafficMirrorFilterRules", list.RequestId)
	if list.HttpStatusCode != http.StatusOK || list.TrafficMirrorFilterRules == nil {
		t.Fatalf("ListTrafficMirrorFilterRules = %v, want 200 with a list", list)
	}
	if got, want := idsOfRules(*list.TrafficMirrorFilterRules), sortedIDs(r.Id, low.Id, egress.Id); !cmp.Equal(got, want) {
		t.Errorf("ListTrafficMirrorFilterRules = %v, want %v", got, want)
	}

	waitTick()
	upd, err := c.UpdateTrafficMirrorFilterRule(&model.UpdateTrafficMirrorFilterRuleRequest{TrafficMirrorFilterRuleId: r.Id,
		Body: &model.UpdateTrafficMirrorFilterRuleRequestBody{TrafficMirrorFilterRule: &model.UpdateTrafficMirrorFilterRuleOption{
			Description:          ptrTo(""),
			Protocol:             ptrTo("udp"),
			SourceCidrBlock:      ptrTo(""),
			DestinationCidrBlock: ptrTo("172.16.0.0/12"),
			SourcePortRange:      ptrTo(""),
			DestinationPortRange: ptrTo("53"),
			Priority:             ptrTo(int32(5)),
			Action:               ptrTo("REJECT"),
		}}})
	if err != nil {
		t.Fatalf("UpdateTrafficMirrorFilterRule: %v", err)
	}
	if upd.HttpStatusCode != http.StatusOK {
		t.Errorf("UpdateTrafficMirrorFilterRule: status %d, want 200", upd.HttpStatusCode)
	}
	wantRequestID(t, "UpdateTrafficMirrorFilterRule", upd.RequestId)
	want.Description, want.Protocol, want.SourceCidrBlock, want.DestinationCidrBlock = "", "udp", "", "172.16.0.0/12"
	want.SourcePortRange, want.DestinationPortRange, want.Priority, want.Action = "", "53", 5, "reject"
	want = wantRuleUpdated(t, "UpdateTrafficMirrorFilterRule", want, *upd.TrafficMirrorFilterRule)

	waitTick()
	upd, err = c.UpdateTrafficMirrorFilterRule(&model.UpdateTrafficMirrorFilterRuleRequest{TrafficMirrorFilterRuleId: r.Id,
		Body: &model.UpdateTrafficMirrorFilterRuleRequestBody{TrafficMirrorFilterRule: &model.UpdateTrafficMirrorFilterRuleOption{}}})
	if err != nil {
		t.Fatalf("UpdateTrafficMirrorFilterRule({}): %v", err)
	}
	want = wantRuleUpdated(t, "UpdateTrafficMirrorFilterRule({})", want, *upd.TrafficMirrorFilterRule)
	// The new priority moved the rule ahead of the other ingress rule.
	wantFilterRules(t, c, f.Id, []model.TrafficMirrorFilterRule{want, low}, []model.TrafficMirrorFilterRule{egress})

	del, err := c.DeleteTrafficMirrorFilterRule(&model.DeleteTrafficMirrorFilterRuleRequest{TrafficMirrorFilterRuleId: r.Id})
	if err != nil {
		t.Fatalf("DeleteTrafficMirrorFilterRule: %v", err)
	}
	if del.HttpStatusCode != http.StatusNoContent {
		t.Errorf("DeleteTrafficMirrorFilterRule: status %d, want 204", del.HttpStatusCode)
	}
	_, err = c.ShowTrafficMirrorFilterRule(&model.ShowTrafficMirrorFilterRuleRequest{TrafficMirrorFilterRuleId: r.Id})
	wantSDKErrorMsg(t, "ShowTrafficMirrorFilterRule of a deleted rule", err, http.StatusNotFound, "VPC.9203", "Traffic mirror filter rule "+r.Id+" not found.")
	_, err = c.DeleteTrafficMirrorFilterRule(&model.DeleteTrafficMirrorFilterRuleRequest{TrafficMirrorFilterRuleId: r.Id})
	wantSDKError(t, "DeleteTrafficMirrorFilterRule again", err, http.StatusNotFound, "VPC.9203")
	wantFilterRules(t, c, f.Id, []model.TrafficMirrorFilterRule{low}, []model.TrafficMirrorFilterRule{egress})

	// Rules change while a session uses the filter (constraints.md R11).
	mustCreateSession(t, c, sessionOption(f.Id, 1))
	mustCreateRule(t, c, ruleOption(f.Id, "egress", 1))
}

// wantRuleUpdated checks a rule after an update: the fields of want,
// created_at unchanged, updated_at later than before.
func wantRuleUpdated(t *testing.T, op string, want, got model.TrafficMirrorFilterRule) model.TrafficMirrorFilterRule {
	t.Helper()
	_, before := sdkTimes(t, op+" before", want.CreatedAt, want.UpdatedAt)
	_, after := sdkTimes(t, op, got.CreatedAt, got.UpdatedAt)
	if !after.After(before) {
		t.Errorf("%s: updated_at %v, want later than %v", op, after, before)
	}
	want.UpdatedAt = got.UpdatedAt
	if diff := cmp.Diff(want, got, sameSDKTime); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", op, diff)
	}
	return got
}

// wantFilterRules checks the rules a filter shows in each direction.
func wantFilterRules(t *testing.T, c *vpc.VpcClient, filterID string, ingress, egress []model.TrafficMirrorFilterRule) {
	t.Helper()
	resp, err := c.ShowTrafficMirrorFilter(&model.ShowTrafficMirrorFilterRequest{TrafficMirrorFilterId: filterID})
	if err != nil {
		t.Fatalf("ShowTrafficMirrorFilter: %v", err)
	}
	f := resp.TrafficMirrorFilter
	if diff := cmp.Diff(ingress, f.IngressRules, sameSDKTime); diff != "" {
		t.Errorf("ShowTrafficMirrorFilter: ingress_rules mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(egress, f.EgressRules, sameSDKTime); diff != "" {
		t.Errorf("ShowTrafficMirrorFilter: egress_rules mismatch (-want +got):\n%s", diff)
	}
}

func idsOfSessions(items []model.TrafficMirrorSession) []string {
	ids := []string{}
	for _, it := range items {
		ids = append(ids, it.Id)
	}
	return ids
}

func idsOfFilters(items []model.TrafficMirrorFilter) []string {
	ids := []string{}
	for _, it := range items {
		ids = append(ids, it.Id)
	}
	return ids
}

func idsOfRules(items []model.TrafficMirrorFilterRule) []string {
	ids := []string{}
	for _, it := range items {
		ids = append(ids, it.Id)
	}
	return ids
}
