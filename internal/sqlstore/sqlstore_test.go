package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
	"github.com/trafficmirror/trafficmirror/internal/pgtest"
	"github.com/trafficmirror/trafficmirror/internal/storetest"
)

var ctx = context.Background()

const project = "0123456789abcdef0123456789abcdef"

// openTest opens a store on a new file in t.TempDir(). Its cleanup closes
// the store and then checks the file: SQLite's integrity and foreign keys,
// and the invariants the code keeps between tables.
func openTest(t testing.TB, limits mirror.Limits) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trafficmirror.db")
	t.Cleanup(func() { checkFile(t, path) })
	s, err := Open(ctx, path, Options{Limits: limits})
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return s
}

// TestMmapSize checks that Options.MmapSize reaches every SQLite
// connection, off by default, and that a negative size is refused.
func TestMmapSize(t *testing.T) {
	for _, size := range []int64{0, 4 << 20} {
		path := filepath.Join(t.TempDir(), "trafficmirror.db")
		s, err := Open(ctx, path, Options{MmapSize: size})
		if err != nil {
			t.Fatal(err)
		}
		for name, db := range map[string]*sql.DB{"writer": s.writer, "reader": s.reader} {
			var got int64
			if err := db.QueryRowContext(ctx, `PRAGMA mmap_size`).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != size {
				t.Errorf("MmapSize %d: the %s's mmap_size = %d", size, name, got)
			}
		}
		s.Close()
	}
	if _, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), Options{MmapSize: -1}); err == nil {
		t.Error("Open with MmapSize -1 = nil error")
	}
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, limits mirror.Limits) mirror.Store {
		return openTest(t, limits)
	})
}

// backends are the databases that the tests of behaviour common to both run
// on; dsn returns the DSN of a new, empty database, dropped at cleanup.
// PostgreSQL skips without TRAFFICMIRROR_TEST_POSTGRES.
var backends = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"SQLite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "trafficmirror.db") }},
	{"PostgreSQL", func(t *testing.T) string { return pgtest.DSN(t) }},
}

// forEachBackend runs f in a subtest per backend.
func forEachBackend(t *testing.T, f func(t *testing.T, dsn func(t *testing.T) string)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, b.dsn) })
	}
}

// mustOpen opens a store on dsn and closes it at cleanup.
func mustOpen(t *testing.T, dsn string, opts Options) *Store {
	t.Helper()
	s, err := Open(ctx, dsn, opts)
	if err != nil {
		t.Fatalf("Open(%s) = %v", Redact(dsn), err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return s
}

// checkFile opens the closed database at path anew and checks it.
func checkFile(t testing.TB, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	for _, c := range []struct {
		name, query string
	}{
		{"integrity", `PRAGMA integrity_check`},
		{"foreign keys", `PRAGMA foreign_key_check`},
		// session_sources mirrors sessions.sources, with the session's
		// priority.
		{"source rows", `SELECT s.id FROM sessions s WHERE json_array_length(s.sources) <>
			(SELECT COUNT(*) FROM session_sources ss WHERE ss.project_pk = s.project_pk AND ss.session_id = s.id)`},
		{"source keys", `SELECT s.id FROM sessions s, json_each(s.sources) j WHERE NOT EXISTS
			(SELECT 1 FROM session_sources ss WHERE ss.project_pk = s.project_pk AND ss.session_id = s.id
			 AND ss.source_key = lower(j.value) AND ss.priority = s.priority)`},
		{"orphan source rows", `SELECT ss.session_id FROM session_sources ss WHERE NOT EXISTS
			(SELECT 1 FROM sessions s WHERE s.project_pk = ss.project_pk AND s.id = ss.session_id)`},
		{"session counts", `SELECT id FROM projects p WHERE session_count <> (SELECT COUNT(*) FROM sessions s WHERE s.project_pk = p.pk)`},
		{"filter counts", `SELECT id FROM projects p WHERE filter_count <> (SELECT COUNT(*) FROM filters f WHERE f.project_pk = p.pk)`},
		// Rule S9: no ID is a source and a target in one project.
		{"roles", `SELECT s.id FROM sessions s JOIN session_sources ss ON ss.project_pk = s.project_pk AND ss.source_key = lower(s.target_id)`},
	} {
		rows, err := db.Query(c.query)
		if err != nil {
			t.Errorf("%s check: %v", c.name, err)
			continue
		}
		var got []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Errorf("%s check: %v", c.name, err)
			}
			got = append(got, v)
		}
		rows.Close()
		if c.name == "integrity" {
			if len(got) != 1 || got[0] != "ok" {
				t.Errorf("PRAGMA integrity_check = %v, want [ok]", got)
			}
		} else if len(got) > 0 {
			t.Errorf("%s check found %v", c.name, got)
		}
	}
}

