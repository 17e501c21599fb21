// Package sqlstore is the mirror.Store of trafficmirror on SQL databases:
// SQLite (modernc.org/sqlite, pure Go) for one process, and PostgreSQL
// (github.com/jackc/pgx/v5 through its database/sql adapter) for several
// replicas sharing one database, through one code path of hand-written SQL
// over database/sql and a small dialect.
//
// Every write runs in one transaction that first locks the project (see
// inTx), checks the business rules of ../shared/spec/constraints.md against
// the current state and then writes; database constraints back the rules
// that can be expressed as such. Because the lock is taken in the database,
// the rules hold as well when requests race through several processes.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// Options configure a Store.
type Options struct {
	// Limits are the business limits. The zero value means
	// mirror.DefaultLimits(); otherwise a zero field means unlimited.
	Limits mirror.Limits
	// Now returns the current time; nil means time.Now. Times are stored
	// at millisecond precision, in UTC.
	Now func() time.Time
	// NewID returns a new resource ID; nil means a random UUIDv4 in
	// lower-case canonical text.
	NewID func() string
	// MustExist makes Open fail for a SQLite file that does not exist,
	// instead of creating it: a tool that reads a database (export, the
	// source of migrate) must not mistake a wrong path for an empty one.
	MustExist bool

	// MmapSize is how many bytes of a SQLite file each connection reads
	// through a memory map; zero, the default, reads with pread only (see
	// openSQLite for the trade-off). Ignored on PostgreSQL.
	MmapSize int64

	// MaxConns is the most connections the Store opens to PostgreSQL;
	// zero means DefaultMaxConns. Several replicas share the server's
	// max_connections. Ignored on SQLite.
	MaxConns int
	// StatementTimeout bounds, on PostgreSQL, every statement on the
	// server (statement_timeout, which includes waiting for a lock), the
	// time a transaction may sit idle holding its locks
	// (idle_in_transaction_session_timeout), and connecting (unless the
	// DSN sets connect_timeout, at most 5s). A call of the Store gives up
	// after StatementTimeout plus the connect timeout, so that requests fail
	// fast with KindUnavailable when the database is away, even on a
	// network that drops packets silently. Zero means
	// DefaultStatementTimeout. Ignored on SQLite, which has busy_timeout.
	StatementTimeout time.Duration
}

// Defaults of Options for PostgreSQL.
const (
	DefaultMaxConns         = 10
	DefaultStatementTimeout = 30 * time.Second
)

// ErrSchemaTooNew is returned by Open for a database whose schema was
// migrated by a newer version of trafficmirror.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary supports")

// errClosed is the cause of the errors of a closed Store.
var errClosed = errors.New("store is closed")

// Store is the SQL implementation of mirror.Store. It is safe for concurrent
// use.
type Store struct {
	// writer has exactly one connection: on SQLite there is one writer at a
	// time anyway, and queueing in database/sql (which honours contexts)
	// beats spinning on SQLITE_BUSY.
	writer *sql.DB
	// reader serves the reads, which in WAL mode never wait for the writer.
	// On PostgreSQL writer and reader are one pool.
	reader *sql.DB
	// writeStmts and readStmts are the prepared statements of writer and
	// reader: one cache when they are one pool.
	writeStmts *stmtCache
	readStmts  *stmtCache
	d          *dialect
	limits     mirror.Limits
	now        func() time.Time
	newID      func() string
	// callTimeout, when not zero, bounds every call (see bound).
	callTimeout time.Duration
	// dropIdle, when not nil, closes the idle connections: fail calls it
	// with the cause when the database was unavailable (see openPostgres).
	dropIdle func(cause error)
	// group, on SQLite, runs the write transactions (see committer).
	group  *committer
	closed atomic.Bool
}

var _ mirror.Store = (*Store)(nil)

// busyTimeout is how long a statement waits for a lock held by another
// process (a second server or a backup tool) before it fails as unavailable.
const busyTimeout = 5 * time.Second

// readerConns is the size of the reader pool.
const readerConns = 4

// cacheSizeKiB is the private page cache of each SQLite connection
// (SQLite's default).
const cacheSizeKiB = 2000

