package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
	"github.com/trafficmirror/trafficmirror/internal/pgtest"
	"github.com/trafficmirror/trafficmirror/internal/storetest"
)

// openPostgresTest opens a store on a new schema of the database of
// TRAFFICMIRROR_TEST_POSTGRES, or skips. Its cleanup closes the store, checks
// the invariants the code keeps between tables, and drops the schema.
func openPostgresTest(t testing.TB, limits mirror.Limits) *Store {
	t.Helper()
	dsn := pgtest.DSN(t)
	t.Cleanup(func() { checkPostgres(t, dsn) })
	s, err := Open(ctx, dsn, Options{Limits: limits})
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

// checkPostgres checks the invariants that the code keeps between the
// tables of the schema of dsn, as checkFile does for SQLite. PostgreSQL
// checks foreign keys itself.
func checkPostgres(t testing.TB, dsn string) {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("open %s: %v", Redact(dsn), err)
	}
	defer db.Close()
	for _, c := range []struct {
		name, query string
	}{
		{"source rows", `SELECT s.id FROM sessions s WHERE jsonb_array_length(s.sources::jsonb) <>
			(SELECT COUNT(*) FROM session_sources ss WHERE ss.project_pk = s.project_pk AND ss.session_id = s.id)`},
		{"source keys", `SELECT s.id FROM sessions s, jsonb_array_elements_text(s.sources::jsonb) AS j(value)
			WHERE NOT EXISTS (SELECT 1 FROM session_sources ss WHERE ss.project_pk = s.project_pk AND ss.session_id = s.id
			AND ss.source_key = lower(j.value) AND ss.priority = s.priority)`},
		{"orphan source rows", `SELECT ss.session_id FROM session_sources ss WHERE NOT EXISTS
			(SELECT 1 FROM sessions s WHERE s.project_pk = ss.project_pk AND s.id = ss.session_id)`},
		{"session counts", `SELECT id FROM projects p WHERE session_count <> (SELECT COUNT(*) FROM sessions s WHERE s.project_pk = p.pk)`},
		{"filter counts", `SELECT id FROM projects p WHERE filter_count <> (SELECT COUNT(*) FROM filters f WHERE f.project_pk = p.pk)`},
		{"roles", `SELECT s.id FROM sessions s JOIN session_sources ss ON ss.project_pk = s.project_pk AND ss.source_key = lower(s.target_id)`},
	} {
		rows, err := db.QueryContext(ctx, c.query)
		if err != nil {
			t.Errorf("%s check: %v", c.name, err)
			continue
		}
		got, err := collectStrings(rows)
		if err != nil {
			t.Errorf("%s check: %v", c.name, err)
		}
		if len(got) > 0 {
			t.Errorf("%s check found %v", c.name, got)
		}
	}
}

func TestPostgresStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, limits mirror.Limits) mirror.Store {
		return openPostgresTest(t, limits)
	})
}

// TestPostgresReplicas races requests through three stores on one database,
// each with its own pool, as three replicas of the server would.
func TestPostgresReplicas(t *testing.T) {
	t.Parallel()
	storetest.RunReplicas(t, func(t *testing.T, limits mirror.Limits) []mirror.Store {
		dsn := pgtest.DSN(t)
		t.Cleanup(func() { checkPostgres(t, dsn) })
		var sts []mirror.Store
		for range 3 {
			sts = append(sts, mustOpen(t, dsn, Options{Limits: limits, MaxConns: 4}))
		}
		return sts
	})
}

