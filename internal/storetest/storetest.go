// Package storetest is the behaviour every mirror.Store must have, written
// once and run against each backend: the business rules of
// ../shared/spec/constraints.md, the errors and their order documented on
// mirror.Store, project isolation, lists and pagination, atomicity and races.
package storetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// Run runs the behaviour suite against stores made by open. open returns a
// fresh, empty store with the given limits; it registers its own cleanup.
// The groups of tests run in parallel, each on its own stores, so open is
// called from several goroutines.
func Run(t *testing.T, open func(t *testing.T, limits mirror.Limits) mirror.Store) {
	t.Run("CreateSession", func(t *testing.T) { t.Parallel(); testCreateSession(t, open) })
	t.Run("GetSession", func(t *testing.T) { t.Parallel(); testGetSession(t, open) })
	t.Run("UpdateSession", func(t *testing.T) { t.Parallel(); testUpdateSession(t, open) })
	t.Run("DeleteSession", func(t *testing.T) { t.Parallel(); testDeleteSession(t, open) })
	t.Run("AddSessionSources", func(t *testing.T) { t.Parallel(); testAddSessionSources(t, open) })
	t.Run("RemoveSessionSources", func(t *testing.T) { t.Parallel(); testRemoveSessionSources(t, open) })
	t.Run("ListSessions", func(t *testing.T) { t.Parallel(); testListSessions(t, open) })
	t.Run("CreateFilter", func(t *testing.T) { t.Parallel(); testCreateFilter(t, open) })
	t.Run("GetFilter", func(t *testing.T) { t.Parallel(); testGetFilter(t, open) })
	t.Run("UpdateFilter", func(t *testing.T) { t.Parallel(); testUpdateFilter(t, open) })
	t.Run("DeleteFilter", func(t *testing.T) { t.Parallel(); testDeleteFilter(t, open) })
	t.Run("ListFilters", func(t *testing.T) { t.Parallel(); testListFilters(t, open) })
	t.Run("CreateFilterRule", func(t *testing.T) { t.Parallel(); testCreateFilterRule(t, open) })
	t.Run("GetFilterRule", func(t *testing.T) { t.Parallel(); testGetFilterRule(t, open) })
	t.Run("UpdateFilterRule", func(t *testing.T) { t.Parallel(); testUpdateFilterRule(t, open) })
	t.Run("DeleteFilterRule", func(t *testing.T) { t.Parallel(); testDeleteFilterRule(t, open) })
	t.Run("ListFilterRules", func(t *testing.T) { t.Parallel(); testListFilterRules(t, open) })
	t.Run("Race", func(t *testing.T) {
		testRace(t, func(t *testing.T, limits mirror.Limits) []mirror.Store {
			return []mirror.Store{open(t, limits)}
		})
	})
	t.Run("Ping", func(t *testing.T) {
		st := open(t, mirror.DefaultLimits())
		if err := st.Ping(context.Background()); err != nil {
			t.Fatalf("Ping() = %v, want nil", err)
		}
	})
}

// RunReplicas runs the race tests of Run with the racing calls spread over
// several stores that share one database, as replicas of the server share
// one PostgreSQL: every rule must hold across them. open returns the stores,
// each with its own connections, on one fresh, empty database, with the
// given limits; it registers their cleanup.
func RunReplicas(t *testing.T, open func(t *testing.T, limits mirror.Limits) []mirror.Store) {
	testRace(t, func(t *testing.T, limits mirror.Limits) []mirror.Store {
		sts := open(t, limits)
		if len(sts) < 2 {
			t.Fatalf("RunReplicas: open returned %d stores, want at least 2", len(sts))
		}
		return sts
	})
}

type opener = func(t *testing.T, limits mirror.Limits) mirror.Store

// The projects of the suite: everything happens in projectA unless a test is
// about isolation.
const (
	projectA = "0123456789abcdef0123456789abcdef"
	projectB = "fedcba9876543210fedcba9876543210"
)

var ctx = context.Background()

