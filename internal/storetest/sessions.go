package storetest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

func testCreateSession(t *testing.T, open opener) {
	t.Run("OK", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		in := mirror.Session{
			ProjectID:        projectA,
			Name:             "sess-01",
			Description:      "first session",
			FilterID:         f.ID,
			Sources:          []string{newID(), strings.ToUpper(newID()), newID()},
			TargetID:         strings.ToUpper(newID()),
			TargetType:       mirror.TargetTypeELB,
			VirtualNetworkID: 100,
			PacketLength:     1460,
			Priority:         32766,
			Enabled:          true,
			Type:             mirror.SourceTypeEIP,
		}
		got := mustCreateSession(t, st, in)
		checkNew(t, "created session", got.ID, got.CreatedAt, got.UpdatedAt)
		want := in
		want.ID, want.CreatedAt, want.UpdatedAt = got.ID, got.CreatedAt, got.UpdatedAt
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CreateSession mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(got, mustGetSession(t, st, projectA, got.ID)); diff != "" {
			t.Errorf("GetSession after create mismatch (-created +stored):\n%s", diff)
		}
	})

	t.Run("DefaultsKept", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		in := newSession(f, 1)
		got := mustCreateSession(t, st, in)
		if got.Description != "" || got.Enabled || got.VirtualNetworkID != 1 || got.PacketLength != 96 || got.Type != "eni" {
			t.Errorf("CreateSession(defaults) = %+v, want description \"\", enabled false, VNI 1, length 96, type eni", got)
		}
	})

	t.Run("IDsUnique", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		a := mustCreateSession(t, st, newSession(f, 1))
		b := mustCreateSession(t, st, newSession(f, 1))
		if a.ID == b.ID || a.ID == f.ID {
			t.Errorf("IDs of two sessions and their filter = %s, %s, %s, want distinct", a.ID, b.ID, f.ID)
		}
	})

	t.Run("ErrFilterNotFound", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		in := newSession(f, 1)
		in.FilterID = newID()
		_, err := st.CreateSession(ctx, in)
		wantErr(t, "CreateSession(unknown filter)", err, mirror.FilterNotFound(in.FilterID))
	})

	t.Run("ErrFilterOfOtherProject", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		fb := mustCreateFilter(t, st, projectB, "f")
		in := newSession(fb, 1)
		in.ProjectID = projectA
		_, err := st.CreateSession(ctx, in)
		wantErr(t, "CreateSession(filter of project B in A)", err, mirror.FilterNotFound(fb.ID))
	})

	t.Run("ErrTargetIsSource", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		src := newID()
		in := newSession(f, 1, newID(), src)
		in.TargetID = strings.ToUpper(src)
		_, err := st.CreateSession(ctx, in)
		wantErr(t, "CreateSession(target among sources)", err, mirror.TargetIsSource(in.TargetID))
	})

	t.Run("ErrSessionQuota", func(t *testing.T) {
		st := open(t, limits(func(l *mirror.Limits) { l.SessionsPerProject = 3 }))
		f := mustCreateFilter(t, st, projectA, "f")
		for i := range 3 {
			mustCreateSession(t, st, newSession(f, i+1))
		}
		_, err := st.CreateSession(ctx, newSession(f, 4))
		wantErr(t, "CreateSession(4th of 3)", err, mirror.SessionQuota())

		// The quota is per project.
		fb := mustCreateFilter(t, st, projectB, "f")
		mustCreateSession(t, st, newSession(fb, 1))
	})

	t.Run("SessionQuotaFreedByDelete", func(t *testing.T) {
		st := open(t, limits(func(l *mirror.Limits) { l.SessionsPerProject = 2 }))
		f := mustCreateFilter(t, st, projectA, "f")
		a := mustCreateSession(t, st, newSession(f, 1))
		mustCreateSession(t, st, newSession(f, 2))
		if err := st.DeleteSession(ctx, projectA, a.ID); err != nil {
			t.Fatalf("DeleteSession = %v", err)
		}
		mustCreateSession(t, st, newSession(f, 3))
		_, err := st.CreateSession(ctx, newSession(f, 4))
		wantErr(t, "CreateSession(3rd of 2)", err, mirror.SessionQuota())
	})

	t.Run("SessionQuotaZeroUnlimited", func(t *testing.T) {
		st := open(t, limits(func(l *mirror.Limits) { l.SessionsPerProject = 0 }))
		f := mustCreateFilter(t, st, projectA, "f")
		for i := range 5 {
			mustCreateSession(t, st, newSession(f, i+1))
		}
	})

	t.Run("ErrSourceIsTarget", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		other := mustCreateSession(t, st, newSession(f, 1))
		in := newSession(f, 2, newID(), strings.ToUpper(other.TargetID))
		_, err := st.CreateSession(ctx, in)
		wantErr(t, "CreateSession(source is a target)", err, mirror.RoleConflict(in.Sources[1], mirror.RoleTarget, other.ID))
	})

	t.Run("ErrTargetIsSourceOfOther", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		other := mustCreateSession(t, st, newSession(f, 1))
		in := newSession(f, 2)
		in.TargetID = strings.ToUpper(other.Sources[0])
		_, err := st.CreateSession(ctx, in)
		wantErr(t, "CreateSession(target is a source)", err, mirror.RoleConflict(in.TargetID, mirror.RoleSource, other.ID))
	})

	t.Run("RolesPerProject", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		fb := mustCreateFilter(t, st, projectB, "f")
		other := mustCreateSession(t, st, newSession(fb, 1))
		f := mustCreateFilter(t, st, projectA, "f")
		in := newSession(f, 1, other.TargetID)
		in.TargetID = other.Sources[0]
		mustCreateSession(t, st, in)
	})

	t.Run("SharedTargetOK", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		a := mustCreateSession(t, st, newSession(f, 1))
		in := newSession(f, 1)
		in.TargetID = strings.ToUpper(a.TargetID)
		mustCreateSession(t, st, in)
	})

	t.Run("ErrSessionsPerSourceQuota", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		src := newID()
		for i := range 3 {
			mustCreateSession(t, st, newSession(f, i+1, src))
		}
		in := newSession(f, 4, newID(), strings.ToUpper(src))
		_, err := st.CreateSession(ctx, in)
		wantErr(t, "CreateSession(4th session of a source)", err, mirror.SessionsPerSourceQuota(in.Sources[1], 3))

		// Per project.
		fb := mustCreateFilter(t, st, projectB, "f")
		mustCreateSession(t, st, newSession(fb, 1, src))
	})

	t.Run("SessionsPerSourceLimit", func(t *testing.T) {
		st := open(t, limits(func(l *mirror.Limits) { l.SessionsPerSource = 1 }))
		f := mustCreateFilter(t, st, projectA, "f")
		src := newID()
		mustCreateSession(t, st, newSession(f, 1, src))
		_, err := st.CreateSession(ctx, newSession(f, 2, src))
		wantErr(t, "CreateSession(2nd session of a source, limit 1)", err, mirror.SessionsPerSourceQuota(src, 1))
	})

	t.Run("ErrPriorityConflict", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		src := newID()
		other := mustCreateSession(t, st, newSession(f, 7, newID(), src))
		in := newSession(f, 7, newID(), strings.ToUpper(src))
		_, err := st.CreateSession(ctx, in)
		wantErr(t, "CreateSession(shared source, same priority)", err, mirror.SessionPriorityConflict(7, other.ID, in.Sources[1]))
	})

	t.Run("SamePriorityWithoutSharedSourceOK", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		mustCreateSession(t, st, newSession(f, 7))
		mustCreateSession(t, st, newSession(f, 7))
	})

	t.Run("SharedSourceOtherPriorityOK", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		src := newID()
		mustCreateSession(t, st, newSession(f, 7, src))
		mustCreateSession(t, st, newSession(f, 8, src))
	})

	t.Run("OrderFilterBeforeCombination", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		in := newSession(f, 1)
		in.FilterID = newID()
		in.TargetID = in.Sources[0]
		_, err := st.CreateSession(ctx, in)
		wantErr(t, "CreateSession(unknown filter, target among sources)", err, mirror.FilterNotFound(in.FilterID))
	})

	t.Run("OrderCombinationBeforeQuota", func(t *testing.T) {
		st := open(t, limits(func(l *mirror.Limits) { l.SessionsPerProject = 1 }))
		f := mustCreateFilter(t, st, projectA, "f")
		mustCreateSession(t, st, newSession(f, 1))
		in := newSession(f, 2)
		in.TargetID = in.Sources[0]
		_, err := st.CreateSession(ctx, in)
		wantErr(t, "CreateSession(over quota, target among sources)", err, mirror.TargetIsSource(in.TargetID))
	})

	t.Run("OrderQuotaBeforeRoleConflict", func(t *testing.T) {
		st := open(t, limits(func(l *mirror.Limits) { l.SessionsPerProject = 1 }))
		f := mustCreateFilter(t, st, projectA, "f")
		other := mustCreateSession(t, st, newSession(f, 1))
		_, err := st.CreateSession(ctx, newSession(f, 2, other.TargetID))
		wantErr(t, "CreateSession(over quota, source is a target)", err, mirror.SessionQuota())
	})

	t.Run("OrderRoleConflictBeforeSessionsPerSource", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		busy := newID()
		var last mirror.Session
		for i := range 3 {
			last = mustCreateSession(t, st, newSession(f, i+1, busy))
		}
		in := newSession(f, 9, busy, last.TargetID)
		_, err := st.CreateSession(ctx, in)
		wantErr(t, "CreateSession(full source, source is a target)", err, mirror.RoleConflict(last.TargetID, mirror.RoleTarget, last.ID))
	})

	t.Run("OrderSourcesBeforeTargetInRoleConflicts", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		other := mustCreateSession(t, st, newSession(f, 1))
		in := newSession(f, 2, other.TargetID)
		in.TargetID = other.Sources[0]
		_, err := st.CreateSession(ctx, in)
		wantErr(t, "CreateSession(source is a target, target is a source)", err, mirror.RoleConflict(other.TargetID, mirror.RoleTarget, other.ID))
	})

	t.Run("OrderSessionsPerSourceBeforePriority", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		shared, busy := newID(), newID()
		mustCreateSession(t, st, newSession(f, 5, shared))
		for i := range 3 {
			mustCreateSession(t, st, newSession(f, 10+i, busy))
		}
		in := newSession(f, 5, shared, busy)
		_, err := st.CreateSession(ctx, in)
		wantErr(t, "CreateSession(priority clash, full source)", err, mirror.SessionsPerSourceQuota(busy, 3))
	})

	t.Run("FailedCreateChangesNothing", func(t *testing.T) {
		st := open(t, limits(func(l *mirror.Limits) { l.SessionsPerProject = 2; l.SessionsPerSource = 1 }))
		f := mustCreateFilter(t, st, projectA, "f")
		other := mustCreateSession(t, st, newSession(f, 1))
		// The first source is fine; the second is a target.
		fresh := newID()
		_, err := st.CreateSession(ctx, newSession(f, 2, fresh, other.TargetID))
		wantCode(t, "CreateSession(source is a target)", err, mirror.CodeRoleConflict)
		p, err := st.ListSessions(ctx, projectA, mirror.SessionQuery{})
		if err != nil {
			t.Fatalf("ListSessions = %v", err)
		}
		if diff := cmp.Diff([]string{other.ID}, sessionIDs(p.Items)); diff != "" {
			t.Errorf("sessions after failed create (-want +got):\n%s", diff)
		}
		// Neither the quota (2) nor the fresh source (1 session) was used.
		mustCreateSession(t, st, newSession(f, 2, fresh))
		_, err = st.CreateSession(ctx, newSession(f, 3))
		wantErr(t, "CreateSession(3rd of 2)", err, mirror.SessionQuota())
	})
}

