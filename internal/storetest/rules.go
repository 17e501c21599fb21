package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

func testCreateFilterRule(t *testing.T, open opener) {
	t.Run("OK", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		tick()
		in := mirror.FilterRule{
			ProjectID:            projectA,
			FilterID:             f.ID,
			Direction:            mirror.DirectionIngress,
			Description:          "web",
			SourceCIDR:           "10.0.0.0/8",
			DestinationCIDR:      "192.168.0.1",
			SourcePortRange:      "1024-65535",
			DestinationPortRange: "80",
			Ethertype:            mirror.EthertypeIPv4,
			Protocol:             "TCP",
			Action:               mirror.ActionReject,
			Priority:             65535,
		}
		got := mustCreateRule(t, st, in)
		checkNew(t, "created rule", got.ID, got.CreatedAt, got.UpdatedAt)
		want := in
		want.ID, want.CreatedAt, want.UpdatedAt = got.ID, got.CreatedAt, got.UpdatedAt
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CreateFilterRule mismatch (-want +got):\n%s", diff)
		}
		stored, err := st.GetFilterRule(ctx, projectA, got.ID)
		if err != nil {
			t.Fatalf("GetFilterRule = %v", err)
		}
		if diff := cmp.Diff(got, stored); diff != "" {
			t.Errorf("GetFilterRule after create (-created +stored):\n%s", diff)
		}
		// Rule changes leave the filter's updated_at alone.
		if diff := cmp.Diff(filterTimes(f), filterTimes(mustGetFilter(t, st, projectA, f.ID))); diff != "" {
			t.Errorf("filter times after a rule create (-before +after):\n%s", diff)
		}
	})

	t.Run("ErrFilterNotFound", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		in := newRule(f, mirror.DirectionIngress, 1)
		in.FilterID = newID()
		_, err := st.CreateFilterRule(ctx, in)
		wantErr(t, "CreateFilterRule(unknown filter)", err, mirror.FilterNotFound(in.FilterID))
	})

	t.Run("ErrFilterOfOtherProject", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		fb := mustCreateFilter(t, st, projectB, "f")
		in := newRule(fb, mirror.DirectionIngress, 1)
		in.ProjectID = projectA
		_, err := st.CreateFilterRule(ctx, in)
		wantErr(t, "CreateFilterRule(filter of B in A)", err, mirror.FilterNotFound(fb.ID))
	})

	t.Run("ErrCombination", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		for _, tc := range []struct {
			name   string
			change func(r *mirror.FilterRule)
		}{
			{"icmp with IPv6", func(r *mirror.FilterRule) { r.Protocol, r.Ethertype = "icmp", mirror.EthertypeIPv6 }},
			{"IPv6 CIDR with IPv4", func(r *mirror.FilterRule) { r.SourceCIDR = "2001:db8::/32" }},
			{"ports with all", func(r *mirror.FilterRule) { r.Protocol, r.DestinationPortRange = "all", "80" }},
		} {
			in := newRule(f, mirror.DirectionIngress, 1)
			tc.change(&in)
			_, err := st.CreateFilterRule(ctx, in)
			wantCode(t, "CreateFilterRule("+tc.name+")", err, mirror.CodeInvalidCombination)
		}
		if got := mustGetFilter(t, st, projectA, f.ID); len(got.IngressRules) != 0 {
			t.Errorf("rules after failed creates = %v, want none", got.IngressRules)
		}
	})

	t.Run("ErrQuota", func(t *testing.T) {
		st := open(t, limits(func(l *mirror.Limits) { l.RulesPerFilterDirection = 2 }))
		f := mustCreateFilter(t, st, projectA, "f")
		mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 1))
		mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 2))
		_, err := st.CreateFilterRule(ctx, newRule(f, mirror.DirectionIngress, 3))
		wantErr(t, "CreateFilterRule(3rd ingress of 2)", err, mirror.RuleQuota(2, mirror.DirectionIngress))
		// Per direction and per filter.
		mustCreateRule(t, st, newRule(f, mirror.DirectionEgress, 1))
		mustCreateRule(t, st, newRule(f, mirror.DirectionEgress, 2))
		_, err = st.CreateFilterRule(ctx, newRule(f, mirror.DirectionEgress, 3))
		wantErr(t, "CreateFilterRule(3rd egress of 2)", err, mirror.RuleQuota(2, mirror.DirectionEgress))
		f2 := mustCreateFilter(t, st, projectA, "f2")
		mustCreateRule(t, st, newRule(f2, mirror.DirectionIngress, 1))
	})

	t.Run("ErrQuotaDefault", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		for i := range 10 {
			mustCreateRule(t, st, newRule(f, mirror.DirectionEgress, i+1))
		}
		_, err := st.CreateFilterRule(ctx, newRule(f, mirror.DirectionEgress, 11))
		wantErr(t, "CreateFilterRule(11th)", err, mirror.RuleQuota(10, mirror.DirectionEgress))
	})

	t.Run("ErrPriorityExists", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 7))
		_, err := st.CreateFilterRule(ctx, newRule(f, mirror.DirectionIngress, 7))
		wantErr(t, "CreateFilterRule(same priority)", err, mirror.RulePriorityExists(7, mirror.DirectionIngress, f.ID))
		// Free in the other direction and in other filters.
		mustCreateRule(t, st, newRule(f, mirror.DirectionEgress, 7))
		f2 := mustCreateFilter(t, st, projectA, "f2")
		mustCreateRule(t, st, newRule(f2, mirror.DirectionIngress, 7))
	})

	t.Run("OrderFilterBeforeCombination", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		in := newRule(f, mirror.DirectionIngress, 1)
		in.FilterID, in.Protocol = newID(), "icmpv6"
		_, err := st.CreateFilterRule(ctx, in)
		wantErr(t, "CreateFilterRule(unknown filter, icmpv6 with IPv4)", err, mirror.FilterNotFound(in.FilterID))
	})

	t.Run("OrderCombinationBeforeQuota", func(t *testing.T) {
		st := open(t, limits(func(l *mirror.Limits) { l.RulesPerFilterDirection = 1 }))
		f := mustCreateFilter(t, st, projectA, "f")
		mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 1))
		in := newRule(f, mirror.DirectionIngress, 2)
		in.Protocol = "icmpv6"
		_, err := st.CreateFilterRule(ctx, in)
		wantCode(t, "CreateFilterRule(full, icmpv6 with IPv4)", err, mirror.CodeInvalidCombination)
	})

	t.Run("OrderQuotaBeforePriority", func(t *testing.T) {
		st := open(t, limits(func(l *mirror.Limits) { l.RulesPerFilterDirection = 1 }))
		f := mustCreateFilter(t, st, projectA, "f")
		mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 1))
		_, err := st.CreateFilterRule(ctx, newRule(f, mirror.DirectionIngress, 1))
		wantErr(t, "CreateFilterRule(full, same priority)", err, mirror.RuleQuota(1, mirror.DirectionIngress))
	})
}

