package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// openers are the databases of the snapshot tests; each opens a store on a
// new, empty database whose cleanup checks the invariants between tables
// (counters, session_sources). PostgreSQL skips without
// TRAFFICMIRROR_TEST_POSTGRES.
var openers = []struct {
	name string
	open func(t testing.TB, limits mirror.Limits) *Store
}{
	{"SQLite", openTest},
	{"PostgreSQL", openPostgresTest},
}

// forEachOpener runs f in a subtest per database.
func forEachOpener(t *testing.T, f func(t *testing.T, open func(t testing.TB, limits mirror.Limits) *Store)) {
	for _, o := range openers {
		t.Run(o.name, func(t *testing.T) { f(t, o.open) })
	}
}

// exportAll returns everything s holds, checking that Export's counts
// match the items.
func exportAll(t testing.TB, s *Store) []SnapshotItem {
	t.Helper()
	var (
		items []SnapshotItem
		want  SnapshotCounts
	)
	err := s.Export(ctx, func(c SnapshotCounts) error { want = c; return nil }, func(item SnapshotItem) error {
		items = append(items, item)
		return nil
	})
	if err != nil {
		t.Fatalf("Export = %v", err)
	}
	var got SnapshotCounts
	for _, item := range items {
		got.Count(item)
	}
	if got != want {
		t.Errorf("Export announced %+v, gave %+v", want, got)
	}
	return items
}

// from returns a next function of Import that gives items in order.
func from(items []SnapshotItem) func() (SnapshotItem, bool, error) {
	i := 0
	return func() (SnapshotItem, bool, error) {
		if i == len(items) {
			return SnapshotItem{}, false, nil
		}
		i++
		return items[i-1], true, nil
	}
}