func TestPragmas(t *testing.T) {
	s := openTest(t, mirror.Limits{})
	for _, db := range []struct {
		name string
		db   *sql.DB
		want map[string]string
	}{
		{"writer", s.writer, map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "5000", "query_only": "0"}},
		{"reader", s.reader, map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000", "query_only": "1"}},
	} {
		got := make(map[string]string)
		for name := range db.want {
			var v string
			if err := db.db.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
				t.Fatalf("%s: PRAGMA %s: %v", db.name, name, err)
			}
			got[name] = v
		}
		if diff := cmp.Diff(db.want, got); diff != "" {
			t.Errorf("%s pragmas (-want +got):\n%s", db.name, diff)
		}
	}
	if _, err := s.reader.ExecContext(ctx, `UPDATE projects SET session_count = 0`); err == nil {
		t.Errorf("a write through the reader pool succeeded, want an error")
	}
}

func TestOpenDSN(t *testing.T) {
	dir := t.TempDir()
	for _, dsn := range []string{
		"sqlite:" + filepath.Join(dir, "a.db"),
		"sqlite://" + filepath.Join(dir, "b.db"),
		filepath.Join(dir, "odd ?#% name.db"),
	} {
		s, err := Open(ctx, dsn, Options{})
		if err != nil {
			t.Errorf("Open(%q) = %v", dsn, err)
			continue
		}
		if _, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "f"}); err != nil {
			t.Errorf("CreateFilter on %q = %v", dsn, err)
		}
		s.Close()
	}
	// A relative path, as the serve command's default.
	t.Chdir(dir)
	if s, err := Open(ctx, "rel.db", Options{}); err != nil {
		t.Errorf("Open(%q) = %v", "rel.db", err)
	} else {
		s.Close()
	}
	for _, name := range []string{"a.db", "b.db", "odd ?#% name.db", "rel.db"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("database file %q: %v", name, err)
		}
	}
	for _, dsn := range []string{"", "sqlite:", ":memory:", "file:x.db"} {
		s, err := Open(ctx, dsn, Options{})
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error", dsn)
		}
	}
}

