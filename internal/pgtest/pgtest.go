// Package pgtest gives each test a PostgreSQL database of its own: a fresh
// schema in the database named by the environment variable
// TRAFFICMIRROR_TEST_POSTGRES, dropped when the test ends, so that tests run
// in parallel and leave nothing behind. Without the variable the tests that
// need PostgreSQL skip, saying which variable to set.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// EnvVar names the environment variable that holds the DSN of the
// PostgreSQL database the tests may use, such as
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const EnvVar = "TRAFFICMIRROR_TEST_POSTGRES"

// BaseDSN returns the DSN of TRAFFICMIRROR_TEST_POSTGRES, or skips the test
// when the variable is not set.
func BaseDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvVar)
	if dsn == "" {
		t.Skipf("PostgreSQL tests skipped: set %s to a DSN such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable", EnvVar)
	}
	return dsn
}

// DSN creates a schema named tm_<random> in the database of
// TRAFFICMIRROR_TEST_POSTGRES and returns a DSN whose search_path is that
// schema; the schema and everything in it are dropped when the test and its
// subtests have finished (register DSN before anything that uses the schema,
// so that its cleanup runs last). It skips the test when the variable is not
// set.
func DSN(t testing.TB) string {
	t.Helper()
	base := BaseDSN(t)
	db := admin(t, base)
	var b [8]byte
	rand.Read(b[:])
	schema := "tm_" + hex.EncodeToString(b[:])
	if _, err := db.ExecContext(context.Background(), `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema %s in %s: %v", schema, EnvVar, err)
	}
	t.Cleanup(func() {
		// Not t.Context(): it is done when cleanups run.
		if _, err := db.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	dsn, err := WithSearchPath(base, schema)
	if err != nil {
		t.Fatalf("%s: %v", EnvVar, err)
	}
	return dsn
}

// WithSearchPath returns dsn, a PostgreSQL URL or keyword/value string, with
// its search_path set to schema.
func WithSearchPath(dsn, schema string) (string, error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " search_path=" + schema, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

var (
	adminMu  sync.Mutex
	adminDBs = make(map[string]*sql.DB)
)

// admin returns the pool, shared by the tests of the process, that creates
// and drops schemas in the database of dsn. It stays open until the process
// exits.
func admin(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	adminMu.Lock()
	defer adminMu.Unlock()
	if db, ok := adminDBs[dsn]; ok {
		return db
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("%s: %v", EnvVar, err)
	}
	db.SetMaxOpenConns(4)
	if err := db.PingContext(context.Background()); err != nil {
		db.Close()
		t.Fatalf("%s: connect: %v", EnvVar, err)
	}
	adminDBs[dsn] = db
	return db
}
