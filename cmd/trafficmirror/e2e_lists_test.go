package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	vpc "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"
)

// listFixture is a small, varied set of resources for the list filters.
type listFixture struct {
	f1, f2, f3       model.TrafficMirrorFilter
	s1, s2, s3       model.TrafficMirrorSession
	r1, r2, r3, r4   model.TrafficMirrorFilterRule
	allFilters       []string
	allSessions      []string
	allRules         []string
	target1, target3 string
}

// newListFixture creates through c:
//
//	f1 "alpha" ""        s1 "alpha" ""       f1 target1 eni vni 1   pl 96   prio 1 disabled eni
//	f2 "beta"  "second"  s2 "beta"  "second" f2 target2 elb vni 200 pl 1000 prio 2 enabled  eip
//	f3 "beta"  "third"   s3 "gamma" "third"  f1 target3 eni vni 300 pl 500  prio 3 enabled  eni
//
//	r1 f1 ingress tcp    IPv4 10.0.0.0/8    ""             ""  80-443 accept prio 1 "web"
//	r2 f1 egress  udp    IPv4 ""            192.168.0.0/16 53  ""     reject prio 2 ""
//	r3 f1 ingress icmpv6 IPv6 2001:db8::/32 ::/0           ""  ""     accept prio 3 "ping6"
//	r4 f2 egress  ALL    IPv4 ""            ""             ""  ""     accept prio 1 "all"
func newListFixture(t *testing.T, c *vpc.VpcClient) *listFixture {
	t.Helper()
	x := &listFixture{}
	x.f1 = mustCreateFilter(t, c, "alpha", nil)
	x.f2 = mustCreateFilter(t, c, "beta", ptrTo("second"))
	x.f3 = mustCreateFilter(t, c, "beta", ptrTo("third"))
	x.allFilters = sortedIDs(x.f1.Id, x.f2.Id, x.f3.Id)

	x.target1, x.target3 = freshID(), freshID()
	x.s1 = mustCreateSession(t, c, model.CreateTrafficMirrorSessionOption{
		Name: "alpha", TrafficMirrorFilterId: x.f1.Id, TrafficMirrorSources: []string{freshID()},
		TrafficMirrorTargetId: x.target1, TrafficMirrorTargetType: "eni", Priority: 1,
	})
	x.s2 = mustCreateSession(t, c, model.CreateTrafficMirrorSessionOption{
		Name: "beta", Description: ptrTo("second"), TrafficMirrorFilterId: x.f2.Id, TrafficMirrorSources: []string{freshID()},
		TrafficMirrorTargetId: freshID(), TrafficMirrorTargetType: "elb", VirtualNetworkId: ptrTo("200"), PacketLength: ptrTo("1000"),
		Priority: 2, Enabled: ptrTo("true"), Type: ptrTo("eip"),
	})
	x.s3 = mustCreateSession(t, c, model.CreateTrafficMirrorSessionOption{
		Name: "gamma", Description: ptrTo("third"), TrafficMirrorFilterId: x.f1.Id, TrafficMirrorSources: []string{freshID()},
		TrafficMirrorTargetId: x.target3, TrafficMirrorTargetType: "eni", VirtualNetworkId: ptrTo("300"), PacketLength: ptrTo("500"),
		Priority: 3, Enabled: ptrTo("true"),
	})
	x.allSessions = sortedIDs(x.s1.Id, x.s2.Id, x.s3.Id)

	x.r1 = mustCreateRule(t, c, model.CreateTrafficMirrorFilterRuleOption{
		Description: ptrTo("web"), TrafficMirrorFilterId: x.f1.Id, Direction: "ingress", Protocol: "tcp", Ethertype: "IPv4",
		SourceCidrBlock: ptrTo("10.0.0.0/8"), DestinationPortRange: ptrTo("80-443"), Action: "accept", Priority: 1,
	})
	x.r2 = mustCreateRule(t, c, model.CreateTrafficMirrorFilterRuleOption{
		TrafficMirrorFilterId: x.f1.Id, Direction: "egress", Protocol: "udp", Ethertype: "IPv4",
		DestinationCidrBlock: ptrTo("192.168.0.0/16"), SourcePortRange: ptrTo("53"), Action: "reject", Priority: 2,
	})
	x.r3 = mustCreateRule(t, c, model.CreateTrafficMirrorFilterRuleOption{
		Description: ptrTo("ping6"), TrafficMirrorFilterId: x.f1.Id, Direction: "ingress", Protocol: "icmpv6", Ethertype: "IPv6",
		SourceCidrBlock: ptrTo("2001:db8::/32"), DestinationCidrBlock: ptrTo("::/0"), Action: "accept", Priority: 3,
	})
	x.r4 = mustCreateRule(t, c, model.CreateTrafficMirrorFilterRuleOption{
		Description: ptrTo("all"), TrafficMirrorFilterId: x.f2.Id, Direction: "egress", Protocol: "ALL", Ethertype: "IPv4",
		Action: "accept", Priority: 1,
	})
	x.allRules = sortedIDs(x.r1.Id, x.r2.Id, x.r3.Id, x.r4.Id)
	return x
}

