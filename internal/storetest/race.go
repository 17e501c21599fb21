package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// concurrently runs f(0) … f(n-1) in n goroutines released at the same
// moment and returns their errors by index.
func concurrently(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// outcomes counts nil errors and the codes of the others; an error that is
// not a *mirror.Error counts under its text.
func outcomes(errs []error) map[string]int {
	m := make(map[string]int)
	for _, err := range errs {
		if err == nil {
			m["ok"]++
			continue
		}
		m[mirror.ErrorCode(err)+" "+mirror.ErrorKind(err).String()]++
	}
	return m
}

func wantOutcomes(t *testing.T, op string, errs []error, okCount int, code string) {
	t.Helper()
	got := outcomes(errs)
	want := map[string]int{"ok": okCount}
	if n := len(errs) - okCount; n > 0 {
		want[code+" "+mirror.KindConflict.String()] = n
	}
	if diff := cmp.Diff(want, got); diff != "" {
		var first []error
		for _, err := range errs {
			if err != nil && len(first) < 3 {
				first = append(first, err)
			}
		}
		t.Errorf("%s outcomes (-want +got):\n%s\nfirst errors: %v", op, diff, first)
	}
}

// last returns the last of the stores.
func last(sts []mirror.Store) mirror.Store { return sts[len(sts)-1] }

// replicasOpener returns stores that share one fresh, empty database.
type replicasOpener = func(t *testing.T, limits mirror.Limits) []mirror.Store

// testRace races calls of the Store API. The racing calls are spread over
// the stores open returns; the state is set up through the first and read
// back through the last.
func testRace(t *testing.T, open replicasOpener) {
	t.Run("AddSourcesSessionsPerSource", func(t *testing.T) {
		sts := open(t, mirror.DefaultLimits())
		st := sts[0]
		f := mustCreateFilter(t, st, projectA, "f")
		var sessions []mirror.Session
		for i := range 20 {
			sessions = append(sessions, mustCreateSession(t, st, newSession(f, i+1)))
		}
		src := newID()
		errs := concurrently(20, func(i int) error {
			_, err := sts[i%len(sts)].AddSessionSources(ctx, projectA, sessions[i].ID, []string{src})
			return err
		})
		wantOutcomes(t, "20 × AddSessionSources of one source", errs, 3, mirror.CodeSessionsPerSourceQuota)
		var holders int
		for _, s := range sessions {
			if got := mustGetSession(t, last(sts), projectA, s.ID); len(got.Sources) == 2 {
				holders++
			}
		}
		if holders != 3 {
			t.Errorf("sessions holding the source = %d, want 3", holders)
		}
	})

	t.Run("CreateSharedSourceSamePriority", func(t *testing.T) {
		sts := open(t, mirror.DefaultLimits())
		st := sts[0]
		f := mustCreateFilter(t, st, projectA, "f")
		src := newID()
		errs := concurrently(10, func(i int) error {
			_, err := sts[i%len(sts)].CreateSession(ctx, newSession(f, 42, newID(), src))
			return err
		})
		wantOutcomes(t, "10 × CreateSession sharing a source and a priority", errs, 1, mirror.CodeSessionPriorityConflict)
	})

	t.Run("CreateRuleSamePriority", func(t *testing.T) {
		sts := open(t, mirror.DefaultLimits())
		st := sts[0]
		f := mustCreateFilter(t, st, projectA, "f")
		errs := concurrently(10, func(i int) error {
			_, err := sts[i%len(sts)].CreateFilterRule(ctx, newRule(f, mirror.DirectionIngress, 7))
			return err
		})
		wantOutcomes(t, "10 × CreateFilterRule with one priority", errs, 1, mirror.CodeRulePriorityExists)
		if got := mustGetFilter(t, last(sts), projectA, f.ID); len(got.IngressRules) != 1 {
			t.Errorf("ingress rules = %d, want 1", len(got.IngressRules))
		}
	})

	t.Run("CreateRuleQuota", func(t *testing.T) {
		sts := open(t, limits(func(l *mirror.Limits) { l.RulesPerFilterDirection = 3 }))
		st := sts[0]
		f := mustCreateFilter(t, st, projectA, "f")
		errs := concurrently(10, func(i int) error {
			_, err := sts[i%len(sts)].CreateFilterRule(ctx, newRule(f, mirror.DirectionEgress, i+1))
			return err
		})
		wantOutcomes(t, "10 × CreateFilterRule with room for 3", errs, 3, mirror.CodeRuleQuota)
	})

	t.Run("DeleteFilterVsCreateSession", func(t *testing.T) {
		sts := open(t, mirror.DefaultLimits())
		st := sts[0]
		for round := range 10 {
			f := mustCreateFilter(t, st, projectA, "f")
			var created mirror.Session
			errs := concurrently(2, func(i int) error {
				// The two calls go through different stores, and
				// alternate between them from round to round.
				if i == 0 {
					return sts[round%len(sts)].DeleteFilter(ctx, projectA, f.ID)
				}
				var err error
				created, err = sts[(round+1)%len(sts)].CreateSession(ctx, newSession(f, round+1))
				return err
			})
			deleteErr, createErr := errs[0], errs[1]
			switch {
			case deleteErr == nil && createErr == nil:
				t.Fatalf("round %d: both DeleteFilter and CreateSession succeeded", round)
			case deleteErr == nil:
				wantErr(t, "CreateSession(deleted filter)", createErr, mirror.FilterNotFound(f.ID))
			case createErr == nil:
				wantErr(t, "DeleteFilter(used filter)", deleteErr, mirror.FilterInUse(f.ID, []string{created.ID}))
				mustGetFilter(t, last(sts), projectA, mustGetSession(t, last(sts), projectA, created.ID).FilterID)
			default:
				t.Fatalf("round %d: DeleteFilter = %v, CreateSession = %v", round, deleteErr, createErr)
			}
		}
	})

	t.Run("UpdateSessionNoMix", func(t *testing.T) {
		sts := open(t, mirror.DefaultLimits())
		st := sts[0]
		f := mustCreateFilter(t, st, projectA, "f")
		s := mustCreateSession(t, st, newSession(f, 1))
		const n = 10
		// Update i sets every field to values that encode i.
		update := func(i int) mirror.SessionUpdate {
			return mirror.SessionUpdate{
				Name:             ptr(fmt.Sprint("name-", i)),
				Description:      ptr(fmt.Sprint("description ", i)),
				VirtualNetworkID: ptr(1000 + i),
				PacketLength:     ptr(100 + i),
				Priority:         ptr(200 + i),
				Enabled:          ptr(i%2 == 0),
			}
		}
		returned := make([]mirror.Session, n)
		errs := concurrently(n, func(i int) error {
			var err error
			returned[i], err = sts[i%len(sts)].UpdateSession(ctx, projectA, s.ID, update(i))
			return err
		})
		wantOutcomes(t, "concurrent UpdateSession", errs, n, "")
		consistent := func(what string, got mirror.Session) {
			t.Helper()
			i := got.VirtualNetworkID - 1000
			u := update(i)
			if i < 0 || i >= n || got.Name != *u.Name || got.Description != *u.Description ||
				got.PacketLength != *u.PacketLength || got.Priority != *u.Priority || got.Enabled != *u.Enabled {
				t.Errorf("%s = %+v, a mix of updates", what, got)
			}
		}
		for i, got := range returned {
			if got.VirtualNetworkID-1000 != i {
				t.Errorf("UpdateSession %d returned the state of update %d", i, got.VirtualNetworkID-1000)
			}
			consistent(fmt.Sprint("UpdateSession ", i), got)
		}
		consistent("stored session", mustGetSession(t, last(sts), projectA, s.ID))
	})

	t.Run("SessionQuota", func(t *testing.T) {
		sts := open(t, limits(func(l *mirror.Limits) { l.SessionsPerProject = 5 }))
		st := sts[0]
		f := mustCreateFilter(t, st, projectA, "f")
		for i := range 4 {
			mustCreateSession(t, st, newSession(f, i+1))
		}
		errs := concurrently(10, func(i int) error {
			_, err := sts[i%len(sts)].CreateSession(ctx, newSession(f, 10+i))
			return err
		})
		wantOutcomes(t, "10 × CreateSession at quota-1", errs, 1, mirror.CodeSessionQuota)
	})

	t.Run("FilterQuota", func(t *testing.T) {
		sts := open(t, limits(func(l *mirror.Limits) { l.FiltersPerProject = 3 }))
		st := sts[0]
		mustCreateFilter(t, st, projectA, "f")
		mustCreateFilter(t, st, projectA, "f")
		errs := concurrently(10, func(i int) error {
			_, err := sts[i%len(sts)].CreateFilter(ctx, mirror.Filter{ProjectID: projectA, Name: "racer"})
			return err
		})
		wantOutcomes(t, "10 × CreateFilter at quota-1", errs, 1, mirror.CodeFilterQuota)
	})

	t.Run("RemoveAndAddSources", func(t *testing.T) {
		// Sessions trading one source: at any moment at most 1 holds it.
		sts := open(t, limits(func(l *mirror.Limits) { l.SessionsPerSource = 1 }))
		st := sts[0]
		f := mustCreateFilter(t, st, projectA, "f")
		src := newID()
		holder := mustCreateSession(t, st, newSession(f, 1, src, newID()))
		var others []mirror.Session
		for i := range 5 {
			others = append(others, mustCreateSession(t, st, newSession(f, 2+i)))
		}
		errs := concurrently(6, func(i int) error {
			if i == 0 {
				_, err := sts[i%len(sts)].RemoveSessionSources(ctx, projectA, holder.ID, []string{src})
				return err
			}
			_, err := sts[i%len(sts)].AddSessionSources(ctx, projectA, others[i-1].ID, []string{src})
			return err
		})
		if errs[0] != nil {
			t.Fatalf("RemoveSessionSources = %v", errs[0])
		}
		okAdds := 0
		for _, err := range errs[1:] {
			if err == nil {
				okAdds++
			} else {
				wantCode(t, "AddSessionSources", err, mirror.CodeSessionsPerSourceQuota)
			}
		}
		if okAdds > 1 {
			t.Errorf("%d sessions took the source, want at most 1", okAdds)
		}
	})
}
