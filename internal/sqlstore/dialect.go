package sqlstore

import (
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
	// classify tells constraint violations and unreachable databases from
	// other errors.
	classify func(err error) errClass
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
// that mean the database cannot be reached, whatever the driver.
func classifyCommon(err error) errClass {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, errClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
		return errUnavailable
	}
	return errOther
}
