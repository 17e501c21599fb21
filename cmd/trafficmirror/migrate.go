package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/trafficmirror/trafficmirror/internal/sqlstore"
)

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c := newBulkCommand("migrate", "trafficmirror migrate --from DSN --to DSN [flags]",
		`  trafficmirror migrate --from sqlite:./trafficmirror.db --to 'postgres://tm@db.internal:5432/trafficmirror?sslmode=require'

Copies every filter, filter rule and session of every project, with IDs and
timestamps, from one database to another (SQLite or PostgreSQL, either way),
creating the target's tables if needed. The copy is one transaction: stopped
or failed, it leaves the target as it was, and running it again is safe. The
target must hold no resources unless --allow-non-empty (IDs that exist are
refused all the same); give the limits the servers run with. At the end, the
resources of the target are counted and checksummed against the source's.
Stop the servers that write to the source first.`, stdout, stderr)
	from := c.fs.String("from", "", "database to copy from: a SQLite file path, sqlite:PATH, or a PostgreSQL URL")
	to := c.fs.String("to", "", "database to copy to, created if needed")
	allowNonEmpty := c.fs.Bool("allow-non-empty", false, "add to a target that already holds resources (IDs that exist are still refused)")
	limits := limitFlags(c.fs)
	if ok, err := c.parse(args, getenv); !ok {
		return err
	}
	if *from == "" || *to == "" {
		fmt.Fprintln(stderr, "migrate needs --from and --to")
		c.fs.Usage()
		return errUsage
	}
	if err := checkLimits(*limits); err != nil {
		return err
	}
	if sameDatabase(*from, *to) {
		return fmt.Errorf("--from and --to name the same database %s", sqlstore.Redact(*from))
	}
	fromName, toName := sqlstore.Redact(*from), sqlstore.Redact(*to)

	source, err := sqlstore.Open(ctx, *from, sqlstore.Options{MustExist: true})
	if err != nil {
		return fmt.Errorf("open source %s: %w", fromName, err)
	}
	defer source.Close()
	target, err := sqlstore.Open(ctx, *to, sqlstore.Options{Limits: *limits})
	if err != nil {
		return fmt.Errorf("open target %s: %w", toName, err)
	}
	defer target.Close()

	// What the target held before, so that the check at the end knows
	// what to expect; without --allow-non-empty the import makes sure it
	// was nothing.
	var before tally
	if *allowNonEmpty {
		if before, err = tallyOf(ctx, target, newProgress(stderr, "reading target", c.quiet)); err != nil {
			return fmt.Errorf("read target %s: %w", toName, err)
		}
	}

	copied, src, err := copyStore(ctx, source, target, *allowNonEmpty, newProgress(stderr, "copying", c.quiet))
	if err != nil {
		return fmt.Errorf("migrate %s to %s: %w%s", fromName, toName, err, importHint(ctx, err, "--allow-non-empty"))
	}
	after, err := tallyOf(ctx, target, newProgress(stderr, "verifying", c.quiet))
	if err != nil {
		return fmt.Errorf("verify target %s: %w", toName, err)
	}

	fmt.Fprintf(stdout, "Copied %s from %s to %s.\n", describeCounts(copied), fromName, toName)
	fmt.Fprintf(stdout, "  source:        %s\n", src)
	want := src
	if *allowNonEmpty {
		fmt.Fprintf(stdout, "  target before: %s\n", before)
		want = before.plus(src)
	}
	fmt.Fprintf(stdout, "  target:        %s\n", after)
	if after != want || copied != src.counts {
		return fmt.Errorf("verification failed: the target does not hold exactly what it held before plus the source's resources (expected %s); "+
			"the copy was committed: was another process writing to the target?", want)
	}
	fmt.Fprintln(stdout, "Verified: counts and checksum match.")
	return nil
}

// copyStore copies everything source holds into target, in one transaction
// of the target, and returns the counts stored and the tally of the source.
// It reads the source and writes the target at the same time.
func copyStore(ctx context.Context, source, target *sqlstore.Store, allowNonEmpty bool, p *progress) (sqlstore.SnapshotCounts, tally, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		src       tally
		exportErr error
		items     = make(chan sqlstore.SnapshotItem, 256)
	)
	go func() {
		defer close(items)
		exportErr = source.Export(ctx, func(c sqlstore.SnapshotCounts) error {
			p.setTotal(c.Total())
			return nil
		}, func(item sqlstore.SnapshotItem) error {
			if _, err := src.add(item); err != nil {
				return err
			}
			select {
			case items <- item:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	counts, err := target.Import(ctx, func() (sqlstore.SnapshotItem, bool, error) {
		item, ok := <-items
		if !ok {
			// Closed after exportErr was set.
			return sqlstore.SnapshotItem{}, false, exportErr
		}
		p.add(1)
		return item, true, nil
	}, sqlstore.ImportOptions{AllowNonEmpty: allowNonEmpty})
	p.finish()
	if err != nil {
		cancel()
		for range items {
			// Until the export has stopped.
		}
		if exportErr != nil && !errors.Is(exportErr, context.Canceled) {
			err = fmt.Errorf("%w (reading the source: %v)", err, exportErr)
		}
		return sqlstore.SnapshotCounts{}, tally{}, err
	}
	return counts, src, nil
}

// sameDatabase reports whether two DSNs name the same database, as far as
// can be told: the same PostgreSQL URL, or the same SQLite file.
func sameDatabase(a, b string) bool {
	isPG := func(dsn string) bool {
		return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
	}
	if isPG(a) || isPG(b) {
		return strings.Replace(a, "postgresql://", "postgres://", 1) == strings.Replace(b, "postgresql://", "postgres://", 1)
	}
	path := func(dsn string) string {
		p := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
		return p
	}
	pa, pb := path(a), path(b)
	if pa == pb {
		return true
	}
	fa, errA := os.Stat(pa)
	fb, errB := os.Stat(pb)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}
