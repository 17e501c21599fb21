package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// maxBatch bounds the write requests that share one SQLite transaction.
const maxBatch = 64

// committer runs the write transactions of a SQLite store with group
// commit. A durable commit costs SQLite a write and an fsync of its WAL,
// about a quarter of a create; with one writer connection, concurrent
// requests waited for each other's fsync. The committer runs whatever
// requests are queued when the writer becomes free (at most maxBatch) in
// one transaction, each in a SAVEPOINT of its own, and commits them with
// one COMMIT and one fsync:
//
//   - the requests run one after the other on the one connection, so the
//     checks of each see the writes of those before it, as they did in
//     transactions of their own;
//   - a request that fails (a business rule, an internal error) rolls back
//     to its savepoint: its writes are undone, the others' stay;
//   - every request is answered only after the COMMIT succeeded, so an
//     acknowledged write is as durable as before; if the COMMIT fails, every
//     request of the batch gets the error and none of them is stored;
//   - a request alone in the queue runs in a savepoint too: when a
//     statement breaks a constraint, SQLite undoes that statement only, and
//     the savepoint undoes the request's earlier writes before it runs
//     again (see retryViolation). A savepoint costs no I/O.
//
// A request's statements run with its context's values but without its
// cancellation: SQLite's sqlite3_interrupt of a write inside a transaction
// rolls back the whole transaction, the other requests' writes with it. A
// request whose context is done before it starts is not run.
type committer struct {
	s *Store

	mu      sync.Mutex
	queue   []*txRequest
	stopped bool
	// batches counts the batches started and lastBatch is the number of
	// requests of the last one, for the tests.
	batches   int64
	lastBatch int

	wake chan struct{} // capacity 1: the queue may have changed
	done chan struct{} // closed when the loop has ended
}

// txRequest is one call of inTx waiting for the committer.
type txRequest struct {
	ctx       context.Context
	projectID string
	fn        txFunc
	err       error
	done      chan struct{}
}

func newCommitter(s *Store) *committer {
	c := &committer{s: s, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go c.loop()
	return c
}

// run queues fn and waits for its outcome.
func (c *committer) run(ctx context.Context, projectID string, fn txFunc) error {
	req := &txRequest{ctx: ctx, projectID: projectID, fn: fn, done: make(chan struct{})}
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		// As inTx answers once the Store is closed: a 503, not a 500.
		return mirror.Unavailable(errClosed)
	}
	c.queue = append(c.queue, req)
	c.mu.Unlock()
	c.signal()
	// Not abandoned when ctx ends: the request may be in a batch that is
	// about to commit, and its caller must learn whether it was stored.
	<-req.done
	return req.err
}

func (c *committer) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// stop runs the queued requests, refuses new ones and waits until the last
// batch has ended.
func (c *committer) stop() {
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
	c.signal()
	<-c.done
}

// stats returns the number of batches run so far and the size of the last.
func (c *committer) stats() (batches int64, last int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.batches, c.lastBatch
}

// queued returns the number of requests waiting for a batch.
func (c *committer) queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue)
}

func (c *committer) loop() {
	defer close(c.done)
	for range c.wake {
		for {
			c.mu.Lock()
			n := min(len(c.queue), maxBatch)
			batch := c.queue[:n:n]
			c.queue = c.queue[n:]
			stopped := c.stopped
			if n > 0 {
				c.batches++
				c.lastBatch = n
			}
			c.mu.Unlock()
			if n == 0 {
				if stopped {
					return
				}
				break
			}
			c.runBatch(batch)
		}
	}
}

// runBatch runs the requests of a batch in one transaction and answers
// them.
func (c *committer) runBatch(batch []*txRequest) {
	s := c.s
	// The transaction belongs to no request: one that ends must not roll
	// back the others.
	ctx := context.Background()
	var committed []*txRequest // the requests whose work waits for COMMIT
	answer := func(reqs []*txRequest, err error) {
		for _, req := range reqs {
			req.err = err
			close(req.done)
		}
	}
	sqlTx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		answer(batch, fmt.Errorf("begin transaction: %w", err))
		return
	}
	var misses []stmtKey
	r := runner{stmts: s.writeStmts, tx: sqlTx, misses: &misses, d: s.d}
	for i, req := range batch {
		if err := req.ctx.Err(); err != nil {
			answer(batch[i:i+1], err)
			continue
		}
		rctx := context.WithoutCancel(req.ctx)
		err := retryViolation(func() error { return runSavepoint(rctx, r, req) })
		var broken *brokenTxError
		switch {
		case errors.As(err, &broken):
			// The transaction is gone: nothing of the batch is stored.
			sqlTx.Rollback()
			answer(committed, broken.err)
			answer(batch[i:], broken.err)
			return
		case err != nil:
			answer(batch[i:i+1], err)
		default:
			committed = append(committed, req)
		}
	}
	if len(committed) == 0 {
		sqlTx.Rollback()
	} else if err := sqlTx.Commit(); err != nil {
		answer(committed, fmt.Errorf("commit: %w", err))
		committed = nil
	}
	answer(committed, nil)
	s.writeStmts.prepare(ctx, misses)
}

// brokenTxError is a failure after which the batch's transaction cannot go
// on: a savepoint could not be set, released or rolled back to (SQLite
// rolls back the whole transaction by itself after some errors, such as a
// full disk).
type brokenTxError struct{ err error }

func (e *brokenTxError) Error() string { return e.err.Error() }
func (e *brokenTxError) Unwrap() error { return e.err }

// runSavepoint runs one request of a batch in a savepoint of its own. When
// the request fails, its writes are undone and its error returned.
func runSavepoint(ctx context.Context, r runner, req *txRequest) error {
	if _, err := r.exec(ctx, `SAVEPOINT request`); err != nil {
		return &brokenTxError{fmt.Errorf("savepoint: %w", err)}
	}
	t := &tx{runner: r}
	err := t.lockProject(ctx, req.projectID)
	if err == nil {
		err = callRecovering(ctx, req.fn, t)
	}
	if err != nil {
		// ROLLBACK TO keeps the savepoint; RELEASE ends it.
		if _, rerr := r.exec(ctx, `ROLLBACK TO request`); rerr != nil {
			return &brokenTxError{fmt.Errorf("%w; roll back to savepoint: %w", err, rerr)}
		}
	}
	if _, rerr := r.exec(ctx, `RELEASE request`); rerr != nil {
		return &brokenTxError{fmt.Errorf("release savepoint: %w", rerr)}
	}
	return err
}

// callRecovering runs fn and turns a panic into an error, with the stack.
// fn runs on the committer's goroutine, where a panic would end the
// process instead of failing one request (the server turns a handler's
// panic into a 500 VPC.9501; this keeps that promise for the writes).
func callRecovering(ctx context.Context, fn txFunc, t *tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic in a write transaction: %v\n%s", v, debug.Stack())
		}
	}()
	return fn(ctx, t)
}
