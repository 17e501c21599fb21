package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// sessionSet is 25 sessions in projectA whose fields vary so that every list
// filter selects a different subset, plus sessions in projectB with the same
// names that no list of projectA may show.
type sessionSet struct {
	st       mirror.Store
	filters  [2]mirror.Filter
	sessions []mirror.Session
	upper    mirror.Session // its target ID is in upper case
}

func newSessionSet(t *testing.T, open opener) *sessionSet {
	t.Helper()
	st := open(t, mirror.DefaultLimits())
	set := &sessionSet{st: st}
	set.filters = [2]mirror.Filter{mustCreateFilter(t, st, projectA, "f0"), mustCreateFilter(t, st, projectA, "f1")}
	sharedTarget := newID()
	names := []string{"alpha", "beta", "gamma"}
	for i := range 25 {
		in := newSession(set.filters[i%2], i+1)
		in.Name = names[i%3]
		in.Description = []string{"", "d1", "d2", "d1"}[i%4]
		if i%4 == 0 {
			in.TargetID = sharedTarget
		}
		if i%3 == 0 {
			in.TargetType = mirror.TargetTypeELB
		}
		if i%5 == 0 {
			in.Type = mirror.SourceTypeEIP
		}
		in.VirtualNetworkID = i%3 + 1
		in.PacketLength = 96 + i%2
		in.Enabled = i%2 == 0
		if i == 7 {
			in.TargetID = strings.ToUpper(newID())
		}
		s := mustCreateSession(t, st, in)
		if i == 7 {
			set.upper = s
		}
		set.sessions = append(set.sessions, s)
	}
	fb := mustCreateFilter(t, st, projectB, "f0")
	for i := range 3 {
		in := newSession(fb, i+1)
		in.Name = names[i]
		in.TargetID = sharedTarget
		mustCreateSession(t, st, in)
	}
	return set
}

func (set *sessionSet) want(match func(mirror.Session) bool) []string {
	return sortedIDs(set.sessions, func(s mirror.Session) string { return s.ID }, match)
}

