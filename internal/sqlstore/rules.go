package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

const ruleColumns = `id, filter_id, direction, description, source_cidr, destination_cidr,
	source_port_range, destination_port_range, ethertype, protocol, action, priority, created_at, updated_at`

// The statements of the rule checks, named so that the tests can check
// their query plans.
const (
	sqlRuleCount    = `SELECT COUNT(*) FROM filter_rules WHERE project_pk = ? AND filter_id = ? AND direction = ?`
	sqlRulePriority = `SELECT 1 FROM filter_rules WHERE project_pk = ? AND filter_id = ? AND direction = ? AND priority = ? AND id <> ?`
)

// scanRule reads a row of ruleColumns.
func scanRule(row interface{ Scan(...any) error }, projectID string) (mirror.FilterRule, error) {
	var (
		r                mirror.FilterRule
		priority         int64
		created, updated int64
	)
	err := row.Scan(&r.ID, &r.FilterID, &r.Direction, &r.Description, &r.SourceCIDR, &r.DestinationCIDR,
		&r.SourcePortRange, &r.DestinationPortRange, &r.Ethertype, &r.Protocol, &r.Action, &priority, &created, &updated)
	if err != nil {
		return mirror.FilterRule{}, err
	}
	r.ProjectID = projectID
	r.Priority = int(priority)
	r.CreatedAt, r.UpdatedAt = fromMillis(created), fromMillis(updated)
	return r, nil
}

const (
	sqlGetRule          = `SELECT ` + ruleColumns + ` FROM filter_rules WHERE project_pk = ? AND id = ?`
	sqlGetRuleOfProject = `SELECT ` + ruleColumns + ` FROM filter_rules WHERE project_pk = ` + projectOfID + ` AND id = ?`
)

// getRule loads one rule of the project.
func getRule(ctx context.Context, r runner, p scope, projectID, id string) (mirror.FilterRule, error) {
	row := r.queryRow(ctx, p.pick(sqlGetRule, sqlGetRuleOfProject), p.arg, id)
	rule, err := scanRule(row, projectID)
	if errors.Is(err, sql.ErrNoRows) {
		return mirror.FilterRule{}, mirror.RuleNotFound(id)
	}
	if err != nil {
		return mirror.FilterRule{}, fmt.Errorf("load filter rule %s: %w", id, err)
	}
	return rule, nil
}

// GetFilterRule returns one rule.
func (s *Store) GetFilterRule(ctx context.Context, projectID, id string) (mirror.FilterRule, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if s.closed.Load() {
		return mirror.FilterRule{}, mirror.Unavailable(errClosed)
	}
	rule, err := getRule(ctx, s.readRunner(), projectByID(projectID), projectID, id)
	if err != nil {
		return mirror.FilterRule{}, s.fail(err, "get filter rule %s", id)
	}
	return rule, nil
}

// ruleListQuery returns the statement and arguments that read one page of
// rules (plus one row to tell whether more follow).
func ruleListQuery(projectID string, q mirror.FilterRuleQuery) (string, []any) {
	w := &where{}
	w.add("project_pk = "+projectOfID, projectID)
	in(w, "id", q.IDs)
	in(w, "description", q.Descriptions)
	in(w, "filter_id", q.FilterIDs)
	in(w, "direction", lower(q.Directions))
	// The protocol is stored in the client's letter case.
	in(w, "lower(protocol)", lower(q.Protocols))
	in(w, "action", lower(q.Actions))
	in(w, "source_cidr", q.SourceCIDRs)
	in(w, "destination_cidr", q.DestinationCIDRs)
	in(w, "source_port_range", q.SourcePortRanges)
	in(w, "destination_port_range", q.DestinationPortRanges)
	in(w, "priority", q.Priorities)
	if q.Marker != "" {
		w.add("id > ?", q.Marker)
	}
	query := `SELECT ` + ruleColumns + ` FROM filter_rules WHERE ` + w.String() + ` ORDER BY id LIMIT ?`
	return query, append(w.args, q.PageSize()+1)
}

// ListFilterRules returns one page of the project's rules matching q.
func (s *Store) ListFilterRules(ctx context.Context, projectID string, q mirror.FilterRuleQuery) (mirror.Page[mirror.FilterRule], error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if q.MatchNone {
		return page[mirror.FilterRule](nil, 0), nil
	}
	if s.closed.Load() {
		return mirror.Page[mirror.FilterRule]{}, mirror.Unavailable(errClosed)
	}
	query, args := ruleListQuery(projectID, q)
	rows, err := s.readRunner().queryDynamic(ctx, query, args...)
	if err != nil {
		return mirror.Page[mirror.FilterRule]{}, s.fail(err, "list filter rules")
	}
	defer rows.Close()
	var items []mirror.FilterRule
	for rows.Next() {
		rule, err := scanRule(rows, projectID)
		if err != nil {
			return mirror.Page[mirror.FilterRule]{}, s.fail(err, "list filter rules")
		}
		items = append(items, rule)
	}
	if err := rows.Err(); err != nil {
		return mirror.Page[mirror.FilterRule]{}, s.fail(err, "list filter rules")
	}
	return page(items, q.PageSize()), nil
}

