package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// migration is one schema change: the file NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the dialect's migrations by ascending version.
func (d *dialect) loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(d.migrations, ".")
	if err != nil {
		return nil, fmt.Errorf("read %s migrations: %w", d.name, err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil || version <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", name)
		}
		text, err := fs.ReadFile(d.migrations, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		ms = append(ms, migration{version: version, name: name, sql: string(text)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s have the same version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// migrate brings the schema to the newest version, applying each missing
// migration in its own transaction and recording it in schema_migrations.
// It refuses a database whose version is newer than the newest migration:
// this binary would not know how to keep its invariants.
//
// Every transaction here starts with the dialect's migrationLock, so that
// several processes starting at the same moment on one database (replicas
// of the server) wait for each other and each migration is applied once.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := s.d.loadMigrations()
	if err != nil {
		return err
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].version
	}
	current, err := s.schemaVersion(ctx)
	if err != nil {
		return err
	}
	if current > latest {
		return fmt.Errorf("database schema version %d, this binary knows up to %d: %w; use a newer trafficmirror", current, latest, ErrSchemaTooNew)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		if err := s.applyMigration(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// schemaVersion creates schema_migrations if needed and returns the newest
// version recorded in it, 0 for a new database.
func (s *Store) schemaVersion(ctx context.Context) (current int, err error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.fail(err, "begin reading schema version")
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = s.lockMigrations(ctx, tx); err != nil {
		return 0, err
	}
	// CREATE TABLE IF NOT EXISTS is not safe against a concurrent one on
	// PostgreSQL; the lock makes it so.
	if _, err = tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    BIGINT PRIMARY KEY,
	name       TEXT   NOT NULL,
	applied_at BIGINT NOT NULL
)`); err != nil {
		return 0, s.fail(err, "create schema_migrations")
	}
	if err = tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return 0, s.fail(err, "read schema version")
	}
	if err = tx.Commit(); err != nil {
		return 0, s.fail(err, "commit reading schema version")
	}
	return current, nil
}

// lockMigrations runs the dialect's migrationLock in tx.
func (s *Store) lockMigrations(ctx context.Context, tx *sql.Tx) error {
	if s.d.migrationLock == "" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, s.d.migrationLock); err != nil {
		return s.fail(err, "lock migrations")
	}
	return nil
}

// applyMigration applies m unless another process did so first.
func (s *Store) applyMigration(ctx context.Context, m migration) (err error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(err, "begin migration %s", m.name)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = s.lockMigrations(ctx, tx); err != nil {
		return err
	}
	var one int
	err = tx.QueryRowContext(ctx, s.d.rebind(`SELECT 1 FROM schema_migrations WHERE version = ?`), m.version).Scan(&one)
	switch {
	case err == nil:
		return tx.Commit()
	case !errors.Is(err, sql.ErrNoRows):
		return s.fail(err, "check migration %s", m.name)
	}
	if _, err = tx.ExecContext(ctx, m.sql); err != nil {
		return s.fail(err, "apply migration %s", m.name)
	}
	if _, err = tx.ExecContext(ctx, s.d.rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
		m.version, m.name, s.timestamp()); err != nil {
		return s.fail(err, "record migration %s", m.name)
	}
	if err = tx.Commit(); err != nil {
		return s.fail(err, "commit migration %s", m.name)
	}
	return nil
}
