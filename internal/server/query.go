package server

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// Query parameters of the three list operations (../shared/spec/README.md
// §3.5, sessions.md §3, filters.md §3, filter-rules.md §3). Parameter names
// are case-sensitive; unknown parameters, created_at, updated_at and, where
// the spec says so, type are ignored. A repeated parameter gives several
// values that are OR-ed, never split on commas. Errors are VPC.9104.

// parseQuery splits a raw query as the signature's canonical query does
// (auth.md §5 step 3): on '&', each piece at its first '=' (a bare key has
// the value ""), both sides percent-decoded with '+' as a space. Unlike
// url.ParseQuery it neither drops malformed pieces silently nor treats ';'
// specially.
func parseQuery(raw string) (url.Values, error) {
	v := url.Values{}
	for piece := range strings.SplitSeq(raw, "&") {
		if piece == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(piece, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return nil, mirror.InvalidQuery(rawKey, "malformed percent-encoding")
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return nil, mirror.InvalidQuery(key, "malformed percent-encoding")
		}
		v[key] = append(v[key], value)
	}
	return v, nil
}

// parseSessionQuery parses the query of ListTrafficMirrorSessions.
func parseSessionQuery(raw string) (mirror.SessionQuery, error) {
	v, err := parseQuery(raw)
	if err != nil {
		return mirror.SessionQuery{}, err
	}
	q := mirror.SessionQuery{
		IDs:          v["id"],
		Names:        v["name"],
		Descriptions: v["description"],
		FilterIDs:    v["traffic_mirror_filter_id"],
		TargetIDs:    v["traffic_mirror_target_id"],
		TargetTypes:  v["traffic_mirror_target_type"],
		Types:        v["type"],
	}
	p := queryParser{values: v}
	q.VirtualNetworkIDs = p.integers("virtual_network_id", mirror.MinVirtualNetworkID, mirror.MaxVirtualNetworkID)
	q.PacketLengths = p.integers("packet_length", mirror.MinPacketLength, mirror.MaxPacketLength)
	q.Priorities = p.integers("priority", mirror.MinSessionPriority, mirror.MaxSessionPriority)
	q.Enabled = p.boolean("enabled")
	q.ListParams = p.listParams()
	q.MatchNone = p.matchNone
	return q, p.err
}

// parseFilterQuery parses the query of ListTrafficMirrorFilters.
func parseFilterQuery(raw string) (mirror.FilterQuery, error) {
	v, err := parseQuery(raw)
	if err != nil {
		return mirror.FilterQuery{}, err
	}
	p := queryParser{values: v}
	q := mirror.FilterQuery{
		IDs:          v["id"],
		Names:        v["name"],
		Descriptions: v["description"],
		ListParams:   p.listParams(),
	}
	return q, p.err
}

// parseFilterRuleQuery parses the query of ListTrafficMirrorFilterRules.
func parseFilterRuleQuery(raw string) (mirror.FilterRuleQuery, error) {
	v, err := parseQuery(raw)
	if err != nil {
		return mirror.FilterRuleQuery{}, err
	}
	q := mirror.FilterRuleQuery{
		IDs:          v["id"],
		Descriptions: v["description"],
		FilterIDs:    v["traffic_mirror_filter_id"],
		Directions:   v["direction"],
		Protocols:    v["protocol"],
		Actions:      v["action"],
		// Stored rule strings are trimmed, so the values that match them are
		// too: the spec names source_cidr_block, and the others follow.
		SourceCIDRs:           trimAll(v["source_cidr_block"]),
		DestinationCIDRs:      trimAll(v["destination_cidr_block"]),
		SourcePortRanges:      trimAll(v["source_port_range"]),
		DestinationPortRanges: trimAll(v["destination_port_range"]),
	}
	p := queryParser{values: v}
	q.Priorities = p.integers("priority", mirror.MinRulePriority, mirror.MaxRulePriority)
	q.ListParams = p.listParams()
	q.MatchNone = p.matchNone
	return q, p.err
}

// queryParser parses the typed parameters in the order it is called; after
// the first error it parses nothing more and err keeps that error.
type queryParser struct {
	values    url.Values
	matchNone bool
	err       error
}

// integers parses a multi-valued integer filter. Values outside lo..hi match
// no resource and are dropped; when all values of a given parameter are
// dropped, nothing can match and matchNone is set.
func (p *queryParser) integers(name string, lo, hi int64) []int64 {
	values := p.values[name]
	if p.err != nil || len(values) == 0 {
		return nil
	}
	var kept []int64
	for _, s := range values {
		n, err := strconv.ParseInt(s, 10, 64)
		// ParseInt reports ErrRange as soon as the digits overflow, before
		// it reads the rest: only a text of digits is a too large integer.
		if err != nil && !(errors.Is(err, strconv.ErrRange) && isDecimal(s)) {
			p.err = mirror.InvalidQuery(name, "must be a base-10 integer")
			return nil
		}
		if err == nil && lo <= n && n <= hi {
			kept = append(kept, n)
		}
	}
	if len(kept) == 0 {
		p.matchNone = true
	}
	return kept
}

// isDecimal reports whether s is an optionally signed string of decimal
// digits.
func isDecimal(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	return s != "" && strings.TrimLeft(s, "0123456789") == ""
}

// boolean parses a single-valued boolean filter: true or false in any case.
func (p *queryParser) boolean(name string) *bool {
	values := p.values[name]
	if p.err != nil || len(values) == 0 {
		return nil
	}
	if len(values) > 1 {
		p.err = mirror.InvalidQuery(name, "must be given at most once")
		return nil
	}
	var b bool
	switch {
	case strings.EqualFold(values[0], "true"):
		b = true
	case strings.EqualFold(values[0], "false"):
	default:
		p.err = mirror.InvalidQuery(name, "must be true or false")
		return nil
	}
	return &b
}

// listParams parses limit and marker; of a repeated one the last value wins.
// A limit of 0 means the default page size.
func (p *queryParser) listParams() mirror.ListParams {
	if p.err != nil {
		return mirror.ListParams{}
	}
	var lp mirror.ListParams
	if values := p.values["limit"]; len(values) > 0 {
		n, err := strconv.Atoi(values[len(values)-1])
		if err != nil || n < 0 || n > mirror.MaxPageSize {
			p.err = mirror.InvalidQuery("limit", "must be an integer from 0 to "+strconv.Itoa(mirror.MaxPageSize))
			return mirror.ListParams{}
		}
		lp.Limit = n
	}
	if values := p.values["marker"]; len(values) > 0 {
		lp.Marker = values[len(values)-1]
	}
	return lp
}

// trimAll trims every value; stored CIDRs are trimmed, so a query value with
// spaces would otherwise never match.
func trimAll(values []string) []string {
	for i, s := range values {
		values[i] = strings.TrimSpace(s)
	}
	return values
}