func testListSessions(t *testing.T, open opener) {
	t.Run("Empty", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		p, err := st.ListSessions(ctx, projectA, mirror.SessionQuery{})
		if err != nil {
			t.Fatalf("ListSessions = %v", err)
		}
		if p.Items == nil || len(p.Items) != 0 || p.More {
			t.Errorf("ListSessions(empty store) = %#v, want no items (not nil) and no more", p)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		set := newSessionSet(t, open)
		all := set.sessions
		f0, f1 := set.filters[0].ID, set.filters[1].ID
		for _, tc := range []struct {
			name  string
			q     mirror.SessionQuery
			match func(mirror.Session) bool
		}{
			{"All", mirror.SessionQuery{}, func(s mirror.Session) bool { return true }},
			{"ID", mirror.SessionQuery{IDs: []string{all[3].ID, all[17].ID, newID()}},
				func(s mirror.Session) bool { return s.ID == all[3].ID || s.ID == all[17].ID }},
			{"Name", mirror.SessionQuery{Names: []string{"alpha"}}, func(s mirror.Session) bool { return s.Name == "alpha" }},
			{"NamesOred", mirror.SessionQuery{Names: []string{"alpha", "gamma"}},
				func(s mirror.Session) bool { return s.Name == "alpha" || s.Name == "gamma" }},
			{"NameExact", mirror.SessionQuery{Names: []string{"ALPHA", "alph"}}, func(s mirror.Session) bool { return false }},
			{"DescriptionEmpty", mirror.SessionQuery{Descriptions: []string{""}}, func(s mirror.Session) bool { return s.Description == "" }},
			{"Descriptions", mirror.SessionQuery{Descriptions: []string{"", "d2"}},
				func(s mirror.Session) bool { return s.Description == "" || s.Description == "d2" }},
			{"FilterID", mirror.SessionQuery{FilterIDs: []string{f1}}, func(s mirror.Session) bool { return s.FilterID == f1 }},
			{"FilterIDs", mirror.SessionQuery{FilterIDs: []string{f1, f0}}, func(s mirror.Session) bool { return true }},
			{"TargetID", mirror.SessionQuery{TargetIDs: []string{all[0].TargetID}},
				func(s mirror.Session) bool { return s.TargetID == all[0].TargetID }},
			{"TargetIDsOred", mirror.SessionQuery{TargetIDs: []string{all[0].TargetID, all[1].TargetID}},
				func(s mirror.Session) bool { return s.TargetID == all[0].TargetID || s.TargetID == all[1].TargetID }},
			{"TargetIDExact", mirror.SessionQuery{TargetIDs: []string{strings.ToLower(set.upper.TargetID)}},
				func(s mirror.Session) bool { return false }},
			{"TargetIDUpper", mirror.SessionQuery{TargetIDs: []string{set.upper.TargetID}},
				func(s mirror.Session) bool { return s.ID == set.upper.ID }},
			{"TargetTypeCaseInsensitive", mirror.SessionQuery{TargetTypes: []string{"ELB"}},
				func(s mirror.Session) bool { return s.TargetType == mirror.TargetTypeELB }},
			{"TargetTypes", mirror.SessionQuery{TargetTypes: []string{"elb", "Eni"}}, func(s mirror.Session) bool { return true }},
			{"TypeCaseInsensitive", mirror.SessionQuery{Types: []string{"EIP"}},
				func(s mirror.Session) bool { return s.Type == mirror.SourceTypeEIP }},
			{"VirtualNetworkID", mirror.SessionQuery{VirtualNetworkIDs: []int64{2}},
				func(s mirror.Session) bool { return s.VirtualNetworkID == 2 }},
			{"VirtualNetworkIDs", mirror.SessionQuery{VirtualNetworkIDs: []int64{1, 3, 99}},
				func(s mirror.Session) bool { return s.VirtualNetworkID != 2 }},
			{"PacketLength", mirror.SessionQuery{PacketLengths: []int64{97}},
				func(s mirror.Session) bool { return s.PacketLength == 97 }},
			{"Priority", mirror.SessionQuery{Priorities: []int64{5}}, func(s mirror.Session) bool { return s.Priority == 5 }},
			{"Priorities", mirror.SessionQuery{Priorities: []int64{5, 6, 25, 26}},
				func(s mirror.Session) bool { return s.Priority == 5 || s.Priority == 6 || s.Priority == 25 }},
			{"EnabledTrue", mirror.SessionQuery{Enabled: ptr(true)}, func(s mirror.Session) bool { return s.Enabled }},
			{"EnabledFalse", mirror.SessionQuery{Enabled: ptr(false)}, func(s mirror.Session) bool { return !s.Enabled }},
			{"AndOfParameters", mirror.SessionQuery{Names: []string{"alpha", "beta"}, Enabled: ptr(true), FilterIDs: []string{f0}, VirtualNetworkIDs: []int64{1, 2}},
				func(s mirror.Session) bool {
					return (s.Name == "alpha" || s.Name == "beta") && s.Enabled && s.FilterID == f0 && s.VirtualNetworkID != 3
				}},
			{"AndOfAll", mirror.SessionQuery{
				IDs: []string{all[0].ID, all[12].ID}, Names: []string{all[12].Name}, Descriptions: []string{all[12].Description},
				FilterIDs: []string{all[12].FilterID}, TargetIDs: []string{all[12].TargetID}, TargetTypes: []string{all[12].TargetType},
				Types: []string{all[12].Type}, VirtualNetworkIDs: []int64{int64(all[12].VirtualNetworkID)},
				PacketLengths: []int64{int64(all[12].PacketLength)}, Priorities: []int64{int64(all[12].Priority)}, Enabled: &all[12].Enabled,
			}, func(s mirror.Session) bool { return s.ID == all[12].ID }},
			{"NoMatch", mirror.SessionQuery{Names: []string{"alpha"}, Priorities: []int64{2}}, func(s mirror.Session) bool { return false }},
			{"MatchNone", mirror.SessionQuery{MatchNone: true}, func(s mirror.Session) bool { return false }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p, err := set.st.ListSessions(ctx, projectA, tc.q)
				if err != nil {
					t.Fatalf("ListSessions(%+v) = %v", tc.q, err)
				}
				if diff := cmp.Diff(set.want(tc.match), sessionIDs(p.Items)); diff != "" {
					t.Errorf("ListSessions(%+v) IDs (-want +got):\n%s", tc.q, diff)
				}
				if p.More {
					t.Errorf("ListSessions(%+v).More = true, want false", tc.q)
				}
			})
		}
	})

	t.Run("ItemsComplete", func(t *testing.T) {
		set := newSessionSet(t, open)
		p, err := set.st.ListSessions(ctx, projectA, mirror.SessionQuery{})
		if err != nil {
			t.Fatalf("ListSessions = %v", err)
		}
		want := slices.Clone(set.sessions)
		slices.SortFunc(want, func(a, b mirror.Session) int { return strings.Compare(a.ID, b.ID) })
		if diff := cmp.Diff(want, p.Items); diff != "" {
			t.Errorf("ListSessions items (-want +got):\n%s", diff)
		}
	})

	t.Run("OtherProject", func(t *testing.T) {
		set := newSessionSet(t, open)
		p, err := set.st.ListSessions(ctx, projectB, mirror.SessionQuery{Names: []string{"alpha", "beta", "gamma"}})
		if err != nil {
			t.Fatalf("ListSessions(B) = %v", err)
		}
		if len(p.Items) != 3 {
			t.Fatalf("ListSessions(B) returned %d sessions, want 3", len(p.Items))
		}
		for _, s := range p.Items {
			if s.ProjectID != projectB {
				t.Errorf("ListSessions(B) returned %+v", s)
			}
		}
		p, err = set.st.ListSessions(ctx, "00000000000000000000000000000000", mirror.SessionQuery{})
		if err != nil || len(p.Items) != 0 {
			t.Errorf("ListSessions(unknown project) = %v, %v, want none", sessionIDs(p.Items), err)
		}
	})

	t.Run("Pagination", func(t *testing.T) {
		set := newSessionSet(t, open)
		want := set.want(func(mirror.Session) bool { return true })
		for _, limit := range []int{1, 2, 7, 25, 26} {
			t.Run(fmt.Sprint("Limit", limit), func(t *testing.T) {
				got := walk(t, limit, func(s mirror.Session) string { return s.ID }, func(marker string) (mirror.Page[mirror.Session], error) {
					return set.st.ListSessions(ctx, projectA, mirror.SessionQuery{ListParams: mirror.ListParams{Limit: limit, Marker: marker}})
				})
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("sessions over pages of %d (-want +got):\n%s", limit, diff)
				}
			})
		}
	})

	t.Run("PaginationFiltered", func(t *testing.T) {
		set := newSessionSet(t, open)
		want := set.want(func(s mirror.Session) bool { return s.Enabled })
		got := walk(t, 2, func(s mirror.Session) string { return s.ID }, func(marker string) (mirror.Page[mirror.Session], error) {
			return set.st.ListSessions(ctx, projectA, mirror.SessionQuery{Enabled: ptr(true), ListParams: mirror.ListParams{Limit: 2, Marker: marker}})
		})
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("enabled sessions over pages of 2 (-want +got):\n%s", diff)
		}
	})

	t.Run("LastFullPageHasNoMore", func(t *testing.T) {
		set := newSessionSet(t, open)
		want := set.want(func(mirror.Session) bool { return true })
		p, err := set.st.ListSessions(ctx, projectA, mirror.SessionQuery{ListParams: mirror.ListParams{Limit: 5, Marker: want[19]}})
		if err != nil {
			t.Fatalf("ListSessions = %v", err)
		}
		if diff := cmp.Diff(want[20:], sessionIDs(p.Items)); diff != "" || p.More {
			t.Errorf("last page = %v, More %v, want %v, More false", sessionIDs(p.Items), p.More, want[20:])
		}
	})

	t.Run("MarkerDeleted", func(t *testing.T) {
		set := newSessionSet(t, open)
		want := set.want(func(mirror.Session) bool { return true })
		p, err := set.st.ListSessions(ctx, projectA, mirror.SessionQuery{ListParams: mirror.ListParams{Limit: 3}})
		if err != nil {
			t.Fatalf("ListSessions = %v", err)
		}
		marker := p.Items[2].ID
		if err := set.st.DeleteSession(ctx, projectA, marker); err != nil {
			t.Fatalf("DeleteSession = %v", err)
		}
		p, err = set.st.ListSessions(ctx, projectA, mirror.SessionQuery{ListParams: mirror.ListParams{Limit: 3, Marker: marker}})
		if err != nil {
			t.Fatalf("ListSessions(deleted marker) = %v", err)
		}
		if diff := cmp.Diff(want[3:6], sessionIDs(p.Items)); diff != "" || !p.More {
			t.Errorf("page after a deleted marker = %v, More %v, want %v, More true", sessionIDs(p.Items), p.More, want[3:6])
		}
	})

	t.Run("MarkerOutside", func(t *testing.T) {
		set := newSessionSet(t, open)
		want := set.want(func(mirror.Session) bool { return true })
		p, err := set.st.ListSessions(ctx, projectA, mirror.SessionQuery{ListParams: mirror.ListParams{Marker: "0"}})
		if err != nil || !cmp.Equal(want, sessionIDs(p.Items)) {
			t.Errorf("ListSessions(marker before all) = %v, %v, want all", sessionIDs(p.Items), err)
		}
		p, err = set.st.ListSessions(ctx, projectA, mirror.SessionQuery{ListParams: mirror.ListParams{Marker: "g"}})
		if err != nil || len(p.Items) != 0 || p.More {
			t.Errorf("ListSessions(marker after all) = %v, %v, want none", sessionIDs(p.Items), err)
		}
	})
}

