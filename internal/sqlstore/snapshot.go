package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// SnapshotItem is one resource of a snapshot, the unit of Export and Import:
// exactly one of its fields is set. A filter comes without its rules, which
// are items of their own.
type SnapshotItem struct {
	Filter  *mirror.Filter
	Rule    *mirror.FilterRule
	Session *mirror.Session
}

// SnapshotCounts are numbers of resources of each kind.
type SnapshotCounts struct {
	Filters     int
	FilterRules int
	Sessions    int
}

// Total returns the number of resources of all kinds.
func (c SnapshotCounts) Total() int { return c.Filters + c.FilterRules + c.Sessions }

// Add returns the counts of c and d together.
func (c SnapshotCounts) Add(d SnapshotCounts) SnapshotCounts {
	return SnapshotCounts{Filters: c.Filters + d.Filters, FilterRules: c.FilterRules + d.FilterRules, Sessions: c.Sessions + d.Sessions}
}

// Count adds item to the counts of its kind.
func (c *SnapshotCounts) Count(item SnapshotItem) {
	switch {
	case item.Filter != nil:
		c.Filters++
	case item.Rule != nil:
		c.FilterRules++
	case item.Session != nil:
		c.Sessions++
	}
}

// ImportOptions configure Import.
type ImportOptions struct {
	// AllowNonEmpty lets Import add to a database that already holds
	// resources; IDs that exist there are refused all the same.
	AllowNonEmpty bool
}

// Errors of Import, wrapped with the resource they concern.
var (
	// ErrNotEmpty: the database already holds resources, and
	// ImportOptions.AllowNonEmpty is not set.
	ErrNotEmpty = errors.New("the database already holds resources")
	// ErrIDExists: a resource of the snapshot has the ID of a resource of
	// the same kind and project in the database or earlier in the snapshot.
	ErrIDExists = errors.New("ID already exists")
	// ErrInvalidSnapshot: a resource of the snapshot is not valid, or the
	// snapshot would break a business rule or limit; the error also wraps
	// the *mirror.Error of the rule.
	ErrInvalidSnapshot = errors.New("invalid snapshot")
)

// Batch sizes of Export and Import. An imported batch of sessions binds 15
// parameters a row, and its rule checks one per source: both stay well below
// SQLite's limit of 32766 parameters a statement.
const (
	exportBatchSize        = 1000
	importBatchSize        = 500
	importSourcesBatchSize = 1000 // rows of session_sources per INSERT, 4 parameters each
)

