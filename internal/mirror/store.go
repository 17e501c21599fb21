package mirror

import "context"

// Store keeps sessions, filters and filter rules, scoped by project, and
// enforces every business rule of ../shared/spec/constraints.md atomically and
// race-free: concurrent calls, also through several processes sharing one
// database, never both pass a limit or a uniqueness rule.
//
// Arguments are validated field by field by the caller (see the Check and
// Normalize functions of this package); a Store checks what needs state, in
// the order of ../shared/spec/errors.md §4: the path resource exists, the
// referenced resources exist, cross-field rules of the resulting object
// (calling this package's Apply functions), then conflicts and quotas. A
// failed call changes nothing.
//
// Every method may also return an error of KindUnavailable when the database
// cannot be reached, and any other error is internal.
type Store interface {
	// CreateSession stores a new session in s.ProjectID. The store assigns
	// ID, CreatedAt and UpdatedAt and returns the stored session.
	// Errors: KindNotFound CodeFilterNotFound; KindInvalid
	// CodeInvalidCombination (target among sources); KindConflict
	// CodeSessionQuota, CodeRoleConflict, CodeSessionsPerSourceQuota,
	// CodeSessionPriorityConflict, in that order.
	CreateSession(ctx context.Context, s Session) (Session, error)

	// GetSession returns one session. Errors: KindNotFound CodeSessionNotFound.
	GetSession(ctx context.Context, projectID, id string) (Session, error)

	// ListSessions returns one page of the project's sessions matching q.
	ListSessions(ctx context.Context, projectID string, q SessionQuery) (Page[Session], error)

	// UpdateSession applies u to a session (see ApplySessionUpdate) and sets
	// UpdatedAt. Errors: KindNotFound CodeSessionNotFound, CodeFilterNotFound;
	// KindInvalid CodeInvalidCombination; KindConflict CodeRoleConflict,
	// CodeSessionPriorityConflict.
	UpdateSession(ctx context.Context, projectID, id string, u SessionUpdate) (Session, error)

	// DeleteSession deletes a session. Errors: KindNotFound CodeSessionNotFound.
	DeleteSession(ctx context.Context, projectID, id string) error

	// AddSessionSources appends sources, in order, to a session and sets
	// UpdatedAt. Errors, in this order: KindNotFound CodeSessionNotFound;
	// KindConflict CodeSourceAlreadyAssociated; KindInvalid
	// CodeInvalidCombination (a source is the session's target); KindConflict
	// CodeRoleConflict, CodeSourcesPerSessionQuota,
	// CodeSessionsPerSourceQuota, CodeSessionPriorityConflict.
	AddSessionSources(ctx context.Context, projectID, id string, sources []string) (Session, error)

	// RemoveSessionSources removes sources from a session, keeping the order
	// of the rest, and sets UpdatedAt. Sources are compared
	// case-insensitively. Errors: KindNotFound CodeSessionNotFound;
	// KindInvalid CodeSourceNotAssociated.
	RemoveSessionSources(ctx context.Context, projectID, id string, sources []string) (Session, error)

	// CreateFilter stores a new filter, without rules, in f.ProjectID. The
	// store assigns ID, Type, CreatedAt and UpdatedAt.
	// Errors: KindConflict CodeFilterQuota.
	CreateFilter(ctx context.Context, f Filter) (Filter, error)

	// GetFilter returns one filter with its rules.
	// Errors: KindNotFound CodeFilterNotFound.
	GetFilter(ctx context.Context, projectID, id string) (Filter, error)

	// ListFilters returns one page of the project's filters matching q, each
	// with its rules.
	ListFilters(ctx context.Context, projectID string, q FilterQuery) (Page[Filter], error)

	// UpdateFilter applies u to a filter (see ApplyFilterUpdate) and sets
	// UpdatedAt. Errors: KindNotFound CodeFilterNotFound; KindInvalid
	// CodeInvalidCombination.
	UpdateFilter(ctx context.Context, projectID, id string, u FilterUpdate) (Filter, error)

	// DeleteFilter deletes a filter and all its rules. Errors: KindNotFound
	// CodeFilterNotFound; KindConflict CodeFilterInUse.
	DeleteFilter(ctx context.Context, projectID, id string) error

	// CreateFilterRule stores a new rule in r.ProjectID. The store assigns ID,
	// CreatedAt and UpdatedAt. Errors: KindNotFound CodeFilterNotFound;
	// KindInvalid CodeInvalidCombination; KindConflict CodeRuleQuota,
	// CodeRulePriorityExists.
	CreateFilterRule(ctx context.Context, r FilterRule) (FilterRule, error)

	// GetFilterRule returns one rule. Errors: KindNotFound CodeRuleNotFound.
	GetFilterRule(ctx context.Context, projectID, id string) (FilterRule, error)

	// ListFilterRules returns one page of the project's rules matching q.
	ListFilterRules(ctx context.Context, projectID string, q FilterRuleQuery) (Page[FilterRule], error)

	// UpdateFilterRule applies u to a rule (see ApplyFilterRuleUpdate) and
	// sets UpdatedAt. Errors: KindNotFound CodeRuleNotFound; KindInvalid
	// CodeInvalidCombination; KindConflict CodeRulePriorityExists.
	UpdateFilterRule(ctx context.Context, projectID, id string, u FilterRuleUpdate) (FilterRule, error)

	// DeleteFilterRule deletes a rule. Errors: KindNotFound CodeRuleNotFound.
	DeleteFilterRule(ctx context.Context, projectID, id string) error

	// Ping reports whether the store can serve requests.
	Ping(ctx context.Context) error

	// Close releases the store's resources; acknowledged writes are durable.
	Close() error
}