// newID returns a random UUIDv4 in lower-case text, like the IDs of the
// network interfaces that are sources and targets.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// tick lets the clock move past the millisecond of the previous write, so
// that a new updated_at differs from the old one (times have millisecond
// precision).
func tick() { time.Sleep(2 * time.Millisecond) }

// limits returns the default limits changed by f.
func limits(f func(l *mirror.Limits)) mirror.Limits {
	l := mirror.DefaultLimits()
	f(&l)
	return l
}

func ptr[T any](v T) *T { return &v }

// mustCreateFilter creates a filter named name in the project.
func mustCreateFilter(t *testing.T, st mirror.Store, projectID, name string) mirror.Filter {
	t.Helper()
	f, err := st.CreateFilter(ctx, mirror.Filter{ProjectID: projectID, Name: name, Description: "filter " + name})
	if err != nil {
		t.Fatalf("CreateFilter(%s, %s) = %v", projectID, name, err)
	}
	return f
}

// newSession returns a valid session of the filter's project with the given
// priority and sources, a fresh target and the defaults of the API.
func newSession(f mirror.Filter, priority int, sources ...string) mirror.Session {
	if sources == nil {
		sources = []string{newID()}
	}
	return mirror.Session{
		ProjectID:        f.ProjectID,
		Name:             "session",
		FilterID:         f.ID,
		Sources:          sources,
		TargetID:         newID(),
		TargetType:       mirror.TargetTypeENI,
		VirtualNetworkID: mirror.DefaultVirtualNetworkID,
		PacketLength:     mirror.DefaultPacketLength,
		Priority:         priority,
		Type:             mirror.SourceTypeENI,
	}
}

// mustCreateSession creates s.
func mustCreateSession(t *testing.T, st mirror.Store, s mirror.Session) mirror.Session {
	t.Helper()
	got, err := st.CreateSession(ctx, s)
	if err != nil {
		t.Fatalf("CreateSession(%+v) = %v", s, err)
	}
	return got
}

// mustGetSession returns the stored session.
func mustGetSession(t *testing.T, st mirror.Store, projectID, id string) mirror.Session {
	t.Helper()
	got, err := st.GetSession(ctx, projectID, id)
	if err != nil {
		t.Fatalf("GetSession(%s) = %v", id, err)
	}
	return got
}

// newRule returns a valid tcp/IPv4 rule of the filter.
func newRule(f mirror.Filter, direction string, priority int) mirror.FilterRule {
	return mirror.FilterRule{
		ProjectID: f.ProjectID,
		FilterID:  f.ID,
		Direction: direction,
		Ethertype: mirror.EthertypeIPv4,
		Protocol:  mirror.ProtocolTCP,
		Action:    mirror.ActionAccept,
		Priority:  priority,
	}
}

// mustCreateRule creates r.
func mustCreateRule(t *testing.T, st mirror.Store, r mirror.FilterRule) mirror.FilterRule {
	t.Helper()
	got, err := st.CreateFilterRule(ctx, r)
	if err != nil {
		t.Fatalf("CreateFilterRule(%+v) = %v", r, err)
	}
	return got
}

// mustGetFilter returns the stored filter.
func mustGetFilter(t *testing.T, st mirror.Store, projectID, id string) mirror.Filter {
	t.Helper()
	got, err := st.GetFilter(ctx, projectID, id)
	if err != nil {
		t.Fatalf("GetFilter(%s) = %v", id, err)
	}
	return got
}

// wantErr fails the test unless err is a *mirror.Error equal to want in
// kind, code and message.
func wantErr(t *testing.T, op string, err error, want *mirror.Error) {
	t.Helper()
	var got *mirror.Error
	if !errors.As(err, &got) {
		t.Fatalf("%s = %v, want %v", op, err, want)
	}
	type public struct {
		Kind      mirror.Kind
		Code, Msg string
	}
	if diff := cmp.Diff(public{want.Kind, want.Code, want.Msg}, public{got.Kind, got.Code, got.Msg}); diff != "" {
		t.Fatalf("%s error mismatch (-want +got):\n%s", op, diff)
	}
}