func testGetFilterRule(t *testing.T, open opener) {
	t.Run("ErrNotFound", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		id := newID()
		_, err := st.GetFilterRule(ctx, projectA, id)
		wantErr(t, "GetFilterRule(unknown)", err, mirror.RuleNotFound(id))
	})

	t.Run("ErrOtherProject", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		r := mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 1))
		mustCreateFilter(t, st, projectB, "f")
		_, err := st.GetFilterRule(ctx, projectB, r.ID)
		wantErr(t, "GetFilterRule(rule of A in B)", err, mirror.RuleNotFound(r.ID))
	})
}

func testUpdateFilterRule(t *testing.T, open opener) {
	t.Run("OK", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		cur := mustCreateRule(t, st, newRule(f, mirror.DirectionEgress, 1))
		tick()
		u := mirror.FilterRuleUpdate{
			Description:          ptr("changed"),
			Protocol:             ptr("UDP"),
			Ethertype:            ptr(mirror.EthertypeIPv6),
			Action:               ptr(mirror.ActionReject),
			Priority:             ptr(9),
			SourceCIDR:           ptr("2001:db8::/32"),
			DestinationCIDR:      ptr("::1"),
			SourcePortRange:      ptr("53"),
			DestinationPortRange: ptr("1-65535"),
			Direction:            ptr("EGRESS"),
			FilterID:             ptr(f.ID),
		}
		got, err := st.UpdateFilterRule(ctx, projectA, cur.ID, u)
		if err != nil {
			t.Fatalf("UpdateFilterRule = %v", err)
		}
		want := cur
		want.Description, want.Protocol, want.Ethertype, want.Action, want.Priority = "changed", "UDP", mirror.EthertypeIPv6, mirror.ActionReject, 9
		want.SourceCIDR, want.DestinationCIDR, want.SourcePortRange, want.DestinationPortRange = "2001:db8::/32", "::1", "53", "1-65535"
		if diff := cmp.Diff(want, got, ignoreTimes); diff != "" {
			t.Errorf("UpdateFilterRule mismatch (-want +got):\n%s", diff)
		}
		checkMoved(t, "updated rule", ruleTimes(cur), ruleTimes(got))
		stored, err := st.GetFilterRule(ctx, projectA, cur.ID)
		if err != nil {
			t.Fatalf("GetFilterRule = %v", err)
		}
		if diff := cmp.Diff(got, stored); diff != "" {
			t.Errorf("GetFilterRule after update (-returned +stored):\n%s", diff)
		}
		if diff := cmp.Diff(filterTimes(f), filterTimes(mustGetFilter(t, st, projectA, f.ID))); diff != "" {
			t.Errorf("filter times after a rule update (-before +after):\n%s", diff)
		}
	})

	t.Run("Partial", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		in := newRule(f, mirror.DirectionIngress, 1)
		in.Description, in.SourceCIDR, in.DestinationPortRange = "keep", "10.0.0.0/8", "443"
		cur := mustCreateRule(t, st, in)
		got, err := st.UpdateFilterRule(ctx, projectA, cur.ID, mirror.FilterRuleUpdate{Action: ptr(mirror.ActionReject), SourceCIDR: ptr("")})
		if err != nil {
			t.Fatalf("UpdateFilterRule = %v", err)
		}
		want := cur
		want.Action, want.SourceCIDR = mirror.ActionReject, ""
		if diff := cmp.Diff(want, got, ignoreTimes); diff != "" {
			t.Errorf("UpdateFilterRule(partial) mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("TerraformUDPToICMPv6", func(t *testing.T) {
		// filter-rules.md §5: the Terraform provider switches a udp rule
		// to icmpv6 without clearing its port ranges.
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		in := newRule(f, mirror.DirectionIngress, 1)
		in.Protocol, in.SourcePortRange, in.DestinationPortRange = "udp", "80-81", "80-81"
		in.SourceCIDR = "10.0.0.0/24"
		cur := mustCreateRule(t, st, in)
		got, err := st.UpdateFilterRule(ctx, projectA, cur.ID, mirror.FilterRuleUpdate{
			Protocol:        ptr("icmpv6"),
			Ethertype:       ptr("IPv6"),
			SourceCIDR:      ptr("2002:50::44/128"),
			DestinationCIDR: ptr("::/0"),
			Priority:        ptr(2),
			Action:          ptr("reject"),
			Description:     ptr(""),
		})
		if err != nil {
			t.Fatalf("UpdateFilterRule(udp to icmpv6) = %v", err)
		}
		want := cur
		want.Protocol, want.Ethertype, want.SourceCIDR, want.DestinationCIDR = "icmpv6", "IPv6", "2002:50::44/128", "::/0"
		want.Priority, want.Action, want.SourcePortRange, want.DestinationPortRange = 2, "reject", "", ""
		if diff := cmp.Diff(want, got, ignoreTimes); diff != "" {
			t.Errorf("UpdateFilterRule(udp to icmpv6) mismatch (-want +got):\n%s", diff)
		}
		stored, err := st.GetFilterRule(ctx, projectA, cur.ID)
		if err != nil || stored.SourcePortRange != "" || stored.DestinationPortRange != "" {
			t.Errorf("stored rule = %+v, %v, want empty port ranges", stored, err)
		}
	})

	t.Run("SamePriorityOK", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		cur := mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 4))
		if _, err := st.UpdateFilterRule(ctx, projectA, cur.ID, mirror.FilterRuleUpdate{Priority: ptr(4)}); err != nil {
			t.Fatalf("UpdateFilterRule(own priority) = %v", err)
		}
	})

	t.Run("PriorityChangeFreesOld", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		cur := mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 4))
		if _, err := st.UpdateFilterRule(ctx, projectA, cur.ID, mirror.FilterRuleUpdate{Priority: ptr(5)}); err != nil {
			t.Fatalf("UpdateFilterRule(priority 5) = %v", err)
		}
		mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 4))
		_, err := st.CreateFilterRule(ctx, newRule(f, mirror.DirectionIngress, 5))
		wantErr(t, "CreateFilterRule(priority 5)", err, mirror.RulePriorityExists(5, mirror.DirectionIngress, f.ID))
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		id := newID()
		_, err := st.UpdateFilterRule(ctx, projectA, id, mirror.FilterRuleUpdate{Priority: ptr(1)})
		wantErr(t, "UpdateFilterRule(unknown)", err, mirror.RuleNotFound(id))
	})

	t.Run("ErrOtherProject", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		r := mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 1))
		_, err := st.UpdateFilterRule(ctx, projectB, r.ID, mirror.FilterRuleUpdate{Priority: ptr(2)})
		wantErr(t, "UpdateFilterRule(rule of A in B)", err, mirror.RuleNotFound(r.ID))
	})

	t.Run("ErrImmutable", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		f2 := mustCreateFilter(t, st, projectA, "f2")
		r := mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 1))
		_, err := st.UpdateFilterRule(ctx, projectA, r.ID, mirror.FilterRuleUpdate{Direction: ptr(mirror.DirectionEgress)})
		wantCode(t, "UpdateFilterRule(direction)", err, mirror.CodeInvalidCombination)
		_, err = st.UpdateFilterRule(ctx, projectA, r.ID, mirror.FilterRuleUpdate{FilterID: ptr(f2.ID)})
		wantCode(t, "UpdateFilterRule(filter)", err, mirror.CodeInvalidCombination)
	})

	t.Run("ErrCombination", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		in := newRule(f, mirror.DirectionIngress, 1)
		in.SourceCIDR = "10.0.0.0/8"
		r := mustCreateRule(t, st, in)
		// IPv6 with the stored IPv4 CIDR.
		_, err := st.UpdateFilterRule(ctx, projectA, r.ID, mirror.FilterRuleUpdate{Ethertype: ptr(mirror.EthertypeIPv6), Description: ptr("x")})
		wantCode(t, "UpdateFilterRule(IPv6 with an IPv4 CIDR)", err, mirror.CodeInvalidCombination)
		// icmp with a port range given in the same request.
		_, err = st.UpdateFilterRule(ctx, projectA, r.ID, mirror.FilterRuleUpdate{Protocol: ptr("icmp"), SourcePortRange: ptr("80")})
		wantCode(t, "UpdateFilterRule(icmp with ports)", err, mirror.CodeInvalidCombination)
		stored, err := st.GetFilterRule(ctx, projectA, r.ID)
		if err != nil {
			t.Fatalf("GetFilterRule = %v", err)
		}
		if diff := cmp.Diff(r, stored); diff != "" {
			t.Errorf("rule after failed updates (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrPriorityExists", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		mustCreateRule(t, st, newRule(f, mirror.DirectionEgress, 1))
		r := mustCreateRule(t, st, newRule(f, mirror.DirectionEgress, 2))
		_, err := st.UpdateFilterRule(ctx, projectA, r.ID, mirror.FilterRuleUpdate{Priority: ptr(1)})
		wantErr(t, "UpdateFilterRule(taken priority)", err, mirror.RulePriorityExists(1, mirror.DirectionEgress, f.ID))
	})

	t.Run("OrderNotFoundBeforeCombination", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		id := newID()
		_, err := st.UpdateFilterRule(ctx, projectA, id, mirror.FilterRuleUpdate{Direction: ptr("bogus")})
		wantErr(t, "UpdateFilterRule(unknown, direction change)", err, mirror.RuleNotFound(id))
	})

	t.Run("OrderCombinationBeforePriority", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		mustCreateRule(t, st, newRule(f, mirror.DirectionEgress, 1))
		r := mustCreateRule(t, st, newRule(f, mirror.DirectionEgress, 2))
		_, err := st.UpdateFilterRule(ctx, projectA, r.ID, mirror.FilterRuleUpdate{Priority: ptr(1), Protocol: ptr("icmpv6")})
		wantCode(t, "UpdateFilterRule(taken priority, icmpv6 with IPv4)", err, mirror.CodeInvalidCombination)
	})
}

