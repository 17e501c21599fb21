package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// maxInUseIDs bounds the session IDs named by a FilterInUse error.
const maxInUseIDs = 20

const filterColumns = `id, name, description, created_at, updated_at`

// scanFilter reads a row of filterColumns; the rules are empty.
func scanFilter(row interface{ Scan(...any) error }, projectID string) (mirror.Filter, error) {
	var (
		f                mirror.Filter
		created, updated int64
	)
	if err := row.Scan(&f.ID, &f.Name, &f.Description, &created, &updated); err != nil {
		return mirror.Filter{}, err
	}
	f.ProjectID = projectID
	f.Type = mirror.FilterTypeENI
	f.IngressRules, f.EgressRules = []mirror.FilterRule{}, []mirror.FilterRule{}
	f.CreatedAt, f.UpdatedAt = fromMillis(created), fromMillis(updated)
	return f, nil
}

const (
	sqlGetFilter          = `SELECT ` + filterColumns + ` FROM filters WHERE project_pk = ? AND id = ?`
	sqlGetFilterOfProject = `SELECT ` + filterColumns + ` FROM filters WHERE project_pk = ` + projectOfID + ` AND id = ?`
)

// getFilter loads one filter of the project with its rules.
func getFilter(ctx context.Context, r runner, p scope, projectID, id string) (mirror.Filter, error) {
	row := r.queryRow(ctx, p.pick(sqlGetFilter, sqlGetFilterOfProject), p.arg, id)
	f, err := scanFilter(row, projectID)
	if errors.Is(err, sql.ErrNoRows) {
		return mirror.Filter{}, mirror.FilterNotFound(id)
	}
	if err != nil {
		return mirror.Filter{}, fmt.Errorf("load filter %s: %w", id, err)
	}
	filters := []mirror.Filter{f}
	if err := loadRules(ctx, r, p, projectID, filters); err != nil {
		return mirror.Filter{}, err
	}
	return filters[0], nil
}

