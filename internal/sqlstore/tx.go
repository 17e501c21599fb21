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
// transaction.
type runner struct {
	q interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	}
	d *dialect
}

func (r runner) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return r.q.ExecContext(ctx, r.d.rebind(query), args...)
}

func (r runner) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return r.q.QueryContext(ctx, r.d.rebind(query), args...)
}

func (r runner) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return r.q.QueryRowContext(ctx, r.d.rebind(query), args...)
}

// scope selects one project's rows: expr is an SQL expression for the
// project's pk, arg its argument. Reads name the project by its ID (the
// project row may not exist); a write transaction knows the pk.
type scope struct {
	expr string
	arg  any
}

func projectByID(id string) scope {
	return scope{expr: "(SELECT pk FROM projects WHERE id = ?)", arg: id}
}

func projectByPK(pk int64) scope {
	return scope{expr: "?", arg: pk}
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

// inTx runs fn in a write transaction on the project with this ID and
// commits it when fn returns nil. Every write of the Store goes through it.
//
// The transaction first locks the project's row, creating it if needed: on
// SQLite the transaction began with BEGIN IMMEDIATE, which already holds the
// database's write lock; on PostgreSQL the SELECT ... FOR UPDATE of the row
// serialises the writers of one project. Either way the checks fn makes see
// the state its writes change, so concurrent requests cannot both pass a
// limit or a uniqueness rule.
//
// When a statement still breaks a database constraint (which the checks
// should make impossible), fn runs once more in a new transaction, where its
// checks see the state that caused the violation and report the proper
// error; if the violation persists, the error the statement stands for is
// returned, so a client never gets a 500 for a broken rule.
//
// When the database aborts the transaction to break a deadlock or a
// serialization conflict (PostgreSQL), fn runs again, up to maxTxRetries
// times, after a short random pause.
func (s *Store) inTx(ctx context.Context, projectID string, fn func(t *tx) error) error {
	if s.closed.Load() {
		return mirror.Unavailable(errClosed)
	}
	var (
		err        error
		violations int
	)
	for retries := 0; ; {
		err = s.runTx(ctx, projectID, fn)
		var ce *constraintError
		switch {
		case errors.As(err, &ce):
			if violations++; violations < 2 {
				continue
			}
			want := *ce.want
			want.Err = ce.cause
			return &want
		case retries < maxTxRetries && s.d.classify(err) == errRetry:
			retries++
			if err := pause(ctx, retries); err != nil {
				return err
			}
			continue
		}
		return err
	}
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
func (s *Store) runTx(ctx context.Context, projectID string, fn func(t *tx) error) (err error) {
	sqlTx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if err != nil {
			sqlTx.Rollback()
		}
	}()
	t := &tx{runner: runner{q: sqlTx, d: s.d}}
	if err := t.lockProject(ctx, projectID); err != nil {
		return err
	}
	if err := fn(t); err != nil {
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
	sel := `SELECT pk, session_count, filter_count FROM projects WHERE id = ?` + t.d.lockSuffix
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
	_, err := t.exec(ctx, `UPDATE projects SET `+column+` = `+column+` + ? WHERE pk = ?`, delta, t.pk)
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
	// A read transaction has nothing to commit; rolling back ends it.
	defer t.Rollback()
	return fn(runner{q: t, d: s.d})
}
