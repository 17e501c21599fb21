package sqlstore

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
	"github.com/trafficmirror/trafficmirror/internal/pgtest"
)

// benchSessionsEnv sets the number of sessions of BenchmarkListQueries
// (default 10000), e.g. TRAFFICMIRROR_BENCH_SESSIONS=100000.
const benchSessionsEnv = "TRAFFICMIRROR_BENCH_SESSIONS"

// benchLimits are the limits of the benchmarks' stores: no quota per
// project, which would stop a benchmark at 10,000 sessions.
var benchLimits = mirror.Limits{SourcesPerSession: 10, SessionsPerSource: 3}

// benchData is what benchImport stored.
type benchData struct {
	ids       []string
	names     []string // unique names
	filterIDs []string
	prios     []int
}

// benchID returns a random UUIDv4 with the given variant nibble (8 for IDs
// and sources, a for targets, so that no source is a target).
func benchID(r *rand.Rand, variant byte) string {
	hi, lo := r.Uint64(), r.Uint64()
	hi = hi&^0xf000 | 0x4000
	lo = lo&^(0xf<<60) | uint64(variant)<<60
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, hi>>16&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
}

// benchSessions returns the number of sessions of TRAFFICMIRROR_BENCH_SESSIONS,
// 10000 by default.
func benchSessions(b *testing.B) int {
	v := os.Getenv(benchSessionsEnv)
	if v == "" {
		return 10000
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 100 {
		b.Fatalf("%s=%q: want a number of at least 100", benchSessionsEnv, v)
	}
	return n
}

// benchImport stores n sessions of one project in the load tool's spread
// (cmd/trafficmirror-bench): one filter per 100 sessions, one or two sources
// of their own, 2000 shared targets, 5% of the names repeated, 30% enabled,
// random priorities. Import writes them in one transaction, in seconds
// rather than the minutes of n durable creates.
func benchImport(b *testing.B, s *Store, n int) benchData {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	var d benchData
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	targets := make([]string, 2000)
	for i := range targets {
		targets[i] = benchID(r, 0xa)
	}
	var items []SnapshotItem
	for j := range (n + 99) / 100 {
		f := &mirror.Filter{ID: benchID(r, 8), ProjectID: project, Name: fmt.Sprintf("filter-%d", j),
			Type: mirror.FilterTypeENI, CreatedAt: t0, UpdatedAt: t0}
		d.filterIDs = append(d.filterIDs, f.ID)
		items = append(items, SnapshotItem{Filter: f})
	}
	for i := range n {
		sess := &mirror.Session{
			ID: benchID(r, 8), ProjectID: project, Description: fmt.Sprintf("tm-bench #%d", i),
			FilterID: d.filterIDs[i/100], TargetID: targets[r.IntN(len(targets))], TargetType: mirror.TargetTypeENI,
			VirtualNetworkID: 1, PacketLength: 96, Priority: 1 + r.IntN(mirror.MaxSessionPriority),
			Enabled: r.IntN(10) < 3, Type: mirror.SourceTypeENI,
			CreatedAt: t0.Add(time.Duration(i) * time.Millisecond), UpdatedAt: t0.Add(time.Duration(i) * time.Millisecond),
		}
		for range 1 + r.IntN(2) {
			sess.Sources = append(sess.Sources, benchID(r, 8))
		}
		if r.IntN(20) == 0 {
			sess.Name = "default"
		} else {
			sess.Name = fmt.Sprintf("web-mirror-%d", i)
			d.names = append(d.names, sess.Name)
		}
		d.ids = append(d.ids, sess.ID)
		d.prios = append(d.prios, sess.Priority)
		items = append(items, SnapshotItem{Session: sess})
	}
	k := 0
	_, err := s.Import(ctx, func() (SnapshotItem, bool, error) {
		if k == len(items) {
			return SnapshotItem{}, false, nil
		}
		k++
		return items[k-1], true, nil
	}, ImportOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkListQueries runs the list queries of the load tool's workloads
// on SQLite (and on PostgreSQL when TRAFFICMIRROR_TEST_POSTGRES is set),
// among TRAFFICMIRROR_BENCH_SESSIONS sessions (default 10000). Each reports:
//
//   - x-rawsql: its time relative to the "RawSQL" sub-benchmark run just
//     before it, the very same prepared statement with every column scanned
//     as raw bytes, which is the database's share; the rest is building the
//     mirror.Session values (the sources, the timestamps);
//   - x-get: relative to a GetSession measured in the same run;
//   - ns/session: per session returned.
func BenchmarkListQueries(b *testing.B) {
	n := benchSessions(b)
	for _, backend := range []struct {
		name string
		open func(b *testing.B) *Store
	}{
		{"SQLite", func(b *testing.B) *Store { return openTest(b, benchLimits) }},
		{"PostgreSQL", func(b *testing.B) *Store {
			s, err := Open(ctx, pgtest.DSN(b), Options{Limits: benchLimits})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		}},
	} {
		b.Run(backend.name, func(b *testing.B) {
			s := backend.open(b)
			d := benchImport(b, s, n)
			if s.d != sqliteDialect {
				// PostgreSQL plans with the statistics ANALYZE collects,
				// which autovacuum would take a while to gather.
				if _, err := s.writer.ExecContext(ctx, "ANALYZE"); err != nil {
					b.Fatal(err)
				}
			}
			benchListQueries(b, s, d)
		})
	}
}

func benchListQueries(b *testing.B, s *Store, d benchData) {
	r := rand.New(rand.NewPCG(5, 6))
	var getNs float64
	b.Run("Get", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := s.GetSession(ctx, project, d.ids[i%len(d.ids)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
		getNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	pool := func(f func() mirror.SessionQuery) []mirror.SessionQuery {
		out := make([]mirror.SessionQuery, 200)
		for i := range out {
			out[i] = f()
		}
		return out
	}
	one := func(q mirror.SessionQuery) []mirror.SessionQuery { return []mirror.SessionQuery{q} }
	for _, c := range []struct {
		name    string
		queries []mirror.SessionQuery
	}{
		{"FirstPage", one(mirror.SessionQuery{ListParams: mirror.ListParams{Limit: 100}})},
		{"ByName", pool(func() mirror.SessionQuery {
			return mirror.SessionQuery{Names: []string{d.names[r.IntN(len(d.names))]}}
		})},
		{"RepeatedName100", one(mirror.SessionQuery{Names: []string{"default"}, ListParams: mirror.ListParams{Limit: 100}})},
		{"Enabled", one(mirror.SessionQuery{Enabled: ptrTo(true), ListParams: mirror.ListParams{Limit: 100}})},
		{"FilterIDs", pool(func() mirror.SessionQuery {
			var q mirror.SessionQuery
			for _, j := range r.Perm(len(d.filterIDs))[:min(3, len(d.filterIDs))] {
				q.FilterIDs = append(q.FilterIDs, d.filterIDs[j])
			}
			return q
		})},
		{"Priorities", pool(func() mirror.SessionQuery {
			var q mirror.SessionQuery
			for range 5 {
				q.Priorities = append(q.Priorities, int64(d.prios[r.IntN(len(d.prios))]))
			}
			return q
		})},
		{"WalkPage", pool(func() mirror.SessionQuery {
			return mirror.SessionQuery{ListParams: mirror.ListParams{Limit: 2000, Marker: d.ids[r.IntN(len(d.ids))]}}
		})},
	} {
		items := 0
		for _, q := range c.queries {
			p, err := s.ListSessions(ctx, project, q)
			if err != nil {
				b.Fatal(err)
			}
			items += len(p.Items)
		}
		perQuery := float64(items) / float64(len(c.queries))
		var rawNs float64
		b.Run(c.name+"/RawSQL", func(b *testing.B) {
			i := 0
			for b.Loop() {
				query, args := sessionListQuery(project, c.queries[i%len(c.queries)])
				rawScan(b, s.readRunner(), query, args)
				i++
			}
			rawNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
		b.Run(c.name, func(b *testing.B) {
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.ListSessions(ctx, project, c.queries[i%len(c.queries)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			if rawNs > 0 {
				b.ReportMetric(ns/rawNs, "x-rawsql")
			}
			if getNs > 0 {
				b.ReportMetric(ns/getNs, "x-get")
			}
			if perQuery > 0 {
				b.ReportMetric(ns/perQuery, "ns/session")
			}
		})
	}
}

// rawScan runs a query and scans every column of every row as raw bytes.
func rawScan(b *testing.B, r runner, query string, args []any) {
	rows, err := r.queryDynamic(ctx, query, args...)
	if err != nil {
		b.Fatal(err)
	}
	scanRaw(b, rows)
}

// BenchmarkCreateSession measures durable creates through the store, each
// relative to the "Commit" sub-benchmark run just before it (x-commit): a
// write transaction that inserts one row into a table of its own, the
// least a durable write costs on this database and disk.
func BenchmarkCreateSession(b *testing.B) {
	s := openTest(b, mirror.Limits{})
	d := benchImport(b, s, 1000)
	if _, err := s.writer.ExecContext(ctx, `CREATE TABLE bench_commit (n INTEGER NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	var commitNs float64
	b.Run("Commit", func(b *testing.B) {
		for b.Loop() {
			tx, err := s.writer.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO bench_commit (n) VALUES (1)`); err != nil {
				b.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		commitNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("Create", func(b *testing.B) {
		r := rand.New(rand.NewPCG(7, 8))
		b.ReportAllocs()
		for b.Loop() {
			_, err := s.CreateSession(ctx, mirror.Session{
				ProjectID: project, Name: "bench", FilterID: d.filterIDs[r.IntN(len(d.filterIDs))],
				Sources: []string{benchID(r, 8)}, TargetID: benchID(r, 0xa), TargetType: mirror.TargetTypeENI,
				VirtualNetworkID: 1, PacketLength: 96, Priority: 1 + r.IntN(mirror.MaxSessionPriority), Type: mirror.SourceTypeENI,
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		if commitNs > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/commitNs, "x-commit")
		}
	})
}