// testListFilters sends every filter parameter of the three list operations
// once, through the SDK's own request fields.
func testListFilters(t *testing.T, start startFunc) {
	e := newE2EEnv(t, start)
	c := e.clientA
	x := newListFixture(t, c)

	t.Run("Sessions", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			req  model.ListTrafficMirrorSessionsRequest
			want []string
		}{
			{"None", model.ListTrafficMirrorSessionsRequest{}, x.allSessions},
			{"Id", model.ListTrafficMirrorSessionsRequest{Id: &x.s2.Id}, sortedIDs(x.s2.Id)},
			{"IdUnknown", model.ListTrafficMirrorSessionsRequest{Id: ptrTo(freshID())}, sortedIDs()},
			{"Name", model.ListTrafficMirrorSessionsRequest{Name: ptrTo("gamma")}, sortedIDs(x.s3.Id)},
			{"NameNotSplitOnCommas", model.ListTrafficMirrorSessionsRequest{Name: ptrTo("alpha,beta")}, sortedIDs()},
			{"Description", model.ListTrafficMirrorSessionsRequest{Description: ptrTo("second")}, sortedIDs(x.s2.Id)},
			// The SDK sends an empty value as a bare key: ?description
			{"DescriptionEmpty", model.ListTrafficMirrorSessionsRequest{Description: ptrTo("")}, sortedIDs(x.s1.Id)},
			{"FilterId", model.ListTrafficMirrorSessionsRequest{TrafficMirrorFilterId: &x.f1.Id}, sortedIDs(x.s1.Id, x.s3.Id)},
			{"TargetId", model.ListTrafficMirrorSessionsRequest{TrafficMirrorTargetId: &x.target3}, sortedIDs(x.s3.Id)},
			{"TargetType", model.ListTrafficMirrorSessionsRequest{TrafficMirrorTargetType: ptrTo("eni")}, sortedIDs(x.s1.Id, x.s3.Id)},
			{"TargetTypeAnyCase", model.ListTrafficMirrorSessionsRequest{TrafficMirrorTargetType: ptrTo("ELB")}, sortedIDs(x.s2.Id)},
			{"VirtualNetworkId", model.ListTrafficMirrorSessionsRequest{VirtualNetworkId: ptrTo("1")}, sortedIDs(x.s1.Id)},
			{"VirtualNetworkIdOutOfRange", model.ListTrafficMirrorSessionsRequest{VirtualNetworkId: ptrTo("16777216")}, sortedIDs()},
			{"PacketLength", model.ListTrafficMirrorSessionsRequest{PacketLength: ptrTo("1000")}, sortedIDs(x.s2.Id)},
			{"Priority", model.ListTrafficMirrorSessionsRequest{Priority: ptrTo("3")}, sortedIDs(x.s3.Id)},
			{"EnabledTrue", model.ListTrafficMirrorSessionsRequest{Enabled: ptrTo("true")}, sortedIDs(x.s2.Id, x.s3.Id)},
			{"EnabledFalse", model.ListTrafficMirrorSessionsRequest{Enabled: ptrTo("FALSE")}, sortedIDs(x.s1.Id)},
			{"Type", model.ListTrafficMirrorSessionsRequest{Type: ptrTo("EIP")}, sortedIDs(x.s2.Id)},
			// created_at and updated_at are accepted and ignored.
			{"CreatedAt", model.ListTrafficMirrorSessionsRequest{CreatedAt: ptrTo("x")}, x.allSessions},
			{"UpdatedAt", model.ListTrafficMirrorSessionsRequest{UpdatedAt: ptrTo("x")}, x.allSessions},
			{"Combined", model.ListTrafficMirrorSessionsRequest{TrafficMirrorFilterId: &x.f1.Id, Enabled: ptrTo("true")}, sortedIDs(x.s3.Id)},
		} {
			resp, err := c.ListTrafficMirrorSessions(&tt.req)
			if err != nil {
				t.Errorf("%s: ListTrafficMirrorSessions: %v", tt.name, err)
				continue
			}
			got := idsOfSessions(*resp.TrafficMirrorSessions)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s: ListTrafficMirrorSessions(%v) mismatch (-want +got):\n%s", tt.name, tt.req, diff)
			}
			wantPageInfo(t, tt.name, resp.PageInfo, got, false)
		}
		// Every field of a listed session, as shown.
		resp, err := c.ListTrafficMirrorSessions(&model.ListTrafficMirrorSessionsRequest{Id: &x.s2.Id})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]model.TrafficMirrorSession{x.s2}, *resp.TrafficMirrorSessions); diff != "" {
			t.Errorf("listed session mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			req  model.ListTrafficMirrorFiltersRequest
			want []string
		}{
			{"None", model.ListTrafficMirrorFiltersRequest{}, x.allFilters},
			{"Id", model.ListTrafficMirrorFiltersRequest{Id: &x.f3.Id}, sortedIDs(x.f3.Id)},
			{"Name", model.ListTrafficMirrorFiltersRequest{Name: ptrTo("beta")}, sortedIDs(x.f2.Id, x.f3.Id)},
			{"NameCaseSensitive", model.ListTrafficMirrorFiltersRequest{Name: ptrTo("BETA")}, sortedIDs()},
			{"Description", model.ListTrafficMirrorFiltersRequest{Description: ptrTo("third")}, sortedIDs(x.f3.Id)},
			{"DescriptionEmpty", model.ListTrafficMirrorFiltersRequest{Description: ptrTo("")}, sortedIDs(x.f1.Id)},
			{"CreatedAt", model.ListTrafficMirrorFiltersRequest{CreatedAt: ptrTo("x")}, x.allFilters},
			{"UpdatedAt", model.ListTrafficMirrorFiltersRequest{UpdatedAt: ptrTo("x")}, x.allFilters},
			{"Combined", model.ListTrafficMirrorFiltersRequest{Name: ptrTo("beta"), Description: ptrTo("second")}, sortedIDs(x.f2.Id)},
		} {
			resp, err := c.ListTrafficMirrorFilters(&tt.req)
			if err != nil {
				t.Errorf("%s: ListTrafficMirrorFilters: %v", tt.name, err)
				continue
			}
			got := idsOfFilters(*resp.TrafficMirrorFilters)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s: ListTrafficMirrorFilters(%v) mismatch (-want +got):\n%s", tt.name, tt.req, diff)
			}
			wantPageInfo(t, tt.name, resp.PageInfo, got, false)
		}
		// Values that need escaping in the query and its signature.
		odd := mustCreateFilter(t, c, "odd", ptrTo("50% off & more: a+b=c (really) *~ 镜像"))
		resp, err := c.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{Description: &odd.Description})
		if err != nil {
			t.Fatalf("ListTrafficMirrorFilters(description %q): %v", odd.Description, err)
		}
		if got, want := idsOfFilters(*resp.TrafficMirrorFilters), []string{odd.Id}; !cmp.Equal(got, want) {
			t.Errorf("ListTrafficMirrorFilters(description %q) = %v, want %v", odd.Description, got, want)
		}

		// A listed filter carries its rules.
		resp, err = c.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{Id: &x.f1.Id})
		if err != nil {
			t.Fatal(err)
		}
		f := (*resp.TrafficMirrorFilters)[0]
		if got, want := idsOfRules(f.IngressRules), []string{x.r1.Id, x.r3.Id}; !cmp.Equal(got, want) {
			t.Errorf("listed filter ingress_rules = %v, want %v", got, want)
		}
		if got, want := idsOfRules(f.EgressRules), []string{x.r2.Id}; !cmp.Equal(got, want) {
			t.Errorf("listed filter egress_rules = %v, want %v", got, want)
		}
	})

	t.Run("FilterRules", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			req  model.ListTrafficMirrorFilterRulesRequest
			want []string
		}{
			{"None", model.ListTrafficMirrorFilterRulesRequest{}, x.allRules},
			{"Id", model.ListTrafficMirrorFilterRulesRequest{Id: &x.r1.Id}, sortedIDs(x.r1.Id)},
			{"Description", model.ListTrafficMirrorFilterRulesRequest{Description: ptrTo("web")}, sortedIDs(x.r1.Id)},
			{"DescriptionEmpty", model.ListTrafficMirrorFilterRulesRequest{Description: ptrTo("")}, sortedIDs(x.r2.Id)},
			{"FilterId", model.ListTrafficMirrorFilterRulesRequest{TrafficMirrorFilterId: &x.f2.Id}, sortedIDs(x.r4.Id)},
			{"Direction", model.ListTrafficMirrorFilterRulesRequest{Direction: ptrTo("egress")}, sortedIDs(x.r2.Id, x.r4.Id)},
			{"DirectionAnyCase", model.ListTrafficMirrorFilterRulesRequest{Direction: ptrTo("INGRESS")}, sortedIDs(x.r1.Id, x.r3.Id)},
			{"Protocol", model.ListTrafficMirrorFilterRulesRequest{Protocol: ptrTo("TCP")}, sortedIDs(x.r1.Id)},
			{"ProtocolStoredUpperCase", model.ListTrafficMirrorFilterRulesRequest{Protocol: ptrTo("all")}, sortedIDs(x.r4.Id)},
			{"SourceCidrBlock", model.ListTrafficMirrorFilterRulesRequest{SourceCidrBlock: ptrTo("10.0.0.0/8")}, sortedIDs(x.r1.Id)},
			{"DestinationCidrBlock", model.ListTrafficMirrorFilterRulesRequest{DestinationCidrBlock: ptrTo("::/0")}, sortedIDs(x.r3.Id)},
			{"SourcePortRange", model.ListTrafficMirrorFilterRulesRequest{SourcePortRange: ptrTo("53")}, sortedIDs(x.r2.Id)},
			{"DestinationPortRange", model.ListTrafficMirrorFilterRulesRequest{DestinationPortRange: ptrTo("80-443")}, sortedIDs(x.r1.Id)},
			{"Action", model.ListTrafficMirrorFilterRulesRequest{Action: ptrTo("reject")}, sortedIDs(x.r2.Id)},
			{"Priority", model.ListTrafficMirrorFilterRulesRequest{Priority: ptrTo("1")}, sortedIDs(x.r1.Id, x.r4.Id)},
			{"PriorityOutOfRange", model.ListTrafficMirrorFilterRulesRequest{Priority: ptrTo("65536")}, sortedIDs()},
			{"Combined", model.ListTrafficMirrorFilterRulesRequest{TrafficMirrorFilterId: &x.f1.Id, Action: ptrTo("accept"), Direction: ptrTo("ingress")}, sortedIDs(x.r1.Id, x.r3.Id)},
		} {
			resp, err := c.ListTrafficMirrorFilterRules(&tt.req)
			if err != nil {
				t.Errorf("%s: ListTrafficMirrorFilterRules: %v", tt.name, err)
				continue
			}
			got := idsOfRules(*resp.TrafficMirrorFilterRules)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s: ListTrafficMirrorFilterRules(%v) mismatch (-want +got):\n%s", tt.name, tt.req, diff)
			}
			wantPageInfo(t, tt.name, resp.PageInfo, got, false)
		}
	})
}