func testGetSession(t *testing.T, open opener) {
	t.Run("ErrNotFound", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		id := newID()
		_, err := st.GetSession(ctx, projectA, id)
		wantErr(t, "GetSession(unknown)", err, mirror.SessionNotFound(id))
	})

	t.Run("ErrOtherProject", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1))
		_, err := st.GetSession(ctx, projectB, s.ID)
		wantErr(t, "GetSession(session of A in B)", err, mirror.SessionNotFound(s.ID))
	})

	t.Run("ErrOtherProjectKnown", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1))
		mustCreateFilter(t, st, projectB, "f")
		_, err := st.GetSession(ctx, projectB, s.ID)
		wantErr(t, "GetSession(session of A in B)", err, mirror.SessionNotFound(s.ID))
	})
}

func testUpdateSession(t *testing.T, open opener) {
	t.Run("OK", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		f2 := mustCreateFilter(t, st, projectA, "f2")
		cur := mustCreateSession(t, st, newSession(f, 1))
		tick()
		u := mirror.SessionUpdate{
			Name:             ptr("renamed"),
			Description:      ptr("new description"),
			FilterID:         ptr(f2.ID),
			TargetID:         ptr(strings.ToUpper(newID())),
			TargetType:       ptr(mirror.TargetTypeELB),
			VirtualNetworkID: ptr(0),
			PacketLength:     ptr(1),
			Priority:         ptr(32766),
			Enabled:          ptr(true),
		}
		got, err := st.UpdateSession(ctx, projectA, cur.ID, u)
		if err != nil {
			t.Fatalf("UpdateSession = %v", err)
		}
		want := cur
		want.Name, want.Description, want.FilterID = "renamed", "new description", f2.ID
		want.TargetID, want.TargetType = *u.TargetID, mirror.TargetTypeELB
		want.VirtualNetworkID, want.PacketLength, want.Priority, want.Enabled = 0, 1, 32766, true
		if diff := cmp.Diff(want, got, ignoreTimes); diff != "" {
			t.Errorf("UpdateSession mismatch (-want +got):\n%s", diff)
		}
		checkMoved(t, "updated session", sessionTimes(cur), sessionTimes(got))
		if diff := cmp.Diff(got, mustGetSession(t, st, projectA, cur.ID)); diff != "" {
			t.Errorf("GetSession after update mismatch (-returned +stored):\n%s", diff)
		}
	})

	t.Run("Partial", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		in := newSession(f, 4)
		in.Description, in.Enabled, in.VirtualNetworkID = "keep me", true, 77
		cur := mustCreateSession(t, st, in)
		got, err := st.UpdateSession(ctx, projectA, cur.ID, mirror.SessionUpdate{Name: ptr("only-name")})
		if err != nil {
			t.Fatalf("UpdateSession = %v", err)
		}
		want := cur
		want.Name = "only-name"
		if diff := cmp.Diff(want, got, ignoreTimes); diff != "" {
			t.Errorf("UpdateSession(name only) mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ClearDescription", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		in := newSession(f, 4)
		in.Description = "to be cleared"
		cur := mustCreateSession(t, st, in)
		got, err := st.UpdateSession(ctx, projectA, cur.ID, mirror.SessionUpdate{Description: ptr("")})
		if err != nil || got.Description != "" {
			t.Fatalf("UpdateSession(description \"\") = %+v, %v, want description \"\"", got, err)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		cur := mustCreateSession(t, st, newSession(f, 1))
		tick()
		got, err := st.UpdateSession(ctx, projectA, cur.ID, mirror.SessionUpdate{})
		if err != nil {
			t.Fatalf("UpdateSession({}) = %v", err)
		}
		if diff := cmp.Diff(cur, got, ignoreTimes); diff != "" {
			t.Errorf("UpdateSession({}) mismatch (-want +got):\n%s", diff)
		}
		checkMoved(t, "session after empty update", sessionTimes(cur), sessionTimes(got))
	})

	t.Run("ImmutablesEchoedOK", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		cur := mustCreateSession(t, st, newSession(f, 1, newID(), newID()))
		u := mirror.SessionUpdate{Type: ptr("ENI"), Sources: []string{strings.ToUpper(cur.Sources[0]), cur.Sources[1]}}
		got, err := st.UpdateSession(ctx, projectA, cur.ID, u)
		if err != nil {
			t.Fatalf("UpdateSession(echoed type and sources) = %v", err)
		}
		if diff := cmp.Diff(cur, got, ignoreTimes); diff != "" {
			t.Errorf("UpdateSession(echo) mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		id := newID()
		_, err := st.UpdateSession(ctx, projectA, id, mirror.SessionUpdate{Name: ptr("x")})
		wantErr(t, "UpdateSession(unknown)", err, mirror.SessionNotFound(id))
	})

	t.Run("ErrOtherProject", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1))
		_, err := st.UpdateSession(ctx, projectB, s.ID, mirror.SessionUpdate{Name: ptr("x")})
		wantErr(t, "UpdateSession(session of A in B)", err, mirror.SessionNotFound(s.ID))
		if got := mustGetSession(t, st, projectA, s.ID); got.Name != s.Name {
			t.Errorf("name after update through project B = %q, want %q", got.Name, s.Name)
		}
	})

	t.Run("ErrFilterNotFound", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		fb := mustCreateFilter(t, st, projectB, "f")
		s := mustCreateSession(t, st, newSession(f, 1))
		_, err := st.UpdateSession(ctx, projectA, s.ID, mirror.SessionUpdate{FilterID: ptr(fb.ID)})
		wantErr(t, "UpdateSession(filter of B)", err, mirror.FilterNotFound(fb.ID))
	})

	t.Run("ErrTypeChanged", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1))
		_, err := st.UpdateSession(ctx, projectA, s.ID, mirror.SessionUpdate{Type: ptr("eip")})
		wantCode(t, "UpdateSession(type eip)", err, mirror.CodeInvalidCombination)
	})

	t.Run("ErrSourcesChanged", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1, newID(), newID()))
		_, err := st.UpdateSession(ctx, projectA, s.ID, mirror.SessionUpdate{Sources: []string{s.Sources[1], s.Sources[0]}})
		wantCode(t, "UpdateSession(sources reordered)", err, mirror.CodeInvalidCombination)
	})

	t.Run("ErrTargetIsSource", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1))
		target := strings.ToUpper(s.Sources[0])
		_, err := st.UpdateSession(ctx, projectA, s.ID, mirror.SessionUpdate{TargetID: &target})
		wantErr(t, "UpdateSession(target = own source)", err, mirror.TargetIsSource(target))
	})

	t.Run("ErrRoleConflict", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		other := mustCreateSession(t, st, newSession(f, 1))
		s := mustCreateSession(t, st, newSession(f, 2))
		target := strings.ToUpper(other.Sources[0])
		_, err := st.UpdateSession(ctx, projectA, s.ID, mirror.SessionUpdate{TargetID: &target})
		wantErr(t, "UpdateSession(target = other's source)", err, mirror.RoleConflict(target, mirror.RoleSource, other.ID))
	})

	t.Run("TargetOfOtherSessionOK", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		other := mustCreateSession(t, st, newSession(f, 1))
		s := mustCreateSession(t, st, newSession(f, 2))
		if _, err := st.UpdateSession(ctx, projectA, s.ID, mirror.SessionUpdate{TargetID: &other.TargetID}); err != nil {
			t.Fatalf("UpdateSession(target shared with another session) = %v", err)
		}
	})

	t.Run("ErrPriorityConflict", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		src := newID()
		other := mustCreateSession(t, st, newSession(f, 1, src))
		s := mustCreateSession(t, st, newSession(f, 2, newID(), strings.ToUpper(src)))
		_, err := st.UpdateSession(ctx, projectA, s.ID, mirror.SessionUpdate{Priority: ptr(1)})
		wantErr(t, "UpdateSession(priority of a session sharing a source)", err, mirror.SessionPriorityConflict(1, other.ID, s.Sources[1]))
	})

	t.Run("SamePriorityOK", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 2))
		if _, err := st.UpdateSession(ctx, projectA, s.ID, mirror.SessionUpdate{Priority: ptr(2)}); err != nil {
			t.Fatalf("UpdateSession(own priority) = %v", err)
		}
	})

	t.Run("PriorityChangeMovesTheClash", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		src := newID()
		s := mustCreateSession(t, st, newSession(f, 1, src))
		if _, err := st.UpdateSession(ctx, projectA, s.ID, mirror.SessionUpdate{Priority: ptr(2)}); err != nil {
			t.Fatalf("UpdateSession(priority 2) = %v", err)
		}
		// Priority 1 is free on the source now, 2 is taken.
		mustCreateSession(t, st, newSession(f, 1, src))
		_, err := st.CreateSession(ctx, newSession(f, 2, src))
		wantErr(t, "CreateSession(priority 2 on the source)", err, mirror.SessionPriorityConflict(2, s.ID, src))
	})

	t.Run("FilterChangeFreesOldFilter", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		f2 := mustCreateFilter(t, st, projectA, "f2")
		s := mustCreateSession(t, st, newSession(f, 1))
		if _, err := st.UpdateSession(ctx, projectA, s.ID, mirror.SessionUpdate{FilterID: &f2.ID}); err != nil {
			t.Fatalf("UpdateSession(filter) = %v", err)
		}
		if err := st.DeleteFilter(ctx, projectA, f.ID); err != nil {
			t.Errorf("DeleteFilter(old filter) = %v", err)
		}
		err := st.DeleteFilter(ctx, projectA, f2.ID)
		wantErr(t, "DeleteFilter(new filter)", err, mirror.FilterInUse(f2.ID, []string{s.ID}))
	})

	t.Run("OrderNotFoundBeforeFilter", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		id, fid := newID(), newID()
		_, err := st.UpdateSession(ctx, projectA, id, mirror.SessionUpdate{FilterID: &fid})
		wantErr(t, "UpdateSession(unknown session and filter)", err, mirror.SessionNotFound(id))
	})

	t.Run("OrderFilterBeforeCombination", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1))
		fid := newID()
		_, err := st.UpdateSession(ctx, projectA, s.ID, mirror.SessionUpdate{FilterID: &fid, TargetID: &s.Sources[0], Type: ptr("eip")})
		wantErr(t, "UpdateSession(unknown filter, bad combination)", err, mirror.FilterNotFound(fid))
	})

	t.Run("OrderCombinationBeforeConflicts", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		src := newID()
		mustCreateSession(t, st, newSession(f, 1, src))
		s := mustCreateSession(t, st, newSession(f, 2, src))
		_, err := st.UpdateSession(ctx, projectA, s.ID, mirror.SessionUpdate{TargetID: &src, Priority: ptr(1)})
		wantErr(t, "UpdateSession(target = own source, priority clash)", err, mirror.TargetIsSource(src))
	})

	t.Run("OrderRoleConflictBeforePriority", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		src := newID()
		mustCreateSession(t, st, newSession(f, 1, src))
		s := mustCreateSession(t, st, newSession(f, 2, src))
		third := mustCreateSession(t, st, newSession(f, 3))
		_, err := st.UpdateSession(ctx, projectA, s.ID, mirror.SessionUpdate{TargetID: &third.Sources[0], Priority: ptr(1)})
		wantErr(t, "UpdateSession(target = other's source, priority clash)", err, mirror.RoleConflict(third.Sources[0], mirror.RoleSource, third.ID))
	})

	t.Run("FailedUpdateChangesNothing", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		src := newID()
		mustCreateSession(t, st, newSession(f, 1, src))
		s := mustCreateSession(t, st, newSession(f, 2, src))
		_, err := st.UpdateSession(ctx, projectA, s.ID, mirror.SessionUpdate{Name: ptr("changed"), Priority: ptr(1)})
		wantCode(t, "UpdateSession(priority clash)", err, mirror.CodeSessionPriorityConflict)
		if diff := cmp.Diff(s, mustGetSession(t, st, projectA, s.ID)); diff != "" {
			t.Errorf("session after failed update (-want +got):\n%s", diff)
		}
	})
}

