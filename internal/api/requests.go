package api

import (
	"strings"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// Root keys of the request and response bodies.
const (
	RootSession    = "traffic_mirror_session"
	RootFilter     = "traffic_mirror_filter"
	RootFilterRule = "traffic_mirror_filter_rule"
)

// SessionRequest is the body of CreateTrafficMirrorSession and
// UpdateTrafficMirrorSession.
type SessionRequest struct {
	Session SessionFields `json:"traffic_mirror_session"`
}

// SessionFields are the fields of a session in a create or update body, in
// the order of the create table of ../shared/spec/sessions.md §2.
type SessionFields struct {
	Name             String  `json:"name,omitzero"`
	Description      String  `json:"description,omitzero"`
	FilterID         String  `json:"traffic_mirror_filter_id,omitzero"`
	Sources          Strings `json:"traffic_mirror_sources,omitzero"`
	TargetID         String  `json:"traffic_mirror_target_id,omitzero"`
	TargetType       String  `json:"traffic_mirror_target_type,omitzero"`
	VirtualNetworkID Int     `json:"virtual_network_id,omitzero"`
	PacketLength     Int     `json:"packet_length,omitzero"`
	Priority         Int     `json:"priority,omitzero"`
	Enabled          Bool    `json:"enabled,omitzero"`
	Type             String  `json:"type,omitzero"`
}

// SourcesRequest is the body of AddSourcesToTrafficMirrorSession and
// RemoveSourcesFromTrafficMirrorSession.
type SourcesRequest struct {
	Session SourcesFields `json:"traffic_mirror_session"`
}

// SourcesFields are the fields of an add-sources or remove-sources body.
type SourcesFields struct {
	Sources Strings `json:"traffic_mirror_sources,omitzero"`
}

// FilterRequest is the body of CreateTrafficMirrorFilter and
// UpdateTrafficMirrorFilter.
type FilterRequest struct {
	Filter FilterFields `json:"traffic_mirror_filter"`
}

// FilterFields are the fields of a filter in a create or update body.
type FilterFields struct {
	Name        String `json:"name,omitzero"`
	Description String `json:"description,omitzero"`
	Type        String `json:"type,omitzero"`
}

// FilterRuleRequest is the body of CreateTrafficMirrorFilterRule and
// UpdateTrafficMirrorFilterRule.
type FilterRuleRequest struct {
	Rule FilterRuleFields `json:"traffic_mirror_filter_rule"`
}

// FilterRuleFields are the fields of a filter rule in a create or update
// body, in the order of the create table of ../shared/spec/filter-rules.md §2.
type FilterRuleFields struct {
	FilterID             String `json:"traffic_mirror_filter_id,omitzero"`
	Direction            String `json:"direction,omitzero"`
	Protocol             String `json:"protocol,omitzero"`
	Ethertype            String `json:"ethertype,omitzero"`
	Action               String `json:"action,omitzero"`
	Priority             Int    `json:"priority,omitzero"`
	Description          String `json:"description,omitzero"`
	SourceCIDR           String `json:"source_cidr_block,omitzero"`
	DestinationCIDR      String `json:"destination_cidr_block,omitzero"`
	SourcePortRange      String `json:"source_port_range,omitzero"`
	DestinationPortRange String `json:"destination_port_range,omitzero"`
}

// DecodeSession decodes the body of CreateTrafficMirrorSession or
// UpdateTrafficMirrorSession. Only the body's shape is checked here (VPC.9101,
// VPC.9102 for the root key, VPC.9103 for a root key that is not an object);
// the fields are checked by NewSession or Update.
func DecodeSession(body []byte) (SessionFields, error) {
	var f SessionFields
	err := decodeBody(body, RootSession, &f)
	return f, err
}

// DecodeSources decodes the body of AddSourcesToTrafficMirrorSession or
// RemoveSourcesFromTrafficMirrorSession, as DecodeSession does.
func DecodeSources(body []byte) (SourcesFields, error) {
	var f SourcesFields
	err := decodeBody(body, RootSession, &f)
	return f, err
}

// DecodeFilter decodes the body of CreateTrafficMirrorFilter or
// UpdateTrafficMirrorFilter, as DecodeSession does.
func DecodeFilter(body []byte) (FilterFields, error) {
	var f FilterFields
	err := decodeBody(body, RootFilter, &f)
	return f, err
}

// DecodeFilterRule decodes the body of CreateTrafficMirrorFilterRule or
// UpdateTrafficMirrorFilterRule, as DecodeSession does.
func DecodeFilterRule(body []byte) (FilterRuleFields, error) {
	var f FilterRuleFields
	err := decodeBody(body, RootFilterRule, &f)
	return f, err
}

// NewSession returns the session to create in projectID, with the defaults
// of the fields not given. Fields are checked in the order of the request-body
// table, each required → type → range/format; the first failure is returned
// (VPC.9102 or VPC.9103). maxSources bounds traffic_mirror_sources. Cross-field
// rules are left to the store.
func (f SessionFields) NewSession(projectID string, maxSources int) (mirror.Session, error) {
	r := fieldReader{object: RootSession}
	s := mirror.Session{
		ProjectID:        projectID,
		Name:             r.requiredString(f.Name, "name", check(mirror.CheckName)),
		Description:      deref(r.optionalString(f.Description, "description", check(mirror.CheckDescription)), ""),
		FilterID:         r.requiredString(f.FilterID, "traffic_mirror_filter_id", nil),
		Sources:          r.requiredSources(f.Sources, "traffic_mirror_sources", maxSources),
		TargetID:         r.requiredString(f.TargetID, "traffic_mirror_target_id", check(mirror.CheckUUID)),
		TargetType:       r.requiredString(f.TargetType, "traffic_mirror_target_type", mirror.NormalizeTargetType),
		VirtualNetworkID: deref(r.optionalInt(f.VirtualNetworkID, "virtual_network_id", mirror.MinVirtualNetworkID, mirror.MaxVirtualNetworkID), mirror.DefaultVirtualNetworkID),
		PacketLength:     deref(r.optionalInt(f.PacketLength, "packet_length", mirror.MinPacketLength, mirror.MaxPacketLength), mirror.DefaultPacketLength),
		Priority:         r.requiredInt(f.Priority, "priority", mirror.MinSessionPriority, mirror.MaxSessionPriority),
		Enabled:          deref(r.optionalBool(f.Enabled, "enabled"), false),
		Type:             deref(r.optionalString(f.Type, "type", mirror.NormalizeSourceType), mirror.SourceTypeENI),
	}
	if r.err != nil {
		return mirror.Session{}, r.err
	}
	return s, nil
}

// Update returns the changes of UpdateTrafficMirrorSession, checking the
// fields in the order of the update table (VPC.9103; a name of "" is
// invalid). type and traffic_mirror_sources are only type-checked: the store
// accepts them when they equal the current values.
func (f SessionFields) Update() (mirror.SessionUpdate, error) {
	r := fieldReader{object: RootSession}
	u := mirror.SessionUpdate{
		Name:             r.optionalString(f.Name, "name", check(mirror.CheckName)),
		Description:      r.optionalString(f.Description, "description", check(mirror.CheckDescription)),
		FilterID:         r.optionalString(f.FilterID, "traffic_mirror_filter_id", check(notBlank)),
		TargetID:         r.optionalString(f.TargetID, "traffic_mirror_target_id", check(mirror.CheckUUID)),
		TargetType:       r.optionalString(f.TargetType, "traffic_mirror_target_type", mirror.NormalizeTargetType),
		VirtualNetworkID: r.optionalInt(f.VirtualNetworkID, "virtual_network_id", mirror.MinVirtualNetworkID, mirror.MaxVirtualNetworkID),
		PacketLength:     r.optionalInt(f.PacketLength, "packet_length", mirror.MinPacketLength, mirror.MaxPacketLength),
		Priority:         r.optionalInt(f.Priority, "priority", mirror.MinSessionPriority, mirror.MaxSessionPriority),
		Enabled:          r.optionalBool(f.Enabled, "enabled"),
		Type:             r.optionalString(f.Type, "type", nil),
		Sources:          r.optionalStrings(f.Sources, "traffic_mirror_sources"),
	}
	if r.err != nil {
		return mirror.SessionUpdate{}, r.err
	}
	return u, nil
}

// List returns the sources of an add-sources or remove-sources body: 1 to
// maxSources UUIDs without duplicates (VPC.9102 when absent, else VPC.9103).
func (f SourcesFields) List(maxSources int) ([]string, error) {
	r := fieldReader{object: RootSession}
	list := r.requiredSources(f.Sources, "traffic_mirror_sources", maxSources)
	return list, r.err
}

// NewFilter returns the filter to create in projectID. Fields other than
// name and description are ignored.
func (f FilterFields) NewFilter(projectID string) (mirror.Filter, error) {
	r := fieldReader{object: RootFilter}
	flt := mirror.Filter{
		ProjectID:   projectID,
		Name:        r.requiredString(f.Name, "name", check(mirror.CheckName)),
		Description: deref(r.optionalString(f.Description, "description", check(mirror.CheckDescription)), ""),
	}
	if r.err != nil {
		return mirror.Filter{}, r.err
	}
	return flt, nil
}

// Update returns the changes of UpdateTrafficMirrorFilter. type is only
// type-checked: the store accepts it when it names the only filter type.
func (f FilterFields) Update() (mirror.FilterUpdate, error) {
	r := fieldReader{object: RootFilter}
	u := mirror.FilterUpdate{
		Name:        r.optionalString(f.Name, "name", check(mirror.CheckName)),
		Description: r.optionalString(f.Description, "description", check(mirror.CheckDescription)),
		Type:        r.optionalString(f.Type, "type", nil),
	}
	if r.err != nil {
		return mirror.FilterUpdate{}, r.err
	}
	return u, nil
}

// NewRule returns the filter rule to create in projectID. Every string is
// trimmed before it is checked and stored; direction and action are stored
// lower-case, ethertype as IPv4 or IPv6, protocol in the case sent.
func (f FilterRuleFields) NewRule(projectID string) (mirror.FilterRule, error) {
	r := fieldReader{object: RootFilterRule, trim: true}
	rule := mirror.FilterRule{
		ProjectID:            projectID,
		FilterID:             r.requiredString(f.FilterID, "traffic_mirror_filter_id", nil),
		Direction:            r.requiredString(f.Direction, "direction", mirror.NormalizeDirection),
		Protocol:             r.requiredString(f.Protocol, "protocol", check(mirror.CheckProtocol)),
		Ethertype:            r.requiredString(f.Ethertype, "ethertype", mirror.NormalizeEthertype),
		Action:               r.requiredString(f.Action, "action", mirror.NormalizeAction),
		Priority:             r.requiredInt(f.Priority, "priority", mirror.MinRulePriority, mirror.MaxRulePriority),
		Description:          deref(r.optionalString(f.Description, "description", check(mirror.CheckDescription)), ""),
		SourceCIDR:           deref(r.optionalString(f.SourceCIDR, "source_cidr_block", check(mirror.CheckCIDR)), ""),
		DestinationCIDR:      deref(r.optionalString(f.DestinationCIDR, "destination_cidr_block", check(mirror.CheckCIDR)), ""),
		SourcePortRange:      deref(r.optionalString(f.SourcePortRange, "source_port_range", check(mirror.CheckPortRange)), ""),
		DestinationPortRange: deref(r.optionalString(f.DestinationPortRange, "destination_port_range", check(mirror.CheckPortRange)), ""),
	}
	if r.err != nil {
		return mirror.FilterRule{}, r.err
	}
	return rule, nil
}

// Update returns the changes of UpdateTrafficMirrorFilterRule, checking the
// fields in the order of the update table of ../shared/spec/filter-rules.md
// §5. Strings are trimmed as in NewRule; a protocol, ethertype or action of ""
// is invalid. direction and traffic_mirror_filter_id are only type-checked:
// the store accepts them when they equal the current values.
func (f FilterRuleFields) Update() (mirror.FilterRuleUpdate, error) {
	r := fieldReader{object: RootFilterRule, trim: true}
	u := mirror.FilterRuleUpdate{
		Description:          r.optionalString(f.Description, "description", check(mirror.CheckDescription)),
		Protocol:             r.optionalString(f.Protocol, "protocol", check(mirror.CheckProtocol)),
		Ethertype:            r.optionalString(f.Ethertype, "ethertype", mirror.NormalizeEthertype),
		Action:               r.optionalString(f.Action, "action", mirror.NormalizeAction),
		Priority:             r.optionalInt(f.Priority, "priority", mirror.MinRulePriority, mirror.MaxRulePriority),
		SourceCIDR:           r.optionalString(f.SourceCIDR, "source_cidr_block", check(mirror.CheckCIDR)),
		DestinationCIDR:      r.optionalString(f.DestinationCIDR, "destination_cidr_block", check(mirror.CheckCIDR)),
		SourcePortRange:      r.optionalString(f.SourcePortRange, "source_port_range", check(mirror.CheckPortRange)),
		DestinationPortRange: r.optionalString(f.DestinationPortRange, "destination_port_range", check(mirror.CheckPortRange)),
		Direction:            r.optionalString(f.Direction, "direction", nil),
		FilterID:             r.optionalString(f.FilterID, "traffic_mirror_filter_id", nil),
	}
	if r.err != nil {
		return mirror.FilterRuleUpdate{}, r.err
	}
	return u, nil
}

// fieldReader reads the fields of one request body. Go evaluates the fields
// of a composite literal in order, so a literal listing the fields in the
// order of the operation's table checks them in that order; once a field has
// failed, the reader reads nothing more and err keeps the first failure.
type fieldReader struct {
	object string // the root key, prefix of every field path
	trim   bool   // trim strings before checking and storing them
	err    error
}

// normalizer checks a string field and returns the value to store.
type normalizer func(path, v string) (string, error)

// check adapts a mirror.Check function that stores the value as given.
func check(f func(path, v string) error) normalizer {
	return func(path, v string) (string, error) { return v, f(path, v) }
}

// notBlank refuses an empty optional string whose empty value would mean
// nothing (a filter ID in an update).
func notBlank(path, v string) error {
	if strings.TrimSpace(v) == "" {
		return mirror.InvalidParameter(path, "must not be empty")
	}
	return nil
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func (r *fieldReader) path(name string) string { return r.object + "." + name }

// str reads a string field: nil when absent or after an earlier failure.
// A required field that is absent or blank after trimming is VPC.9102.
func (r *fieldReader) str(v String, name string, required bool, norm normalizer) *string {
	if r.err != nil {
		return nil
	}
	path := r.path(name)
	s, ok, err := v.value(path)
	switch {
	case !ok && required:
		r.err = mirror.MissingParameter(path)
	case err != nil:
		r.err = err
	case !ok:
	case required && strings.TrimSpace(s) == "":
		r.err = mirror.MissingParameter(path)
	default:
		if r.trim {
			s = strings.TrimSpace(s)
		}
		if norm != nil {
			s, r.err = norm(path, s)
		}
	}
	if r.err != nil || !ok {
		return nil
	}
	return &s
}

func (r *fieldReader) requiredString(v String, name string, norm normalizer) string {
	return deref(r.str(v, name, true, norm), "")
}

func (r *fieldReader) optionalString(v String, name string, norm normalizer) *string {
	return r.str(v, name, false, norm)
}

// integer reads an integer field and checks its range.
func (r *fieldReader) integer(v Int, name string, required bool, lo, hi int) *int {
	if r.err != nil {
		return nil
	}
	path := r.path(name)
	n, ok, err := v.value(path)
	switch {
	case !ok && required:
		r.err = mirror.MissingParameter(path)
	case err != nil:
		r.err = err
	case ok:
		r.err = mirror.CheckRange(path, n, lo, hi)
	}
	if r.err != nil || !ok {
		return nil
	}
	return &n
}

func (r *fieldReader) requiredInt(v Int, name string, lo, hi int) int {
	return deref(r.integer(v, name, true, lo, hi), 0)
}

func (r *fieldReader) optionalInt(v Int, name string, lo, hi int) *int {
	return r.integer(v, name, false, lo, hi)
}

func (r *fieldReader) optionalBool(v Bool, name string) *bool {
	if r.err != nil {
		return nil
	}
	b, ok, err := v.value(r.path(name))
	if err != nil || !ok {
		r.err = err
		return nil
	}
	return &b
}

// requiredSources reads a list of 1 to max source IDs (mirror.CheckSources).
func (r *fieldReader) requiredSources(v Strings, name string, max int) []string {
	if r.err != nil {
		return nil
	}
	path := r.path(name)
	list, ok, err := v.value(path)
	switch {
	case !ok:
		r.err = mirror.MissingParameter(path)
	case err != nil:
		r.err = err
	default:
		r.err = mirror.CheckSources(path, list, max)
	}
	if r.err != nil {
		return nil
	}
	return list
}

// optionalStrings reads an array of strings without checking its items.
func (r *fieldReader) optionalStrings(v Strings, name string) []string {
	if r.err != nil {
		return nil
	}
	list, _, err := v.value(r.path(name))
	r.err = err
	return list
}