// loadRules fills in the rules of filters with one query.
func loadRules(ctx context.Context, r runner, p scope, projectID string, filters []mirror.Filter) error {
	if len(filters) == 0 {
		return nil
	}
	byID := make(map[string]*mirror.Filter, len(filters))
	ids := make([]any, len(filters))
	for i := range filters {
		byID[filters[i].ID] = &filters[i]
		ids[i] = filters[i].ID
	}
	// The unique key (project_pk, filter_id, direction, priority) gives
	// each filter's rules in the order of the response.
	rows, err := r.queryDynamic(ctx, rulesOfFiltersQuery(p, len(ids)), append([]any{p.arg}, ids...)...)
	if err != nil {
		return fmt.Errorf("load filter rules: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		rule, err := scanRule(rows, projectID)
		if err != nil {
			return fmt.Errorf("load filter rules: %w", err)
		}
		f := byID[rule.FilterID]
		if rule.Direction == mirror.DirectionIngress {
			f.IngressRules = append(f.IngressRules, rule)
		} else {
			f.EgressRules = append(f.EgressRules, rule)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load filter rules: %w", err)
	}
	return nil
}

// rulesOfFiltersQuery returns the statement that reads the rules of n
// filters of the project p.
func rulesOfFiltersQuery(p scope, n int) string {
	return `SELECT ` + ruleColumns + ` FROM filter_rules WHERE project_pk = ` + p.expr() +
		` AND filter_id IN (` + placeholders(n) + `) ORDER BY filter_id, direction, priority`
}

// GetFilter returns one filter with its rules.
func (s *Store) GetFilter(ctx context.Context, projectID, id string) (mirror.Filter, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var f mirror.Filter
	err := s.readTx(ctx, func(r runner) (err error) {
		f, err = getFilter(ctx, r, projectByID(projectID), projectID, id)
		return err
	})
	if err != nil {
		return mirror.Filter{}, s.fail(err, "get filter %s", id)
	}
	return f, nil
}

// filterListQuery returns the statement and arguments that read one page of
// filters (plus one row to tell whether more follow).
func filterListQuery(projectID string, q mirror.FilterQuery) (string, []any) {
	w := &where{}
	w.add("project_pk = "+projectOfID, projectID)
	in(w, "id", q.IDs)
	in(w, "name", q.Names)
	in(w, "description", q.Descriptions)
	if q.Marker != "" {
		w.add("id > ?", q.Marker)
	}
	query := `SELECT ` + filterColumns + ` FROM filters WHERE ` + w.String() + ` ORDER BY id LIMIT ?`
	return query, append(w.args, q.PageSize()+1)
}

// ListFilters returns one page of the project's filters matching q, each with
// its rules.
func (s *Store) ListFilters(ctx context.Context, projectID string, q mirror.FilterQuery) (mirror.Page[mirror.Filter], error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var p mirror.Page[mirror.Filter]
	err := s.readTx(ctx, func(r runner) error {
		query, args := filterListQuery(projectID, q)
		rows, err := r.queryDynamic(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var items []mirror.Filter
		for rows.Next() {
			f, err := scanFilter(rows, projectID)
			if err != nil {
				return err
			}
			items = append(items, f)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		p = page(items, q.PageSize())
		return loadRules(ctx, r, projectByID(projectID), projectID, p.Items)
	})
	if err != nil {
		return mirror.Page[mirror.Filter]{}, s.fail(err, "list filters")
	}
	return p, nil
}

// CreateFilter stores a new filter without rules.
func (s *Store) CreateFilter(ctx context.Context, f mirror.Filter) (mirror.Filter, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var out mirror.Filter
	err := s.inTx(ctx, f.ProjectID, func(ctx context.Context, t *tx) error {
		if exceeds(t.filters, s.limits.FiltersPerProject) {
			return mirror.FilterQuota()
		}
		now := s.timestamp()
		out = mirror.Filter{
			ID:           s.newID(),
			ProjectID:    f.ProjectID,
			Name:         f.Name,
			Description:  f.Description,
			Type:         mirror.FilterTypeENI,
			IngressRules: []mirror.FilterRule{},
			EgressRules:  []mirror.FilterRule{},
			CreatedAt:    fromMillis(now),
			UpdatedAt:    fromMillis(now),
		}
		_, err := t.exec(ctx, `INSERT INTO filters (project_pk, id, name, description, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?)`, t.pk, out.ID, out.Name, out.Description, now, now)
		if err != nil {
			return fmt.Errorf("insert filter: %w", err)
		}
		return t.addCount(ctx, "filter_count", 1)
	})
	if err != nil {
		return mirror.Filter{}, s.fail(err, "create filter")
	}
	return out, nil
}

// UpdateFilter applies u to a filter.
func (s *Store) UpdateFilter(ctx context.Context, projectID, id string, u mirror.FilterUpdate) (mirror.Filter, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var out mirror.Filter
	err := s.inTx(ctx, projectID, func(ctx context.Context, t *tx) error {
		cur, err := getFilter(ctx, t.runner, t.project, projectID, id)
		if err != nil {
			return err
		}
		next, err := mirror.ApplyFilterUpdate(cur, u)
		if err != nil {
			return err
		}
		now := s.timestamp()
		next.UpdatedAt = fromMillis(now)
		if _, err := t.exec(ctx, `UPDATE filters SET name = ?, description = ?, updated_at = ? WHERE project_pk = ? AND id = ?`,
			next.Name, next.Description, now, t.pk, id); err != nil {
			return fmt.Errorf("update filter %s: %w", id, err)
		}
		out = next
		return nil
	})
	if err != nil {
		return mirror.Filter{}, s.fail(err, "update filter %s", id)
	}
	return out, nil
}

// DeleteFilter deletes a filter and its rules.
func (s *Store) DeleteFilter(ctx context.Context, projectID, id string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	err := s.inTx(ctx, projectID, func(ctx context.Context, t *tx) error {
		if err := t.checkFilterExists(ctx, id); err != nil {
			return err
		}
		rows, err := t.query(ctx, sqlFilterUsers, t.pk, id, maxInUseIDs+1)
		if err != nil {
			return fmt.Errorf("look up sessions of filter %s: %w", id, err)
		}
		users, err := collectStrings(rows)
		if err != nil {
			return fmt.Errorf("look up sessions of filter %s: %w", id, err)
		}
		if len(users) > 0 {
			if len(users) > maxInUseIDs {
				users = append(users[:maxInUseIDs], "...")
			}
			return mirror.FilterInUse(id, users)
		}
		// The rules first, not left to the cascade: they must go whether or
		// not the database enforces foreign keys.
		if _, err := t.exec(ctx, `DELETE FROM filter_rules WHERE project_pk = ? AND filter_id = ?`, t.pk, id); err != nil {
			return fmt.Errorf("delete rules of filter %s: %w", id, err)
		}
		if _, err := t.exec(ctx, `DELETE FROM filters WHERE project_pk = ? AND id = ?`, t.pk, id); err != nil {
			// The foreign key of sessions: a session took the filter after
			// the check.
			return t.violation(err, mirror.FilterInUse(id, nil), "delete filter %s", id)
		}
		return t.addCount(ctx, "filter_count", -1)
	})
	if err != nil {
		return s.fail(err, "delete filter %s", id)
	}
	return nil
}

// collectStrings reads rows of one string and closes them.
func collectStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