func testDeleteFilterRule(t *testing.T, open opener) {
	t.Run("OK", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		r := mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 1))
		keep := mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 2))
		tick()
		if err := st.DeleteFilterRule(ctx, projectA, r.ID); err != nil {
			t.Fatalf("DeleteFilterRule = %v", err)
		}
		_, err := st.GetFilterRule(ctx, projectA, r.ID)
		wantErr(t, "GetFilterRule(deleted)", err, mirror.RuleNotFound(r.ID))
		err = st.DeleteFilterRule(ctx, projectA, r.ID)
		wantErr(t, "DeleteFilterRule(deleted)", err, mirror.RuleNotFound(r.ID))
		got := mustGetFilter(t, st, projectA, f.ID)
		want := f
		want.IngressRules = []mirror.FilterRule{keep}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("filter after a rule delete (-want +got):\n%s", diff)
		}
		// The priority is free again.
		mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 1))
	})

	t.Run("WhileFilterInUse", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		r := mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 1))
		mustCreateSession(t, st, newSession(f, 1))
		if err := st.DeleteFilterRule(ctx, projectA, r.ID); err != nil {
			t.Fatalf("DeleteFilterRule(filter in use) = %v", err)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		id := newID()
		err := st.DeleteFilterRule(ctx, projectA, id)
		wantErr(t, "DeleteFilterRule(unknown)", err, mirror.RuleNotFound(id))
	})

	t.Run("ErrOtherProject", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		r := mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 1))
		err := st.DeleteFilterRule(ctx, projectB, r.ID)
		wantErr(t, "DeleteFilterRule(rule of A in B)", err, mirror.RuleNotFound(r.ID))
		if _, err := st.GetFilterRule(ctx, projectA, r.ID); err != nil {
			t.Errorf("GetFilterRule after delete through B = %v", err)
		}
	})
}
