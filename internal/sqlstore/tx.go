package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// runner runs statements, written with ? placeholders, on a pool or in a
// transaction, prepared once through the pool's stmtCache. Without a cache
// (an Import, whose bulk statements are each run once) statements are sent
// as text.
type runner struct {
	stmts *stmtCache
	tx    *sql.Tx // nil: the statements run on the pool of stmts
	// misses, in a transaction, collects the statements that were not yet
	// prepared on the pool (see stmt).
	misses *[]stmtKey
	d      *dialect
}

// exec runs a fixed statement.
func (r runner) exec(ctx context.Context, query fixedSQL, args ...any) (sql.Result, error) {
	return r.execSQL(ctx, string(query), true, args)
}

// execDynamic runs a statement built at run time.
func (r runner) execDynamic(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return r.execSQL(ctx, query, false, args)
}

// query runs a fixed query.
func (r runner) query(ctx context.Context, query fixedSQL, args ...any) (*sql.Rows, error) {
	return r.querySQL(ctx, string(query), true, args)
}

// queryDynamic runs a query built at run time.
func (r runner) queryDynamic(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return r.querySQL(ctx, query, false, args)
}

// queryRow runs a fixed query that returns at most one row.
func (r runner) queryRow(ctx context.Context, query fixedSQL, args ...any) row {
	return r.queryRowSQL(ctx, string(query), true, args)
}

// queryRowDynamic runs a query built at run time that returns at most one
// row.
func (r runner) queryRowDynamic(ctx context.Context, query string, args ...any) row {
	return r.queryRowSQL(ctx, query, false, args)
}

// stmt returns the prepared statement of query for this runner, and the
// function that releases it once the statement has started.
//
// A transaction holds its connection, and preparing a statement on the pool
// needs one: on the SQLite writer, the only one. So a transaction prepares a
// statement that the pool does not have yet on its own connection, for this
// run only, and notes it in misses; its owner prepares those on the pool
// once the transaction has ended (see stmtCache.prepare).
func (r runner) stmt(ctx context.Context, query string, fixed bool) (*sql.Stmt, func(), error) {
	if r.tx == nil {
		cs, err := r.stmts.get(ctx, query, fixed)
		if err != nil {
			return nil, nil, err
		}
		return cs.stmt, func() { r.stmts.release(cs) }, nil
	}
	if cs := r.stmts.lookup(query, fixed); cs != nil {
		return r.tx.StmtContext(ctx, cs.stmt), func() { r.stmts.release(cs) }, nil
	}
	if r.misses != nil {
		*r.misses = append(*r.misses, stmtKey{query, fixed})
	}
	// Closed by the transaction when it ends.
	st, err := r.tx.PrepareContext(ctx, r.d.rebind(query))
	if err != nil {
		return nil, nil, err
	}
	return st, func() {}, nil
}

func (r runner) execSQL(ctx context.Context, query string, fixed bool, args []any) (sql.Result, error) {
	if r.stmts == nil {
		return r.tx.ExecContext(ctx, r.d.rebind(query), args...)
	}
	st, release, err := r.stmt(ctx, query, fixed)
	if err != nil {
		return nil, err
	}
	defer release()
	return st.ExecContext(ctx, args...)
}

func (r runner) querySQL(ctx context.Context, query string, fixed bool, args []any) (*sql.Rows, error) {
	if r.stmts == nil {
		return r.tx.QueryContext(ctx, r.d.rebind(query), args...)
	}
	st, release, err := r.stmt(ctx, query, fixed)
	if err != nil {
		return nil, err
	}
	defer release()
	return st.QueryContext(ctx, args...)
}

func (r runner) queryRowSQL(ctx context.Context, query string, fixed bool, args []any) row {
	if r.stmts == nil {
		return row{row: r.tx.QueryRowContext(ctx, r.d.rebind(query), args...)}
	}
	st, release, err := r.stmt(ctx, query, fixed)
	if err != nil {
		return row{err: err}
	}
	defer release()
	return row{row: st.QueryRowContext(ctx, args...)}
}