func testDeleteSession(t *testing.T, open opener) {
	t.Run("OK", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1))
		keep := mustCreateSession(t, st, newSession(f, 2))
		if err := st.DeleteSession(ctx, projectA, s.ID); err != nil {
			t.Fatalf("DeleteSession = %v", err)
		}
		_, err := st.GetSession(ctx, projectA, s.ID)
		wantErr(t, "GetSession(deleted)", err, mirror.SessionNotFound(s.ID))
		err = st.DeleteSession(ctx, projectA, s.ID)
		wantErr(t, "DeleteSession(deleted)", err, mirror.SessionNotFound(s.ID))
		mustGetSession(t, st, projectA, keep.ID)
		// The filter stays.
		mustGetFilter(t, st, projectA, f.ID)
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		id := newID()
		err := st.DeleteSession(ctx, projectA, id)
		wantErr(t, "DeleteSession(unknown)", err, mirror.SessionNotFound(id))
	})

	t.Run("ErrOtherProject", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1))
		err := st.DeleteSession(ctx, projectB, s.ID)
		wantErr(t, "DeleteSession(session of A in B)", err, mirror.SessionNotFound(s.ID))
		mustGetSession(t, st, projectA, s.ID)
	})

	t.Run("FreesSourcesAndTarget", func(t *testing.T) {
		st := open(t, limits(func(l *mirror.Limits) { l.SessionsPerSource = 1 }))
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1))
		if err := st.DeleteSession(ctx, projectA, s.ID); err != nil {
			t.Fatalf("DeleteSession = %v", err)
		}
		// The source may be used again, with the same priority, and the
		// old target may become a source and the source a target.
		in := newSession(f, 1, s.Sources[0], s.TargetID)
		mustCreateSession(t, st, in)
	})
}