func testListFilters(t *testing.T, open opener) {
	// 25 filters with rules on some of them, and filters in projectB.
	setup := func(t *testing.T) (mirror.Store, []mirror.Filter) {
		t.Helper()
		st := open(t, mirror.DefaultLimits())
		var filters []mirror.Filter
		for i := range 25 {
			f, err := st.CreateFilter(ctx, mirror.Filter{
				ProjectID:   projectA,
				Name:        []string{"alpha", "beta", "gamma"}[i%3],
				Description: []string{"", "d1", "d2"}[i%3],
			})
			if err != nil {
				t.Fatalf("CreateFilter = %v", err)
			}
			if i%4 == 0 {
				f.IngressRules = append(f.IngressRules, mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 2)))
				f.IngressRules = slices.Insert(f.IngressRules, 0, mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 1)))
				f.EgressRules = append(f.EgressRules, mustCreateRule(t, st, newRule(f, mirror.DirectionEgress, 1)))
			}
			filters = append(filters, f)
		}
		for range 3 {
			fb := mustCreateFilter(t, st, projectB, "alpha")
			mustCreateRule(t, st, newRule(fb, mirror.DirectionIngress, 1))
		}
		return st, filters
	}
	id := func(f mirror.Filter) string { return f.ID }

	t.Run("Empty", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		p, err := st.ListFilters(ctx, projectA, mirror.FilterQuery{})
		if err != nil || p.Items == nil || len(p.Items) != 0 || p.More {
			t.Errorf("ListFilters(empty store) = %#v, %v, want no items (not nil)", p, err)
		}
	})

	t.Run("ItemsWithRules", func(t *testing.T) {
		st, filters := setup(t)
		want := slices.Clone(filters)
		slices.SortFunc(want, func(a, b mirror.Filter) int { return strings.Compare(a.ID, b.ID) })
		p, err := st.ListFilters(ctx, projectA, mirror.FilterQuery{})
		if err != nil {
			t.Fatalf("ListFilters = %v", err)
		}
		if diff := cmp.Diff(want, p.Items); diff != "" {
			t.Errorf("ListFilters items (-want +got):\n%s", diff)
		}
		for _, f := range p.Items {
			if f.IngressRules == nil || f.EgressRules == nil {
				t.Errorf("filter %s rules = %#v, %#v, want not nil", f.ID, f.IngressRules, f.EgressRules)
			}
		}
	})

	t.Run("Filters", func(t *testing.T) {
		st, filters := setup(t)
		for _, tc := range []struct {
			name  string
			q     mirror.FilterQuery
			match func(mirror.Filter) bool
		}{
			{"ID", mirror.FilterQuery{IDs: []string{filters[4].ID, filters[9].ID}},
				func(f mirror.Filter) bool { return f.ID == filters[4].ID || f.ID == filters[9].ID }},
			{"Name", mirror.FilterQuery{Names: []string{"beta"}}, func(f mirror.Filter) bool { return f.Name == "beta" }},
			{"NamesOred", mirror.FilterQuery{Names: []string{"beta", "alpha"}}, func(f mirror.Filter) bool { return f.Name != "gamma" }},
			{"DescriptionEmpty", mirror.FilterQuery{Descriptions: []string{""}}, func(f mirror.Filter) bool { return f.Description == "" }},
			{"NameAndDescription", mirror.FilterQuery{Names: []string{"alpha", "beta"}, Descriptions: []string{"d1", "d2"}},
				func(f mirror.Filter) bool { return f.Name == "beta" }},
			{"NoMatch", mirror.FilterQuery{Names: []string{"alpha"}, Descriptions: []string{"d1"}}, func(f mirror.Filter) bool { return false }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p, err := st.ListFilters(ctx, projectA, tc.q)
				if err != nil {
					t.Fatalf("ListFilters(%+v) = %v", tc.q, err)
				}
				if diff := cmp.Diff(sortedIDs(filters, id, tc.match), filterIDs(p.Items)); diff != "" {
					t.Errorf("ListFilters(%+v) IDs (-want +got):\n%s", tc.q, diff)
				}
			})
		}
	})

	t.Run("OtherProject", func(t *testing.T) {
		st, _ := setup(t)
		p, err := st.ListFilters(ctx, projectB, mirror.FilterQuery{})
		if err != nil || len(p.Items) != 3 {
			t.Fatalf("ListFilters(B) = %d filters, %v, want 3", len(p.Items), err)
		}
		for _, f := range p.Items {
			if f.ProjectID != projectB || len(f.IngressRules) != 1 || f.IngressRules[0].ProjectID != projectB {
				t.Errorf("ListFilters(B) returned %+v", f)
			}
		}
	})

	t.Run("Pagination", func(t *testing.T) {
		st, filters := setup(t)
		want := sortedIDs(filters, id, func(mirror.Filter) bool { return true })
		for _, limit := range []int{1, 2, 7} {
			got := walk(t, limit, id, func(marker string) (mirror.Page[mirror.Filter], error) {
				return st.ListFilters(ctx, projectA, mirror.FilterQuery{ListParams: mirror.ListParams{Limit: limit, Marker: marker}})
			})
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("filters over pages of %d (-want +got):\n%s", limit, diff)
			}
		}
	})

	t.Run("MarkerDeleted", func(t *testing.T) {
		st, filters := setup(t)
		want := sortedIDs(filters, id, func(mirror.Filter) bool { return true })
		if err := st.DeleteFilter(ctx, projectA, want[10]); err != nil {
			t.Fatalf("DeleteFilter = %v", err)
		}
		p, err := st.ListFilters(ctx, projectA, mirror.FilterQuery{ListParams: mirror.ListParams{Limit: 2, Marker: want[10]}})
		if err != nil || !cmp.Equal(want[11:13], filterIDs(p.Items)) || !p.More {
			t.Errorf("ListFilters(deleted marker) = %v, More %v, %v, want %v, More true", filterIDs(p.Items), p.More, err, want[11:13])
		}
	})
}

