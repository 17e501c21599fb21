package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

func testCreateFilter(t *testing.T, open opener) {
	t.Run("OK", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		got, err := st.CreateFilter(ctx, mirror.Filter{ProjectID: projectA, Name: "filter-1", Description: "demo filter"})
		if err != nil {
			t.Fatalf("CreateFilter = %v", err)
		}
		checkNew(t, "created filter", got.ID, got.CreatedAt, got.UpdatedAt)
		want := mirror.Filter{
			ID:           got.ID,
			ProjectID:    projectA,
			Name:         "filter-1",
			Description:  "demo filter",
			Type:         mirror.FilterTypeENI,
			IngressRules: []mirror.FilterRule{},
			EgressRules:  []mirror.FilterRule{},
			CreatedAt:    got.CreatedAt,
			UpdatedAt:    got.UpdatedAt,
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CreateFilter mismatch (-want +got):\n%s", diff)
		}
		if got.IngressRules == nil || got.EgressRules == nil {
			t.Errorf("CreateFilter rules = %#v, %#v, want empty, not nil", got.IngressRules, got.EgressRules)
		}
		stored := mustGetFilter(t, st, projectA, got.ID)
		if diff := cmp.Diff(got, stored); diff != "" {
			t.Errorf("GetFilter after create (-created +stored):\n%s", diff)
		}
		if stored.IngressRules == nil || stored.EgressRules == nil {
			t.Errorf("GetFilter rules = %#v, %#v, want empty, not nil", stored.IngressRules, stored.EgressRules)
		}
	})

	t.Run("EmptyDescription", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		got, err := st.CreateFilter(ctx, mirror.Filter{ProjectID: projectA, Name: "f"})
		if err != nil || got.Description != "" {
			t.Fatalf("CreateFilter(no description) = %+v, %v, want description \"\"", got, err)
		}
	})

	t.Run("ErrQuota", func(t *testing.T) {
		st := open(t, limits(func(l *mirror.Limits) { l.FiltersPerProject = 2 }))
		a := mustCreateFilter(t, st, projectA, "a")
		mustCreateFilter(t, st, projectA, "b")
		_, err := st.CreateFilter(ctx, mirror.Filter{ProjectID: projectA, Name: "c"})
		wantErr(t, "CreateFilter(3rd of 2)", err, mirror.FilterQuota())
		// Per project.
		mustCreateFilter(t, st, projectB, "c")
		// Freed by delete.
		if err := st.DeleteFilter(ctx, projectA, a.ID); err != nil {
			t.Fatalf("DeleteFilter = %v", err)
		}
		mustCreateFilter(t, st, projectA, "c")
		_, err = st.CreateFilter(ctx, mirror.Filter{ProjectID: projectA, Name: "d"})
		wantErr(t, "CreateFilter(3rd of 2 after delete)", err, mirror.FilterQuota())
	})

	t.Run("QuotaZeroUnlimited", func(t *testing.T) {
		st := open(t, limits(func(l *mirror.Limits) { l.FiltersPerProject = 0 }))
		for range 5 {
			mustCreateFilter(t, st, projectA, "f")
		}
	})

	t.Run("NamesNotUnique", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		a := mustCreateFilter(t, st, projectA, "same")
		b := mustCreateFilter(t, st, projectA, "same")
		if a.ID == b.ID {
			t.Errorf("two filters have ID %s", a.ID)
		}
	})
}

func testGetFilter(t *testing.T, open opener) {
	t.Run("RulesByDirectionAndPriority", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		other := mustCreateFilter(t, st, projectA, "other")
		mustCreateRule(t, st, newRule(other, mirror.DirectionIngress, 1))
		in30 := mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 30))
		in2 := mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 2))
		eg1 := mustCreateRule(t, st, newRule(f, mirror.DirectionEgress, 1))
		in100 := mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 100))
		eg65535 := mustCreateRule(t, st, newRule(f, mirror.DirectionEgress, 65535))
		got := mustGetFilter(t, st, projectA, f.ID)
		want := f
		want.IngressRules = []mirror.FilterRule{in2, in30, in100}
		want.EgressRules = []mirror.FilterRule{eg1, eg65535}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetFilter mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		id := newID()
		_, err := st.GetFilter(ctx, projectA, id)
		wantErr(t, "GetFilter(unknown)", err, mirror.FilterNotFound(id))
	})

	t.Run("ErrOtherProject", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		mustCreateFilter(t, st, projectB, "f")
		_, err := st.GetFilter(ctx, projectB, f.ID)
		wantErr(t, "GetFilter(filter of A in B)", err, mirror.FilterNotFound(f.ID))
	})
}

