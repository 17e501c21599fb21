package mirror

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error by what the client can do about it. The meaning of
// each kind is stable; the server maps kinds to HTTP statuses in one place.
type Kind int

// The error kinds. The zero value is KindInternal so that an Error built
// without a kind never leaks as a client error.
const (
	KindInternal        Kind = iota // an unexpected failure; details only in the log
	KindInvalid                     // the request is malformed or breaks a rule (400)
	KindUnauthenticated             // the signature or the credentials are wrong (401)
	KindNotFound                    // the route or a resource does not exist (404)
	KindConflict                    // the request conflicts with current state or a quota (409)
	KindTooLarge                    // the request body is too large (413)
	KindUnavailable                 // the store cannot be reached right now (503)
	KindRateLimited                 // the caller sent too many requests (429)
)

func (k Kind) String() string {
	switch k {
	case KindInternal:
		return "internal"
	case KindInvalid:
		return "invalid"
	case KindUnauthenticated:
		return "unauthenticated"
	case KindNotFound:
		return "not found"
	case KindConflict:
		return "conflict"
	case KindTooLarge:
		return "too large"
	case KindUnavailable:
		return "unavailable"
	case KindRateLimited:
		return "rate limited"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Public error codes. Their meaning is part of the API contract
// (../shared/spec/errors.md §5); never reuse one for another condition.
const (
	CodeAPINotFound     = "APIGW.0101" // no operation matches method and path
	CodeBodyTooLarge    = "APIGW.0201" // request body over the size limit
	CodeAuthentication  = "APIGW.0301" // any authentication failure
	CodeRateLimited     = "APIGW.0308" // request rate limit exceeded
	CodeProjectMismatch = "VPC.0007"   // path project differs from header or credentials

	CodeInvalidBody         = "VPC.9101" // body missing, not JSON, or not an object
	CodeMissingParameter    = "VPC.9102" // required key absent, null or empty
	CodeInvalidParameter    = "VPC.9103" // wrong type, range, enum or format
	CodeInvalidQuery        = "VPC.9104" // invalid query parameter
	CodeInvalidCombination  = "VPC.9105" // cross-field rule or immutable field
	CodeSourceNotAssociated = "VPC.9106" // remove-sources names a non-source

	CodeSessionNotFound = "VPC.9201"
	CodeFilterNotFound  = "VPC.9202"
	CodeRuleNotFound    = "VPC.9203"

	CodeFilterInUse             = "VPC.9301" // filter referenced by sessions
	CodeRulePriorityExists      = "VPC.9302" // rule priority taken in filter and direction
	CodeSessionPriorityConflict = "VPC.9303" // sessions sharing a source with one priority
	CodeSourceAlreadyAssociated = "VPC.9304" // add-sources names an existing source
	CodeRoleConflict            = "VPC.9305" // an ID would be both source and target

	CodeSourcesPerSessionQuota = "VPC.9401"
	CodeSessionsPerSourceQuota = "VPC.9402"
	CodeSessionQuota           = "VPC.9403"
	CodeFilterQuota            = "VPC.9404"
	CodeRuleQuota              = "VPC.9405"

	CodeInternal    = "VPC.9501" // unexpected failure
	CodeUnavailable = "VPC.9502" // store unreachable; retry later
)

// Error is the one error type of the domain. Code and Msg are safe to send to
// clients; Err is the private cause, which is logged and never sent.
type Error struct {
	Kind Kind
	Code string
	Msg  string
	Err  error
}

// Errorf returns an *Error of the given kind and code whose message is
// formatted from format and args.
func Errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Msg: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s %s: %s: %v", e.Kind, e.Code, e.Msg, e.Err)
	}
	return fmt.Sprintf("%s %s: %s", e.Kind, e.Code, e.Msg)
}

// Unwrap returns the private cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrorKind returns the kind of the first *Error in err's chain, or
// KindInternal when there is none.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// ErrorCode returns the public code of the first *Error in err's chain, or
// CodeInternal when there is none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return e.Code
	}
	return CodeInternal
}

func invalidParam(path, format string, args ...any) *Error {
	return Errorf(KindInvalid, CodeInvalidParameter, "Invalid parameter %s: %s", path, fmt.Sprintf(format, args...))
}

func invalidCombination(format string, args ...any) *Error {
	return Errorf(KindInvalid, CodeInvalidCombination, "Invalid parameter combination: %s", fmt.Sprintf(format, args...))
}

// MissingParameter returns the error for a required field at path that is
// absent, null or empty.
func MissingParameter(path string) *Error {
	return Errorf(KindInvalid, CodeMissingParameter, "Missing required parameter: %s", path)
}

// InvalidParameter returns the error for a field at path whose value is of the
// wrong type or out of its range; reason says which.
func InvalidParameter(path, reason string) *Error {
	return invalidParam(path, "%s", reason)
}

// InvalidBody returns the error for a body that is not a JSON object.
func InvalidBody(detail string) *Error {
	return Errorf(KindInvalid, CodeInvalidBody, "Invalid request body: %s", detail)
}

