package sqlstore

import (
	"context"
	"database/sql/driver"
	"embed"
	"errors"
	"io/fs"
	"syscall"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations
var migrationFiles embed.FS

// dialect is everything that differs between the databases. All statements
// are written once with ? placeholders in SQL that SQLite and PostgreSQL
// both accept; the dialect adapts the rest.
type dialect struct {
	// name is the database's name in messages.
	name string
	// migrations holds the dialect's NNNN_name.sql files.
	migrations fs.FS
	// rebind rewrites the ? placeholders of a statement for the driver.
	rebind func(query string) string
	// lockSuffix ends the SELECT that reads the project row at the start
	// of a write transaction, so that it locks the row until commit.
	lockSuffix string
	// classify tells constraint violations, transactions worth retrying
	// and unreachable databases from other errors.
	classify func(err error) errClass
	// migrationLock runs first in every migration transaction, so that
	// processes opening one database at the same moment apply each
	// migration exactly once.
	migrationLock string
	// importSetup runs first in the transaction of an Import, when not
	// empty.
	importSetup string
	// importAnalyze, when not empty, updates the planner's statistics
	// within an Import each time the rows it wrote have doubled (see
	// importer.flush), so that its lookups keep their indexes.
	importAnalyze string
}

// errClass is what a dialect can tell about an error.
type errClass int

const (
	errOther errClass = iota
	// errConstraint: a unique, primary key or foreign key violation.
	errConstraint
	// errUnavailable: the database cannot be reached or is busy; the
	// request may succeed later.
	errUnavailable
	// errRetry: the database aborted the transaction to break a deadlock or
	// a serialization conflict; running it again is expected to succeed.
	errRetry
)

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// sqliteDialect is the dialect of modernc.org/sqlite.
var sqliteDialect = &dialect{
	name:       "sqlite",
	migrations: mustSub(migrationFiles, "migrations/sqlite"),
	rebind:     func(q string) string { return q },
	// BEGIN IMMEDIATE (_txlock=immediate) has already taken the database's
	// write lock when the transaction starts, which serialises all writers.
	lockSuffix: "",
	classify:   classifySQLite,
	// BEGIN IMMEDIATE serialises the migrations of several processes, and
	// each migration checks that it has not been applied.
	migrationLock: "",
	importSetup:   "",
}

func classifySQLite(err error) errClass {
	if c := classifyCommon(err); c != errOther {
		return c
	}
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return errOther
	}
	switch e.Code() & 0xff { // the primary result code of an extended one
	case sqlite3.SQLITE_CONSTRAINT:
		switch e.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return errConstraint
		}
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN:
		// BUSY and LOCKED come after busy_timeout expired: another process
		// holds the database.
		return errUnavailable
	}
	return errOther
}

// classifyCommon recognises the errors of database/sql and of the network
// that mean the database cannot be reached, whatever the driver. A deadline
// that passed is one too: the database did not answer in time (see
// Options.StatementTimeout), or the caller gave up waiting for it.
func classifyCommon(err error) errClass {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, errClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, context.DeadlineExceeded) {
		return errUnavailable
	}
	return errOther
}
