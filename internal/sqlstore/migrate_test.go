package sqlstore

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// createAtVersion creates the schema of dsn's empty database as the
// migrations up to version leave it, without opening a Store (which would
// migrate it to the newest version), and returns a connection to it.
func createAtVersion(t *testing.T, dsn string, version int) (*sql.DB, *dialect) {
	t.Helper()
	d, driver := sqliteDialect, "sqlite"
	if isPostgres(dsn) {
		d, driver = postgresDialect, "pgx"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1) // SQLite: pragmas and statements on one connection
	if d == sqliteDialect {
		if _, err := db.Exec(`PRAGMA foreign_keys = ON`); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := d.loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.version > version {
			break
		}
		if _, err := db.Exec(m.sql); err != nil {
			t.Fatalf("apply %s: %v", m.name, err)
		}
		if _, err := db.Exec(d.rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)`), m.version, m.name); err != nil {
			t.Fatal(err)
		}
	}
	return db, d
}

// TestMigrateCompact fills a database of schema version 2 (target_key,
// session_sources with two unique keys and positions) and opens it: 0003
// converts it, every resource reads back as it was, and the rules that
// session_sources and the target index back still hold.
func TestMigrateCompact(t *testing.T) {
	forEachBackend(t, testMigrateCompact)
}

func testMigrateCompact(t *testing.T, newDSN func(t *testing.T) string) {
	dsn := newDSN(t)
	db, d := createAtVersion(t, dsn, 2)
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := db.Exec(d.rebind(query), args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	const (
		f1, f2 = "11111111-0000-4000-8000-000000000001", "11111111-0000-4000-8000-000000000002"
		srcA   = "AAAAAAAA-0000-4000-8000-000000000001" // stored in the client's upper case
		srcB   = "bbbbbbbb-0000-4000-8000-000000000002"
		srcC   = "cccccccc-0000-4000-8000-000000000003"
		tgt1   = "DDDDDDDD-0000-4000-a000-000000000001"
		tgt2   = "eeeeeeee-0000-4000-a000-000000000002"
	)
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	ms := t0.UnixMilli()
	exec(`INSERT INTO projects (id, session_count, filter_count) VALUES (?, 3, 2)`, project)
	var pk int64
	if err := db.QueryRow(d.rebind(`SELECT pk FROM projects WHERE id = ?`), project).Scan(&pk); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO filters (project_pk, id, name, description, created_at, updated_at) VALUES (?, ?, 'one', 'd1', ?, ?), (?, ?, 'two', '', ?, ?)`,
		pk, f1, ms, ms, pk, f2, ms, ms+1)
	exec(`INSERT INTO filter_rules (project_pk, id, filter_id, direction, description, source_cidr, destination_cidr,
	source_port_range, destination_port_range, ethertype, protocol, action, priority, created_at, updated_at)
	VALUES (?, 'r1', ?, 'ingress', 'in', '10.0.0.0/8', '', '80', '', 'IPv4', 'TCP', 'accept', 1, ?, ?),
	       (?, 'r2', ?, 'egress', '', '', '::/0', '', '', 'IPv6', 'icmpv6', 'reject', 7, ?, ?)`, pk, f1, ms, ms, pk, f1, ms, ms)
	type v2Session struct {
		id, filter, target string
		sources            []string
		priority           int
	}
	v2 := []v2Session{
		{"s1", f1, tgt1, []string{srcA, srcB}, 10},
		{"s2", f1, tgt2, []string{srcC, strings.ToLower(srcA)}, 11},
		{"s3", f2, tgt1, []string{}, 12},
	}
	for i, s := range v2 {
		exec(`INSERT INTO sessions (project_pk, id, name, description, filter_id, sources, target_id, target_key, target_type,
	virtual_network_id, packet_length, priority, enabled, type, created_at, updated_at)
	VALUES (?, ?, ?, '', ?, ?, ?, ?, 'eni', 1, 96, ?, ?, 'eni', ?, ?)`,
			pk, s.id, "name-"+s.id, s.filter, encodeSources(s.sources), s.target, strings.ToLower(s.target), s.priority, i%2 == 0, ms, ms+int64(i))
		for pos, src := range s.sources {
			exec(`INSERT INTO session_sources (project_pk, session_id, source_key, position, priority) VALUES (?, ?, ?, ?, ?)`,
				pk, s.id, strings.ToLower(src), pos, s.priority)
		}
	}
	db.Close()

	s := mustOpen(t, dsn, Options{Limits: mirror.Limits{SourcesPerSession: 10, SessionsPerSource: 3}})
	var version int
	if err := s.reader.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&version); err != nil || version != 3 {
		t.Fatalf("schema version after Open = %d, %v; want 3", version, err)
	}
	for i, want := range v2 {
		got, err := s.GetSession(ctx, project, want.id)
		if err != nil {
			t.Fatalf("GetSession(%s) = %v", want.id, err)
		}
		wantSession := mirror.Session{ID: want.id, ProjectID: project, Name: "name-" + want.id, FilterID: want.filter,
			Sources: want.sources, TargetID: want.target, TargetType: "eni", VirtualNetworkID: 1, PacketLength: 96,
			Priority: want.priority, Enabled: i%2 == 0, Type: "eni", CreatedAt: t0, UpdatedAt: t0.Add(time.Duration(i) * time.Millisecond)}
		if diff := cmp.Diff(wantSession, got); diff != "" {
			t.Errorf("session %s after the migration (-want +got):\n%s", want.id, diff)
		}
	}
	f, err := s.GetFilter(ctx, project, f1)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.IngressRules) != 1 || f.IngressRules[0].SourcePortRange != "80" || len(f.EgressRules) != 1 || f.EgressRules[0].Priority != 7 {
		t.Errorf("filter %s after the migration = %+v, want its two rules", f1, f)
	}
	if got := exportAll(t, s); len(got) != 7 {
		t.Errorf("Export after the migration = %d items, want 2 filters, 2 rules and 3 sessions", len(got))
	}
	byTarget, err := s.ListSessions(ctx, project, mirror.SessionQuery{TargetIDs: []string{tgt1}})
	if err != nil || len(byTarget.Items) != 2 {
		t.Errorf("ListSessions(target %s) = %d sessions, %v; want s1 and s3", tgt1, len(byTarget.Items), err)
	}

	// The rules that session_sources and the target index back.
	create := func(priority int, target string, sources ...string) error {
		_, err := s.CreateSession(ctx, mirror.Session{ProjectID: project, Name: "new", FilterID: f2, Sources: sources,
			TargetID: target, TargetType: "eni", VirtualNetworkID: 1, PacketLength: 96, Priority: priority, Type: "eni"})
		return err
	}
	const newTarget = "ffffffff-0000-4000-a000-000000000009"
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"S11 priority of a shared source", create(10, newTarget, strings.ToLower(srcA)), mirror.CodeSessionPriorityConflict},
		{"S9 source that is a target", create(20, newTarget, strings.ToLower(tgt1)), mirror.CodeRoleConflict},
		{"S9 target that is a source", create(21, srcB), mirror.CodeRoleConflict},
		{"S10 third session of a source", create(22, newTarget, srcA), ""},
		{"S10 fourth session of a source", create(23, newTarget, srcA), mirror.CodeSessionsPerSourceQuota},
	} {
		switch {
		case tc.want == "" && tc.err != nil:
			t.Errorf("%s: CreateSession = %v, want success", tc.name, tc.err)
		case tc.want != "" && mirror.ErrorCode(tc.err) != tc.want:
			t.Errorf("%s: CreateSession = %v, want %s", tc.name, tc.err, tc.want)
		}
	}
	// Rows converted from version 2 are found by their new key: a priority
	// change moves them, a deletion removes them (the cleanup checks).
	if _, err := s.UpdateSession(ctx, project, "s2", mirror.SessionUpdate{Priority: ptrTo(30)}); err != nil {
		t.Errorf("UpdateSession(s2 priority) = %v", err)
	}
	if err := s.DeleteSession(ctx, project, "s1"); err != nil {
		t.Errorf("DeleteSession(s1) = %v", err)
	}
	if err := create(10, newTarget, srcB); err != nil {
		t.Errorf("CreateSession with the priority of deleted s1 on its source = %v", err)
	}
	if _, err := s.RemoveSessionSources(ctx, project, "s2", []string{srcA}); err != nil {
		t.Errorf("RemoveSessionSources(s2) = %v", err)
	}
	s.Close()
	if d == sqliteDialect {
		checkFile(t, dsn)
	} else {
		checkPostgres(t, dsn)
	}
}