func testAddSessionSources(t *testing.T, open opener) {
	t.Run("OK", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		cur := mustCreateSession(t, st, newSession(f, 1))
		tick()
		add := []string{strings.ToUpper(newID()), newID()}
		got, err := st.AddSessionSources(ctx, projectA, cur.ID, add)
		if err != nil {
			t.Fatalf("AddSessionSources = %v", err)
		}
		want := cur
		want.Sources = []string{cur.Sources[0], add[0], add[1]}
		if diff := cmp.Diff(want, got, ignoreTimes); diff != "" {
			t.Errorf("AddSessionSources mismatch (-want +got):\n%s", diff)
		}
		checkMoved(t, "session after add-sources", sessionTimes(cur), sessionTimes(got))
		if diff := cmp.Diff(got, mustGetSession(t, st, projectA, cur.ID)); diff != "" {
			t.Errorf("GetSession after add-sources (-returned +stored):\n%s", diff)
		}
		// The added sources count for the rules: same priority clashes.
		_, err = st.CreateSession(ctx, newSession(f, 1, add[1]))
		wantErr(t, "CreateSession(added source, same priority)", err, mirror.SessionPriorityConflict(1, cur.ID, add[1]))
	})

	t.Run("ToEmptySession", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		cur := mustCreateSession(t, st, newSession(f, 1))
		if _, err := st.RemoveSessionSources(ctx, projectA, cur.ID, cur.Sources); err != nil {
			t.Fatalf("RemoveSessionSources(all) = %v", err)
		}
		add := []string{newID()}
		got, err := st.AddSessionSources(ctx, projectA, cur.ID, add)
		if err != nil || !cmp.Equal(got.Sources, add) {
			t.Fatalf("AddSessionSources to a session without sources = %v, %v, want sources %v", got.Sources, err, add)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		id := newID()
		_, err := st.AddSessionSources(ctx, projectA, id, []string{newID()})
		wantErr(t, "AddSessionSources(unknown)", err, mirror.SessionNotFound(id))
	})

	t.Run("ErrOtherProject", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1))
		_, err := st.AddSessionSources(ctx, projectB, s.ID, []string{newID()})
		wantErr(t, "AddSessionSources(session of A in B)", err, mirror.SessionNotFound(s.ID))
	})

	t.Run("ErrAlreadyAssociated", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1))
		again := strings.ToUpper(s.Sources[0])
		_, err := st.AddSessionSources(ctx, projectA, s.ID, []string{newID(), again})
		wantErr(t, "AddSessionSources(existing source)", err, mirror.SourceAlreadyAssociated(again, s.ID))
	})

	t.Run("ErrTargetIsSource", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1))
		_, err := st.AddSessionSources(ctx, projectA, s.ID, []string{strings.ToUpper(s.TargetID)})
		wantErr(t, "AddSessionSources(own target)", err, mirror.TargetIsSource(s.TargetID))
	})

	t.Run("ErrRoleConflict", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		other := mustCreateSession(t, st, newSession(f, 1))
		s := mustCreateSession(t, st, newSession(f, 2))
		add := strings.ToUpper(other.TargetID)
		_, err := st.AddSessionSources(ctx, projectA, s.ID, []string{newID(), add})
		wantErr(t, "AddSessionSources(other's target)", err, mirror.RoleConflict(add, mirror.RoleTarget, other.ID))
	})

	t.Run("ErrSourcesPerSessionQuota", func(t *testing.T) {
		st := open(t, limits(func(l *mirror.Limits) { l.SourcesPerSession = 3 }))
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1, newID(), newID()))
		if _, err := st.AddSessionSources(ctx, projectA, s.ID, []string{newID()}); err != nil {
			t.Fatalf("AddSessionSources(3rd of 3) = %v", err)
		}
		_, err := st.AddSessionSources(ctx, projectA, s.ID, []string{newID()})
		wantErr(t, "AddSessionSources(4th of 3)", err, mirror.SourcesPerSessionQuota(3))
	})

	t.Run("ErrSourcesPerSessionQuotaDefault", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1, newID(), newID(), newID(), newID(), newID()))
		add := []string{newID(), newID(), newID(), newID(), newID(), newID()}
		_, err := st.AddSessionSources(ctx, projectA, s.ID, add)
		wantErr(t, "AddSessionSources(11 sources)", err, mirror.SourcesPerSessionQuota(10))
		if _, err := st.AddSessionSources(ctx, projectA, s.ID, add[:5]); err != nil {
			t.Fatalf("AddSessionSources(10 sources) = %v", err)
		}
	})

	t.Run("ErrSessionsPerSourceQuota", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		busy := newID()
		for i := range 3 {
			mustCreateSession(t, st, newSession(f, i+1, busy))
		}
		s := mustCreateSession(t, st, newSession(f, 9))
		add := strings.ToUpper(busy)
		_, err := st.AddSessionSources(ctx, projectA, s.ID, []string{newID(), add})
		wantErr(t, "AddSessionSources(full source)", err, mirror.SessionsPerSourceQuota(add, 3))
	})

	t.Run("ErrPriorityConflict", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		other := mustCreateSession(t, st, newSession(f, 5))
		s := mustCreateSession(t, st, newSession(f, 5))
		add := strings.ToUpper(other.Sources[0])
		_, err := st.AddSessionSources(ctx, projectA, s.ID, []string{add})
		wantErr(t, "AddSessionSources(source of a session with the same priority)", err, mirror.SessionPriorityConflict(5, other.ID, add))
	})

	t.Run("OrderNotFoundFirst", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		other := mustCreateSession(t, st, newSession(f, 1))
		id := newID()
		_, err := st.AddSessionSources(ctx, projectA, id, []string{other.TargetID})
		wantErr(t, "AddSessionSources(unknown session, bad source)", err, mirror.SessionNotFound(id))
	})

	t.Run("OrderAlreadyAssociatedBeforeTarget", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1))
		_, err := st.AddSessionSources(ctx, projectA, s.ID, []string{s.TargetID, s.Sources[0]})
		wantErr(t, "AddSessionSources(own target, existing source)", err, mirror.SourceAlreadyAssociated(s.Sources[0], s.ID))
	})

	t.Run("OrderTargetBeforeRoleConflict", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		other := mustCreateSession(t, st, newSession(f, 1))
		s := mustCreateSession(t, st, newSession(f, 2))
		_, err := st.AddSessionSources(ctx, projectA, s.ID, []string{other.TargetID, s.TargetID})
		wantErr(t, "AddSessionSources(other's target, own target)", err, mirror.TargetIsSource(s.TargetID))
	})

	t.Run("OrderRoleConflictBeforeSourcesPerSession", func(t *testing.T) {
		st := open(t, limits(func(l *mirror.Limits) { l.SourcesPerSession = 1 }))
		f := mustCreateFilter(t, st, projectA, "f")
		other := mustCreateSession(t, st, newSession(f, 1))
		s := mustCreateSession(t, st, newSession(f, 2))
		_, err := st.AddSessionSources(ctx, projectA, s.ID, []string{other.TargetID})
		wantErr(t, "AddSessionSources(too many, other's target)", err, mirror.RoleConflict(other.TargetID, mirror.RoleTarget, other.ID))
	})

	t.Run("OrderSourcesPerSessionBeforeSessionsPerSource", func(t *testing.T) {
		st := open(t, limits(func(l *mirror.Limits) { l.SourcesPerSession = 1; l.SessionsPerSource = 1 }))
		f := mustCreateFilter(t, st, projectA, "f")
		other := mustCreateSession(t, st, newSession(f, 1))
		s := mustCreateSession(t, st, newSession(f, 2))
		_, err := st.AddSessionSources(ctx, projectA, s.ID, []string{other.Sources[0]})
		wantErr(t, "AddSessionSources(too many, full source)", err, mirror.SourcesPerSessionQuota(1))
	})

	t.Run("OrderSessionsPerSourceBeforePriority", func(t *testing.T) {
		st := open(t, limits(func(l *mirror.Limits) { l.SessionsPerSource = 1 }))
		f := mustCreateFilter(t, st, projectA, "f")
		other := mustCreateSession(t, st, newSession(f, 1))
		s := mustCreateSession(t, st, newSession(f, 1))
		_, err := st.AddSessionSources(ctx, projectA, s.ID, []string{other.Sources[0]})
		wantErr(t, "AddSessionSources(full source, same priority)", err, mirror.SessionsPerSourceQuota(other.Sources[0], 1))
	})

	t.Run("FailedAddChangesNothing", func(t *testing.T) {
		st := open(t, limits(func(l *mirror.Limits) { l.SessionsPerSource = 1 }))
		f := mustCreateFilter(t, st, projectA, "f")
		other := mustCreateSession(t, st, newSession(f, 1))
		s := mustCreateSession(t, st, newSession(f, 2))
		fresh := newID()
		_, err := st.AddSessionSources(ctx, projectA, s.ID, []string{fresh, other.Sources[0]})
		wantErr(t, "AddSessionSources(fresh, full source)", err, mirror.SessionsPerSourceQuota(other.Sources[0], 1))
		if diff := cmp.Diff(s, mustGetSession(t, st, projectA, s.ID)); diff != "" {
			t.Errorf("session after failed add-sources (-want +got):\n%s", diff)
		}
		// The fresh source was not taken by s: another session may use it
		// (limit 1 per source) with s's priority.
		mustCreateSession(t, st, newSession(f, 2, fresh))
	})
}

