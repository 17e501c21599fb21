package sqlstore

import "context"

// ResourceCounts returns the number of sessions, filters and filter rules of
// all projects, keyed "sessions", "filters" and "rules". /metrics reads it
// at every scrape, so it reads the per-project counters instead of counting
// a million session rows.
func (s *Store) ResourceCounts(ctx context.Context) (map[string]int64, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var sessions, filters, rules int64
	// SUM of a BIGINT is numeric on PostgreSQL: cast back to an integer.
	err := s.reader.QueryRowContext(ctx, `SELECT
		CAST(COALESCE(SUM(session_count), 0) AS BIGINT),
		CAST(COALESCE(SUM(filter_count), 0) AS BIGINT),
		(SELECT COUNT(*) FROM filter_rules)
		FROM projects`).Scan(&sessions, &filters, &rules)
	if err != nil {
		return nil, s.fail(err, "count resources")
	}
	return map[string]int64{"sessions": sessions, "filters": filters, "rules": rules}, nil
}