func TestMigrations(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newDSN func(t *testing.T) string) {
		dsn := newDSN(t)
		var d *dialect
		migrations := func() []string {
			t.Helper()
			s, err := Open(ctx, dsn, Options{})
			if err != nil {
				t.Fatalf("Open = %v", err)
			}
			defer s.Close()
			d = s.d
			rows, err := s.reader.QueryContext(ctx, `SELECT version, name FROM schema_migrations ORDER BY version`)
			if err != nil {
				t.Fatalf("read schema_migrations: %v", err)
			}
			defer rows.Close()
			var got []string
			for rows.Next() {
				var v int
				var name string
				if err := rows.Scan(&v, &name); err != nil {
					t.Fatal(err)
				}
				got = append(got, fmt.Sprint(v, " ", name))
			}
			return got
		}
		first := migrations()
		ms, err := d.loadMigrations()
		if err != nil {
			t.Fatalf("loadMigrations = %v", err)
		}
		var want []string
		for _, m := range ms {
			want = append(want, fmt.Sprint(m.version, " ", m.name))
		}
		// The versions mean the same on every database.
		if diff := cmp.Diff([]string{"1 0001_init.sql", "2 0002_planner_stats.sql", "3 0003_compact.sql"}, want); diff != "" {
			t.Errorf("%s migrations (-want +got):\n%s", d.name, diff)
		}
		if diff := cmp.Diff(want, first); diff != "" {
			t.Errorf("schema_migrations after first open (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, migrations()); diff != "" {
			t.Errorf("schema_migrations after reopen (-want +got):\n%s", diff)
		}
		if d != sqliteDialect {
			return
		}
		// 0002 left the planner's hints.
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var hints int
		if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'sessions'`).Scan(&hints); err != nil || hints != 9 {
			t.Errorf("planner hints for sessions = %d, %v, want 9", hints, err)
		}
	})
}

func TestRefuseNewerSchema(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newDSN func(t *testing.T) string) {
		dsn := newDSN(t)
		s, err := Open(ctx, dsn, Options{})
		if err != nil {
			t.Fatalf("Open = %v", err)
		}
		if _, err := s.writer.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s, err = Open(ctx, dsn, Options{})
		if err == nil {
			s.Close()
			t.Fatalf("Open(database of schema 9999) succeeded, want an error")
		}
		if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), "9999") {
			t.Errorf("Open(database of schema 9999) = %v, want ErrSchemaTooNew naming the version", err)
		}
	})
}

func TestDataSurvivesReopen(t *testing.T) {
	forEachBackend(t, testDataSurvivesReopen)
}

func testDataSurvivesReopen(t *testing.T, newDSN func(t *testing.T) string) {
	path := newDSN(t)
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	f, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "f"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.CreateFilterRule(ctx, mirror.FilterRule{ProjectID: project, FilterID: f.ID, Direction: "ingress",
		Ethertype: "IPv4", Protocol: "TCP", Action: "accept", Priority: 1})
	if err != nil {
		t.Fatal(err)
	}
	f.IngressRules = []mirror.FilterRule{r}
	sess, err := s.CreateSession(ctx, mirror.Session{ProjectID: project, Name: "s", FilterID: f.ID,
		Sources: []string{"6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b"}, TargetID: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
		TargetType: "eni", VirtualNetworkID: 1, PacketLength: 96, Priority: 1, Type: "eni"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if _, err := s.GetSession(ctx, project, sess.ID); mirror.ErrorKind(err) != mirror.KindUnavailable {
		t.Errorf("GetSession after Close = %v, want kind unavailable", err)
	}
	if _, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "f"}); mirror.ErrorKind(err) != mirror.KindUnavailable {
		t.Errorf("CreateFilter after Close = %v, want kind unavailable", err)
	}
	if err := s.Ping(ctx); mirror.ErrorKind(err) != mirror.KindUnavailable {
		t.Errorf("Ping after Close = %v, want kind unavailable", err)
	}

	s, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("reopen = %v", err)
	}
	defer s.Close()
	gotSess, err := s.GetSession(ctx, project, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sess, gotSess); diff != "" {
		t.Errorf("session after reopen (-want +got):\n%s", diff)
	}
	gotFilter, err := s.GetFilter(ctx, project, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f, gotFilter); diff != "" {
		t.Errorf("filter after reopen (-want +got):\n%s", diff)
	}
	// The counters survived too: the session quota still counts it.
	s.limits.SessionsPerProject = 1
	_, err = s.CreateSession(ctx, mirror.Session{ProjectID: project, Name: "s", FilterID: f.ID,
		Sources: []string{"7e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b"}, TargetID: "8a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
		TargetType: "eni", Priority: 2, Type: "eni"})
	if mirror.ErrorCode(err) != mirror.CodeSessionQuota {
		t.Errorf("CreateSession over a quota of 1 after reopen = %v, want %s", err, mirror.CodeSessionQuota)
	}
}

func TestOptions(t *testing.T) {
	forEachBackend(t, testOptions)
}

func testOptions(t *testing.T, newDSN func(t *testing.T) string) {
	var n int
	clock := time.Date(2024, 3, 14, 9, 44, 12, 345678901, time.FixedZone("CET", 3600))
	s := mustOpen(t, newDSN(t), Options{
		Now:   func() time.Time { return clock },
		NewID: func() string { n++; return fmt.Sprintf("id-%03d", n) },
	})
	f, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "f"})
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2024, 3, 14, 8, 44, 12, 345e6, time.UTC)
	if f.ID != "id-001" || !f.CreatedAt.Equal(want) || f.CreatedAt.Location() != time.UTC {
		t.Errorf("CreateFilter = ID %s, CreatedAt %v, want id-001, %v", f.ID, f.CreatedAt, want)
	}
	got, err := s.GetFilter(ctx, project, "id-001")
	if err != nil || !got.UpdatedAt.Equal(want) || got.UpdatedAt.Location() != time.UTC {
		t.Errorf("GetFilter = %v, %v, want UpdatedAt %v in UTC", got.UpdatedAt, err, want)
	}
	if s.limits != mirror.DefaultLimits() {
		t.Errorf("limits of Options{} = %+v, want the defaults", s.limits)
	}
}

// TestConstraintBackstop breaks a rule behind the checks' back: a statement
// that violates a constraint is retried once and then reported as the error
// of the rule it stands for, never as an internal error.
func TestConstraintBackstop(t *testing.T) {
	forEachBackend(t, testConstraintBackstop)
}

func testConstraintBackstop(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t), Options{})
	f, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "f"})
	if err != nil {
		t.Fatal(err)
	}
	rule := mirror.FilterRule{ProjectID: project, FilterID: f.ID, Direction: "ingress", Ethertype: "IPv4",
		Protocol: "tcp", Action: "accept", Priority: 1}
	if _, err := s.CreateFilterRule(ctx, rule); err != nil {
		t.Fatal(err)
	}
	runs := 0
	err = s.inTx(ctx, project, func(ctx context.Context, t *tx) error {
		runs++
		_, err := t.exec(ctx, `INSERT INTO filter_rules (project_pk, id, filter_id, direction, description,
	source_cidr, destination_cidr, source_port_range, destination_port_range, ethertype, protocol, action,
	priority, created_at, updated_at) VALUES (?, ?, ?, 'ingress', '', '', '', '', '', 'IPv4', 'tcp', 'accept', 1, 0, 0)`,
			t.pk, fmt.Sprint("dup-", runs), f.ID)
		if err != nil {
			return t.violation(err, mirror.RulePriorityExists(1, "ingress", f.ID), "insert")
		}
		return nil
	})
	if runs != 2 {
		t.Errorf("transaction ran %d times, want 2", runs)
	}
	want := mirror.RulePriorityExists(1, "ingress", f.ID)
	var got *mirror.Error
	if !errors.As(err, &got) || got.Code != want.Code || got.Msg != want.Msg || got.Err == nil {
		t.Errorf("inTx(duplicate priority) = %v, want %v with the cause", err, want)
	}

	// A session whose filter does not exist is refused by the foreign key.
	err = s.inTx(ctx, project, func(ctx context.Context, t *tx) error {
		_, err := t.exec(ctx, `INSERT INTO sessions (project_pk, id, name, description, filter_id, sources,
	target_id, target_type, virtual_network_id, packet_length, priority, enabled, type,
	created_at, updated_at) VALUES (?, 'x', 'x', '', 'no-such-filter', '[]', 't', 'eni', 1, 96, 1, FALSE, 'eni', 0, 0)`, t.pk)
		if err != nil {
			return t.violation(err, mirror.FilterNotFound("no-such-filter"), "insert")
		}
		return nil
	})
	if mirror.ErrorCode(err) != mirror.CodeFilterNotFound {
		t.Errorf("inTx(session of a missing filter) = %v, want %s", err, mirror.CodeFilterNotFound)
	}
	// Deleting a filter in use is refused by the foreign key.
	if _, err := s.CreateSession(ctx, mirror.Session{ProjectID: project, Name: "s", FilterID: f.ID,
		Sources: []string{"6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b"}, TargetID: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
		TargetType: "eni", Priority: 1, Type: "eni"}); err != nil {
		t.Fatal(err)
	}
	err = s.inTx(ctx, project, func(ctx context.Context, t *tx) error {
		_, err := t.exec(ctx, `DELETE FROM filters WHERE project_pk = ? AND id = ?`, t.pk, f.ID)
		if err != nil {
			return t.violation(err, mirror.FilterInUse(f.ID, nil), "delete")
		}
		return nil
	})
	if mirror.ErrorCode(err) != mirror.CodeFilterInUse {
		t.Errorf("inTx(delete used filter) = %v, want %s", err, mirror.CodeFilterInUse)
	}
}

// TestListSessionsUsesIndexes checks the query plan of a session list for
// each filter: no full scan of sessions, and the filter's own index where it
// has one.
func TestListSessionsUsesIndexes(t *testing.T) {
	s := openTest(t, mirror.Limits{})
	marker := mirror.ListParams{Limit: 100, Marker: "6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b"}
	for _, tc := range []struct {
		name  string
		q     mirror.SessionQuery
		index string // "" when the primary key is the right access path
	}{
		{"None", mirror.SessionQuery{}, ""},
		{"Marker", mirror.SessionQuery{ListParams: marker}, ""},
		{"ID", mirror.SessionQuery{IDs: []string{"a", "b"}}, ""},
		{"Name", mirror.SessionQuery{Names: []string{"a"}}, "sessions_name"},
		{"Names", mirror.SessionQuery{Names: []string{"a", "b"}, ListParams: marker}, "sessions_name"},
		{"Description", mirror.SessionQuery{Descriptions: []string{""}}, "sessions_description"},
		{"FilterID", mirror.SessionQuery{FilterIDs: []string{"f"}}, "sessions_filter"},
		{"TargetID", mirror.SessionQuery{TargetIDs: []string{"T"}}, "sessions_target"},
		{"TargetType", mirror.SessionQuery{TargetTypes: []string{"elb"}}, ""},
		{"Type", mirror.SessionQuery{Types: []string{"eip"}}, ""},
		{"VirtualNetworkID", mirror.SessionQuery{VirtualNetworkIDs: []int64{5}}, "sessions_virtual_network"},
		{"PacketLength", mirror.SessionQuery{PacketLengths: []int64{96, 97}}, "sessions_packet_length"},
		{"Priority", mirror.SessionQuery{Priorities: []int64{5}}, "sessions_priority"},
		{"Enabled", mirror.SessionQuery{Enabled: ptrTo(true), ListParams: marker}, "sessions_enabled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			query, args := sessionListQuery(project, tc.q)
			plan := explain(t, s, query, args)
			if strings.Contains(plan, "SCAN sessions") {
				t.Errorf("plan scans sessions:\n%s", plan)
			}
			if !strings.Contains(plan, "SEARCH sessions") {
				t.Errorf("plan does not search sessions by key:\n%s", plan)
			}
			if tc.index != "" && !strings.Contains(plan, "INDEX "+tc.index+" ") {
				t.Errorf("plan does not use index %s:\n%s", tc.index, plan)
			}
		})
	}
	query, args := filterListQuery(project, mirror.FilterQuery{Names: []string{"a"}})
	if plan := explain(t, s, query, args); !strings.Contains(plan, "INDEX filters_name ") {
		t.Errorf("filters by name: plan does not use filters_name:\n%s", plan)
	}
	query, args = ruleListQuery(project, mirror.FilterRuleQuery{FilterIDs: []string{"f"}, Priorities: []int64{1}})
	if plan := explain(t, s, query, args); strings.Contains(plan, "SCAN filter_rules") {
		t.Errorf("rules by filter: plan scans filter_rules:\n%s", plan)
	}
}

// TestChecksUseIndexes checks the query plans of the statements that check
// the rules inside write transactions: each finds its rows through the key
// that starts with the checked value, not through a project's whole range.
func TestChecksUseIndexes(t *testing.T) {
	s := openTest(t, mirror.Limits{})
	for _, tc := range []struct {
		name, query, want string
		args              []any
	}{
		{"targets of sources", fmt.Sprintf(sqlTargetsOf, valuesList(1, 2)), "INDEX sessions_target (project_pk=? AND <expr>=?)", []any{1, "s", "a", "b"}},
		{"holder of a source", sqlSourceHolder, "session_sources USING PRIMARY KEY (project_pk=? AND source_key=?)", []any{1, "a", "s"}},
		{"sessions per source", fmt.Sprintf(sqlSourceCounts, "?, ?"), "session_sources USING PRIMARY KEY (project_pk=? AND source_key=?)", []any{1, "a", "b"}},
		{"priority holders", fmt.Sprintf(sqlPriorityHolders, "?, ?"), "session_sources USING PRIMARY KEY (project_pk=? AND source_key=? AND priority=?)", []any{1, 2, "s", "a", "b"}},
		{"sources of a session", `DELETE FROM session_sources WHERE project_pk = ? AND priority = ? AND session_id = ? AND source_key IN (?, ?)`,
			"session_sources USING PRIMARY KEY (project_pk=? AND source_key=? AND priority=?)", []any{1, 2, "s", "a", "b"}},
		{"users of a filter", sqlFilterUsers, "INDEX sessions_filter (project_pk=? AND filter_id=?)", []any{1, "f", 21}},
		{"rules per direction", sqlRuleCount, "INDEX sqlite_autoindex_filter_rules_2 (project_pk=? AND filter_id=? AND direction=?)", []any{1, "f", "ingress"}},
		{"rules of filters", rulesOfFiltersQuery(projectByID(project), 2), "INDEX sqlite_autoindex_filter_rules_2 (project_pk=? AND filter_id=?)", []any{project, "f", "g"}},
		{"rule priority", sqlRulePriority, "INDEX sqlite_autoindex_filter_rules_2 (project_pk=? AND filter_id=? AND direction=? AND priority=?)", []any{1, "f", "ingress", 1, "r"}},
	} {
		if plan := explain(t, s, tc.query, tc.args); !strings.Contains(plan, tc.want) {
			t.Errorf("%s: plan does not use %s:\n%s", tc.name, tc.want, plan)
		}
	}
}

func ptrTo[T any](v T) *T { return &v }

// explain returns the query plan of a statement, one step a line.
func explain(t *testing.T, s *Store, query string, args []any) string {
	t.Helper()
	rows, err := s.reader.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN QUERY PLAN %s: %v", query, err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		b.WriteString(detail + "\n")
	}
	return b.String()
}

// BenchmarkListSessions reads the first page of 100 sessions among 10,000
// in one project, selected by name and enabled. It reports the time of a
// page relative to a GetSession measured in the same run (x-get), and the
// database's bytes per session (B/session).
func BenchmarkListSessions(b *testing.B) {
	s := openTest(b, mirror.Limits{})
	f, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "f"})
	if err != nil {
		b.Fatal(err)
	}
	// Bulk load through the writer in one transaction: 10,000 API calls
	// would take most of the benchmark's time.
	const n = 10000
	var someID string
	err = s.inTx(ctx, project, func(ctx context.Context, t *tx) error {
		for i := range n {
			id := fmt.Sprintf("%08x-0000-4000-8000-%012x", i*2654435761%(1<<32), i)
			src := fmt.Sprintf("%08x-1111-4000-8000-%012x", i, i)
			target := fmt.Sprintf("%08x-2222-4000-8000-%012x", i, i)
			if _, err := t.exec(ctx, `INSERT INTO sessions (project_pk, id, name, description, filter_id, sources,
	target_id, target_type, virtual_network_id, packet_length, priority, enabled, type,
	created_at, updated_at) VALUES (?, ?, ?, '', ?, ?, ?, 'eni', 1, 96, 1, ?, 'eni', 0, 0)`,
				t.pk, id, fmt.Sprint("name-", i%10), f.ID, encodeSources([]string{src}), target, i%2 == 0); err != nil {
				return err
			}
			if _, err := t.exec(ctx, `INSERT INTO session_sources (project_pk, source_key, priority, session_id) VALUES (?, ?, 1, ?)`,
				t.pk, src, id); err != nil {
				return err
			}
			someID = id
		}
		return t.addCount(ctx, "session_count", n)
	})
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	if err := s.reader.QueryRowContext(ctx, `SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()`).Scan(&size); err != nil {
		b.Fatal(err)
	}

	// The baseline: reading one session by its key.
	const baselineRuns = 2000
	start := time.Now()
	for range baselineRuns {
		if _, err := s.GetSession(ctx, project, someID); err != nil {
			b.Fatal(err)
		}
	}
	baseline := time.Since(start) / baselineRuns

	q := mirror.SessionQuery{Names: []string{"name-3"}, Enabled: ptrTo(false), ListParams: mirror.ListParams{Limit: 100}}
	b.ResetTimer()
	for b.Loop() {
		p, err := s.ListSessions(ctx, project, q)
		if err != nil || len(p.Items) != 100 || !p.More {
			b.Fatalf("ListSessions = %d items, More %v, %v; want 100 and more", len(p.Items), p.More, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(baseline), "x-get")
	b.ReportMetric(float64(size)/n, "B/session")
}
