package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

const sessionColumns = `id, name, description, filter_id, sources, target_id, target_type,
	virtual_network_id, packet_length, priority, enabled, type, created_at, updated_at`

// sessionScanner reads rows of sessionColumns. Its destinations are
// allocated once for all the rows of a query: passed to Scan through an
// interface, they would otherwise escape to the heap at every row.
type sessionScanner struct {
	s                     mirror.Session
	sources               string
	created, updated      int64
	vni, length, priority int64
	dest                  []any
}

func newSessionScanner() *sessionScanner {
	sc := &sessionScanner{}
	s := &sc.s
	sc.dest = []any{&s.ID, &s.Name, &s.Description, &s.FilterID, &sc.sources, &s.TargetID, &s.TargetType,
		&sc.vni, &sc.length, &sc.priority, &s.Enabled, &s.Type, &sc.created, &sc.updated}
	return sc
}

// scan reads one row.
func (sc *sessionScanner) scan(row interface{ Scan(...any) error }, projectID string) (mirror.Session, error) {
	if err := row.Scan(sc.dest...); err != nil {
		return mirror.Session{}, err
	}
	s := sc.s
	var err error
	if s.Sources, err = decodeSources(sc.sources); err != nil {
		return mirror.Session{}, fmt.Errorf("session %s: decode sources: %w", s.ID, err)
	}
	s.ProjectID = projectID
	s.VirtualNetworkID, s.PacketLength, s.Priority = int(sc.vni), int(sc.length), int(sc.priority)
	s.CreatedAt, s.UpdatedAt = fromMillis(sc.created), fromMillis(sc.updated)
	return s, nil
}

// scanSession reads a row of sessionColumns.
func scanSession(row interface{ Scan(...any) error }, projectID string) (mirror.Session, error) {
	return newSessionScanner().scan(row, projectID)
}

const (
	sqlGetSession          = `SELECT ` + sessionColumns + ` FROM sessions WHERE project_pk = ? AND id = ?`
	sqlGetSessionOfProject = `SELECT ` + sessionColumns + ` FROM sessions WHERE project_pk = ` + projectOfID + ` AND id = ?`
)

// getSession loads one session of the project.
func getSession(ctx context.Context, r runner, p scope, projectID, id string) (mirror.Session, error) {
	row := r.queryRow(ctx, p.pick(sqlGetSession, sqlGetSessionOfProject), p.arg, id)
	s, err := scanSession(row, projectID)
	if errors.Is(err, sql.ErrNoRows) {
		return mirror.Session{}, mirror.SessionNotFound(id)
	}
	if err != nil {
		return mirror.Session{}, fmt.Errorf("load session %s: %w", id, err)
	}
	return s, nil
}

// GetSession returns one session.
func (s *Store) GetSession(ctx context.Context, projectID, id string) (mirror.Session, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if s.closed.Load() {
		return mirror.Session{}, mirror.Unavailable(errClosed)
	}
	sess, err := getSession(ctx, s.readRunner(), projectByID(projectID), projectID, id)
	if err != nil {
		return mirror.Session{}, s.fail(err, "get session %s", id)
	}
	return sess, nil
}

// sessionListQuery returns the statement and arguments that read one page of
// sessions (plus one row to tell whether more follow).
func sessionListQuery(projectID string, q mirror.SessionQuery) (string, []any) {
	w := &where{}
	w.add("project_pk = "+projectOfID, projectID)
	in(w, "id", q.IDs)
	in(w, "name", q.Names)
	in(w, "description", q.Descriptions)
	in(w, "filter_id", q.FilterIDs)
	if len(q.TargetIDs) > 0 {
		// The index on lower(target_id) finds the candidates; the
		// comparison itself is exact.
		in(w, "lower(target_id)", lower(q.TargetIDs))
		in(w, "target_id", q.TargetIDs)
	}
	in(w, "target_type", lower(q.TargetTypes))
	in(w, "type", lower(q.Types))
	in(w, "virtual_network_id", q.VirtualNetworkIDs)
	in(w, "packet_length", q.PacketLengths)
	in(w, "priority", q.Priorities)
	if q.Enabled != nil {
		w.add("enabled = ?", *q.Enabled)
	}
	if q.Marker != "" {
		w.add("id > ?", q.Marker)
	}
	query := `SELECT ` + sessionColumns + ` FROM sessions WHERE ` + w.String() + ` ORDER BY id LIMIT ?`
	return query, append(w.args, q.PageSize()+1)
}

