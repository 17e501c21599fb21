package sqlstore

import (
	"context"
	"database/sql"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
	"github.com/trafficmirror/trafficmirror/internal/pgtest"
)

// BenchmarkPostgresDriver answers the question of issue 3, whether pgx's
// native pool would be worth a second SQL code path: it runs the store's
// hot queries (a session by ID, the first page of 100) among
// TRAFFICMIRROR_BENCH_SESSIONS sessions through the database/sql adapter the
// store uses (Stdlib: the store's own prepared statement, every column
// scanned as raw bytes, after the adapter decoded it into a driver.Value)
// and through pgxpool (Native: the same SQL, which pgx prepares and caches
// per connection, every column decoded into a Go value by rows.Values), one
// caller at a time and 8 in parallel (the load tool's concurrency). Native
// reports x-stdlib, its time relative to Stdlib's measured just before it.
func BenchmarkPostgresDriver(b *testing.B) {
	n := benchSessions(b)
	dsn := pgtest.DSN(b)
	s, err := Open(ctx, dsn, Options{Limits: benchLimits})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	d := benchImport(b, s, n)
	if _, err := s.writer.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		b.Fatal(err)
	}
	// As many connections as the store's pool (Options.MaxConns' default).
	cfg.MaxConns = int32(s.writer.Stats().MaxOpenConnections)
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 10
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)

	firstPage, firstPageArgs := sessionListQuery(project, mirror.SessionQuery{ListParams: mirror.ListParams{Limit: 100}})
	for _, c := range []struct {
		name  string
		query string
		fixed bool
		args  func(i int) []any
	}{
		{"Get", string(sqlGetSessionOfProject), true, func(i int) []any { return []any{project, d.ids[i%len(d.ids)]} }},
		{"FirstPage", firstPage, false, func(int) []any { return firstPageArgs }},
	} {
		native := s.d.rebind(c.query)
		for _, parallel := range []bool{false, true} {
			name := c.name
			if parallel {
				name += "/Parallel8"
			}
			run := func(b *testing.B, once func(i int)) float64 {
				if !parallel {
					i := 0
					for b.Loop() {
						once(i)
						i++
					}
				} else {
					b.SetParallelism(8)
					b.RunParallel(func(pb *testing.PB) {
						i := 0
						for pb.Next() {
							once(i)
							i++
						}
					})
				}
				return float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			}
			var stdlibNs float64
			b.Run(name+"/Stdlib", func(b *testing.B) {
				stdlibNs = run(b, func(i int) {
					rows, err := s.readRunner().querySQL(ctx, c.query, c.fixed, c.args(i))
					if err != nil {
						b.Fatal(err)
					}
					scanRaw(b, rows)
				})
			})
			b.Run(name+"/Native", func(b *testing.B) {
				ns := run(b, func(i int) {
					if err := nativeScan(ctx, pool, native, c.args(i)); err != nil {
						b.Fatal(err)
					}
				})
				if stdlibNs > 0 {
					b.ReportMetric(ns/stdlibNs, "x-stdlib")
				}
			})
		}
	}
}

// scanRaw reads every column of every row of rows as raw bytes, and closes
// rows.
func scanRaw(b *testing.B, rows *sql.Rows) {
	defer rows.Close()
	cols, _ := rows.Columns()
	raw := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range raw {
		dest[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			b.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
}

// nativeScan runs query through pgxpool and decodes every row's values.
func nativeScan(ctx context.Context, pool *pgxpool.Pool, query string, args []any) error {
	rows, err := pool.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if _, err := rows.Values(); err != nil {
			return err
		}
	}
	return rows.Err()
}