func testRemoveSessionSources(t *testing.T, open opener) {
	t.Run("OK", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		srcs := []string{newID(), newID(), newID(), newID()}
		cur := mustCreateSession(t, st, newSession(f, 1, srcs...))
		tick()
		got, err := st.RemoveSessionSources(ctx, projectA, cur.ID, []string{srcs[2], strings.ToUpper(srcs[0])})
		if err != nil {
			t.Fatalf("RemoveSessionSources = %v", err)
		}
		want := cur
		want.Sources = []string{srcs[1], srcs[3]}
		if diff := cmp.Diff(want, got, ignoreTimes); diff != "" {
			t.Errorf("RemoveSessionSources mismatch (-want +got):\n%s", diff)
		}
		checkMoved(t, "session after remove-sources", sessionTimes(cur), sessionTimes(got))
		if diff := cmp.Diff(got, mustGetSession(t, st, projectA, cur.ID)); diff != "" {
			t.Errorf("GetSession after remove-sources (-returned +stored):\n%s", diff)
		}
		// Adding after removing keeps the order: remaining, then added.
		got, err = st.AddSessionSources(ctx, projectA, cur.ID, []string{srcs[0]})
		if err != nil {
			t.Fatalf("AddSessionSources = %v", err)
		}
		if diff := cmp.Diff([]string{srcs[1], srcs[3], srcs[0]}, got.Sources); diff != "" {
			t.Errorf("sources after remove and add (-want +got):\n%s", diff)
		}
	})

	t.Run("All", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		cur := mustCreateSession(t, st, newSession(f, 1, newID(), newID()))
		got, err := st.RemoveSessionSources(ctx, projectA, cur.ID, cur.Sources)
		if err != nil {
			t.Fatalf("RemoveSessionSources(all) = %v", err)
		}
		if got.Sources == nil || len(got.Sources) != 0 {
			t.Errorf("sources after removing all = %#v, want []string{}", got.Sources)
		}
		stored := mustGetSession(t, st, projectA, cur.ID)
		if stored.Sources == nil || len(stored.Sources) != 0 {
			t.Errorf("stored sources after removing all = %#v, want []string{}", stored.Sources)
		}
	})

	t.Run("FreesSource", func(t *testing.T) {
		st := open(t, limits(func(l *mirror.Limits) { l.SessionsPerSource = 1 }))
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1, newID(), newID()))
		if _, err := st.RemoveSessionSources(ctx, projectA, s.ID, s.Sources[:1]); err != nil {
			t.Fatalf("RemoveSessionSources = %v", err)
		}
		// Same priority, limit 1 per source: only possible if freed.
		mustCreateSession(t, st, newSession(f, 1, s.Sources[0]))
		// And the source still held stays held.
		_, err := st.CreateSession(ctx, newSession(f, 2, s.Sources[1]))
		wantErr(t, "CreateSession(kept source)", err, mirror.SessionsPerSourceQuota(s.Sources[1], 1))
	})

	t.Run("RemovedSourceMayBecomeTarget", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1, newID(), newID()))
		if _, err := st.RemoveSessionSources(ctx, projectA, s.ID, s.Sources[:1]); err != nil {
			t.Fatalf("RemoveSessionSources = %v", err)
		}
		in := newSession(f, 2)
		in.TargetID = s.Sources[0]
		mustCreateSession(t, st, in)
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		id := newID()
		_, err := st.RemoveSessionSources(ctx, projectA, id, []string{newID()})
		wantErr(t, "RemoveSessionSources(unknown)", err, mirror.SessionNotFound(id))
	})

	t.Run("ErrOtherProject", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1))
		_, err := st.RemoveSessionSources(ctx, projectB, s.ID, s.Sources)
		wantErr(t, "RemoveSessionSources(session of A in B)", err, mirror.SessionNotFound(s.ID))
	})

	t.Run("ErrNotAssociated", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1, newID(), newID()))
		stranger := newID()
		_, err := st.RemoveSessionSources(ctx, projectA, s.ID, []string{s.Sources[0], stranger})
		wantErr(t, "RemoveSessionSources(one unknown)", err, mirror.SourceNotAssociated(stranger, s.ID))
		if diff := cmp.Diff(s, mustGetSession(t, st, projectA, s.ID)); diff != "" {
			t.Errorf("session after failed remove-sources (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrTargetNotASource", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1))
		_, err := st.RemoveSessionSources(ctx, projectA, s.ID, []string{s.TargetID})
		wantErr(t, "RemoveSessionSources(own target)", err, mirror.SourceNotAssociated(s.TargetID, s.ID))
	})
}