// Open opens and migrates the database named by dsn:
//
//   - a PostgreSQL URL, "postgres://user:password@host:port/db?sslmode=..."
//     or "postgresql://...", with any parameter pgx understands; the
//     parameter search_path selects the schema (which must exist) that
//     holds the tables;
//   - otherwise a SQLite file path or "sqlite:PATH"; the file is created if
//     needed.
//
// Several processes may open one PostgreSQL database at the same moment:
// each migration is applied once. Open returns ErrSchemaTooNew (wrapped) for
// a database migrated by a newer binary, and an error of KindUnavailable
// when the database cannot be reached. No error shows the DSN's password.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if isPostgres(dsn) {
		return openPostgres(ctx, dsn, opts)
	}
	return openSQLite(ctx, dsn, opts)
}

// newStore returns a Store of dialect d with the options applied, without
// its pools.
func newStore(d *dialect, opts Options) *Store {
	s := &Store{
		d:      d,
		limits: opts.Limits,
		now:    opts.Now,
		newID:  opts.NewID,
	}
	if s.limits == (mirror.Limits{}) {
		s.limits = mirror.DefaultLimits()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.newID == nil {
		s.newID = uuid.NewString
	}
	return s
}

// openSQLite opens the SQLite database at dsn.
func openSQLite(ctx context.Context, dsn string, opts Options) (*Store, error) {
	path, err := sqlitePath(dsn)
	if err != nil {
		return nil, err
	}
	if opts.MustExist {
		if _, err := os.Stat(path); err != nil {
			return nil, err // names the path
		}
	}
	s := newStore(sqliteDialect, opts)

	// The pragmas are set on every new connection through the DSN:
	//   - journal_mode=WAL: readers see the last committed state without
	//     blocking the writer, and the writer does not wait for readers.
	//   - synchronous=FULL: in WAL mode, SQLite fsyncs the WAL at every
	//     commit, so a write acknowledged to a client survives a power cut.
	//     NORMAL fsyncs only at checkpoints and could lose the last commits.
	//   - foreign_keys=ON: SQLite does not enforce foreign keys otherwise;
	//     they are the backstop that keeps a session's filter from vanishing.
	//   - busy_timeout: another process holding the write lock makes a
	//     statement wait instead of failing at once.
	//   - _txlock=immediate: every write transaction takes the write lock at
	//     BEGIN, so the checks of a request run on the state its writes
	//     change (a deferred BEGIN could fail with SQLITE_BUSY on the upgrade
	//     from reader to writer, after the checks).
	//   - mmap_size (Options.MmapSize, off by default): pages of the first
	//     MmapSize bytes of the file are read through a memory map instead
	//     of being copied by a pread into each connection's page cache,
	//     which every commit of another connection empties (WAL mode). A
	//     B-tree page read costs a memory access instead of a system call:
	//     a fifth to a quarter more point reads per second at a million
	//     sessions (docs/performance.md). The price is in the numbers
	//     operators watch: each connection maps the file on its own, and
	//     the kernel counts a mapped page in RSS once per mapping, so RSS
	//     grows to (readerConns+1) times the mapped part of the file, page
	//     cache that is shared and reclaimable but looks like a leak.
	//   - cache_size: the private page cache of each connection.
	if opts.MmapSize < 0 {
		return nil, fmt.Errorf("memory map size %d: must not be negative", opts.MmapSize)
	}
	pages := []string{fmt.Sprintf("mmap_size(%d)", opts.MmapSize), fmt.Sprintf("cache_size(-%d)", cacheSizeKiB)}
	writerDSN := sqliteDSN(path, url.Values{
		"_pragma": append([]string{
			fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()),
			"journal_mode(WAL)",
			"synchronous(FULL)",
			"foreign_keys(ON)",
		}, pages...),
		"_txlock": {"immediate"},
	})
	s.writer, err = sql.Open("sqlite", writerDSN)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s.writer.SetMaxOpenConns(1)
	s.writer.SetMaxIdleConns(1)
	s.writer.SetConnMaxLifetime(0)
	s.writer.SetConnMaxIdleTime(0)
	if err := s.migrate(ctx); err != nil {
		s.writer.Close()
		return nil, err
	}

	// Readers are query_only, so a bug can never write through them. The
	// journal mode is a property of the file, already set by the writer.
	readerDSN := sqliteDSN(path, url.Values{
		"_pragma": append([]string{
			fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()),
			"foreign_keys(ON)",
			"query_only(ON)",
		}, pages...),
	})
	s.reader, err = sql.Open("sqlite", readerDSN)
	if err != nil {
		s.writer.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s.reader.SetMaxOpenConns(readerConns)
	s.reader.SetMaxIdleConns(readerConns)
	if err := s.reader.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s.prepareCaches()
	s.group = newCommitter(s)
	return s, nil
}