func testUpdateFilter(t *testing.T, open opener) {
	t.Run("OK", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		rule := mustCreateRule(t, st, newRule(f, mirror.DirectionEgress, 3))
		tick()
		got, err := st.UpdateFilter(ctx, projectA, f.ID, mirror.FilterUpdate{Name: ptr("renamed"), Description: ptr("new"), Type: ptr("ENI")})
		if err != nil {
			t.Fatalf("UpdateFilter = %v", err)
		}
		want := f
		want.Name, want.Description = "renamed", "new"
		want.EgressRules = []mirror.FilterRule{rule}
		if diff := cmp.Diff(want, got, ignoreTimes); diff != "" {
			t.Errorf("UpdateFilter mismatch (-want +got):\n%s", diff)
		}
		checkMoved(t, "updated filter", filterTimes(f), filterTimes(got))
		if diff := cmp.Diff(got, mustGetFilter(t, st, projectA, f.ID)); diff != "" {
			t.Errorf("GetFilter after update (-returned +stored):\n%s", diff)
		}
	})

	t.Run("Partial", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		got, err := st.UpdateFilter(ctx, projectA, f.ID, mirror.FilterUpdate{Description: ptr("")})
		if err != nil {
			t.Fatalf("UpdateFilter(description \"\") = %v", err)
		}
		want := f
		want.Description = ""
		if diff := cmp.Diff(want, got, ignoreTimes); diff != "" {
			t.Errorf("UpdateFilter(description \"\") mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		tick()
		got, err := st.UpdateFilter(ctx, projectA, f.ID, mirror.FilterUpdate{})
		if err != nil {
			t.Fatalf("UpdateFilter({}) = %v", err)
		}
		if diff := cmp.Diff(f, got, ignoreTimes); diff != "" {
			t.Errorf("UpdateFilter({}) mismatch (-want +got):\n%s", diff)
		}
		checkMoved(t, "filter after empty update", filterTimes(f), filterTimes(got))
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		id := newID()
		_, err := st.UpdateFilter(ctx, projectA, id, mirror.FilterUpdate{Name: ptr("x")})
		wantErr(t, "UpdateFilter(unknown)", err, mirror.FilterNotFound(id))
	})

	t.Run("ErrOtherProject", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		_, err := st.UpdateFilter(ctx, projectB, f.ID, mirror.FilterUpdate{Name: ptr("x")})
		wantErr(t, "UpdateFilter(filter of A in B)", err, mirror.FilterNotFound(f.ID))
	})

	t.Run("ErrTypeChanged", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		_, err := st.UpdateFilter(ctx, projectA, f.ID, mirror.FilterUpdate{Name: ptr("x"), Type: ptr("eip")})
		wantCode(t, "UpdateFilter(type eip)", err, mirror.CodeInvalidCombination)
		if diff := cmp.Diff(f, mustGetFilter(t, st, projectA, f.ID)); diff != "" {
			t.Errorf("filter after failed update (-want +got):\n%s", diff)
		}
	})

	t.Run("OrderNotFoundBeforeType", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		id := newID()
		_, err := st.UpdateFilter(ctx, projectA, id, mirror.FilterUpdate{Type: ptr("eip")})
		wantErr(t, "UpdateFilter(unknown, type eip)", err, mirror.FilterNotFound(id))
	})
}

func testDeleteFilter(t *testing.T, open opener) {
	t.Run("OK", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		keep := mustCreateFilter(t, st, projectA, "keep")
		if err := st.DeleteFilter(ctx, projectA, f.ID); err != nil {
			t.Fatalf("DeleteFilter = %v", err)
		}
		_, err := st.GetFilter(ctx, projectA, f.ID)
		wantErr(t, "GetFilter(deleted)", err, mirror.FilterNotFound(f.ID))
		err = st.DeleteFilter(ctx, projectA, f.ID)
		wantErr(t, "DeleteFilter(deleted)", err, mirror.FilterNotFound(f.ID))
		mustGetFilter(t, st, projectA, keep.ID)
	})

	t.Run("WithRules", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		keep := mustCreateFilter(t, st, projectA, "keep")
		r1 := mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 1))
		r2 := mustCreateRule(t, st, newRule(f, mirror.DirectionEgress, 1))
		kept := mustCreateRule(t, st, newRule(keep, mirror.DirectionIngress, 1))
		if err := st.DeleteFilter(ctx, projectA, f.ID); err != nil {
			t.Fatalf("DeleteFilter = %v", err)
		}
		for _, r := range []mirror.FilterRule{r1, r2} {
			_, err := st.GetFilterRule(ctx, projectA, r.ID)
			wantErr(t, "GetFilterRule(rule of deleted filter)", err, mirror.RuleNotFound(r.ID))
		}
		p, err := st.ListFilterRules(ctx, projectA, mirror.FilterRuleQuery{})
		if err != nil {
			t.Fatalf("ListFilterRules = %v", err)
		}
		if diff := cmp.Diff([]string{kept.ID}, ruleIDs(p.Items)); diff != "" {
			t.Errorf("rules after deleting a filter (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		id := newID()
		err := st.DeleteFilter(ctx, projectA, id)
		wantErr(t, "DeleteFilter(unknown)", err, mirror.FilterNotFound(id))
	})

	t.Run("ErrOtherProject", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		err := st.DeleteFilter(ctx, projectB, f.ID)
		wantErr(t, "DeleteFilter(filter of A in B)", err, mirror.FilterNotFound(f.ID))
		mustGetFilter(t, st, projectA, f.ID)
	})

	t.Run("ErrInUse", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		rule := mustCreateRule(t, st, newRule(f, mirror.DirectionIngress, 1))
		a := mustCreateSession(t, st, newSession(f, 1))
		b := mustCreateSession(t, st, newSession(f, 2))
		other := mustCreateFilter(t, st, projectA, "other")
		mustCreateSession(t, st, newSession(other, 3))
		users := []string{a.ID, b.ID}
		if users[0] > users[1] {
			users[0], users[1] = users[1], users[0]
		}
		err := st.DeleteFilter(ctx, projectA, f.ID)
		wantErr(t, "DeleteFilter(in use)", err, mirror.FilterInUse(f.ID, users))
		got := mustGetFilter(t, st, projectA, f.ID)
		if diff := cmp.Diff([]mirror.FilterRule{rule}, got.IngressRules); diff != "" {
			t.Errorf("rules after failed delete (-want +got):\n%s", diff)
		}
		// Once the sessions are gone the filter can go.
		for _, id := range users {
			if err := st.DeleteSession(ctx, projectA, id); err != nil {
				t.Fatalf("DeleteSession = %v", err)
			}
		}
		if err := st.DeleteFilter(ctx, projectA, f.ID); err != nil {
			t.Fatalf("DeleteFilter(no longer in use) = %v", err)
		}
	})
}