// TestPostgresConcurrentOpen opens one new database from five stores at the
// same moment, as replicas starting together: each migration is applied once
// (a second application would fail: the tables exist), and all open.
func TestPostgresConcurrentOpen(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	const n = 5
	stores := make([]*Store, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = Open(ctx, dsn, Options{})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d = %v", i, err)
			continue
		}
		defer stores[i].Close()
	}
	if t.Failed() {
		return
	}
	rows, err := stores[0].reader.QueryContext(ctx, `SELECT version || ' ' || name FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := collectStrings(rows)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1 0001_init.sql", "2 0002_planner_stats.sql", "3 0003_compact.sql"}, got); diff != "" {
		t.Errorf("schema_migrations (-want +got):\n%s", diff)
	}
	// Every store works on the one schema.
	for i, s := range stores {
		if _, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: fmt.Sprint("f", i)}); err != nil {
			t.Errorf("CreateFilter through store %d = %v", i, err)
		}
	}
	p, err := stores[n-1].ListFilters(ctx, project, mirror.FilterQuery{})
	if err != nil || len(p.Items) != n {
		t.Errorf("ListFilters = %d filters, %v; want %d", len(p.Items), err, n)
	}
}

func TestPostgresSettings(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	for _, tc := range []struct {
		name                 string
		opts                 Options
		dsnParams            string
		maxConns             int
		timeout, connTimeout string
		callTimeout          time.Duration
	}{
		{"Defaults", Options{}, "", 10, "30s", "5s", 35 * time.Second},
		{"Options", Options{MaxConns: 3, StatementTimeout: 1500 * time.Millisecond}, "", 3, "1500ms", "1.5s", 3 * time.Second},
		{"ConnectTimeoutOfDSN", Options{StatementTimeout: time.Minute}, "&connect_timeout=2&statement_timeout=5", 10, "1min", "2s", 62 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := mustOpen(t, dsn+tc.dsnParams, tc.opts)
			if got := s.reader.Stats().MaxOpenConnections; got != tc.maxConns {
				t.Errorf("MaxOpenConnections = %d, want %d", got, tc.maxConns)
			}
			got := make(map[string]string)
			for _, name := range []string{"statement_timeout", "idle_in_transaction_session_timeout", "application_name"} {
				var v string
				if err := s.reader.QueryRowContext(ctx, "SHOW "+name).Scan(&v); err != nil {
					t.Fatalf("SHOW %s: %v", name, err)
				}
				got[name] = v
			}
			want := map[string]string{
				"statement_timeout":                   tc.timeout,
				"idle_in_transaction_session_timeout": tc.timeout,
				"application_name":                    "trafficmirror",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("settings (-want +got):\n%s", diff)
			}
			if s.callTimeout != tc.callTimeout {
				t.Errorf("call timeout = %v, want %v (connect timeout %s)", s.callTimeout, tc.callTimeout, tc.connTimeout)
			}
		})
	}
}

// TestOpenPostgresErrors needs no PostgreSQL: the addresses are closed.
func TestOpenPostgresErrors(t *testing.T) {
	// A port nobody listens on: connecting is refused at once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	const secret = "s3cr3t-pa55"
	for _, tc := range []struct {
		dsn  string
		kind mirror.Kind
	}{
		{"postgres://u:" + secret + "@" + closed + "/db?sslmode=disable", mirror.KindUnavailable},
		{"postgresql://u:" + secret + "@" + closed + "/db?sslmode=disable", mirror.KindUnavailable},
		{"postgres://u@" + closed + "/db?sslmode=disable&password=" + secret, mirror.KindUnavailable},
		{"postgres://u:" + secret + "@" + closed + "/db?sslmode=bogus", mirror.KindInternal},
		{"postgres://u:" + secret + "@[::1/db", mirror.KindInternal},
	} {
		s, err := Open(ctx, tc.dsn, Options{})
		if err == nil {
			s.Close()
			t.Errorf("Open(%s) succeeded, want an error", Redact(tc.dsn))
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("Open(%s) = %v, which shows the password", Redact(tc.dsn), err)
		}
		if got := mirror.ErrorKind(err); got != tc.kind {
			t.Errorf("Open(%s) = %v, of kind %v, want %v", Redact(tc.dsn), err, got, tc.kind)
		}
	}
}

func TestPostgresMissingSchema(t *testing.T) {
	t.Parallel()
	dsn, err := pgtest.WithSearchPath(pgtest.BaseDSN(t), "tm_does_not_exist")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, dsn, Options{})
	if err == nil {
		s.Close()
		t.Fatalf("Open(search_path of a missing schema) succeeded, want an error")
	}
	if !strings.Contains(err.Error(), "tm_does_not_exist") || !strings.Contains(err.Error(), "create it") {
		t.Errorf("Open(search_path of a missing schema) = %v, want an error naming the schema", err)
	}
}

func TestRebindDollar(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b IN (?, ?)", "a = $1 AND b IN ($2, $3)"},
		{"a = '?' AND b = ?", "a = '?' AND b = $1"},
		{`"we?ird" = ? AND c = 'it''s ?' AND d = ?`, `"we?ird" = $1 AND c = 'it''s ?' AND d = $2`},
		{"a = ? -- why?\nAND b = ?", "a = $1 -- why?\nAND b = $2"},
		{"a = 'open ?", "a = 'open ?"},
		{"a = ? -- end?", "a = $1 -- end?"},
	} {
		if got := rebindDollar(tc.in); got != tc.want {
			t.Errorf("rebindDollar(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestPostgresRetry checks that a transaction the database aborted to
// resolve a conflict runs again.
func TestPostgresRetry(t *testing.T) {
	t.Parallel()
	s := openPostgresTest(t, mirror.Limits{})
	raise := func(code string) string {
		return `DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '` + code + `'; END $$`
	}
	for _, code := range []string{"40001", "40P01"} {
		runs := 0
		err := s.inTx(ctx, project, func(ctx context.Context, t *tx) error {
			runs++
			if runs < 3 {
				_, err := t.execDynamic(ctx, raise(code))
				return err
			}
			return nil
		})
		if err != nil || runs != 3 {
			t.Errorf("inTx failing twice with %s = %v after %d runs, want nil after 3", code, err, runs)
		}
	}
	runs := 0
	err := s.inTx(ctx, project, func(ctx context.Context, t *tx) error {
		runs++
		_, err := t.execDynamic(ctx, raise("40001"))
		return err
	})
	if err == nil || runs != maxTxRetries+1 {
		t.Errorf("inTx failing always = %v after %d runs, want an error after %d", err, runs, maxTxRetries+1)
	}
	// Other errors are not retried.
	runs = 0
	s.inTx(ctx, project, func(ctx context.Context, t *tx) error {
		runs++
		_, err := t.execDynamic(ctx, raise("22000"))
		return err
	})
	if runs != 1 {
		t.Errorf("inTx failing with 22000 ran %d times, want 1", runs)
	}
}

func TestClassifyPostgres(t *testing.T) {
	t.Parallel()
	s := openPostgresTest(t, mirror.Limits{})
	for _, tc := range []struct {
		code string
		want errClass
	}{
		{"23505", errConstraint},
		{"23503", errConstraint},
		{"23514", errOther}, // check_violation: no constraint of ours
		{"40001", errRetry},
		{"40P01", errRetry},
		{"57014", errUnavailable},
		{"57P01", errUnavailable},
		{"08006", errUnavailable},
		{"53300", errUnavailable},
		{"25006", errUnavailable},
		{"22000", errOther},
		{"42P01", errOther},
	} {
		_, err := s.writer.ExecContext(ctx, `DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '`+tc.code+`'; END $$`)
		if got := classifyPostgres(err); got != tc.want {
			t.Errorf("classifyPostgres(%v) = %v, want %v", err, got, tc.want)
		}
	}
	for _, err := range []error{io.EOF, io.ErrUnexpectedEOF, fmt.Errorf("read: %w", &net.OpError{Op: "read", Err: errors.New("reset")})} {
		if got := classifyPostgres(err); got != errUnavailable {
			t.Errorf("classifyPostgres(%v) = %v, want unavailable", err, got)
		}
	}
}

// proxy forwards TCP connections to a server, and can be cut as a network
// can: refusing (connections are closed at once) or silent (packets are
// dropped: nothing is forwarded, nothing closed).
type proxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	mode    proxyMode
	clients []net.Conn // every connection accepted
	servers []net.Conn // every connection to target
}

type proxyMode int

const (
	forwarding proxyMode = iota
	refusing
	silent
)

// newProxy starts a proxy to target; it stops at the end of the test.
func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.closeAll(refusing)
	})
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		mode := p.mode
		p.clients = append(p.clients, c)
		p.mu.Unlock()
		switch mode {
		case refusing:
			c.Close()
			continue
		case silent:
			continue // held open, never answered
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.servers = append(p.servers, server)
		p.mu.Unlock()
		go func() {
			io.Copy(server, c)
			server.Close()
		}()
		go func() {
			io.Copy(c, server)
			p.mu.Lock()
			hold := p.mode == silent
			p.mu.Unlock()
			if !hold {
				c.Close()
			}
		}()
	}
}

// cut cuts the network in the given mode.
func (p *proxy) cut(mode proxyMode) {
	p.mu.Lock()
	p.mode = mode
	p.mu.Unlock()
	p.closeAll(mode)
}

// closeAll closes the connections to the server and, unless the mode is
// silent, the clients' connections too.
func (p *proxy) closeAll(mode proxyMode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.servers {
		c.Close()
	}
	if mode != silent {
		for _, c := range p.clients {
			c.Close()
		}
	}
}

// restore forwards new connections again. The connections held silently
// stay so, as those to a server that vanished (a failover moved its address
// to another one).
func (p *proxy) restore() {
	p.mu.Lock()
	p.mode = forwarding
	p.mu.Unlock()
}

// TestPostgresUnavailable points a store at a proxy in front of PostgreSQL
// and cuts it: every call fails with KindUnavailable (and returns: a call
// that hung would hang the test), Ping fails, and when the proxy forwards
// again the same store serves calls, without being reopened.
func TestPostgresUnavailable(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		t.Skipf("%s: the proxy needs a URL with host:port", pgtest.EnvVar)
	}
	target := u.Host
	if u.Port() == "" {
		target = net.JoinHostPort(u.Hostname(), "5432")
	}
	p := newProxy(t, target)
	u.Host = p.addr()
	// Short timeouts, so that the silent cut ends each call soon.
	s := mustOpen(t, u.String(), Options{StatementTimeout: time.Second, MaxConns: 8})

	f, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "before"})
	if err != nil {
		t.Fatal(err)
	}

	calls := []struct {
		name string
		call func() error
	}{
		{"Ping", func() error { return s.Ping(ctx) }},
		{"GetFilter", func() error { _, err := s.GetFilter(ctx, project, f.ID); return err }},
		{"ListSessions", func() error { _, err := s.ListSessions(ctx, project, mirror.SessionQuery{}); return err }},
		{"CreateFilter", func() error {
			_, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "during"})
			return err
		}},
		{"DeleteFilter", func() error { return s.DeleteFilter(ctx, project, f.ID) }},
	}
	for _, mode := range []struct {
		name string
		mode proxyMode
	}{{"Refusing", refusing}, {"Silent", silent}} {
		t.Run(mode.name, func(t *testing.T) {
			// More connections than the calls below use while the
			// network is cut: those left must not fail the calls after.
			fillPool(t, s, 8)
			p.cut(mode.mode)
			for _, c := range calls {
				err := c.call()
				if mirror.ErrorKind(err) != mirror.KindUnavailable || mirror.ErrorCode(err) != mirror.CodeUnavailable {
					t.Errorf("%s while cut = %v, want kind unavailable, code %s", c.name, err, mirror.CodeUnavailable)
				}
			}
			p.restore()
			// The first call after the database returns succeeds: no
			// dead connection is left in the pool.
			if err := s.Ping(ctx); err != nil {
				t.Errorf("Ping after restore = %v", err)
			}
			for i := range 3 {
				if _, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: fmt.Sprint("after-", i)}); err != nil {
					t.Errorf("CreateFilter %d after restore = %v", i, err)
				}
			}
			if _, err := s.GetFilter(ctx, project, f.ID); err != nil {
				t.Errorf("GetFilter after restore = %v", err)
			}
		})
	}
}

// fillPool has n calls hold a connection each at the same moment, so that
// the pool keeps n connections.
func fillPool(t *testing.T, s *Store, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			err := s.readTx(ctx, func(r runner) error {
				_, err := r.exec(ctx, `SELECT pg_sleep(0.05)`)
				return err
			})
			if err != nil {
				t.Errorf("fill the pool: %v", err)
			}
		})
	}
	wg.Wait()
	if got := s.reader.Stats().OpenConnections; got < n {
		t.Fatalf("open connections = %d, want %d", got, n)
	}
}

// TestPostgresTerminatedConnections kills the store's connections on the
// server, as a restart of PostgreSQL does: at most the first call fails
// (with KindUnavailable), and the calls after it succeed.
func TestPostgresTerminatedConnections(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	app := fmt.Sprintf("tm_test_%d", time.Now().UnixNano())
	s := mustOpen(t, dsn+"&application_name="+app, Options{MaxConns: 4})
	f, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "f"})
	if err != nil {
		t.Fatal(err)
	}
	fillPool(t, s, 4)

	admin, err := sql.Open("pgx", pgtest.BaseDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var killed int
	if err := admin.QueryRowContext(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed == 0 {
		t.Fatalf("no connection of %s to terminate", app)
	}
	// pg_terminate_backend only signals: wait until the backends are gone.
	for left := killed; left > 0; time.Sleep(10 * time.Millisecond) {
		if err := admin.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&left); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		_, err := s.GetFilter(ctx, project, f.ID)
		if err != nil && (i > 0 || mirror.ErrorKind(err) != mirror.KindUnavailable) {
			t.Errorf("GetFilter %d after %d connections were terminated = %v", i, killed, err)
		}
	}
	if _, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "g"}); err != nil {
		t.Errorf("CreateFilter after the connections were terminated = %v", err)
	}
}

// loadPostgres fills the store's project with 2,000 filters of 10 rules and
// n sessions of one source, straight in SQL, and updates the planner's
// statistics. The values repeat so that each list filter selects a small
// share of the rows.
func loadPostgres(t *testing.T, s *Store, n int) {
	t.Helper()
	// The project's row.
	if _, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "first"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO filters (project_pk, id, name, description, created_at, updated_at)
SELECT pk, md5('f' || i)::uuid::text, 'filter-' || i % 100, '', 0, 0 FROM projects, generate_series(1, 2000) AS i`,
		`INSERT INTO filter_rules (project_pk, id, filter_id, direction, description, source_cidr, destination_cidr,
	source_port_range, destination_port_range, ethertype, protocol, action, priority, created_at, updated_at)
SELECT f.project_pk, md5(f.id || d || p)::uuid::text, f.id, d, 'rule ' || p, '', '', '', '', 'IPv4', 'tcp', 'accept', p, 0, 0
FROM filters f, (VALUES ('ingress'), ('egress')) AS dirs(d), generate_series(1, 5) AS p`,
		`WITH f AS (SELECT array_agg(id ORDER BY id) AS ids, MIN(project_pk) AS pk FROM filters)
INSERT INTO sessions (project_pk, id, name, description, filter_id, sources, target_id, target_type,
	virtual_network_id, packet_length, priority, enabled, type, created_at, updated_at)
SELECT f.pk, md5('s' || i)::uuid::text, 'name-' || i % 10, 'description ' || i % 100, f.ids[1 + i % 100],
	'["' || md5('src' || i)::uuid::text || '"]', md5('t' || i)::uuid::text,
	CASE WHEN i % 2 = 0 THEN 'eni' ELSE 'elb' END, i % 1000, 1 + i % 1000, 1 + i % 1000, i % 2 = 0,
	CASE WHEN i % 3 = 0 THEN 'eip' ELSE 'eni' END, 0, 0
FROM f, generate_series(1, ` + fmt.Sprint(n) + `) AS i`,
		`INSERT INTO session_sources (project_pk, session_id, source_key, priority)
SELECT project_pk, id, sources::jsonb->>0, priority FROM sessions`,
		`UPDATE projects SET session_count = (SELECT COUNT(*) FROM sessions), filter_count = (SELECT COUNT(*) FROM filters)`,
		`ANALYZE projects, filters, filter_rules, sessions, session_sources`,
	} {
		if _, err := s.writer.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// explainPostgres returns the plan of a statement with its arguments.
func explainPostgres(t *testing.T, s *Store, query string, args []any) string {
	t.Helper()
	rows, err := s.reader.QueryContext(ctx, "EXPLAIN "+rebindDollar(query), args...)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", query, err)
	}
	lines, err := collectStrings(rows)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// TestPostgresPlans checks the query plans of the lists and of the checks in
// write transactions on a project of 20,000 sessions: no statement reads a
// whole table, and each list filter and check uses its index where that is
// the cheapest way (PostgreSQL may rightly prefer the primary key, which
// gives the rows in ID order, for a filter that is not selective).
func TestPostgresPlans(t *testing.T) {
	t.Parallel()
	s := openPostgresTest(t, mirror.Limits{})
	loadPostgres(t, s, 20000)
	var pk int64
	if err := s.reader.QueryRowContext(ctx, `SELECT pk FROM projects WHERE id = $1`, project).Scan(&pk); err != nil {
		t.Fatal(err)
	}
	marker := mirror.ListParams{Limit: 100, Marker: "6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b"}
	type plan struct {
		name, query string
		args        []any
		index       string // "" when any index will do
	}
	var plans []plan
	for _, tc := range []struct {
		name  string
		q     mirror.SessionQuery
		index string
	}{
		{"None", mirror.SessionQuery{}, "sessions_pkey"},
		{"Marker", mirror.SessionQuery{ListParams: marker}, "sessions_pkey"},
		{"ID", mirror.SessionQuery{IDs: []string{"a", "b"}}, "sessions_pkey"},
		{"Name", mirror.SessionQuery{Names: []string{"name-1"}}, "sessions_name"},
		{"NamesAfterMarker", mirror.SessionQuery{Names: []string{"name-1", "name-2"}, ListParams: marker}, ""},
		{"Description", mirror.SessionQuery{Descriptions: []string{"description 5"}}, "sessions_description"},
		{"FilterID", mirror.SessionQuery{FilterIDs: []string{"f"}}, "sessions_filter"},
		{"TargetID", mirror.SessionQuery{TargetIDs: []string{"T"}}, "sessions_target"},
		{"TargetType", mirror.SessionQuery{TargetTypes: []string{"elb"}}, ""},
		{"Type", mirror.SessionQuery{Types: []string{"eip"}}, ""},
		{"VirtualNetworkID", mirror.SessionQuery{VirtualNetworkIDs: []int64{5}}, "sessions_virtual_network"},
		{"PacketLength", mirror.SessionQuery{PacketLengths: []int64{96, 97}}, "sessions_packet_length"},
		{"Priority", mirror.SessionQuery{Priorities: []int64{5}}, "sessions_priority"},
		{"Enabled", mirror.SessionQuery{Enabled: ptrTo(true), ListParams: marker}, "sessions_enabled"},
	} {
		query, args := sessionListQuery(project, tc.q)
		plans = append(plans, plan{"sessions by " + tc.name, query, args, tc.index})
	}
	query, args := filterListQuery(project, mirror.FilterQuery{Names: []string{"filter-1"}})
	plans = append(plans, plan{"filters by name", query, args, "filters_name"})
	query, args = ruleListQuery(project, mirror.FilterRuleQuery{FilterIDs: []string{"f"}, Priorities: []int64{1}})
	plans = append(plans, plan{"rules by filter and priority", query, args, "filter_rules_priority_key"})
	plans = append(plans,
		plan{"targets of sources", fmt.Sprintf(sqlTargetsOf, valuesList(1, 2)), []any{pk, "s", "a", "b"}, "sessions_target"},
		plan{"holder of a source", sqlSourceHolder, []any{pk, "a", "s"}, "session_sources_pkey"},
		plan{"sessions per source", fmt.Sprintf(sqlSourceCounts, "?, ?"), []any{pk, "a", "b"}, "session_sources_pkey"},
		plan{"priority holders", fmt.Sprintf(sqlPriorityHolders, "?, ?"), []any{pk, 2, "s", "a", "b"}, "session_sources_pkey"},
		plan{"users of a filter", sqlFilterUsers, []any{pk, "f", 21}, "sessions_filter"},
		plan{"rules per direction", sqlRuleCount, []any{pk, "f", "ingress"}, "filter_rules_priority_key"},
		plan{"rules of filters", rulesOfFiltersQuery(projectByID(project), 2), []any{project, "f", "g"}, "filter_rules_priority_key"},
		plan{"rule priority", sqlRulePriority, []any{pk, "f", "ingress", 1, "r"}, "filter_rules_priority_key"},
	)
	for _, p := range plans {
		got := explainPostgres(t, s, p.query, p.args)
		for _, table := range []string{"sessions", "session_sources", "filters", "filter_rules"} {
			if strings.Contains(got, "Seq Scan on "+table+" ") {
				t.Errorf("%s: plan reads all of %s:\n%s", p.name, table, got)
			}
		}
		if p.index != "" && !strings.Contains(got, " using "+p.index+" on ") && !strings.Contains(got, "Bitmap Index Scan on "+p.index+" ") {
			t.Errorf("%s: plan does not use %s:\n%s", p.name, p.index, got)
		}
	}
}

// TestPostgresStatementTimeout holds a project's lock from another
// connection, as a replica that stalls in a transaction would: a write to the
// project fails with KindUnavailable after the statement timeout instead of
// waiting, a write to another project goes through, and once the lock is
// released the write succeeds.
func TestPostgresStatementTimeout(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	s := mustOpen(t, dsn, Options{StatementTimeout: 500 * time.Millisecond})
	if _, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "f"}); err != nil {
		t.Fatal(err)
	}
	other := mustOpen(t, dsn, Options{})
	stalled, err := other.writer.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Rollback()
	if _, err := stalled.ExecContext(ctx, `SELECT pk FROM projects WHERE id = $1 FOR UPDATE`, project); err != nil {
		t.Fatal(err)
	}
	_, err = s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "g"})
	if mirror.ErrorKind(err) != mirror.KindUnavailable {
		t.Errorf("CreateFilter on a locked project = %v, want kind unavailable", err)
	}
	if _, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: "another", Name: "g"}); err != nil {
		t.Errorf("CreateFilter in another project = %v", err)
	}
	if _, err := s.ListFilters(ctx, project, mirror.FilterQuery{}); err != nil {
		t.Errorf("ListFilters of the locked project = %v", err)
	}
	if err := stalled.Rollback(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "g"}); err != nil {
		t.Errorf("CreateFilter after the lock was released = %v", err)
	}
}