// prepareCaches creates the statement caches of the pools.
func (s *Store) prepareCaches() {
	s.writeStmts = newStmtCache(s.writer, s.d.rebind)
	s.readStmts = s.writeStmts
	if s.reader != s.writer {
		s.readStmts = newStmtCache(s.reader, s.d.rebind)
	}
}

// readRunner runs statements on the reader pool.
func (s *Store) readRunner() runner {
	return runner{stmts: s.readStmts, d: s.d}
}

// sqlitePath returns the file path named by a SQLite DSN.
func sqlitePath(dsn string) (string, error) {
	path := dsn
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path = strings.TrimPrefix(dsn, "sqlite:")
		// sqlite:///abs/path and sqlite://rel/path, as in other tools' URLs.
		path = strings.TrimPrefix(path, "//")
	}
	switch {
	case path == "":
		return "", fmt.Errorf("database %q: empty SQLite file path", dsn)
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		// Each pooled connection would open its own in-memory database,
		// and a URI would bypass the pragmas set here.
		return "", fmt.Errorf("database %q: give the path of a SQLite file", dsn)
	}
	return path, nil
}

// Redact removes the passwords from a PostgreSQL URL for messages and logs:
// the one of the user and the password and sslpassword parameters. Other
// DSNs (SQLite paths) hold no secret and are returned as they are.
func Redact(dsn string) string {
	if !isPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable URL)"
	}
	q := u.Query()
	for _, name := range []string{"password", "sslpassword"} {
		if q.Has(name) {
			q.Set(name, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.Redacted()
}

// sqliteDSN returns the modernc.org/sqlite DSN of the file at path with the
// given parameters. The path is given as a URI so that any file name works.
func sqliteDSN(path string, params url.Values) string {
	escaped := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	return "file:" + escaped + "?" + params.Encode()
}

// Ping reports whether the store can serve requests.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return mirror.Unavailable(errClosed)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.reader.PingContext(ctx); err != nil {
		return s.fail(err, "ping reader")
	}
	if s.writer != s.reader {
		if err := s.writer.PingContext(ctx); err != nil {
			return s.fail(err, "ping writer")
		}
	}
	return nil
}

// bound returns ctx with the deadline of one call of the Store, if it has
// one: a database that stopped answering (a network that drops packets, a
// server that hangs) fails the call instead of holding it for the minutes
// TCP takes to notice.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.callTimeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.callTimeout)
}

// Close waits for running calls and closes the database. Every acknowledged
// write is already durable; closing the last connection checkpoints the WAL
// into the database file.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if s.group != nil {
		s.group.stop()
	}
	var errs []error
	if s.readStmts != nil && s.readStmts != s.writeStmts {
		errs = append(errs, s.readStmts.close())
	}
	if s.writeStmts != nil {
		errs = append(errs, s.writeStmts.close())
	}
	if s.reader != nil && s.reader != s.writer {
		errs = append(errs, s.reader.Close())
	}
	errs = append(errs, s.writer.Close())
	return errors.Join(errs...)
}

// fail turns err, returned by a database call, into the error of a Store
// method: errors of the domain pass unchanged, an unreachable database
// becomes mirror.Unavailable, anything else is wrapped with what was done.
func (s *Store) fail(err error, format string, args ...any) error {
	var me *mirror.Error
	if errors.As(err, &me) {
		return err
	}
	if s.closed.Load() {
		return mirror.Unavailable(err)
	}
	if s.d.classify(err) == errUnavailable {
		if s.dropIdle != nil {
			s.dropIdle(err)
		}
		return mirror.Unavailable(err)
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// timestamp returns the current time as stored: UTC milliseconds.
func (s *Store) timestamp() int64 {
	return s.now().UnixMilli()
}

// fromMillis returns a stored time.
func fromMillis(ms int64) time.Time {
	return time.UnixMilli(ms).UTC()
}

// exceeds reports whether count items already reach limit, where 0 means
// unlimited.
func exceeds(count, limit int) bool {
	return limit > 0 && count >= limit
}