// fillSource stores, through the Store's methods, resources of two
// projects that use what a snapshot must keep: rules of both directions
// created out of priority order, sources in mixed case and in an order
// changed by remove-sources, a session without sources, updates, and a
// deleted session and filter.
func fillSource(t testing.TB, s *Store) {
	t.Helper()
	for pi, p := range []string{project, "fedcba9876543210fedcba9876543210"} {
		var filters []mirror.Filter
		for i := range 3 {
			f, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: p, Name: fmt.Sprint("f", i), Description: "d"})
			if err != nil {
				t.Fatal(err)
			}
			filters = append(filters, f)
			for _, r := range []mirror.FilterRule{
				{Direction: "ingress", Ethertype: "IPv4", Protocol: "TCP", Action: "accept", Priority: 20,
					SourceCIDR: "10.0.0.0/8", DestinationPortRange: "80-443"},
				{Direction: "ingress", Ethertype: "IPv4", Protocol: "icmp", Action: "reject", Priority: 3},
				{Direction: "egress", Ethertype: "IPv6", Protocol: "all", Action: "accept", Priority: 20,
					DestinationCIDR: "2001:db8::/32", Description: "v6"},
			} {
				r.ProjectID, r.FilterID = p, f.ID
				if _, err := s.CreateFilterRule(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := s.UpdateFilter(ctx, p, filters[1].ID, mirror.FilterUpdate{Name: ptrTo("renamed")}); err != nil {
			t.Fatal(err)
		}
		var sessions []mirror.Session
		for i := range 12 {
			sess, err := s.CreateSession(ctx, mirror.Session{ProjectID: p, Name: fmt.Sprint("s", i),
				FilterID: filters[i%2].ID,
				Sources: []string{
					fmt.Sprintf("ABCDEF%02X-0000-4000-8000-%012d", pi, i),
					fmt.Sprintf("%08x-0000-4000-8000-%012d", pi, 100+i%4),
					fmt.Sprintf("%08x-0000-4000-8000-%012d", pi, 200+i),
				},
				TargetID: fmt.Sprintf("%08x-1111-4000-8000-%012d", pi, i%3), TargetType: []string{"eni", "elb"}[i%2],
				VirtualNetworkID: i, PacketLength: 96 + i, Priority: 1 + i, Enabled: i%3 == 0, Type: "eni"})
			if err != nil {
				t.Fatal(err)
			}
			sessions = append(sessions, sess)
		}
		if _, err := s.RemoveSessionSources(ctx, p, sessions[0].ID, []string{sessions[0].Sources[0]}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddSessionSources(ctx, p, sessions[0].ID, []string{fmt.Sprintf("%08x-2222-4000-8000-000000000000", pi)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RemoveSessionSources(ctx, p, sessions[1].ID, sessions[1].Sources); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateSession(ctx, p, sessions[2].ID, mirror.SessionUpdate{Priority: ptrTo(500), Enabled: ptrTo(true)}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSession(ctx, p, sessions[3].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteFilter(ctx, p, filters[2].ID); err != nil {
			t.Fatal(err)
		}
	}
}

func TestExportImport(t *testing.T) {
	forEachOpener(t, func(t *testing.T, open func(t testing.TB, limits mirror.Limits) *Store) {
		src := open(t, mirror.Limits{})
		fillSource(t, src)
		items := exportAll(t, src)
		var counts SnapshotCounts
		for _, item := range items {
			counts.Count(item)
		}
		if want := (SnapshotCounts{Filters: 4, FilterRules: 12, Sessions: 22}); counts != want {
			t.Fatalf("exported %+v, want %+v", counts, want)
		}
		// By kind, then project, then ID.
		key := func(item SnapshotItem) string {
			switch {
			case item.Filter != nil:
				return "1 " + item.Filter.ProjectID + " " + item.Filter.ID
			case item.Rule != nil:
				return "2 " + item.Rule.ProjectID + " " + item.Rule.ID
			}
			return "3 " + item.Session.ProjectID + " " + item.Session.ID
		}
		for i := 1; i < len(items); i++ {
			if key(items[i-1]) >= key(items[i]) {
				t.Errorf("item %d (%s) comes after %s", i, key(items[i]), key(items[i-1]))
			}
		}

		dst := open(t, mirror.Limits{})
		got, err := dst.Import(ctx, from(items), ImportOptions{})
		if err != nil {
			t.Fatalf("Import = %v", err)
		}
		if got != counts {
			t.Errorf("Import = %+v, want %+v", got, counts)
		}
		if diff := cmp.Diff(items, exportAll(t, dst)); diff != "" {
			t.Errorf("export of the copy (-source +copy):\n%s", diff)
		}
		// What the API reads: filters with their rules in order, sessions
		// with their sources in order, all timestamps.
		for _, p := range []string{project, "fedcba9876543210fedcba9876543210"} {
			wantFilters, err := src.ListFilters(ctx, p, mirror.FilterQuery{})
			if err != nil {
				t.Fatal(err)
			}
			gotFilters, err := dst.ListFilters(ctx, p, mirror.FilterQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantFilters, gotFilters); diff != "" {
				t.Errorf("ListFilters(%s) (-source +copy):\n%s", p, diff)
			}
			wantSessions, err := src.ListSessions(ctx, p, mirror.SessionQuery{})
			if err != nil {
				t.Fatal(err)
			}
			gotSessions, err := dst.ListSessions(ctx, p, mirror.SessionQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantSessions, gotSessions); diff != "" {
				t.Errorf("ListSessions(%s) (-source +copy):\n%s", p, diff)
			}
		}

		// The copy keeps the rules for new writes: session_sources and the
		// counters came along (the cleanup checks them too).
		var sess *mirror.Session
		for _, item := range items {
			if item.Session != nil && len(item.Session.Sources) > 0 {
				sess = item.Session
			}
		}
		clash := *sess
		clash.Name, clash.TargetID = "clash", "99999999-9999-4999-8999-999999999999"
		clash.Sources = sess.Sources[len(sess.Sources)-1:]
		if _, err := dst.CreateSession(ctx, clash); mirror.ErrorCode(err) != mirror.CodeSessionPriorityConflict {
			t.Errorf("CreateSession sharing a source and priority with an imported session = %v, want %s", err, mirror.CodeSessionPriorityConflict)
		}
		if err := dst.DeleteFilter(ctx, sess.ProjectID, sess.FilterID); mirror.ErrorCode(err) != mirror.CodeFilterInUse {
			t.Errorf("DeleteFilter of an imported filter in use = %v, want %s", err, mirror.CodeFilterInUse)
		}
	})
}

func TestImportIntoNonEmpty(t *testing.T) {
	forEachOpener(t, func(t *testing.T, open func(t testing.TB, limits mirror.Limits) *Store) {
		src := open(t, mirror.Limits{})
		fillSource(t, src)
		items := exportAll(t, src)

		dst := open(t, mirror.Limits{})
		f, err := dst.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "mine"})
		if err != nil {
			t.Fatal(err)
		}
		before := exportAll(t, dst)
		if _, err := dst.Import(ctx, from(items), ImportOptions{}); !errors.Is(err, ErrNotEmpty) {
			t.Errorf("Import into a database with a filter = %v, want ErrNotEmpty", err)
		}
		if diff := cmp.Diff(before, exportAll(t, dst)); diff != "" {
			t.Errorf("refused Import changed the database (-before +after):\n%s", diff)
		}
		if _, err := dst.Import(ctx, from(items), ImportOptions{AllowNonEmpty: true}); err != nil {
			t.Fatalf("Import with AllowNonEmpty = %v", err)
		}
		all := exportAll(t, dst)
		if len(all) != len(items)+1 {
			t.Errorf("after Import: %d resources, want %d", len(all), len(items)+1)
		}
		if _, err := dst.GetFilter(ctx, project, f.ID); err != nil {
			t.Errorf("GetFilter(the database's own filter) = %v", err)
		}
		// Again: every ID conflicts now.
		_, err = dst.Import(ctx, from(items), ImportOptions{AllowNonEmpty: true})
		if !errors.Is(err, ErrIDExists) {
			t.Errorf("Import of the same snapshot again = %v, want ErrIDExists", err)
		}
		if diff := cmp.Diff(all, exportAll(t, dst)); diff != "" {
			t.Errorf("refused Import changed the database (-before +after):\n%s", diff)
		}
	})
}

// Makers of snapshot items in project.
var snapTime = time.UnixMilli(1700000000123).UTC()

func filterItem(id string) SnapshotItem {
	return SnapshotItem{Filter: &mirror.Filter{ProjectID: project, ID: id, Name: "f", Type: "eni",
		CreatedAt: snapTime, UpdatedAt: snapTime}}
}

func ruleItem(id, filterID, direction string, priority int) SnapshotItem {
	return SnapshotItem{Rule: &mirror.FilterRule{ProjectID: project, ID: id, FilterID: filterID, Direction: direction,
		Ethertype: "IPv4", Protocol: "tcp", Action: "accept", Priority: priority, CreatedAt: snapTime, UpdatedAt: snapTime}}
}

// sessionItem returns a session of filter "f1" with target and sources
// named by numbers: 7 stands for 00000000-0000-4000-8000-000000000007.
func sessionItem(id string, priority, target int, sources ...int) SnapshotItem {
	s := &mirror.Session{ProjectID: project, ID: id, Name: "s", FilterID: "f1", Sources: []string{},
		TargetID: uuidOf(target), TargetType: "eni", VirtualNetworkID: 1, PacketLength: 96, Priority: priority,
		Type: "eni", CreatedAt: snapTime, UpdatedAt: snapTime}
	for _, n := range sources {
		s.Sources = append(s.Sources, uuidOf(n))
	}
	return SnapshotItem{Session: s}
}

func uuidOf(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// with returns items followed by more.
func with(items []SnapshotItem, more ...SnapshotItem) []SnapshotItem {
	return append(append([]SnapshotItem(nil), items...), more...)
}

func TestImportRefuses(t *testing.T) {
	// The database holds filter f1 with an ingress rule of priority 1, and
	// session s1 from source 1 to target 2 with priority 1.
	base := []SnapshotItem{filterItem("f1"), filterItem("f2"), ruleItem("r1", "f1", "ingress", 1), sessionItem("s1", 1, 2, 1)}
	// Valid: filter f9 and a session of f1.
	fine := []SnapshotItem{filterItem("f9"), sessionItem("s9", 9, 90, 91)}
	change := func(item SnapshotItem, f func(s *mirror.Session)) SnapshotItem {
		s := *item.Session
		f(&s)
		return SnapshotItem{Session: &s}
	}
	many := func(n int, bad SnapshotItem) []SnapshotItem {
		items := []SnapshotItem{filterItem("f9")}
		for i := range n {
			items = append(items, sessionItem(fmt.Sprintf("m%04d", i), 10, 10000+i, 20000+i))
		}
		return append(items, bad)
	}
	tests := []struct {
		name   string
		items  []SnapshotItem
		limits mirror.Limits
		is     error  // errors.Is
		code   string // mirror.ErrorCode, when is is ErrInvalidSnapshot
	}{
		{"FilterIDExists", with(fine, filterItem("f1")), mirror.Limits{}, ErrIDExists, ""},
		{"RuleIDExists", with(fine, ruleItem("r1", "f1", "egress", 1)), mirror.Limits{}, ErrIDExists, ""},
		{"SessionIDExists", with(fine, sessionItem("s1", 5, 50, 51)), mirror.Limits{}, ErrIDExists, ""},
		{"IDTwiceInSnapshot", with(fine, filterItem("f9")), mirror.Limits{}, ErrIDExists, ""},
		{"RuleOfMissingFilter", with(fine, ruleItem("r9", "nope", "ingress", 1)), mirror.Limits{}, ErrInvalidSnapshot, mirror.CodeFilterNotFound},
		{"SessionOfMissingFilter", with(fine, change(sessionItem("s8", 8, 80, 81), func(s *mirror.Session) { s.FilterID = "nope" })),
			mirror.Limits{}, ErrInvalidSnapshot, mirror.CodeFilterNotFound},
		{"SessionBeforeItsFilter", []SnapshotItem{change(sessionItem("s8", 8, 80, 81), func(s *mirror.Session) { s.FilterID = "f9" }), filterItem("f9")},
			mirror.Limits{}, ErrInvalidSnapshot, mirror.CodeFilterNotFound},
		{"RulePriorityTaken", with(fine, ruleItem("r9", "f1", "ingress", 1)), mirror.Limits{}, ErrInvalidSnapshot, mirror.CodeRulePriorityExists},
		{"RulePriorityTwiceInSnapshot", with(fine, ruleItem("r8", "f9", "egress", 7), ruleItem("r9", "f9", "egress", 7)),
			mirror.Limits{}, ErrInvalidSnapshot, mirror.CodeRulePriorityExists},
		{"RuleQuota", with(fine, ruleItem("r8", "f1", "ingress", 2), ruleItem("r9", "f1", "ingress", 3)),
			mirror.Limits{RulesPerFilterDirection: 2}, ErrInvalidSnapshot, mirror.CodeRuleQuota},
		{"SourceInFourSessions", with(fine, sessionItem("s6", 6, 60, 1), sessionItem("s7", 7, 70, 1), sessionItem("s8", 8, 80, 1)),
			mirror.Limits{}, ErrInvalidSnapshot, mirror.CodeSessionsPerSourceQuota},
		{"SessionPriorityTaken", with(fine, sessionItem("s8", 1, 80, 81, 1)), mirror.Limits{}, ErrInvalidSnapshot, mirror.CodeSessionPriorityConflict},
		{"SessionPriorityTwiceInSnapshot", with(fine, sessionItem("s7", 7, 70, 33), sessionItem("s8", 7, 80, 33)),
			mirror.Limits{}, ErrInvalidSnapshot, mirror.CodeSessionPriorityConflict},
		{"SourceIsATarget", with(fine, sessionItem("s8", 8, 80, 2)), mirror.Limits{}, ErrInvalidSnapshot, mirror.CodeRoleConflict},
		{"TargetIsASource", with(fine, sessionItem("s8", 8, 1, 81)), mirror.Limits{}, ErrInvalidSnapshot, mirror.CodeRoleConflict},
		{"RolesClashInSnapshot", with(fine, sessionItem("s7", 7, 70, 71), sessionItem("s8", 8, 71, 81)),
			mirror.Limits{}, ErrInvalidSnapshot, mirror.CodeRoleConflict},
		{"TargetAmongSources", with(fine, sessionItem("s8", 8, 80, 80)), mirror.Limits{}, ErrInvalidSnapshot, mirror.CodeInvalidCombination},
		{"TooManySources", with(fine, sessionItem("s8", 8, 80, 81, 82, 83)), mirror.Limits{SourcesPerSession: 2},
			ErrInvalidSnapshot, mirror.CodeInvalidParameter},
		{"SessionQuota", with(fine, sessionItem("s8", 8, 80, 81)), mirror.Limits{SessionsPerProject: 2}, ErrInvalidSnapshot, mirror.CodeSessionQuota},
		{"FilterQuota", with(fine, filterItem("f8")), mirror.Limits{FiltersPerProject: 3}, ErrInvalidSnapshot, mirror.CodeFilterQuota},
		{"BadName", with(fine, change(sessionItem("s8", 8, 80, 81), func(s *mirror.Session) { s.Name = "<b>" })),
			mirror.Limits{}, ErrInvalidSnapshot, mirror.CodeInvalidParameter},
		{"BadID", with(fine, change(sessionItem("s8", 8, 80, 81), func(s *mirror.Session) { s.ID = "a/b" })),
			mirror.Limits{}, ErrInvalidSnapshot, mirror.CodeInvalidParameter},
		{"NoTimestamp", with(fine, change(sessionItem("s8", 8, 80, 81), func(s *mirror.Session) { s.UpdatedAt = time.Time{} })),
			mirror.Limits{}, ErrInvalidSnapshot, mirror.CodeMissingParameter},
		{"BadRule", with(fine, SnapshotItem{Rule: &mirror.FilterRule{ProjectID: project, ID: "r9", FilterID: "f1", Direction: "ingress",
			Ethertype: "IPv6", Protocol: "icmp", Action: "accept", Priority: 9, CreatedAt: snapTime, UpdatedAt: snapTime}}),
			mirror.Limits{}, ErrInvalidSnapshot, mirror.CodeInvalidCombination},
		{"EmptyItem", with(fine, SnapshotItem{}), mirror.Limits{}, ErrInvalidSnapshot, ""},
		// After a full batch is written: the rollback covers it.
		{"InSecondBatch", many(importBatchSize+10, sessionItem("s8", 8, 80, 2)), mirror.Limits{SessionsPerProject: 10000},
			ErrInvalidSnapshot, mirror.CodeRoleConflict},
	}
	forEachOpener(t, func(t *testing.T, open func(t testing.TB, limits mirror.Limits) *Store) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				limits := tt.limits
				if limits == (mirror.Limits{}) {
					limits = mirror.DefaultLimits()
				}
				s := open(t, limits)
				if _, err := s.Import(ctx, from(base), ImportOptions{}); err != nil {
					t.Fatalf("Import(base) = %v", err)
				}
				before := exportAll(t, s)
				_, err := s.Import(ctx, from(tt.items), ImportOptions{AllowNonEmpty: true})
				t.Logf("Import = %v", err)
				if !errors.Is(err, tt.is) {
					t.Errorf("Import = %v, want %v", err, tt.is)
				}
				if tt.code != "" && mirror.ErrorCode(err) != tt.code {
					t.Errorf("Import = %v, want code %s", err, tt.code)
				}
				if diff := cmp.Diff(before, exportAll(t, s)); diff != "" {
					t.Errorf("refused Import changed the database (-before +after):\n%s", diff)
				}
			})
		}
	})
}

func TestImportInterrupted(t *testing.T) {
	forEachOpener(t, func(t *testing.T, open func(t testing.TB, limits mirror.Limits) *Store) {
		items := []SnapshotItem{filterItem("f1")}
		for i := range 3 * importBatchSize {
			items = append(items, sessionItem(fmt.Sprintf("s%04d", i), 1, 10000+i, 20000+i))
		}
		s := open(t, mirror.Limits{})
		// An error of next, and a cancelled context, after two batches.
		errSource := errors.New("source went away")
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		for _, tc := range []struct {
			name string
			ctx  context.Context
			stop func() error
			want error
		}{
			{"NextFails", ctx, func() error { return errSource }, errSource},
			{"Cancelled", cctx, func() error { cancel(); return nil }, context.Canceled},
		} {
			next := from(items)
			n := 0
			_, err := s.Import(tc.ctx, func() (SnapshotItem, bool, error) {
				if n++; n == 2*importBatchSize+5 {
					if err := tc.stop(); err != nil {
						return SnapshotItem{}, false, err
					}
				}
				return next()
			}, ImportOptions{})
			if !errors.Is(err, tc.want) {
				t.Errorf("%s: Import = %v, want %v", tc.name, err, tc.want)
			}
			if got := exportAll(t, s); len(got) != 0 {
				t.Errorf("%s: after Import: %d resources, want none", tc.name, len(got))
			}
		}
		if _, err := s.Import(ctx, from(items), ImportOptions{}); err != nil {
			t.Errorf("Import again = %v", err)
		}
		if got := exportAll(t, s); len(got) != len(items) {
			t.Errorf("after Import: %d resources, want %d", len(got), len(items))
		}
	})
}

// TestExportSnapshot checks that Export sees one state: writes during an
// export do not show in it.
func TestExportSnapshot(t *testing.T) {
	forEachOpener(t, func(t *testing.T, open func(t testing.TB, limits mirror.Limits) *Store) {
		s := open(t, mirror.Limits{})
		fillSource(t, s)
		want := exportAll(t, s)
		var got []SnapshotItem
		err := s.Export(ctx, nil, func(item SnapshotItem) error {
			if len(got) == 0 {
				if _, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "late"}); err != nil {
					return err
				}
				if err := s.DeleteSession(ctx, want[len(want)-1].Session.ProjectID, want[len(want)-1].Session.ID); err != nil {
					return err
				}
			}
			got = append(got, item)
			return nil
		})
		if err != nil {
			t.Fatalf("Export = %v", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Export during writes (-before +got):\n%s", diff)
		}
		// An error of the callback stops the export and comes back.
		stop := errors.New("stop")
		n := 0
		err = s.Export(ctx, nil, func(SnapshotItem) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("Export with a failing callback = %v after %d items, want %v after 1", err, n, stop)
		}
	})
}

