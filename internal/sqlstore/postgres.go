package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// postgresDialect is the dialect of PostgreSQL through pgx's database/sql
// adapter.
var postgresDialect = &dialect{
	name:       "postgres",
	migrations: mustSub(migrationFiles, "migrations/postgres"),
	rebind:     rebindDollar,
	// Writers of one project queue on its row; readers never wait (MVCC).
	// The transaction runs at READ COMMITTED, so that every statement after
	// the lock sees what the previous holder committed.
	lockSuffix: " FOR UPDATE",
	classify:   classifyPostgres,
	// A transaction-scoped advisory lock, keyed by the schema that holds
	// the tables, serialises the migrations of replicas starting together;
	// a migration may run longer than a statement of a request.
	migrationLock: `SET LOCAL statement_timeout = 0;
SELECT pg_advisory_xact_lock(hashtext('trafficmirror migrations ' || COALESCE(current_schema(), '')))`,
	// An import repeats each statement (pgx prepares and caches them) on
	// tables that grow within its transaction, where autovacuum cannot
	// analyse them. After five runs PostgreSQL would switch to a generic
	// plan costed on the nearly empty tables of the first batches (a
	// sequential scan), which then gets slower with every batch; planning
	// every run with its parameters and the tables' current size keeps the
	// index lookups: 20,000 sessions took 15.5 s without, 4 s with it.
	importSetup: `SET LOCAL plan_cache_mode = force_custom_plan`,
	// Even a custom plan is costed on the statistics of the tables as
	// they were before the import: a lookup of the 500 sources of a batch
	// looked like most of the table, and PostgreSQL read the whole of
	// session_sources or sessions for every batch, which made a million
	// sessions quadratic (600 copies/s at a third, and falling). ANALYZE
	// in the import's transaction samples the rows it wrote.
	importAnalyze: `ANALYZE filters, filter_rules, sessions, session_sources`,
}

// connectTimeout bounds connecting to PostgreSQL unless the DSN sets
// connect_timeout or the statement timeout is shorter: a server on a
// reachable network answers within milliseconds.
const connectTimeout = 5 * time.Second

// Lifetimes of pooled connections. A bounded lifetime moves the connections
// over to a new primary some time after a failover that kept the old one
// reachable; the idle time returns connections after a burst.
const (
	connMaxLifetime = 30 * time.Minute
	connMaxIdleTime = 5 * time.Minute
)

// isPostgres reports whether dsn names a PostgreSQL database.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// openPostgres opens the PostgreSQL database named by the URL dsn.
func openPostgres(ctx context.Context, dsn string, opts Options) (*Store, error) {
	// pgx redacts passwords in its parse errors.
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", Redact(dsn), err)
	}
	statementTimeout := opts.StatementTimeout
	if statementTimeout <= 0 {
		statementTimeout = DefaultStatementTimeout
	}
	maxConns := opts.MaxConns
	if maxConns <= 0 {
		maxConns = DefaultMaxConns
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = min(connectTimeout, statementTimeout)
	}
	// Runtime parameters are sent when connecting, so every connection of
	// the pool, also one dialled again after a failure, has them.
	//   - statement_timeout: a statement that waits for a lock or runs
	//     too long fails, and the request gets a 503 instead of hanging.
	//   - idle_in_transaction_session_timeout: a replica that stalls (or
	//     is cut off) while it holds a project's lock releases it after a
	//     while, so the other replicas can write to the project again.
	ms := strconv.FormatInt(statementTimeout.Milliseconds(), 10)
	cfg.RuntimeParams["statement_timeout"] = ms
	cfg.RuntimeParams["idle_in_transaction_session_timeout"] = ms
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "trafficmirror"
	}

	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxLifetime(connMaxLifetime)
	db.SetConnMaxIdleTime(connMaxIdleTime)

	s := newStore(postgresDialect, opts)
	s.writer, s.reader = db, db
	s.callTimeout = statementTimeout + cfg.ConnectTimeout
	// When the server restarted, failed over or became unreachable, every
	// idle connection is likely dead, hung or connected to a standby.
	// database/sql finds that out one request at a time, each waiting up
	// to its deadline on a hung one; dropping them all at the first failure
	// lets the following requests connect anew. A server that answered,
	// only too late or short of resources, keeps them.
	s.dropIdle = func(err error) {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && (pe.Code == "57014" || strings.HasPrefix(pe.Code, "53")) {
			return
		}
		db.SetMaxIdleConns(0)
		db.SetMaxIdleConns(maxConns)
	}
	if err := s.checkSchema(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", Redact(dsn), err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", Redact(dsn), err)
	}
	s.prepareCaches()
	return s, nil
}

// checkSchema connects and checks that the search path names a schema that
// exists, in which the tables are kept.
func (s *Store) checkSchema(ctx context.Context) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var schema sql.NullString
	if err := s.writer.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return s.fail(err, "connect")
	}
	if !schema.Valid {
		var path string
		if err := s.writer.QueryRowContext(ctx, `SHOW search_path`).Scan(&path); err != nil {
			return s.fail(err, "read search_path")
		}
		return fmt.Errorf("no schema of search_path %q exists; create it first", path)
	}
	return nil
}

// rebindDollar rewrites the ? placeholders of query as $1, $2, ..., leaving
// string literals, quoted identifiers and comments alone.
func rebindDollar(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			end := strings.IndexByte(query[i+1:], c)
			if end < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+end+2])
			i += end + 1
		case c == '-' && strings.HasPrefix(query[i:], "--"):
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+end])
			i += end - 1
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// classifyPostgres tells the errors of pgx and PostgreSQL apart; see
// https://www.postgresql.org/docs/current/errcodes-appendix.html for the
// SQLSTATE codes.
func classifyPostgres(err error) errClass {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505", "23503": // unique_violation, foreign_key_violation
			return errConstraint
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return errRetry
		case "57014", // query_canceled: statement_timeout
			"57P01", "57P02", "57P03", // admin_shutdown, crash_shutdown, cannot_connect_now
			"25006": // read_only_sql_transaction: a standby since a failover
			return errUnavailable
		}
		switch pe.Code[:min(2, len(pe.Code))] {
		case "08", // connection exception
			"53": // insufficient resources: too many connections, disk full
			return errUnavailable
		}
		return errOther
	}
	if c := classifyCommon(err); c != errOther {
		return c
	}
	var (
		ce *pgconn.ConnectError
		ne net.Error
	)
	switch {
	case errors.As(err, &ce), errors.As(err, &ne),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		pgconn.Timeout(err),
		// The statement was not sent: the connection was closed.
		pgconn.SafeToRetry(err):
		return errUnavailable
	}
	return errOther
}