// InvalidQuery returns the error for a bad query parameter name; reason says
// what is wrong with its value.
func InvalidQuery(name, reason string) *Error {
	return Errorf(KindInvalid, CodeInvalidQuery, "Invalid query parameter %s: %s", name, reason)
}

// SessionNotFound returns the error for a session ID unknown in the project.
func SessionNotFound(id string) *Error {
	return Errorf(KindNotFound, CodeSessionNotFound, "Traffic mirror session %s not found.", id)
}

// FilterNotFound returns the error for a filter ID unknown in the project.
func FilterNotFound(id string) *Error {
	return Errorf(KindNotFound, CodeFilterNotFound, "Traffic mirror filter %s not found.", id)
}

// RuleNotFound returns the error for a filter rule ID unknown in the project.
func RuleNotFound(id string) *Error {
	return Errorf(KindNotFound, CodeRuleNotFound, "Traffic mirror filter rule %s not found.", id)
}

// FilterInUse returns the error for deleting a filter that sessions use.
func FilterInUse(id string, sessionIDs []string) *Error {
	return Errorf(KindConflict, CodeFilterInUse, "Traffic mirror filter %s is used by traffic mirror session(s) %s", id, strings.Join(sessionIDs, ","))
}

// RulePriorityExists returns the error for a rule priority already taken in
// the filter and direction.
func RulePriorityExists(priority int, direction, filterID string) *Error {
	return Errorf(KindConflict, CodeRulePriorityExists, "Priority %d already exists in %s rules of filter %s", priority, direction, filterID)
}

// SessionPriorityConflict returns the error for a session priority equal to
// that of another session sharing a source.
func SessionPriorityConflict(priority int, otherSessionID, source string) *Error {
	return Errorf(KindConflict, CodeSessionPriorityConflict, "Priority %d conflicts with traffic mirror session %s on source %s", priority, otherSessionID, source)
}

// SourceAlreadyAssociated returns the error for adding a source a session
// already has.
func SourceAlreadyAssociated(source, sessionID string) *Error {
	return Errorf(KindConflict, CodeSourceAlreadyAssociated, "Source %s is already associated with traffic mirror session %s", source, sessionID)
}

// Roles of an ID in RoleConflict.
const (
	RoleSource = "source"
	RoleTarget = "target"
)

// RoleConflict returns the error for an ID that is already used as a mirror
// source or target (role) by sessionID and would take the other role.
func RoleConflict(id, role, sessionID string) *Error {
	return Errorf(KindConflict, CodeRoleConflict, "%s is already used as a mirror %s by traffic mirror session %s", id, role, sessionID)
}

// TargetIsSource returns the error for a session whose target is one of its
// own sources.
func TargetIsSource(targetID string) *Error {
	return invalidCombination("traffic_mirror_target_id %s is also one of the traffic_mirror_sources", targetID)
}

// SourcesPerSessionQuota returns the error for a session that would have more
// than max sources.
func SourcesPerSessionQuota(max int) *Error {
	return Errorf(KindConflict, CodeSourcesPerSessionQuota, "Quota exceeded: a traffic mirror session can have at most %d sources", max)
}

// SessionsPerSourceQuota returns the error for a source that is already in max
// sessions.
func SessionsPerSourceQuota(source string, max int) *Error {
	return Errorf(KindConflict, CodeSessionsPerSourceQuota, "Quota exceeded: source %s is already used by %d traffic mirror sessions", source, max)
}

// SessionQuota returns the error for a project at its session quota.
func SessionQuota() *Error {
	return Errorf(KindConflict, CodeSessionQuota, "Quota exceeded for resources: traffic mirror sessions")
}

// FilterQuota returns the error for a project at its filter quota.
func FilterQuota() *Error {
	return Errorf(KindConflict, CodeFilterQuota, "Quota exceeded for resources: traffic mirror filters")
}

// RuleQuota returns the error for a filter direction that has max rules.
func RuleQuota(max int, direction string) *Error {
	return Errorf(KindConflict, CodeRuleQuota, "Quota exceeded: at most %d %s rules per traffic mirror filter", max, direction)
}

// SourceNotAssociated returns the error for removing a source a session does
// not have.
func SourceNotAssociated(source, sessionID string) *Error {
	return Errorf(KindInvalid, CodeSourceNotAssociated, "Source %s is not associated with traffic mirror session %s", source, sessionID)
}

// Unavailable wraps err, a failure to reach the database, as the error that
// tells clients to retry later.
func Unavailable(err error) *Error {
	return &Error{Kind: KindUnavailable, Code: CodeUnavailable, Msg: "Service temporarily unavailable, please retry later.", Err: err}
}

// Internal wraps err as an unexpected failure whose detail is only logged.
func Internal(err error) *Error {
	return &Error{Kind: KindInternal, Code: CodeInternal, Msg: "Internal server error.", Err: err}
}