func TestOpenMustExist(t *testing.T) {
	path := t.TempDir() + "/missing.db"
	if s, err := Open(ctx, path, Options{MustExist: true}); err == nil {
		s.Close()
		t.Errorf("Open(missing file, MustExist) succeeded, want an error")
	}
	mustOpen(t, path, Options{}).Close()
	mustOpen(t, "sqlite:"+path, Options{MustExist: true})
}

// TestImportAnalyzes checks that a large import on PostgreSQL keeps the
// planner's statistics of the tables it fills (see importer.flush): without
// them, its lookups read whole tables and a million sessions take hours.
// autovacuum, off on some machines, would not see the import's rows before
// it commits anyway.
func TestImportAnalyzes(t *testing.T) {
	s := openPostgresTest(t, mirror.Limits{SourcesPerSession: 10, SessionsPerSource: 3})
	var items []SnapshotItem
	for i := range importAnalyzeRows + 1 {
		items = append(items, filterItem(uuidOf(i)))
	}
	if _, err := s.Import(ctx, from(items), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	var tuples float64
	err := s.reader.QueryRowContext(ctx, `SELECT reltuples FROM pg_class
	WHERE relname = 'filters' AND relnamespace = current_schema()::regnamespace`).Scan(&tuples)
	if err != nil {
		t.Fatal(err)
	}
	if tuples < importAnalyzeRows {
		t.Errorf("after importing %d filters, pg_class.reltuples of filters = %v: the import did not analyze", len(items), tuples)
	}
}
