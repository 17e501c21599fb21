package sqlstore

import (
	"container/list"
	"context"
	"database/sql"
	"sync"
)

// fixedSQL is the text of a statement fixed when the program is compiled.
// An untyped string constant converts to it implicitly, a string built at
// run time does not: only the finite set of fixed statements can enter the
// part of a stmtCache that is never evicted. Statements built at run time
// (lists, IN lists of any length) go through the bounded LRU instead.
type fixedSQL string

// maxDynamicStmts bounds the statements built at run time that a pool keeps
// prepared. The where-builders yield a few dozen shapes in practice (which
// filters a list has, how many values each); a client that invents new
// shapes only evicts the least recently used ones.
const maxDynamicStmts = 256

// stmtCache keeps the prepared statements of one pool, keyed by their text
// with ? placeholders. Compiling a statement costs SQLite as much as running
// a point read, so every statement is prepared once per pool: database/sql
// prepares a *sql.Stmt again on each connection that runs it, once, and
// inside a transaction Tx.StmtContext reuses the connection's prepared
// statement. pgx prepares statements per connection too.
type stmtCache struct {
	db     *sql.DB
	rebind func(string) string

	mu      sync.Mutex
	fixed   map[string]*cachedStmt
	dynamic map[string]*list.Element // of *cachedStmt
	lru     list.List                // most recently used first
	closed  bool
}

// cachedStmt is one prepared statement of a stmtCache.
type cachedStmt struct {
	query string
	stmt  *sql.Stmt
	// refs counts the calls that got the statement and have not released
	// it yet; an evicted statement is closed when the last one releases
	// it, so that no call ever runs a closed statement.
	refs    int
	evicted bool
}

func newStmtCache(db *sql.DB, rebind func(string) string) *stmtCache {
	return &stmtCache{
		db:      db,
		rebind:  rebind,
		fixed:   make(map[string]*cachedStmt),
		dynamic: make(map[string]*list.Element),
	}
}

// get returns the prepared statement of query, preparing it if needed, for
// one call, which must release it. fixed tells whether query is a fixedSQL.
func (c *stmtCache) get(ctx context.Context, query string, fixed bool) (*cachedStmt, error) {
	c.mu.Lock()
	if cs := c.lookupLocked(query, fixed); cs != nil {
		cs.refs++
		c.mu.Unlock()
		return cs, nil
	}
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return nil, errClosed
	}

	// Prepared outside the lock: on PostgreSQL it is a round trip. Two
	// calls may prepare the same statement at once; the second one keeps
	// the first one's.
	stmt, err := c.db.PrepareContext(ctx, c.rebind(query))
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		stmt.Close()
		return nil, errClosed
	}
	if cs := c.lookupLocked(query, fixed); cs != nil {
		cs.refs++
		c.mu.Unlock()
		stmt.Close()
		return cs, nil
	}
	cs := &cachedStmt{query: query, stmt: stmt, refs: 1}
	var evict *cachedStmt
	if fixed {
		c.fixed[query] = cs
	} else {
		c.dynamic[query] = c.lru.PushFront(cs)
		if c.lru.Len() > maxDynamicStmts {
			oldest := c.lru.Back()
			c.lru.Remove(oldest)
			evict = oldest.Value.(*cachedStmt)
			delete(c.dynamic, evict.query)
			evict.evicted = true
			if evict.refs > 0 {
				evict = nil // closed by its last release
			}
		}
	}
	c.mu.Unlock()
	if evict != nil {
		evict.stmt.Close()
	}
	return cs, nil
}

// stmtKey names a statement of a stmtCache.
type stmtKey struct {
	query string
	fixed bool
}

// lookup returns the cached statement of query for one call, which must
// release it, or nil when it is not prepared yet.
func (c *stmtCache) lookup(query string, fixed bool) *cachedStmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs := c.lookupLocked(query, fixed)
	if cs != nil {
		cs.refs++
	}
	return cs
}

// prepare prepares the statements keys on the pool, when they are not yet:
// the statements that a transaction missed (see runner.stmt), once it has
// given its connection back. A failure only leaves a statement to be
// prepared another time.
func (c *stmtCache) prepare(ctx context.Context, keys []stmtKey) {
	for _, k := range keys {
		if cs, err := c.get(ctx, k.query, k.fixed); err == nil {
			c.release(cs)
		}
	}
}

// lookupLocked returns the cached statement of query, or nil, and marks a
// dynamic one as used.
func (c *stmtCache) lookupLocked(query string, fixed bool) *cachedStmt {
	if fixed {
		return c.fixed[query]
	}
	e, ok := c.dynamic[query]
	if !ok {
		return nil
	}
	c.lru.MoveToFront(e)
	return e.Value.(*cachedStmt)
}

// release ends a call's use of cs. database/sql itself keeps a statement's
// driver statement alive for the rows of a query and for a transaction that
// runs it, so a call releases the statement as soon as it has started it.
func (c *stmtCache) release(cs *cachedStmt) {
	c.mu.Lock()
	cs.refs--
	closeIt := cs.refs == 0 && cs.evicted
	c.mu.Unlock()
	if closeIt {
		cs.stmt.Close()
	}
}

// close closes every cached statement; later calls of get fail.
func (c *stmtCache) close() error {
	c.mu.Lock()
	c.closed = true
	var all []*cachedStmt
	for _, cs := range c.fixed {
		all = append(all, cs)
	}
	for e := c.lru.Front(); e != nil; e = e.Next() {
		all = append(all, e.Value.(*cachedStmt))
	}
	clear(c.fixed)
	clear(c.dynamic)
	c.lru.Init()
	c.mu.Unlock()
	var first error
	for _, cs := range all {
		// A statement still in use is closed by database/sql once its
		// rows or transaction are done.
		if err := cs.stmt.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