// row is the result of queryRow: a *sql.Row, or the error of preparing its
// statement, which Scan returns as sql.Row returns the error of its query.
type row struct {
	row *sql.Row
	err error
}

// Scan copies the columns of the row into dest, as sql.Row.Scan.
func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.row.Scan(dest...)
}

// projectOfID is the SQL expression of the pk of the project whose ID is
// its argument.
const projectOfID = `(SELECT pk FROM projects WHERE id = ?)`

// scope selects one project's rows: reads name the project by its ID (the
// project row may not exist); a write transaction knows the pk. arg is the
// argument of the statement's project_pk condition.
type scope struct {
	byID bool
	arg  any
}

func projectByID(id string) scope {
	return scope{byID: true, arg: id}
}

func projectByPK(pk int64) scope {
	return scope{arg: pk}
}

// expr returns the SQL expression of the project's pk.
func (p scope) expr() string {
	if p.byID {
		return projectOfID
	}
	return "?"
}

// pick returns the statement of the scope: byPK compares project_pk with
// a pk, byID, the same statement otherwise, with projectOfID. Both are
// fixed statements, prepared once each.
func (p scope) pick(byPK, byID fixedSQL) fixedSQL {
	if p.byID {
		return byID
	}
	return byPK
}

// tx is a write transaction on one project, whose row it has locked.
type tx struct {
	runner
	project scope
	pk      int64
	// sessions and filters are the project's counters at the start.
	sessions int
	filters  int
}

// constraintError is a constraint violation that a statement of a write
// transaction ran into. It should not happen: the transaction checked the
// rules first, under the project lock. want is the error that the violated
// rule stands for.
type constraintError struct {
	want  *mirror.Error
	cause error
}

func (e *constraintError) Error() string {
	return fmt.Sprintf("constraint violation (%s): %v", e.want.Code, e.cause)
}

func (e *constraintError) Unwrap() error { return e.cause }