// Export calls begin, unless nil, with the numbers of resources of each kind, then each
// for every filter, filter rule and session of every project, all from one
// consistent state of the database (a read transaction; repeatable read on
// PostgreSQL). Items come by kind (filters, rules, sessions, so that each
// refers only to items before it), within a kind by project ID and within a
// project by ID, read in keyset batches so that memory stays small whatever
// the size of the database. An error of begin or each stops Export and is
// returned, wrapped.
//
// The read transaction holds a snapshot for as long as Export runs: on
// SQLite the WAL cannot be checkpointed past it, on PostgreSQL the
// transaction counts as idle while a callback runs, which
// Options.StatementTimeout bounds.
func (s *Store) Export(ctx context.Context, begin func(SnapshotCounts) error, each func(SnapshotItem) error) error {
	err := s.readTx(ctx, func(r runner) error {
		var c SnapshotCounts
		err := r.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM filters), (SELECT COUNT(*) FROM filter_rules), (SELECT COUNT(*) FROM sessions)`).
			Scan(&c.Filters, &c.FilterRules, &c.Sessions)
		if err != nil {
			return fmt.Errorf("count resources: %w", err)
		}
		if begin != nil {
			if err := begin(c); err != nil {
				return err
			}
		}
		projects, err := exportProjects(ctx, r)
		if err != nil {
			return err
		}
		for _, p := range projects {
			err := exportTable(ctx, r, p, "filters", filterColumns, scanFilter, func(f mirror.Filter) (string, error) {
				f.IngressRules, f.EgressRules = nil, nil
				return f.ID, each(SnapshotItem{Filter: &f})
			})
			if err != nil {
				return err
			}
		}
		for _, p := range projects {
			err := exportTable(ctx, r, p, "filter_rules", ruleColumns, scanRule, func(rule mirror.FilterRule) (string, error) {
				return rule.ID, each(SnapshotItem{Rule: &rule})
			})
			if err != nil {
				return err
			}
		}
		for _, p := range projects {
			err := exportTable(ctx, r, p, "sessions", sessionColumns, newSessionScanner().scan, func(sess mirror.Session) (string, error) {
				return sess.ID, each(SnapshotItem{Session: &sess})
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return s.fail(err, "export")
	}
	return nil
}

// exportProject is a project as Export reads it.
type exportProject struct {
	pk int64
	id string
}

// exportProjects returns every project by ID.
func exportProjects(ctx context.Context, r runner) ([]exportProject, error) {
	rows, err := r.query(ctx, `SELECT pk, id FROM projects ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	defer rows.Close()
	var out []exportProject
	for rows.Next() {
		var p exportProject
		if err := rows.Scan(&p.pk, &p.id); err != nil {
			return nil, fmt.Errorf("list projects: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	return out, nil
}

// exportTable reads the rows of one project in table by ID, in batches, and
// passes each to emit, which returns the row's ID. A batch is read in full
// before emit sees it, so that no statement stays open while the caller
// works.
func exportTable[T any](ctx context.Context, r runner, p exportProject, table, columns string,
	scan func(row interface{ Scan(...any) error }, projectID string) (T, error), emit func(T) (string, error)) error {
	query := `SELECT ` + columns + ` FROM ` + table + ` WHERE project_pk = ? AND id > ? ORDER BY id LIMIT ?`
	batch := make([]T, 0, exportBatchSize)
	after := ""
	for {
		rows, err := r.queryDynamic(ctx, query, p.pk, after, exportBatchSize)
		if err != nil {
			return fmt.Errorf("read %s of project %s: %w", table, p.id, err)
		}
		batch = batch[:0]
		for rows.Next() {
			v, err := scan(rows, p.id)
			if err != nil {
				rows.Close()
				return fmt.Errorf("read %s of project %s: %w", table, p.id, err)
			}
			batch = append(batch, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read %s of project %s: %w", table, p.id, err)
		}
		for _, v := range batch {
			if after, err = emit(v); err != nil {
				return err
			}
		}
		if len(batch) < exportBatchSize {
			return nil
		}
	}
}

// Import adds the resources that next returns, until it returns false, to
// the database in one transaction: either all of them are stored, with
// their IDs and timestamps (at millisecond precision), or, on any error,
// including an error of next or a done ctx, none. Running an interrupted
// import again is therefore safe. It returns the numbers of resources
// stored.
//
// Import refuses, with ErrNotEmpty, a database that holds any resource
// unless opts.AllowNonEmpty; with ErrIDExists, a resource whose ID its
// project already has for its kind; and with ErrInvalidSnapshot, a resource
// with an invalid field (checked as the API checks its input) or one that
// would break a business rule or a limit of the Store's Options: a rule or
// session whose filter is neither in the database nor earlier in the
// snapshot, clashing rule or session priorities, an ID that would be both a
// source and a target, a source in too many sessions, and the quotas. The
// first resource at fault is named. Enumerated values are stored in their
// normal spelling, as the API stores them.
//
// The resources of a kind are written in batches, each checked against the
// database, which holds the earlier batches; so the snapshot need not fit in
// memory. The projects that the snapshot touches are locked as by every
// write, so that servers running on the database keep every rule; their
// writes to those projects wait until the import ends.
func (s *Store) Import(ctx context.Context, next func() (SnapshotItem, bool, error), opts ImportOptions) (SnapshotCounts, error) {
	if s.closed.Load() {
		return SnapshotCounts{}, mirror.Unavailable(errClosed)
	}
	im := &importer{s: s, opts: opts, projects: make(map[string]*importProject)}
	if err := im.run(ctx, next); err != nil {
		if errors.Is(err, ErrNotEmpty) || errors.Is(err, ErrIDExists) || errors.Is(err, ErrInvalidSnapshot) {
			return SnapshotCounts{}, err // they name the resource at fault
		}
		return SnapshotCounts{}, s.fail(err, "import")
	}
	return im.counts, nil
}

// importer is the state of one Import.
type importer struct {
	s    *Store
	opts ImportOptions
	r    runner
	// projects are the projects of the snapshot by ID, locked.
	projects map[string]*importProject
	// counts are the resources stored so far.
	counts SnapshotCounts
	// batch holds resources of one kind and project not yet written.
	batch importBatch
	// written counts the rows written so far, analyzed those written at
	// the last run of the dialect's importAnalyze.
	written, analyzed int
}

// importProject is a project that Import writes to.
type importProject struct {
	// tx has the project locked, and its counters before the import.
	*tx
	id string
	// added are the resources of the project stored so far.
	added SnapshotCounts
}

// importBatch is resources of one kind and one project: at most one slice
// is not empty.
type importBatch struct {
	project  *importProject
	filters  []mirror.Filter
	rules    []mirror.FilterRule
	sessions []mirror.Session
}

func (b *importBatch) len() int { return len(b.filters) + len(b.rules) + len(b.sessions) }

// run runs the import in one transaction and commits it.
func (im *importer) run(ctx context.Context, next func() (SnapshotItem, bool, error)) (err error) {
	sqlTx, err := im.s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if err != nil {
			sqlTx.Rollback()
		}
	}()
	// Unprepared: the bulk statements of an import run once each.
	im.r = runner{tx: sqlTx, d: im.s.d}
	if setup := im.s.d.importSetup; setup != "" {
		if _, err := im.r.execDynamic(ctx, setup); err != nil {
			return fmt.Errorf("set up the import: %w", err)
		}
	}
	if !im.opts.AllowNonEmpty {
		if err := checkEmpty(ctx, im.r); err != nil {
			return err
		}
	}
	for {
		item, ok, err := next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if err := im.add(ctx, item); err != nil {
			return err
		}
	}
	if err := im.flush(ctx); err != nil {
		return err
	}
	// The counters of the projects, in a fixed order.
	ids := make([]string, 0, len(im.projects))
	for id := range im.projects {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		p := im.projects[id]
		if p.added.Sessions > 0 {
			if err := p.addCount(ctx, "session_count", p.added.Sessions); err != nil {
				return err
			}
		}
		if p.added.Filters > 0 {
			if err := p.addCount(ctx, "filter_count", p.added.Filters); err != nil {
				return err
			}
		}
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// checkEmpty returns ErrNotEmpty when the database holds a resource. Rules
// and sessions cannot exist without a filter.
func checkEmpty(ctx context.Context, r runner) error {
	var one int
	err := r.queryRow(ctx, `SELECT 1 FROM filters LIMIT 1`).Scan(&one)
	switch {
	case err == nil:
		return ErrNotEmpty
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("check that the database is empty: %w", err)
	}
	return nil
}

// add checks the fields of item and adds it to the batch, writing the batch
// first when item does not belong to it.
func (im *importer) add(ctx context.Context, item SnapshotItem) error {
	var (
		projectID string
		sameKind  bool
	)
	switch {
	case item.Filter != nil:
		f := *item.Filter
		if err := checkSnapshotFilter(&f); err != nil {
			return err
		}
		item.Filter, projectID, sameKind = &f, f.ProjectID, len(im.batch.filters) > 0
	case item.Rule != nil:
		r := *item.Rule
		if err := checkSnapshotRule(&r); err != nil {
			return err
		}
		item.Rule, projectID, sameKind = &r, r.ProjectID, len(im.batch.rules) > 0
	case item.Session != nil:
		s := *item.Session
		if err := checkSnapshotSession(&s, im.s.limits.SourcesPerSession); err != nil {
			return err
		}
		item.Session, projectID, sameKind = &s, s.ProjectID, len(im.batch.sessions) > 0
	default:
		return fmt.Errorf("%w: an item without a resource", ErrInvalidSnapshot)
	}
	if n := im.batch.len(); n > 0 && (!sameKind || im.batch.project.id != projectID || n >= importBatchSize) {
		if err := im.flush(ctx); err != nil {
			return err
		}
	}
	if im.batch.project == nil {
		p, err := im.project(ctx, projectID)
		if err != nil {
			return err
		}
		im.batch.project = p
	}
	switch {
	case item.Filter != nil:
		im.batch.filters = append(im.batch.filters, *item.Filter)
	case item.Rule != nil:
		im.batch.rules = append(im.batch.rules, *item.Rule)
	default:
		im.batch.sessions = append(im.batch.sessions, *item.Session)
	}
	return nil
}

// project returns the project with this ID, locked, creating it if needed.
func (im *importer) project(ctx context.Context, id string) (*importProject, error) {
	if p, ok := im.projects[id]; ok {
		return p, nil
	}
	p := &importProject{tx: &tx{runner: im.r}, id: id}
	if err := p.lockProject(ctx, id); err != nil {
		return nil, err
	}
	im.projects[id] = p
	return p, nil
}

// flush checks and writes the batch.
func (im *importer) flush(ctx context.Context) error {
	b := im.batch
	im.batch = importBatch{}
	var err error
	switch {
	case len(b.filters) > 0:
		err = im.writeFilters(ctx, b.project, b.filters)
	case len(b.rules) > 0:
		err = im.writeRules(ctx, b.project, b.rules)
	case len(b.sessions) > 0:
		err = im.writeSessions(ctx, b.project, b.sessions)
	}
	if err != nil {
		return err
	}
	im.written += b.len()
	// Each time the rows written have doubled (from importAnalyzeRows on),
	// so that the statistics stay within a factor of two of the tables,
	// for a cost proportional to the import.
	if q := im.s.d.importAnalyze; q != "" && im.written >= 2*max(im.analyzed, importAnalyzeRows/2) {
		if _, err := im.r.execDynamic(ctx, q); err != nil {
			return fmt.Errorf("update the planner's statistics: %w", err)
		}
		im.analyzed = im.written
	}
	return nil
}

// importAnalyzeRows is the number of imported rows from which an import
// keeps the planner's statistics up to date (see importer.flush).
const importAnalyzeRows = 10000

// refuse returns err, a reason to refuse the resource kind id of projectID,
// naming the resource.
func refuse(kind, projectID, id string, err error) error {
	if errors.Is(err, ErrIDExists) {
		return fmt.Errorf("%s %s of project %s: %w in the database or earlier in the snapshot", kind, id, projectID, err)
	}
	return fmt.Errorf("%w: %s %s of project %s: %w", ErrInvalidSnapshot, kind, id, projectID, err)
}

// snapshotIDRE matches the IDs Import accepts: the store's UUIDs, project IDs
// and other simple IDs, which are safe in a URL path.
var snapshotIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// checkID validates an ID of a snapshot.
func checkID(path, id string) error {
	if id == "" {
		return mirror.MissingParameter(path)
	}
	if !snapshotIDRE.MatchString(id) {
		return mirror.InvalidParameter(path, "must be 1 to 128 letters, digits, '.', '_' or '-'")
	}
	return nil
}

// checkTimes validates the timestamps of a resource.
func checkTimes(created, updated time.Time) error {
	if created.IsZero() {
		return mirror.MissingParameter("created_at")
	}
	if updated.IsZero() {
		return mirror.MissingParameter("updated_at")
	}
	return nil
}

// checkSnapshotFilter validates the fields of an imported filter.
func checkSnapshotFilter(f *mirror.Filter) error {
	err := errors.Join(
		checkID("project_id", f.ProjectID),
		checkID("id", f.ID),
		mirror.CheckName("name", f.Name),
		mirror.CheckDescription("description", f.Description),
		checkTimes(f.CreatedAt, f.UpdatedAt),
	)
	if err == nil && f.Type != "" && !strings.EqualFold(f.Type, mirror.FilterTypeENI) {
		err = mirror.InvalidParameter("type", "must be "+mirror.FilterTypeENI)
	}
	if err == nil && (len(f.IngressRules) > 0 || len(f.EgressRules) > 0) {
		err = mirror.InvalidParameter("rules", "come as resources of their own")
	}
	if err != nil {
		return refuse("filter", f.ProjectID, f.ID, firstError(err))
	}
	f.Type = mirror.FilterTypeENI
	return nil
}

// checkSnapshotRule validates the fields of an imported filter rule and
// normalises its enumerated values.
func checkSnapshotRule(r *mirror.FilterRule) error {
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	normalize := func(v *string, f func(path, v string) (string, error), path string) {
		n, err := f(path, *v)
		if err == nil {
			*v = n
		}
		add(err)
	}
	add(checkID("project_id", r.ProjectID))
	add(checkID("id", r.ID))
	add(checkID("traffic_mirror_filter_id", r.FilterID))
	normalize(&r.Direction, mirror.NormalizeDirection, "direction")
	add(mirror.CheckDescription("description", r.Description))
	add(mirror.CheckCIDR("source_cidr_block", r.SourceCIDR))
	add(mirror.CheckCIDR("destination_cidr_block", r.DestinationCIDR))
	add(mirror.CheckPortRange("source_port_range", r.SourcePortRange))
	add(mirror.CheckPortRange("destination_port_range", r.DestinationPortRange))
	normalize(&r.Ethertype, mirror.NormalizeEthertype, "ethertype")
	add(mirror.CheckProtocol("protocol", r.Protocol))
	normalize(&r.Action, mirror.NormalizeAction, "action")
	add(mirror.CheckRange("priority", r.Priority, mirror.MinRulePriority, mirror.MaxRulePriority))
	add(checkTimes(r.CreatedAt, r.UpdatedAt))
	err := errors.Join(errs...)
	if err == nil {
		err = r.CheckCombination()
	}
	if err != nil {
		return refuse("filter rule", r.ProjectID, r.ID, firstError(err))
	}
	return nil
}

// checkSnapshotSession validates the fields of an imported session and
// normalises its enumerated values. A session may have no sources (they
// can all be removed), and at most maxSources (0: any number).
func checkSnapshotSession(s *mirror.Session, maxSources int) error {
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	normalize := func(v *string, f func(path, v string) (string, error), path string) {
		n, err := f(path, *v)
		if err == nil {
			*v = n
		}
		add(err)
	}
	add(checkID("project_id", s.ProjectID))
	add(checkID("id", s.ID))
	add(mirror.CheckName("name", s.Name))
	add(mirror.CheckDescription("description", s.Description))
	add(checkID("traffic_mirror_filter_id", s.FilterID))
	if len(s.Sources) > 0 {
		limit := maxSources
		if limit <= 0 {
			limit = len(s.Sources)
		}
		add(mirror.CheckSources("traffic_mirror_sources", s.Sources, limit))
	}
	add(mirror.CheckUUID("traffic_mirror_target_id", s.TargetID))
	normalize(&s.TargetType, mirror.NormalizeTargetType, "traffic_mirror_target_type")
	add(mirror.CheckRange("virtual_network_id", s.VirtualNetworkID, mirror.MinVirtualNetworkID, mirror.MaxVirtualNetworkID))
	add(mirror.CheckRange("packet_length", s.PacketLength, mirror.MinPacketLength, mirror.MaxPacketLength))
	add(mirror.CheckRange("priority", s.Priority, mirror.MinSessionPriority, mirror.MaxSessionPriority))
	normalize(&s.Type, mirror.NormalizeSourceType, "type")
	add(checkTimes(s.CreatedAt, s.UpdatedAt))
	err := errors.Join(errs...)
	if err == nil {
		err = s.CheckCombination()
	}
	if err != nil {
		return refuse("session", s.ProjectID, s.ID, firstError(err))
	}
	if s.Sources == nil {
		s.Sources = []string{}
	}
	return nil
}

// firstError returns the first error joined in err, which errors.Join made
// of the checks in the order of the fields.
func firstError(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		if errs := j.Unwrap(); len(errs) > 0 {
			return errs[0]
		}
	}
	return err
}

// existingIDs returns which of ids the project t has in table.
func existingIDs(ctx context.Context, t *importProject, table string, ids []string) (map[string]bool, error) {
	rows, err := t.queryDynamic(ctx, `SELECT id FROM `+table+` WHERE project_pk = ? AND id IN (`+placeholders(len(ids))+`)`,
		append([]any{t.pk}, anys(ids)...)...)
	if err != nil {
		return nil, fmt.Errorf("look up IDs in %s: %w", table, err)
	}
	found, err := collectStrings(rows)
	if err != nil {
		return nil, fmt.Errorf("look up IDs in %s: %w", table, err)
	}
	m := make(map[string]bool, len(found))
	for _, id := range found {
		m[id] = true
	}
	return m, nil
}

// distinct returns the distinct values of key over items, in first-seen
// order.
func distinct[T any](items []T, key func(T) []string) []string {
	seen := make(map[string]bool)
	var out []string
	for _, it := range items {
		for _, k := range key(it) {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// writeFilters checks and inserts a batch of filters of the project t.
func (im *importer) writeFilters(ctx context.Context, t *importProject, filters []mirror.Filter) error {
	ids := distinct(filters, func(f mirror.Filter) []string { return []string{f.ID} })
	exists, err := existingIDs(ctx, t, "filters", ids)
	if err != nil {
		return err
	}
	added := &t.added
	args := make([]any, 0, 6*len(filters))
	for _, f := range filters {
		if exists[f.ID] {
			return refuse("filter", f.ProjectID, f.ID, ErrIDExists)
		}
		exists[f.ID] = true
		if exceeds(t.filters+added.Filters, im.s.limits.FiltersPerProject) {
			return refuse("filter", f.ProjectID, f.ID, fmt.Errorf("%w (at most %d)", mirror.FilterQuota(), im.s.limits.FiltersPerProject))
		}
		added.Filters++
		args = append(args, t.pk, f.ID, f.Name, f.Description, f.CreatedAt.UnixMilli(), f.UpdatedAt.UnixMilli())
	}
	_, err = t.execDynamic(ctx, `INSERT INTO filters (project_pk, id, name, description, created_at, updated_at) VALUES `+
		valuesList(6, len(filters)), args...)
	if err != nil {
		return fmt.Errorf("insert filters: %w", err)
	}
	im.counts.Filters += len(filters)
	return nil
}

// writeRules checks and inserts a batch of filter rules of the project t.
func (im *importer) writeRules(ctx context.Context, t *importProject, rules []mirror.FilterRule) error {
	ids := distinct(rules, func(r mirror.FilterRule) []string { return []string{r.ID} })
	exists, err := existingIDs(ctx, t, "filter_rules", ids)
	if err != nil {
		return err
	}
	filterIDs := distinct(rules, func(r mirror.FilterRule) []string { return []string{r.FilterID} })
	filters, err := existingIDs(ctx, t, "filters", filterIDs)
	if err != nil {
		return err
	}
	// The rules the filters already have: their priorities and number per
	// filter and direction.
	type slot struct {
		filter, direction string
		priority          int
	}
	taken := make(map[slot]bool)
	count := make(map[[2]string]int)
	rows, err := t.queryDynamic(ctx, `SELECT filter_id, direction, priority FROM filter_rules WHERE project_pk = ? AND filter_id IN (`+
		placeholders(len(filterIDs))+`)`, append([]any{t.pk}, anys(filterIDs)...)...)
	if err != nil {
		return fmt.Errorf("look up rules of filters: %w", err)
	}
	for rows.Next() {
		var s slot
		if err := rows.Scan(&s.filter, &s.direction, &s.priority); err != nil {
			rows.Close()
			return fmt.Errorf("look up rules of filters: %w", err)
		}
		taken[s] = true
		count[[2]string{s.filter, s.direction}]++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("look up rules of filters: %w", err)
	}

	limit := im.s.limits.RulesPerFilterDirection
	args := make([]any, 0, 15*len(rules))
	for _, r := range rules {
		if exists[r.ID] {
			return refuse("filter rule", r.ProjectID, r.ID, ErrIDExists)
		}
		exists[r.ID] = true
		if !filters[r.FilterID] {
			return refuse("filter rule", r.ProjectID, r.ID, fmt.Errorf("%w (neither in the database nor earlier in the snapshot)", mirror.FilterNotFound(r.FilterID)))
		}
		fd := [2]string{r.FilterID, r.Direction}
		if exceeds(count[fd], limit) {
			return refuse("filter rule", r.ProjectID, r.ID, mirror.RuleQuota(limit, r.Direction))
		}
		s := slot{r.FilterID, r.Direction, r.Priority}
		if taken[s] {
			return refuse("filter rule", r.ProjectID, r.ID, mirror.RulePriorityExists(r.Priority, r.Direction, r.FilterID))
		}
		taken[s] = true
		count[fd]++
		args = append(args, t.pk, r.ID, r.FilterID, r.Direction, r.Description, r.SourceCIDR, r.DestinationCIDR,
			r.SourcePortRange, r.DestinationPortRange, r.Ethertype, r.Protocol, r.Action, r.Priority,
			r.CreatedAt.UnixMilli(), r.UpdatedAt.UnixMilli())
	}
	_, err = t.execDynamic(ctx, `INSERT INTO filter_rules (project_pk, id, filter_id, direction, description,
	source_cidr, destination_cidr, source_port_range, destination_port_range, ethertype, protocol, action,
	priority, created_at, updated_at) VALUES `+valuesList(15, len(rules)), args...)
	if err != nil {
		return fmt.Errorf("insert filter rules: %w", err)
	}
	im.counts.FilterRules += len(rules)
	return nil
}

// sourceUse is what the database and the batch so far hold of one source
// key: the number of its sessions and the session of each priority.
type sourceUse struct {
	sessions   int
	priorities map[int]string
}

// writeSessions checks and inserts a batch of sessions of the project t.
func (im *importer) writeSessions(ctx context.Context, t *importProject, sessions []mirror.Session) error {
	ids := distinct(sessions, func(s mirror.Session) []string { return []string{s.ID} })
	exists, err := existingIDs(ctx, t, "sessions", ids)
	if err != nil {
		return err
	}
	filterIDs := distinct(sessions, func(s mirror.Session) []string { return []string{s.FilterID} })
	filters, err := existingIDs(ctx, t, "filters", filterIDs)
	if err != nil {
		return err
	}
	sourceKeys := distinct(sessions, func(s mirror.Session) []string { return lower(s.Sources) })
	targetKeys := distinct(sessions, func(s mirror.Session) []string { return []string{strings.ToLower(s.TargetID)} })

	// Rule S9 both ways: the sessions whose target is one of the sources,
	// and the sessions that have one of the targets as a source.
	targetOf := map[string]string{}
	sourceOf := map[string]string{}
	// Rules S10 and S11: the sessions of each source, with their priorities.
	uses := make(map[string]*sourceUse, len(sourceKeys))
	for _, k := range sourceKeys {
		uses[k] = &sourceUse{priorities: map[int]string{}}
	}
	if len(sourceKeys) > 0 {
		rows, err := t.queryDynamic(ctx, fmt.Sprintf(sqlTargetsOf, valuesList(1, len(sourceKeys))), append([]any{t.pk, ""}, anys(sourceKeys)...)...)
		if err != nil {
			return fmt.Errorf("look up targets: %w", err)
		}
		if targetOf, err = collectFoundPairs(rows); err != nil {
			return fmt.Errorf("look up targets: %w", err)
		}
		rows, err = t.queryDynamic(ctx, `SELECT source_key, priority, session_id FROM session_sources WHERE project_pk = ? AND source_key IN (`+
			placeholders(len(sourceKeys))+`)`, append([]any{t.pk}, anys(sourceKeys)...)...)
		if err != nil {
			return fmt.Errorf("look up sources: %w", err)
		}
		for rows.Next() {
			var (
				key, sid string
				priority int
			)
			if err := rows.Scan(&key, &priority, &sid); err != nil {
				rows.Close()
				return fmt.Errorf("look up sources: %w", err)
			}
			u := uses[key]
			u.sessions++
			u.priorities[priority] = sid
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("look up sources: %w", err)
		}
	}
	rows, err := t.queryDynamic(ctx, `SELECT source_key, MIN(session_id) FROM session_sources WHERE project_pk = ? AND source_key IN (`+
		placeholders(len(targetKeys))+`) GROUP BY source_key`, append([]any{t.pk}, anys(targetKeys)...)...)
	if err != nil {
		return fmt.Errorf("look up sources: %w", err)
	}
	if sourceOf, err = collectPairs(rows); err != nil {
		return fmt.Errorf("look up sources: %w", err)
	}

	// The checks of CreateSession, in its order, each session seeing the
	// database and the sessions before it.
	added := &t.added
	limits := im.s.limits
	args := make([]any, 0, 15*len(sessions))
	var sourceArgs []any
	for _, s := range sessions {
		fail := func(err error) error { return refuse("session", s.ProjectID, s.ID, err) }
		if exists[s.ID] {
			return fail(ErrIDExists)
		}
		exists[s.ID] = true
		if !filters[s.FilterID] {
			return fail(fmt.Errorf("%w (neither in the database nor earlier in the snapshot)", mirror.FilterNotFound(s.FilterID)))
		}
		if exceeds(t.sessions+added.Sessions, limits.SessionsPerProject) {
			return fail(fmt.Errorf("%w (at most %d)", mirror.SessionQuota(), limits.SessionsPerProject))
		}
		keys := lower(s.Sources)
		for i, k := range keys {
			if sid, ok := targetOf[k]; ok {
				return fail(mirror.RoleConflict(s.Sources[i], mirror.RoleTarget, sid))
			}
		}
		target := strings.ToLower(s.TargetID)
		if sid, ok := sourceOf[target]; ok {
			return fail(mirror.RoleConflict(s.TargetID, mirror.RoleSource, sid))
		}
		for i, k := range keys {
			if exceeds(uses[k].sessions, limits.SessionsPerSource) {
				return fail(mirror.SessionsPerSourceQuota(s.Sources[i], limits.SessionsPerSource))
			}
		}
		for i, k := range keys {
			if sid, ok := uses[k].priorities[s.Priority]; ok {
				return fail(mirror.SessionPriorityConflict(s.Priority, sid, s.Sources[i]))
			}
		}

		added.Sessions++
		if _, ok := targetOf[target]; !ok {
			targetOf[target] = s.ID
		}
		for _, k := range keys {
			if _, ok := sourceOf[k]; !ok {
				sourceOf[k] = s.ID
			}
			uses[k].sessions++
			uses[k].priorities[s.Priority] = s.ID
			sourceArgs = append(sourceArgs, t.pk, k, s.Priority, s.ID)
		}
		args = append(args, t.pk, s.ID, s.Name, s.Description, s.FilterID, encodeSources(s.Sources),
			s.TargetID, s.TargetType, s.VirtualNetworkID, s.PacketLength, s.Priority, s.Enabled, s.Type,
			s.CreatedAt.UnixMilli(), s.UpdatedAt.UnixMilli())
	}
	_, err = t.execDynamic(ctx, `INSERT INTO sessions (project_pk, id, name, description, filter_id, sources,
	target_id, target_type, virtual_network_id, packet_length, priority, enabled, type,
	created_at, updated_at) VALUES `+valuesList(15, len(sessions)), args...)
	if err != nil {
		return fmt.Errorf("insert sessions: %w", err)
	}
	for len(sourceArgs) > 0 {
		n := min(len(sourceArgs)/4, importSourcesBatchSize)
		_, err := t.execDynamic(ctx, `INSERT INTO session_sources (project_pk, source_key, priority, session_id) VALUES `+
			valuesList(4, n), sourceArgs[:4*n]...)
		if err != nil {
			return fmt.Errorf("insert session sources: %w", err)
		}
		sourceArgs = sourceArgs[4*n:]
	}
	im.counts.Sessions += len(sessions)
	return nil
}