func testListFilterRules(t *testing.T, open opener) {
	// 25 rules over 3 filters with varied fields, and rules in projectB.
	setup := func(t *testing.T) (mirror.Store, []mirror.Filter, []mirror.FilterRule) {
		t.Helper()
		st := open(t, limits(func(l *mirror.Limits) { l.RulesPerFilterDirection = 100 }))
		filters := []mirror.Filter{mustCreateFilter(t, st, projectA, "f0"), mustCreateFilter(t, st, projectA, "f1"), mustCreateFilter(t, st, projectA, "f2")}
		var rules []mirror.FilterRule
		for i := range 25 {
			dir := []string{mirror.DirectionIngress, mirror.DirectionEgress}[i%2]
			r := newRule(filters[i%3], dir, i/6+1)
			r.Description = []string{"", "web", "dns"}[i%3]
			r.Protocol = []string{"tcp", "UDP", "TCP", "udp", "all"}[i%5]
			r.Action = []string{mirror.ActionAccept, mirror.ActionReject}[i/2%2]
			if r.Protocol != "all" {
				r.SourcePortRange = []string{"", "80", "1-1024"}[i%3]
				r.DestinationPortRange = []string{"443", ""}[i%2]
			}
			r.SourceCIDR = []string{"", "10.0.0.0/8", "192.168.1.1"}[i%3]
			r.DestinationCIDR = []string{"10.1.0.0/16", ""}[i%2]
			rules = append(rules, mustCreateRule(t, st, r))
		}
		fb := mustCreateFilter(t, st, projectB, "f0")
		mustCreateRule(t, st, newRule(fb, mirror.DirectionIngress, 1))
		return st, filters, rules
	}
	id := func(r mirror.FilterRule) string { return r.ID }

	t.Run("Empty", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		p, err := st.ListFilterRules(ctx, projectA, mirror.FilterRuleQuery{})
		if err != nil || p.Items == nil || len(p.Items) != 0 || p.More {
			t.Errorf("ListFilterRules(empty store) = %#v, %v, want no items (not nil)", p, err)
		}
	})

	t.Run("ItemsComplete", func(t *testing.T) {
		st, _, rules := setup(t)
		want := slices.Clone(rules)
		slices.SortFunc(want, func(a, b mirror.FilterRule) int { return strings.Compare(a.ID, b.ID) })
		p, err := st.ListFilterRules(ctx, projectA, mirror.FilterRuleQuery{})
		if err != nil {
			t.Fatalf("ListFilterRules = %v", err)
		}
		if diff := cmp.Diff(want, p.Items); diff != "" {
			t.Errorf("ListFilterRules items (-want +got):\n%s", diff)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		st, filters, rules := setup(t)
		for _, tc := range []struct {
			name  string
			q     mirror.FilterRuleQuery
			match func(mirror.FilterRule) bool
		}{
			{"ID", mirror.FilterRuleQuery{IDs: []string{rules[0].ID, rules[24].ID}},
				func(r mirror.FilterRule) bool { return r.ID == rules[0].ID || r.ID == rules[24].ID }},
			{"DescriptionEmpty", mirror.FilterRuleQuery{Descriptions: []string{""}}, func(r mirror.FilterRule) bool { return r.Description == "" }},
			{"Descriptions", mirror.FilterRuleQuery{Descriptions: []string{"web", "dns"}}, func(r mirror.FilterRule) bool { return r.Description != "" }},
			{"FilterID", mirror.FilterRuleQuery{FilterIDs: []string{filters[1].ID}}, func(r mirror.FilterRule) bool { return r.FilterID == filters[1].ID }},
			{"FilterIDs", mirror.FilterRuleQuery{FilterIDs: []string{filters[1].ID, filters[2].ID}},
				func(r mirror.FilterRule) bool { return r.FilterID != filters[0].ID }},
			{"DirectionCaseInsensitive", mirror.FilterRuleQuery{Directions: []string{"EGRESS"}},
				func(r mirror.FilterRule) bool { return r.Direction == mirror.DirectionEgress }},
			{"ProtocolCaseInsensitive", mirror.FilterRuleQuery{Protocols: []string{"tcp"}},
				func(r mirror.FilterRule) bool { return strings.EqualFold(r.Protocol, "tcp") }},
			{"Protocols", mirror.FilterRuleQuery{Protocols: []string{"Udp", "ALL"}},
				func(r mirror.FilterRule) bool { return !strings.EqualFold(r.Protocol, "tcp") }},
			{"ActionCaseInsensitive", mirror.FilterRuleQuery{Actions: []string{"Reject"}},
				func(r mirror.FilterRule) bool { return r.Action == mirror.ActionReject }},
			{"SourceCIDR", mirror.FilterRuleQuery{SourceCIDRs: []string{"10.0.0.0/8"}},
				func(r mirror.FilterRule) bool { return r.SourceCIDR == "10.0.0.0/8" }},
			{"SourceCIDREmpty", mirror.FilterRuleQuery{SourceCIDRs: []string{"", "192.168.1.1"}},
				func(r mirror.FilterRule) bool { return r.SourceCIDR != "10.0.0.0/8" }},
			{"DestinationCIDR", mirror.FilterRuleQuery{DestinationCIDRs: []string{"10.1.0.0/16"}},
				func(r mirror.FilterRule) bool { return r.DestinationCIDR == "10.1.0.0/16" }},
			{"SourcePortRange", mirror.FilterRuleQuery{SourcePortRanges: []string{"80"}},
				func(r mirror.FilterRule) bool { return r.SourcePortRange == "80" }},
			{"DestinationPortRange", mirror.FilterRuleQuery{DestinationPortRanges: []string{""}},
				func(r mirror.FilterRule) bool { return r.DestinationPortRange == "" }},
			{"Priority", mirror.FilterRuleQuery{Priorities: []int64{2}}, func(r mirror.FilterRule) bool { return r.Priority == 2 }},
			{"Priorities", mirror.FilterRuleQuery{Priorities: []int64{1, 5, 70000}},
				func(r mirror.FilterRule) bool { return r.Priority == 1 || r.Priority == 5 }},
			{"AndOfParameters", mirror.FilterRuleQuery{FilterIDs: []string{filters[0].ID}, Directions: []string{"ingress"}, Protocols: []string{"TCP", "udp"}},
				func(r mirror.FilterRule) bool {
					return r.FilterID == filters[0].ID && r.Direction == mirror.DirectionIngress && !strings.EqualFold(r.Protocol, "all")
				}},
			{"MatchNone", mirror.FilterRuleQuery{MatchNone: true}, func(r mirror.FilterRule) bool { return false }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p, err := st.ListFilterRules(ctx, projectA, tc.q)
				if err != nil {
					t.Fatalf("ListFilterRules(%+v) = %v", tc.q, err)
				}
				want := sortedIDs(rules, id, tc.match)
				if len(want) == 0 && tc.name != "MatchNone" {
					t.Fatalf("bad test: %s matches no rule", tc.name)
				}
				if diff := cmp.Diff(want, ruleIDs(p.Items)); diff != "" {
					t.Errorf("ListFilterRules(%+v) IDs (-want +got):\n%s", tc.q, diff)
				}
			})
		}
	})

	t.Run("OtherProject", func(t *testing.T) {
		st, _, _ := setup(t)
		p, err := st.ListFilterRules(ctx, projectB, mirror.FilterRuleQuery{})
		if err != nil || len(p.Items) != 1 || p.Items[0].ProjectID != projectB {
			t.Errorf("ListFilterRules(B) = %+v, %v, want the one rule of B", p.Items, err)
		}
	})

	t.Run("Pagination", func(t *testing.T) {
		st, _, rules := setup(t)
		want := sortedIDs(rules, id, func(mirror.FilterRule) bool { return true })
		for _, limit := range []int{1, 2, 7} {
			got := walk(t, limit, id, func(marker string) (mirror.Page[mirror.FilterRule], error) {
				return st.ListFilterRules(ctx, projectA, mirror.FilterRuleQuery{ListParams: mirror.ListParams{Limit: limit, Marker: marker}})
			})
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("rules over pages of %d (-want +got):\n%s", limit, diff)
			}
		}
	})

	t.Run("MarkerDeleted", func(t *testing.T) {
		st, _, rules := setup(t)
		want := sortedIDs(rules, id, func(mirror.FilterRule) bool { return true })
		if err := st.DeleteFilterRule(ctx, projectA, want[5]); err != nil {
			t.Fatalf("DeleteFilterRule = %v", err)
		}
		p, err := st.ListFilterRules(ctx, projectA, mirror.FilterRuleQuery{ListParams: mirror.ListParams{Limit: 3, Marker: want[5]}})
		if err != nil || !cmp.Equal(want[6:9], ruleIDs(p.Items)) || !p.More {
			t.Errorf("ListFilterRules(deleted marker) = %v, More %v, %v, want %v, More true", ruleIDs(p.Items), p.More, err, want[6:9])
		}
	})
}