// CreateFilterRule stores a new rule.
func (s *Store) CreateFilterRule(ctx context.Context, r mirror.FilterRule) (mirror.FilterRule, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var out mirror.FilterRule
	err := s.inTx(ctx, r.ProjectID, func(ctx context.Context, t *tx) error {
		if err := t.checkFilterExists(ctx, r.FilterID); err != nil {
			return err
		}
		if err := r.CheckCombination(); err != nil {
			return err
		}
		var count int
		if err := t.queryRow(ctx, sqlRuleCount, t.pk, r.FilterID, r.Direction).Scan(&count); err != nil {
			return fmt.Errorf("count rules of filter %s: %w", r.FilterID, err)
		}
		if exceeds(count, s.limits.RulesPerFilterDirection) {
			return mirror.RuleQuota(s.limits.RulesPerFilterDirection, r.Direction)
		}
		if err := t.checkRulePriority(ctx, "", r); err != nil {
			return err
		}
		now := s.timestamp()
		out = r
		out.ID = s.newID()
		out.CreatedAt, out.UpdatedAt = fromMillis(now), fromMillis(now)
		_, err := t.exec(ctx, `INSERT INTO filter_rules (project_pk, id, filter_id, direction, description,
	source_cidr, destination_cidr, source_port_range, destination_port_range, ethertype, protocol, action,
	priority, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.pk, out.ID, out.FilterID, out.Direction, out.Description, out.SourceCIDR, out.DestinationCIDR,
			out.SourcePortRange, out.DestinationPortRange, out.Ethertype, out.Protocol, out.Action,
			out.Priority, now, now)
		if err != nil {
			return t.violation(err, mirror.RulePriorityExists(out.Priority, out.Direction, out.FilterID), "insert filter rule")
		}
		return nil
	})
	if err != nil {
		return mirror.FilterRule{}, s.fail(err, "create filter rule")
	}
	return out, nil
}

// UpdateFilterRule applies u to a rule. The filter's updated_at stays.
func (s *Store) UpdateFilterRule(ctx context.Context, projectID, id string, u mirror.FilterRuleUpdate) (mirror.FilterRule, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var out mirror.FilterRule
	err := s.inTx(ctx, projectID, func(ctx context.Context, t *tx) error {
		cur, err := getRule(ctx, t.runner, t.project, projectID, id)
		if err != nil {
			return err
		}
		next, err := mirror.ApplyFilterRuleUpdate(cur, u)
		if err != nil {
			return err
		}
		if err := t.checkRulePriority(ctx, id, next); err != nil {
			return err
		}
		now := s.timestamp()
		next.UpdatedAt = fromMillis(now)
		_, err = t.exec(ctx, `UPDATE filter_rules SET description = ?, source_cidr = ?, destination_cidr = ?,
	source_port_range = ?, destination_port_range = ?, ethertype = ?, protocol = ?, action = ?, priority = ?,
	updated_at = ? WHERE project_pk = ? AND id = ?`,
			next.Description, next.SourceCIDR, next.DestinationCIDR, next.SourcePortRange,
			next.DestinationPortRange, next.Ethertype, next.Protocol, next.Action, next.Priority, now, t.pk, id)
		if err != nil {
			return t.violation(err, mirror.RulePriorityExists(next.Priority, next.Direction, next.FilterID), "update filter rule %s", id)
		}
		out = next
		return nil
	})
	if err != nil {
		return mirror.FilterRule{}, s.fail(err, "update filter rule %s", id)
	}
	return out, nil
}

// DeleteFilterRule deletes a rule.
func (s *Store) DeleteFilterRule(ctx context.Context, projectID, id string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	err := s.inTx(ctx, projectID, func(ctx context.Context, t *tx) error {
		res, err := t.exec(ctx, `DELETE FROM filter_rules WHERE project_pk = ? AND id = ?`, t.pk, id)
		if err != nil {
			return fmt.Errorf("delete filter rule %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("delete filter rule %s: %w", id, err)
		} else if n == 0 {
			return mirror.RuleNotFound(id)
		}
		return nil
	})
	if err != nil {
		return s.fail(err, "delete filter rule %s", id)
	}
	return nil
}

// checkRulePriority returns RulePriorityExists when a rule other than self
// has r's priority in r's filter and direction (rule X4).
func (t *tx) checkRulePriority(ctx context.Context, self string, r mirror.FilterRule) error {
	var one int
	err := t.queryRow(ctx, sqlRulePriority, t.pk, r.FilterID, r.Direction, r.Priority, self).Scan(&one)
	switch {
	case err == nil:
		return mirror.RulePriorityExists(r.Priority, r.Direction, r.FilterID)
	case errors.Is(err, sql.ErrNoRows):
		return nil
	}
	return fmt.Errorf("look up rule priority: %w", err)
}