// ListSessions returns one page of the project's sessions matching q.
func (s *Store) ListSessions(ctx context.Context, projectID string, q mirror.SessionQuery) (mirror.Page[mirror.Session], error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if q.MatchNone {
		return page[mirror.Session](nil, 0), nil
	}
	if s.closed.Load() {
		return mirror.Page[mirror.Session]{}, mirror.Unavailable(errClosed)
	}
	query, args := sessionListQuery(projectID, q)
	rows, err := s.readRunner().queryDynamic(ctx, query, args...)
	if err != nil {
		return mirror.Page[mirror.Session]{}, s.fail(err, "list sessions")
	}
	defer rows.Close()
	// Small, for the lists by a unique name; a page of 100 grows 4 times.
	items := make([]mirror.Session, 0, min(q.PageSize()+1, 8))
	sc := newSessionScanner()
	for rows.Next() {
		sess, err := sc.scan(rows, projectID)
		if err != nil {
			return mirror.Page[mirror.Session]{}, s.fail(err, "list sessions")
		}
		items = append(items, sess)
	}
	if err := rows.Err(); err != nil {
		return mirror.Page[mirror.Session]{}, s.fail(err, "list sessions")
	}
	return page(items, q.PageSize()), nil
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, sess mirror.Session) (mirror.Session, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var out mirror.Session
	err := s.inTx(ctx, sess.ProjectID, func(ctx context.Context, t *tx) error {
		if err := t.checkFilterExists(ctx, sess.FilterID); err != nil {
			return err
		}
		if err := sess.CheckCombination(); err != nil {
			return err
		}
		if exceeds(t.sessions, s.limits.SessionsPerProject) {
			return mirror.SessionQuota()
		}
		if err := t.checkSourcesNotTargets(ctx, "", sess.Sources); err != nil {
			return err
		}
		if err := t.checkTargetNotSource(ctx, "", sess.TargetID); err != nil {
			return err
		}
		if err := t.checkSessionsPerSource(ctx, sess.Sources, s.limits.SessionsPerSource); err != nil {
			return err
		}
		if err := t.checkPriority(ctx, "", sess.Sources, sess.Priority); err != nil {
			return err
		}

		now := s.timestamp()
		out = sess
		out.ID = s.newID()
		out.Sources = slices.Clone(sess.Sources)
		if out.Sources == nil {
			out.Sources = []string{}
		}
		out.CreatedAt, out.UpdatedAt = fromMillis(now), fromMillis(now)
		_, err := t.exec(ctx, `INSERT INTO sessions (project_pk, id, name, description, filter_id, sources,
	target_id, target_type, virtual_network_id, packet_length, priority, enabled, type,
	created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.pk, out.ID, out.Name, out.Description, out.FilterID, encodeSources(out.Sources),
			out.TargetID, out.TargetType, out.VirtualNetworkID, out.PacketLength,
			out.Priority, out.Enabled, out.Type, now, now)
		if err != nil {
			// The foreign key: the filter was deleted after the check.
			return t.violation(err, mirror.FilterNotFound(out.FilterID), "insert session")
		}
		if err := t.insertSources(ctx, out.ID, out.Priority, out.Sources); err != nil {
			return err
		}
		return t.addCount(ctx, "session_count", 1)
	})
	if err != nil {
		return mirror.Session{}, s.fail(err, "create session")
	}
	return out, nil
}

// UpdateSession applies u to a session.
func (s *Store) UpdateSession(ctx context.Context, projectID, id string, u mirror.SessionUpdate) (mirror.Session, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var out mirror.Session
	err := s.inTx(ctx, projectID, func(ctx context.Context, t *tx) error {
		cur, err := getSession(ctx, t.runner, t.project, projectID, id)
		if err != nil {
			return err
		}
		if u.FilterID != nil && *u.FilterID != cur.FilterID {
			if err := t.checkFilterExists(ctx, *u.FilterID); err != nil {
				return err
			}
		}
		next, err := mirror.ApplySessionUpdate(cur, u)
		if err != nil {
			return err
		}
		if err := t.checkTargetNotSource(ctx, id, next.TargetID); err != nil {
			return err
		}
		if err := t.checkPriority(ctx, id, next.Sources, next.Priority); err != nil {
			return err
		}

		now := s.timestamp()
		next.UpdatedAt = fromMillis(now)
		_, err = t.exec(ctx, `UPDATE sessions SET name = ?, description = ?, filter_id = ?, target_id = ?,
	target_type = ?, virtual_network_id = ?, packet_length = ?, priority = ?, enabled = ?,
	updated_at = ? WHERE project_pk = ? AND id = ?`,
			next.Name, next.Description, next.FilterID, next.TargetID,
			next.TargetType, next.VirtualNetworkID, next.PacketLength, next.Priority, next.Enabled,
			now, t.pk, id)
		if err != nil {
			return t.violation(err, mirror.FilterNotFound(next.FilterID), "update session %s", id)
		}
		if next.Priority != cur.Priority && len(next.Sources) > 0 {
			keys := lower(next.Sources)
			_, err := t.execDynamic(ctx, `UPDATE session_sources SET priority = ? WHERE project_pk = ? AND priority = ? AND session_id = ? AND source_key IN (`+
				placeholders(len(keys))+`)`, append([]any{next.Priority, t.pk, cur.Priority, id}, anys(keys)...)...)
			if err != nil {
				return t.violation(err, mirror.SessionPriorityConflict(next.Priority, "(another)", next.Sources[0]),
					"update priority of session %s", id)
			}
		}
		out = next
		return nil
	})
	if err != nil {
		return mirror.Session{}, s.fail(err, "update session %s", id)
	}
	return out, nil
}

// DeleteSession deletes a session.
func (s *Store) DeleteSession(ctx context.Context, projectID, id string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	err := s.inTx(ctx, projectID, func(ctx context.Context, t *tx) error {
		var (
			stored   string
			priority int
		)
		err := t.queryRow(ctx, `DELETE FROM sessions WHERE project_pk = ? AND id = ? RETURNING sources, priority`, t.pk, id).
			Scan(&stored, &priority)
		if errors.Is(err, sql.ErrNoRows) {
			return mirror.SessionNotFound(id)
		}
		if err != nil {
			return fmt.Errorf("delete session %s: %w", id, err)
		}
		sources, err := decodeSources(stored)
		if err != nil {
			return fmt.Errorf("delete session %s: decode sources: %w", id, err)
		}
		if err := t.deleteSources(ctx, id, priority, sources); err != nil {
			return err
		}
		return t.addCount(ctx, "session_count", -1)
	})
	if err != nil {
		return s.fail(err, "delete session %s", id)
	}
	return nil
}

// AddSessionSources appends sources to a session.
func (s *Store) AddSessionSources(ctx context.Context, projectID, id string, sources []string) (mirror.Session, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var out mirror.Session
	err := s.inTx(ctx, projectID, func(ctx context.Context, t *tx) error {
		cur, err := getSession(ctx, t.runner, t.project, projectID, id)
		if err != nil {
			return err
		}
		next := cur
		next.Sources = slices.Clone(cur.Sources)
		for _, src := range sources {
			// Also refuses an ID listed twice in the request.
			if slices.ContainsFunc(next.Sources, func(x string) bool { return strings.EqualFold(x, src) }) {
				return mirror.SourceAlreadyAssociated(src, id)
			}
			next.Sources = append(next.Sources, src)
		}
		if err := next.CheckCombination(); err != nil {
			return err
		}
		if err := t.checkSourcesNotTargets(ctx, id, sources); err != nil {
			return err
		}
		if limit := s.limits.SourcesPerSession; limit > 0 && len(next.Sources) > limit {
			return mirror.SourcesPerSessionQuota(limit)
		}
		if err := t.checkSessionsPerSource(ctx, sources, s.limits.SessionsPerSource); err != nil {
			return err
		}
		if err := t.checkPriority(ctx, id, sources, cur.Priority); err != nil {
			return err
		}

		now := s.timestamp()
		next.UpdatedAt = fromMillis(now)
		if err := t.updateSources(ctx, id, next.Sources, now); err != nil {
			return err
		}
		if err := t.insertSources(ctx, id, cur.Priority, sources); err != nil {
			return err
		}
		out = next
		return nil
	})
	if err != nil {
		return mirror.Session{}, s.fail(err, "add sources to session %s", id)
	}
	return out, nil
}

// RemoveSessionSources removes sources from a session.
func (s *Store) RemoveSessionSources(ctx context.Context, projectID, id string, sources []string) (mirror.Session, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var out mirror.Session
	err := s.inTx(ctx, projectID, func(ctx context.Context, t *tx) error {
		cur, err := getSession(ctx, t.runner, t.project, projectID, id)
		if err != nil {
			return err
		}
		remove := make(map[string]bool, len(sources))
		for _, src := range sources {
			if !slices.ContainsFunc(cur.Sources, func(x string) bool { return strings.EqualFold(x, src) }) {
				return mirror.SourceNotAssociated(src, id)
			}
			remove[strings.ToLower(src)] = true
		}
		next := cur
		next.Sources = []string{}
		for _, src := range cur.Sources {
			if !remove[strings.ToLower(src)] {
				next.Sources = append(next.Sources, src)
			}
		}

		now := s.timestamp()
		next.UpdatedAt = fromMillis(now)
		if err := t.updateSources(ctx, id, next.Sources, now); err != nil {
			return err
		}
		if err := t.deleteSources(ctx, id, cur.Priority, sources); err != nil {
			return err
		}
		out = next
		return nil
	})
	if err != nil {
		return mirror.Session{}, s.fail(err, "remove sources from session %s", id)
	}
	return out, nil
}

// updateSources stores the ordered sources of a session and its new
// updated_at.
func (t *tx) updateSources(ctx context.Context, id string, sources []string, now int64) error {
	_, err := t.exec(ctx, `UPDATE sessions SET sources = ?, updated_at = ? WHERE project_pk = ? AND id = ?`,
		encodeSources(sources), now, t.pk, id)
	if err != nil {
		return fmt.Errorf("update sources of session %s: %w", id, err)
	}
	return nil
}

// insertSources adds the rows of session_sources for sources of a session
// of the given priority.
func (t *tx) insertSources(ctx context.Context, id string, priority int, sources []string) error {
	for _, src := range sources {
		_, err := t.exec(ctx, `INSERT INTO session_sources (project_pk, source_key, priority, session_id)
	VALUES (?, ?, ?, ?)`, t.pk, strings.ToLower(src), priority, id)
		if err != nil {
			// The primary key (source, priority), rule S11; a session that
			// would hold a source twice breaks it too, and the checks
			// refuse that first.
			return t.violation(err, mirror.SessionPriorityConflict(priority, "(another)", src), "insert source %s of session %s", src, id)
		}
	}
	return nil
}

// deleteSources deletes the rows of session_sources of sources of a session
// of the given priority: their primary keys, as sessions.sources and
// sessions.priority give them.
func (t *tx) deleteSources(ctx context.Context, id string, priority int, sources []string) error {
	if len(sources) == 0 {
		return nil
	}
	keys := lower(sources)
	_, err := t.execDynamic(ctx, `DELETE FROM session_sources WHERE project_pk = ? AND priority = ? AND session_id = ? AND source_key IN (`+
		placeholders(len(keys))+`)`, append([]any{t.pk, priority, id}, anys(keys)...)...)
	if err != nil {
		return fmt.Errorf("delete sources of session %s: %w", id, err)
	}
	return nil
}

// The statements of the checks that span sessions; %s stands for the
// placeholders of a list of lower-case source keys (in sqlTargetsOf, the
// rows of a VALUES list). They are named so that the tests can check their
// query plans.
//
// sqlTargetsOf finds, for each source key, the first session other than
// the one given whose target it is (NULL if none), with one MIN per key: an
// index probe whatever the planner estimates. As an IN list, PostgreSQL
// costed it by the average number of sessions per target (hundreds, with
// few shared targets), and for the hundreds of sources of an import batch
// read the whole table. VALUES names its column column1 in both dialects.
const (
	sqlTargetsOf = `SELECT v.column1, (SELECT MIN(s.id) FROM sessions s
	WHERE s.project_pk = ? AND s.id <> ? AND lower(s.target_id) = v.column1) FROM (VALUES %s) AS v`
	sqlSourceHolder    = `SELECT MIN(session_id) FROM session_sources WHERE project_pk = ? AND source_key = ? AND session_id <> ?`
	sqlSourceCounts    = `SELECT source_key, COUNT(*) FROM session_sources WHERE project_pk = ? AND source_key IN (%s) GROUP BY source_key`
	sqlPriorityHolders = `SELECT source_key, MIN(session_id) FROM session_sources WHERE project_pk = ? AND priority = ? AND session_id <> ? AND source_key IN (%s) GROUP BY source_key`
	sqlFilterUsers     = `SELECT id FROM sessions WHERE project_pk = ? AND filter_id = ? ORDER BY id LIMIT ?`
)

// checkFilterExists returns FilterNotFound unless the project has the
// filter.
func (t *tx) checkFilterExists(ctx context.Context, filterID string) error {
	var one int
	err := t.queryRow(ctx, `SELECT 1 FROM filters WHERE project_pk = ? AND id = ?`, t.pk, filterID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return mirror.FilterNotFound(filterID)
	}
	if err != nil {
		return fmt.Errorf("look up filter %s: %w", filterID, err)
	}
	return nil
}

// checkSourcesNotTargets returns RoleConflict for the first of sources that
// is the target of a session other than self (rule S9).
func (t *tx) checkSourcesNotTargets(ctx context.Context, self string, sources []string) error {
	if len(sources) == 0 {
		return nil
	}
	keys := lower(sources)
	rows, err := t.queryDynamic(ctx, fmt.Sprintf(sqlTargetsOf, valuesList(1, len(keys))), append([]any{t.pk, self}, anys(keys)...)...)
	if err != nil {
		return fmt.Errorf("look up targets: %w", err)
	}
	targetOf, err := collectFoundPairs(rows)
	if err != nil {
		return fmt.Errorf("look up targets: %w", err)
	}
	for i, src := range sources {
		if sid, ok := targetOf[keys[i]]; ok {
			return mirror.RoleConflict(src, mirror.RoleTarget, sid)
		}
	}
	return nil
}

// checkTargetNotSource returns RoleConflict when target is a source of a
// session other than self (rule S9).
func (t *tx) checkTargetNotSource(ctx context.Context, self, target string) error {
	var sid sql.NullString
	if err := t.queryRow(ctx, sqlSourceHolder, t.pk, strings.ToLower(target), self).Scan(&sid); err != nil {
		return fmt.Errorf("look up sources: %w", err)
	}
	if sid.Valid {
		return mirror.RoleConflict(target, mirror.RoleSource, sid.String)
	}
	return nil
}

// checkSessionsPerSource returns SessionsPerSourceQuota for the first of
// sources that is already in limit sessions (rule S10). The sources are not
// yet sources of the session they are added to.
func (t *tx) checkSessionsPerSource(ctx context.Context, sources []string, limit int) error {
	if len(sources) == 0 || limit <= 0 {
		return nil
	}
	keys := lower(sources)
	rows, err := t.queryDynamic(ctx, fmt.Sprintf(sqlSourceCounts, placeholders(len(keys))), append([]any{t.pk}, anys(keys)...)...)
	if err != nil {
		return fmt.Errorf("count sessions per source: %w", err)
	}
	defer rows.Close()
	counts := make(map[string]int)
	for rows.Next() {
		var key string
		var n int
		if err := rows.Scan(&key, &n); err != nil {
			return fmt.Errorf("count sessions per source: %w", err)
		}
		counts[key] = n
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("count sessions per source: %w", err)
	}
	for i, src := range sources {
		if exceeds(counts[keys[i]], limit) {
			return mirror.SessionsPerSourceQuota(src, limit)
		}
	}
	return nil
}

// checkPriority returns SessionPriorityConflict for the first of sources
// that a session other than self shares with the given priority (rule S11).
func (t *tx) checkPriority(ctx context.Context, self string, sources []string, priority int) error {
	if len(sources) == 0 {
		return nil
	}
	keys := lower(sources)
	rows, err := t.queryDynamic(ctx, fmt.Sprintf(sqlPriorityHolders, placeholders(len(keys))), append([]any{t.pk, priority, self}, anys(keys)...)...)
	if err != nil {
		return fmt.Errorf("look up priorities: %w", err)
	}
	holder, err := collectPairs(rows)
	if err != nil {
		return fmt.Errorf("look up priorities: %w", err)
	}
	for i, src := range sources {
		if sid, ok := holder[keys[i]]; ok {
			return mirror.SessionPriorityConflict(priority, sid, src)
		}
	}
	return nil
}

// collectPairs reads rows of two strings into a map and closes them.
func collectPairs(rows *sql.Rows) (map[string]string, error) {
	defer rows.Close()
	m := make(map[string]string)
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		m[k] = v
	}
	return m, rows.Err()
}

// collectFoundPairs returns the pairs of rows whose second column is not
// NULL, and closes rows.
func collectFoundPairs(rows *sql.Rows) (map[string]string, error) {
	defer rows.Close()
	m := make(map[string]string)
	for rows.Next() {
		var k string
		var v sql.NullString
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		if v.Valid {
			m[k] = v.String
		}
	}
	return m, rows.Err()
}

// anys returns values as arguments of a statement.
func anys[T any](values []T) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}