// wantPageInfo checks page_info against the IDs of the page: the count, the
// first ID as previous_marker, and the last ID as next_marker exactly when
// more items follow.
func wantPageInfo(t *testing.T, op string, p *model.PageInfo, ids []string, more bool) {
	t.Helper()
	if p == nil {
		t.Errorf("%s: no page_info", op)
		return
	}
	wantPrev := ""
	if len(ids) > 0 {
		wantPrev = ids[0]
	}
	if int(p.CurrentCount) != len(ids) || p.PreviousMarker != wantPrev {
		t.Errorf("%s: page_info %v, want current_count %d and previous_marker %q", op, p, len(ids), wantPrev)
	}
	switch {
	case more && (p.NextMarker == nil || len(ids) == 0 || *p.NextMarker != ids[len(ids)-1]):
		t.Errorf("%s: page_info %v, want next_marker = the last ID", op, p)
	case !more && p.NextMarker != nil:
		t.Errorf("%s: page_info %v, want no next_marker on the last page", op, p)
	}
}

// testRepeatedListValues sends repeated filter values, which the SDK's
// request models cannot hold, in requests built and signed by the SDK:
// values of one parameter are OR-ed, different parameters AND-ed.
func testRepeatedListValues(t *testing.T, start startFunc) {
	e := newE2EEnv(t, start)
	x := newListFixture(t, e.clientA)
	type query = map[string]any

	list := func(t *testing.T, path string, q query, resp any) {
		t.Helper()
		e.do(t, e.a, e.projectA, sdkCall{method: "GET", path: path, query: q}).decode(t, fmt.Sprintf("GET %s %v", path, q), http.StatusOK, resp)
	}

	t.Run("Sessions", func(t *testing.T) {
		for _, tt := range []struct {
			q    query
			want []string
		}{
			{query{"id": []string{x.s1.Id, x.s2.Id}}, sortedIDs(x.s1.Id, x.s2.Id)},
			{query{"name": []string{"alpha", "gamma"}}, sortedIDs(x.s1.Id, x.s3.Id)},
			{query{"description": []string{"", "third"}}, sortedIDs(x.s1.Id, x.s3.Id)},
			{query{"traffic_mirror_filter_id": []string{x.f1.Id, x.f2.Id}}, x.allSessions},
			{query{"traffic_mirror_target_id": []string{x.target1, x.target3}}, sortedIDs(x.s1.Id, x.s3.Id)},
			{query{"traffic_mirror_target_type": []string{"ELB", "nothing"}}, sortedIDs(x.s2.Id)},
			{query{"type": []string{"eni", "EIP"}}, x.allSessions},
			{query{"virtual_network_id": []string{"1", "300"}}, sortedIDs(x.s1.Id, x.s3.Id)},
			{query{"packet_length": []string{"96", "1000", "99999"}}, sortedIDs(x.s1.Id, x.s2.Id)},
			{query{"priority": []string{"2", "3"}}, sortedIDs(x.s2.Id, x.s3.Id)},
			{query{"name": []string{"alpha", "beta"}, "priority": []string{"2", "3"}}, sortedIDs(x.s2.Id)},
			{query{"traffic_mirror_filter_id": []string{x.f1.Id}, "enabled": "true", "packet_length": []string{"96", "500"}}, sortedIDs(x.s3.Id)},
			{query{"name": []string{"alpha"}, "description": []string{"second", "third"}}, sortedIDs()},
		} {
			var resp model.ListTrafficMirrorSessionsResponse
			list(t, apiSessionsPath, tt.q, &resp)
			if diff := cmp.Diff(tt.want, idsOfSessions(*resp.TrafficMirrorSessions)); diff != "" {
				t.Errorf("ListTrafficMirrorSessions?%v mismatch (-want +got):\n%s", tt.q, diff)
			}
		}
		// enabled is single-valued.
		resp := e.do(t, e.a, e.projectA, sdkCall{method: "GET", path: apiSessionsPath, query: query{"enabled": []string{"true", "false"}}})
		wantSDKError(t, "ListTrafficMirrorSessions?enabled=true&enabled=false", resp.err(), http.StatusBadRequest, "VPC.9104")
		resp = e.do(t, e.a, e.projectA, sdkCall{method: "GET", path: apiSessionsPath, query: query{"priority": []string{"1", "x"}}})
		wantSDKError(t, "ListTrafficMirrorSessions?priority=1&priority=x", resp.err(), http.StatusBadRequest, "VPC.9104")
	})

	t.Run("Filters", func(t *testing.T) {
		for _, tt := range []struct {
			q    query
			want []string
		}{
			{query{"id": []string{x.f1.Id, x.f3.Id}}, sortedIDs(x.f1.Id, x.f3.Id)},
			{query{"name": []string{"alpha", "beta"}}, x.allFilters},
			{query{"description": []string{"", "third"}}, sortedIDs(x.f1.Id, x.f3.Id)},
			{query{"name": []string{"beta"}, "description": []string{"second", ""}}, sortedIDs(x.f2.Id)},
			{query{"id": []string{x.f1.Id, x.f2.Id}, "name": []string{"beta", "gamma"}}, sortedIDs(x.f2.Id)},
		} {
			var resp model.ListTrafficMirrorFiltersResponse
			list(t, apiFiltersPath, tt.q, &resp)
			if diff := cmp.Diff(tt.want, idsOfFilters(*resp.TrafficMirrorFilters)); diff != "" {
				t.Errorf("ListTrafficMirrorFilters?%v mismatch (-want +got):\n%s", tt.q, diff)
			}
		}
	})

	t.Run("FilterRules", func(t *testing.T) {
		for _, tt := range []struct {
			q    query
			want []string
		}{
			{query{"id": []string{x.r1.Id, x.r4.Id}}, sortedIDs(x.r1.Id, x.r4.Id)},
			{query{"description": []string{"", "web"}}, sortedIDs(x.r1.Id, x.r2.Id)},
			{query{"traffic_mirror_filter_id": []string{x.f2.Id, x.f3.Id}}, sortedIDs(x.r4.Id)},
			{query{"direction": []string{"ingress", "EGRESS"}}, x.allRules},
			{query{"protocol": []string{"udp", "ICMPV6"}}, sortedIDs(x.r2.Id, x.r3.Id)},
			{query{"action": []string{"reject", "none"}}, sortedIDs(x.r2.Id)},
			{query{"source_cidr_block": []string{"10.0.0.0/8", "2001:db8::/32"}}, sortedIDs(x.r1.Id, x.r3.Id)},
			{query{"destination_cidr_block": []string{"192.168.0.0/16", "::/0"}}, sortedIDs(x.r2.Id, x.r3.Id)},
			{query{"source_port_range": []string{"53", "1"}}, sortedIDs(x.r2.Id)},
			{query{"destination_port_range": []string{"80-443", ""}}, x.allRules},
			{query{"priority": []string{"2", "3"}}, sortedIDs(x.r2.Id, x.r3.Id)},
			{query{"direction": []string{"ingress"}, "protocol": []string{"tcp", "udp"}}, sortedIDs(x.r1.Id)},
			{query{"traffic_mirror_filter_id": []string{x.f1.Id, x.f2.Id}, "priority": []string{"1"}, "action": []string{"accept"}}, sortedIDs(x.r1.Id, x.r4.Id)},
		} {
			var resp model.ListTrafficMirrorFilterRulesResponse
			list(t, apiRulesPath, tt.q, &resp)
			if diff := cmp.Diff(tt.want, idsOfRules(*resp.TrafficMirrorFilterRules)); diff != "" {
				t.Errorf("ListTrafficMirrorFilterRules?%v mismatch (-want +got):\n%s", tt.q, diff)
			}
		}
	})
}