// wantCode fails the test unless err is a *mirror.Error with the code.
func wantCode(t *testing.T, op string, err error, code string) {
	t.Helper()
	var got *mirror.Error
	if !errors.As(err, &got) || got.Code != code {
		t.Fatalf("%s = %v, want error %s", op, err, code)
	}
}

// checkNew checks what a store assigns to a created resource: an ID, and
// equal creation and update times at millisecond precision.
func checkNew(t *testing.T, what, id string, created, updated time.Time) {
	t.Helper()
	if id == "" {
		t.Errorf("%s: ID is empty", what)
	}
	if created.IsZero() || !created.Equal(updated) {
		t.Errorf("%s: CreatedAt = %v, UpdatedAt = %v, want equal and not zero", what, created, updated)
	}
	if !created.Equal(created.Truncate(time.Millisecond)) {
		t.Errorf("%s: CreatedAt = %v, want millisecond precision", what, created)
	}
	if d := time.Since(created); d < -time.Hour || d > time.Hour {
		t.Errorf("%s: CreatedAt = %v, far from now", what, created)
	}
}

// checkMoved checks the times of a resource after a change: CreatedAt kept,
// UpdatedAt later.
func checkMoved(t *testing.T, what string, before, after [2]time.Time) {
	t.Helper()
	if !after[0].Equal(before[0]) {
		t.Errorf("%s: CreatedAt = %v, want %v (unchanged)", what, after[0], before[0])
	}
	if !after[1].After(before[1]) {
		t.Errorf("%s: UpdatedAt = %v, want after %v", what, after[1], before[1])
	}
}

func sessionTimes(s mirror.Session) [2]time.Time { return [2]time.Time{s.CreatedAt, s.UpdatedAt} }
func filterTimes(f mirror.Filter) [2]time.Time   { return [2]time.Time{f.CreatedAt, f.UpdatedAt} }
func ruleTimes(r mirror.FilterRule) [2]time.Time { return [2]time.Time{r.CreatedAt, r.UpdatedAt} }
func sessionIDs(items []mirror.Session) []string {
	return idsOf(items, func(s mirror.Session) string { return s.ID })
}
func filterIDs(items []mirror.Filter) []string {
	return idsOf(items, func(f mirror.Filter) string { return f.ID })
}
func ruleIDs(items []mirror.FilterRule) []string {
	return idsOf(items, func(r mirror.FilterRule) string { return r.ID })
}
func idsOf[T any](items []T, id func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

// sortedIDs returns the IDs of the items that match, in list order.
func sortedIDs[T any](items []T, id func(T) string, match func(T) bool) []string {
	out := []string{}
	for _, it := range items {
		if match(it) {
			out = append(out, id(it))
		}
	}
	slices.Sort(out)
	return out
}

// walk lists every page of size limit through list and returns the IDs in
// order. It checks that every page but the last is full and has More set.
func walk[T any](t *testing.T, limit int, id func(T) string, list func(marker string) (mirror.Page[T], error)) []string {
	t.Helper()
	out := []string{}
	marker := ""
	for range 1000 {
		p, err := list(marker)
		if err != nil {
			t.Fatalf("list (limit %d, marker %q) = %v", limit, marker, err)
		}
		if len(p.Items) > limit {
			t.Fatalf("list (limit %d, marker %q) returned %d items", limit, marker, len(p.Items))
		}
		out = append(out, idsOf(p.Items, id)...)
		if !p.More {
			return out
		}
		if len(p.Items) != limit {
			t.Fatalf("list (limit %d, marker %q) returned %d items and More", limit, marker, len(p.Items))
		}
		marker = id(p.Items[len(p.Items)-1])
	}
	t.Fatalf("list (limit %d) did not end", limit)
	return nil
}

// ignoreTimes compares resources without their times.
var ignoreTimes = cmp.FilterPath(func(p cmp.Path) bool {
	name := p.Last().String()
	return strings.HasSuffix(name, "CreatedAt") || strings.HasSuffix(name, "UpdatedAt")
}, cmp.Ignore())