// violation returns err, from a statement of the transaction, as a
// constraintError standing for want when it is a constraint violation, and
// wrapped with what was done otherwise.
func (t *tx) violation(err error, want *mirror.Error, format string, args ...any) error {
	if t.d.classify(err) == errConstraint {
		return &constraintError{want: want, cause: err}
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// txFunc is the work of one write transaction: the checks and the writes
// of one request. Its statements run with the ctx it is given, not with
// the request's: see committer.
type txFunc func(ctx context.Context, t *tx) error

// inTx runs fn in a write transaction on the project with this ID and
// commits it when fn returns nil. Every write of the Store goes through it.
//
// The transaction first locks the project's row, creating it if needed: on
// SQLite the transaction began with BEGIN IMMEDIATE, which already holds the
// database's write lock; on PostgreSQL the SELECT ... FOR UPDATE of the row
// serialises the writers of one project. Either way the checks fn makes see
// the state its writes change, so concurrent requests cannot both pass a
// limit or a uniqueness rule. On SQLite, concurrent calls share one
// transaction and its commit (see committer), each in a savepoint of its
// own: the checks of each see the writes of those before it.
//
// When a statement still breaks a database constraint (which the checks
// should make impossible), fn runs once more in a new transaction (or
// savepoint), where its checks see the state that caused the violation and
// report the proper error; if the violation persists, the error the
// statement stands for is returned, so a client never gets a 500 for a
// broken rule.
//
// When the database aborts the transaction to break a deadlock or a
// serialization conflict (PostgreSQL), fn runs again, up to maxTxRetries
// times, after a short random pause.
func (s *Store) inTx(ctx context.Context, projectID string, fn txFunc) error {
	if s.closed.Load() {
		return mirror.Unavailable(errClosed)
	}
	if s.group != nil {
		return s.group.run(ctx, projectID, fn)
	}
	for retries := 0; ; {
		err := retryViolation(func() error { return s.runTx(ctx, projectID, fn) })
		if retries < maxTxRetries && s.d.classify(err) == errRetry {
			retries++
			if err := pause(ctx, retries); err != nil {
				return err
			}
			continue
		}
		return err
	}
}

// retryViolation runs attempt, and once more when it ran into a constraint
// violation (see inTx). A second violation returns the error that the
// violated rule stands for, with the violation as its cause.
func retryViolation(attempt func() error) error {
	err := attempt()
	var ce *constraintError
	if !errors.As(err, &ce) {
		return err
	}
	if err = attempt(); !errors.As(err, &ce) {
		return err
	}
	want := *ce.want
	want.Err = ce.cause
	return &want
}

// maxTxRetries is how often inTx runs a transaction again that the database
// aborted to resolve a conflict.
const maxTxRetries = 5

// pause waits before the nth retry of a transaction: a random time up to
// 2^n milliseconds, so that the transactions that collided do not collide
// again. It returns early with the error of a done ctx.
func pause(ctx context.Context, n int) error {
	t := time.NewTimer(time.Duration(rand.Int64N(int64(time.Millisecond) << n)))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// runTx runs fn in one write transaction.
func (s *Store) runTx(ctx context.Context, projectID string, fn txFunc) (err error) {
	sqlTx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	var misses []stmtKey
	defer func() {
		if err != nil {
			sqlTx.Rollback()
		}
		s.writeStmts.prepare(ctx, misses)
	}()
	t := &tx{runner: runner{stmts: s.writeStmts, tx: sqlTx, misses: &misses, d: s.d}}
	if err := t.lockProject(ctx, projectID); err != nil {
		return err
	}
	if err := fn(ctx, t); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// lockProject locks the project's row, creating it on the project's first
// write, and loads its counters.
func (t *tx) lockProject(ctx context.Context, projectID string) error {
	// One statement per dialect.
	sel := fixedSQL(`SELECT pk, session_count, filter_count FROM projects WHERE id = ?` + t.d.lockSuffix)
	err := t.queryRow(ctx, sel, projectID).Scan(&t.pk, &t.sessions, &t.filters)
	if errors.Is(err, sql.ErrNoRows) {
		// ON CONFLICT DO NOTHING: a concurrent first write of the same
		// project may have created the row meanwhile (PostgreSQL).
		if _, err := t.exec(ctx, `INSERT INTO projects (id, session_count, filter_count) VALUES (?, 0, 0) ON CONFLICT (id) DO NOTHING`, projectID); err != nil {
			return fmt.Errorf("create project %s: %w", projectID, err)
		}
		err = t.queryRow(ctx, sel, projectID).Scan(&t.pk, &t.sessions, &t.filters)
	}
	if err != nil {
		return fmt.Errorf("lock project %s: %w", projectID, err)
	}
	t.project = projectByPK(t.pk)
	return nil
}

// addCount adds delta to one of the project's counters.
func (t *tx) addCount(ctx context.Context, column string, delta int) error {
	// One statement per counter.
	_, err := t.exec(ctx, fixedSQL(`UPDATE projects SET `+column+` = `+column+` + ? WHERE pk = ?`), delta, t.pk)
	if err != nil {
		return fmt.Errorf("update %s: %w", column, err)
	}
	return nil
}

// readTx runs fn in a read transaction on the reader pool, so that the
// several queries of one read see one state.
func (s *Store) readTx(ctx context.Context, fn func(r runner) error) (err error) {
	if s.closed.Load() {
		return mirror.Unavailable(errClosed)
	}
	// Repeatable read: on PostgreSQL every statement of the transaction
	// sees the snapshot of its first one (SQLite ignores the level; its
	// read transactions always see one snapshot).
	t, err := s.reader.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read transaction: %w", err)
	}
	var misses []stmtKey
	defer func() {
		// A read transaction has nothing to commit; rolling back ends it.
		t.Rollback()
		s.readStmts.prepare(ctx, misses)
	}()
	return fn(runner{stmts: s.readStmts, tx: t, misses: &misses, d: s.d})
}