// walkPageSizes are the limits the walks use; nil is the default.
var walkPageSizes = []*int32{ptrTo(int32(1)), ptrTo(int32(3)), ptrTo(int32(7)), ptrTo(int32(0)), nil}

// testPagination walks every page of each list to the end, for several page
// sizes, on 25 resources of each kind.
func testPagination(t *testing.T, start startFunc) {
	e := newE2EEnv(t, start)
	c := e.clientA
	const n = 25

	var filters, rules, sessions []string
	for i := range n {
		filters = append(filters, mustCreateFilter(t, c, fmt.Sprintf("page-%02d", i), nil).Id)
	}
	// At most 10 rules per filter and direction by default.
	for i := range n {
		dir := []string{"ingress", "egress"}[i%2]
		rules = append(rules, mustCreateRule(t, c, ruleOption(filters[i/10], dir, int32(i+1))).Id)
	}
	for i := range n {
		sessions = append(sessions, mustCreateSession(t, c, sessionOption(filters[0], int32(i+1))).Id)
	}
	slices.Sort(filters)
	slices.Sort(rules)
	slices.Sort(sessions)

	lists := []struct {
		name string
		path string
		want []string
		list func(limit *int32, marker *string) ([]string, *model.PageInfo, error)
	}{
		{"ListTrafficMirrorSessions", apiSessionsPath, sessions, func(limit *int32, marker *string) ([]string, *model.PageInfo, error) {
			resp, err := c.ListTrafficMirrorSessions(&model.ListTrafficMirrorSessionsRequest{Limit: limit, Marker: marker})
			if err != nil {
				return nil, nil, err
			}
			return idsOfSessions(*resp.TrafficMirrorSessions), resp.PageInfo, nil
		}},
		{"ListTrafficMirrorFilters", apiFiltersPath, filters, func(limit *int32, marker *string) ([]string, *model.PageInfo, error) {
			resp, err := c.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{Limit: limit, Marker: marker})
			if err != nil {
				return nil, nil, err
			}
			return idsOfFilters(*resp.TrafficMirrorFilters), resp.PageInfo, nil
		}},
		{"ListTrafficMirrorFilterRules", apiRulesPath, rules, func(limit *int32, marker *string) ([]string, *model.PageInfo, error) {
			resp, err := c.ListTrafficMirrorFilterRules(&model.ListTrafficMirrorFilterRulesRequest{Limit: limit, Marker: marker})
			if err != nil {
				return nil, nil, err
			}
			return idsOfRules(*resp.TrafficMirrorFilterRules), resp.PageInfo, nil
		}},
	}
	for _, l := range lists {
		t.Run(l.name, func(t *testing.T) {
			for _, limit := range walkPageSizes {
				size, name := 0, "default"
				if limit != nil {
					size, name = int(*limit), fmt.Sprint(*limit)
				}
				if size == 0 {
					size = 2000
				}
				var got []string
				var marker *string
				pages := 0
				for {
					op := fmt.Sprintf("%s limit %s page %d", l.name, name, pages+1)
					ids, info, err := l.list(limit, marker)
					if err != nil {
						t.Fatalf("%s: %v", op, err)
					}
					pages++
					more := info != nil && info.NextMarker != nil
					wantPageInfo(t, op, info, ids, len(got)+len(ids) < len(l.want))
					if len(ids) > size || more && len(ids) != size {
						t.Errorf("%s: %d items, want %d", op, len(ids), size)
					}
					got = append(got, ids...)
					if !more {
						// The last page omits the key, not just the value.
						q := map[string]any{}
						if limit != nil {
							q["limit"] = *limit
						}
						if marker != nil {
							q["marker"] = *marker
						}
						if raw := rawPageInfo(t, e, l.path, q); raw["next_marker"] != nil {
							t.Errorf("%s: page_info %s has next_marker on the last page", op, jsonText(raw))
						}
						break
					}
					if pages > len(l.want) {
						t.Fatalf("%s: more pages than items", op)
					}
					marker = info.NextMarker
				}
				if diff := cmp.Diff(l.want, got); diff != "" {
					t.Errorf("%s limit %s: walked items mismatch (-want +got):\n%s", l.name, name, diff)
				}
				if want := (len(l.want) + size - 1) / size; pages != want {
					t.Errorf("%s limit %s: %d pages, want %d", l.name, name, pages, want)
				}
			}

			// A page that is not the last has the key.
			raw := rawPageInfo(t, e, l.path, map[string]any{"limit": int32(2)})
			if raw["next_marker"] == nil {
				t.Errorf("%s limit 2: page_info %s lacks next_marker", l.name, jsonText(raw))
			}

			// After the last item: an empty page.
			ids, info, err := l.list(nil, &l.want[len(l.want)-1])
			if err != nil {
				t.Fatal(err)
			}
			wantPageInfo(t, l.name+" after the last item", info, ids, false)
			if len(ids) != 0 {
				t.Errorf("%s after the last item = %v, want none", l.name, ids)
			}

			// The marker is a position, not a lookup: an unknown ID works.
			before := l.want[12][:35] + "0"
			if before >= l.want[12] || before <= l.want[11] {
				before = l.want[11]
			}
			ids, _, err = l.list(ptrTo(int32(1)), &before)
			if err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(ids, []string{l.want[12]}) {
				t.Errorf("%s after marker %s = %v, want [%s]", l.name, before, ids, l.want[12])
			}

			_, _, err = l.list(ptrTo(int32(2001)), nil)
			wantSDKError(t, l.name+" limit 2001", err, http.StatusBadRequest, "VPC.9104")
			_, _, err = l.list(ptrTo(int32(-1)), nil)
			wantSDKError(t, l.name+" limit -1", err, http.StatusBadRequest, "VPC.9104")
			ids, _, err = l.list(ptrTo(int32(2000)), nil)
			if err != nil || len(ids) != len(l.want) {
				t.Errorf("%s limit 2000 = %d items, %v; want %d", l.name, len(ids), err, len(l.want))
			}
		})
	}

	// A deleted marker resource does not break the walk.
	t.Run("DeletedMarker", func(t *testing.T) {
		marker := sessions[5]
		if _, err := c.DeleteTrafficMirrorSession(&model.DeleteTrafficMirrorSessionRequest{TrafficMirrorSessionId: marker}); err != nil {
			t.Fatal(err)
		}
		resp, err := c.ListTrafficMirrorSessions(&model.ListTrafficMirrorSessionsRequest{Limit: ptrTo(int32(2)), Marker: &marker})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := idsOfSessions(*resp.TrafficMirrorSessions), sessions[6:8]; !cmp.Equal(got, want) {
			t.Errorf("ListTrafficMirrorSessions after deleted marker = %v, want %v", got, want)
		}
	})
}

// rawPageInfo lists with a request signed by the SDK and returns page_info as
// raw JSON members.
func rawPageInfo(t *testing.T, e *e2eEnv, path string, q map[string]any) map[string]json.RawMessage {
	t.Helper()
	resp := e.do(t, e.a, e.projectA, sdkCall{method: "GET", path: path, query: q})
	var body struct {
		PageInfo map[string]json.RawMessage `json:"page_info"`
	}
	if resp.status != http.StatusOK {
		t.Fatalf("GET %s?%v: status %d, body %s", path, q, resp.status, resp.body)
	}
	if err := json.Unmarshal(resp.body, &body); err != nil || body.PageInfo == nil {
		t.Fatalf("GET %s?%v: body %s has no page_info object: %v", path, q, resp.body, err)
	}
	return body.PageInfo
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
