package server

import (
	"slices"
	"strings"

	"github.com/trafficmirror/trafficmirror/internal/api"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// The schemas of /openapi.json: request bodies as the server accepts them
// (lenient types, case-insensitive enumerations) and responses as it sends
// them (native types, normalised values). The property names are checked
// against the wire types of internal/api by openapi_test.go.

// Patterns, in the ECMA 262 dialect OpenAPI uses.
const (
	uuidPattern = `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	timePattern = `^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\+00:00$`
	intPattern  = `^\s*[+-]?[0-9]+\s*$`
)

func str(desc string) obj { return obj{"type": "string", "description": desc} }

func nameSchema(desc string) obj {
	return obj{
		"type": "string", "minLength": 1, "maxLength": mirror.MaxNameLength,
		"description": desc + " 1 to 64 characters, each an ASCII letter or digit, a Chinese (Han) character, '_', '-' or '.'; not unique.",
	}
}

func descriptionSchema(trimmed bool) obj {
	desc := "At most 255 characters, without '<' or '>'."
	if trimmed {
		desc += " Trimmed of surrounding white space."
	}
	return obj{"type": "string", "maxLength": mirror.MaxDescriptionLength, "pattern": `^[^<>]*$`, "description": desc}
}

func uuidSchema(desc string) obj {
	return obj{"type": "string", "pattern": uuidPattern, "description": desc + " A UUID in 8-4-4-4-12 hexadecimal form, any letter case."}
}

// enumIn is a request string matched case-insensitively against values,
// and, when trimmed, after trimming white space. An OpenAPI enum is
// case-sensitive, so the pattern spells out both cases.
func enumIn(desc string, trimmed bool, values ...string) obj {
	alts := make([]string, len(values))
	for i, v := range values {
		var b strings.Builder
		for _, c := range v {
			lo, up := strings.ToLower(string(c)), strings.ToUpper(string(c))
			if lo == up {
				b.WriteString(lo)
			} else {
				b.WriteString("[" + lo + up + "]")
			}
		}
		alts[i] = b.String()
	}
	p := "(" + strings.Join(alts, "|") + ")"
	if trimmed {
		p = `\s*` + p + `\s*`
	}
	return obj{
		"type": "string", "pattern": "^" + p + "$",
		"description": desc + " One of " + strings.Join(values, ", ") + ", in any letter case.",
	}
}

// enumOut is a response string, always one of values.
func enumOut(desc string, values ...string) obj {
	e := make([]any, len(values))
	for i, v := range values {
		e[i] = v
	}
	return obj{"type": "string", "enum": e, "description": desc}
}

// lenientInt is a request integer: a JSON number with an integral value or
// a string holding a base-10 integer (README.md §3.4).
func lenientInt(desc string, lo, hi int) obj {
	return obj{
		"description": desc + " A JSON string holding the integer (\"96\") is accepted too; the range applies to it as well.",
		"oneOf": []any{
			obj{"type": "integer", "minimum": lo, "maximum": hi},
			obj{"type": "string", "pattern": intPattern},
		},
	}
}

// lenientBool is a request boolean: true or false, or those words as a
// string in any letter case.
func lenientBool(desc string) obj {
	return obj{
		"description": desc + " The strings \"true\" and \"false\", in any letter case, are accepted too.",
		"oneOf": []any{
			obj{"type": "boolean"},
			obj{"type": "string", "pattern": `^\s*([tT][rR][uU][eE]|[fF][aA][lL][sS][eE])\s*$`},
		},
	}
}

func integer(desc string, lo, hi int) obj {
	return obj{"type": "integer", "minimum": lo, "maximum": hi, "description": desc}
}

func timeSchema(desc string) obj {
	return obj{"type": "string", "format": "date-time", "pattern": timePattern,
		"description": desc + " UTC, with milliseconds: 2024-03-14T08:44:12.000+00:00."}
}

func cidrSchema(desc string, trimmed bool) obj {
	d := desc + ` "" (any address), an IPv4 or IPv6 prefix addr/len, or a bare address; of the family named by ethertype. Stored as sent.`
	if trimmed {
		d += " Trimmed of surrounding white space."
	}
	return str(d)
}

func portRangeSchema(desc string, trimmed bool) obj {
	p := `^([0-9]+(-[0-9]+)?)?$`
	d := desc + ` "" (all ports), "N" or "N-M" with 1 <= N <= M <= 65535; only for tcp and udp.`
	if trimmed {
		p = `^\s*([0-9]+(-[0-9]+)?)?\s*$`
		d += " Trimmed of surrounding white space."
	}
	return obj{"type": "string", "pattern": p, "description": d}
}

func sourcesSchema(desc string, maxSources int) obj {
	return obj{
		"type": "array", "minItems": 1, "maxItems": maxSources, "uniqueItems": true,
		"items":       uuidSchema("A network interface or EIP ID."),
		"description": desc + " No duplicates, compared case-insensitively.",
	}
}

// object returns an object schema; required may be empty.
func object(desc string, props obj, required ...string) obj {
	o := obj{"type": "object", "properties": props}
	if desc != "" {
		o["description"] = desc
	}
	if len(required) > 0 {
		r := make([]any, len(required))
		for i, name := range required {
			r[i] = name
		}
		o["required"] = r
	}
	return o
}

// allRequired is an object schema whose every property is required, as in
// the responses.
func allRequired(desc string, props obj, optional ...string) obj {
	var required []string
	for name := range props {
		if !slices.Contains(optional, name) {
			required = append(required, name)
		}
	}
	// Map order is random; keep the document stable.
	slices.Sort(required)
	return object(desc, props, required...)
}

// envelope is a body {root: {$ref name}} with root required.
func envelope(desc, root, name string) obj {
	return object(desc, obj{root: ref("schemas", name)}, root)
}

// schemas returns the component schemas. maxSources is the configured
// number of sources a request may carry.
func schemas(maxSources int) obj {
	requestID := str("The request ID, equal to the X-Request-Id header.")
	pageInfo := allRequired("The position of a page in the list.", obj{
		"previous_marker": str("ID of the first item of the page; \"\" for an empty page."),
		"current_count":   obj{"type": "integer", "minimum": 0, "description": "Number of items in the page."},
		"next_marker":     str("ID of the last item of the page; present only when more items follow, so absent on the last page."),
	}, "next_marker")

	session := allRequired("A traffic mirror session (sessions.md §1.1).", obj{
		"id":                         str("Session ID, a lower-case UUIDv4."),
		"project_id":                 str("The project that owns the session."),
		"name":                       nameSchema("Name."),
		"description":                descriptionSchema(false),
		"traffic_mirror_filter_id":   str("The filter used by the session."),
		"traffic_mirror_sources":     obj{"type": "array", "items": obj{"type": "string"}, "maxItems": maxSources, "description": "Source IDs in association order, as sent; 0 or more."},
		"traffic_mirror_target_id":   str("Target ID, as sent."),
		"traffic_mirror_target_type": enumOut("Target type: eni (network interface) or elb (private network load balancer).", mirror.TargetTypeENI, mirror.TargetTypeELB),
		"virtual_network_id":         integer("VXLAN network identifier.", mirror.MinVirtualNetworkID, mirror.MaxVirtualNetworkID),
		"packet_length":              integer("Mirrored packet length.", mirror.MinPacketLength, mirror.MaxPacketLength),
		"priority":                   integer("Priority; sessions sharing a source have distinct priorities.", mirror.MinSessionPriority, mirror.MaxSessionPriority),
		"enabled":                    obj{"type": "boolean", "description": "Whether mirroring is active."},
		"type":                       enumOut("Source type.", mirror.SourceTypeENI, mirror.SourceTypeEIP),
		"created_at":                 timeSchema("Creation time."),
		"updated_at":                 timeSchema("Last change."),
	})
	rule := allRequired("A traffic mirror filter rule (filter-rules.md §1.1).", obj{
		"id":                       str("Rule ID, a lower-case UUIDv4."),
		"project_id":               str("The project that owns the rule."),
		"description":              descriptionSchema(false),
		"traffic_mirror_filter_id": str("The filter of the rule; fixed at creation."),
		"direction":                enumOut("Direction; fixed at creation.", mirror.DirectionIngress, mirror.DirectionEgress),
		"source_cidr_block":        str("Source CIDR as sent; \"\" means any address."),
		"destination_cidr_block":   str("Destination CIDR as sent; \"\" means any address."),
		"source_port_range":        str("\"N\" or \"N-M\"; \"\" means all ports."),
		"destination_port_range":   str("\"N\" or \"N-M\"; \"\" means all ports."),
		"ethertype":                enumOut("IP version.", mirror.EthertypeIPv4, mirror.EthertypeIPv6),
		"protocol":                 str("tcp, udp, icmp, icmpv6 or all, in the letter case the client sent."),
		"action":                   enumOut("Whether matching traffic is mirrored.", mirror.ActionAccept, mirror.ActionReject),
		"priority":                 integer("Evaluation order in the filter and direction, smallest first; unique there.", mirror.MinRulePriority, mirror.MaxRulePriority),
		"created_at":               timeSchema("Creation time."),
		"updated_at":               timeSchema("Last change."),
	})
	filter := allRequired("A traffic mirror filter with its rules (filters.md §1.1).", obj{
		"id":            str("Filter ID, a lower-case UUIDv4."),
		"project_id":    str("The project that owns the filter."),
		"name":          nameSchema("Name."),
		"description":   descriptionSchema(false),
		"type":          enumOut("Always eni.", mirror.FilterTypeENI),
		"ingress_rules": obj{"type": "array", "items": ref("schemas", "TrafficMirrorFilterRule"), "description": "The ingress rules by ascending priority."},
		"egress_rules":  obj{"type": "array", "items": ref("schemas", "TrafficMirrorFilterRule"), "description": "The egress rules by ascending priority."},
		"created_at":    timeSchema("Creation time."),
		"updated_at":    timeSchema("Last change of the filter itself, not of its rules."),
	})

	sessionFields := func(create bool) obj {
		p := obj{
			"name":                       nameSchema("Name."),
			"description":                descriptionSchema(false),
			"traffic_mirror_filter_id":   str("A filter of the project (404 VPC.9202 when it does not exist)."),
			"traffic_mirror_target_id":   uuidSchema("The target: a network interface or load balancer ID; never a source of any session."),
			"traffic_mirror_target_type": enumIn("Target type.", false, mirror.TargetTypeENI, mirror.TargetTypeELB),
			"virtual_network_id":         lenientInt("VXLAN network identifier; default 1.", mirror.MinVirtualNetworkID, mirror.MaxVirtualNetworkID),
			"packet_length":              lenientInt("Mirrored packet length; default 96.", mirror.MinPacketLength, mirror.MaxPacketLength),
			"priority":                   lenientInt("Priority; sessions sharing a source must have distinct priorities.", mirror.MinSessionPriority, mirror.MaxSessionPriority),
			"enabled":                    lenientBool("Whether mirroring is active; default false."),
		}
		if create {
			p["traffic_mirror_sources"] = sourcesSchema("Network interface or EIP IDs whose traffic is mirrored.", maxSources)
			p["type"] = enumIn("Source type; default eni.", false, mirror.SourceTypeENI, mirror.SourceTypeEIP)
		} else {
			p["traffic_mirror_sources"] = obj{"type": "array", "items": obj{"type": "string"},
				"description": "Cannot change here (use add-sources and remove-sources): accepted only when equal to the current sources, in order, compared case-insensitively; otherwise 400 VPC.9105."}
			p["type"] = str("Cannot change: accepted only when equal, in any letter case, to the current type; otherwise 400 VPC.9105.")
		}
		return p
	}
	ruleFields := func(create bool) obj {
		p := obj{
			"direction":                enumIn("Direction.", true, mirror.DirectionIngress, mirror.DirectionEgress),
			"protocol":                 enumIn("Protocol; stored in the letter case sent. icmp requires IPv4 and icmpv6 requires IPv6.", true, mirror.ProtocolTCP, mirror.ProtocolUDP, mirror.ProtocolICMP, mirror.ProtocolICMPv6, mirror.ProtocolAll),
			"ethertype":                enumIn("IP version; stored as IPv4 or IPv6.", true, "ipv4", "ipv6"),
			"action":                   enumIn("Whether matching traffic is mirrored.", true, mirror.ActionAccept, mirror.ActionReject),
			"priority":                 lenientInt("Evaluation order, smallest first; unique in the filter and direction (409 VPC.9302).", mirror.MinRulePriority, mirror.MaxRulePriority),
			"description":              descriptionSchema(true),
			"source_cidr_block":        cidrSchema("Source CIDR:", true),
			"destination_cidr_block":   cidrSchema("Destination CIDR:", true),
			"source_port_range":        portRangeSchema("Source ports:", true),
			"destination_port_range":   portRangeSchema("Destination ports:", true),
			"traffic_mirror_filter_id": str("The filter of the rule (404 VPC.9202 when it does not exist)."),
		}
		if !create {
			p["direction"] = str("Cannot change: accepted only when equal, in any letter case, to the current direction; otherwise 400 VPC.9105.")
			p["traffic_mirror_filter_id"] = str("Cannot change: accepted only when equal to the current filter ID; otherwise 400 VPC.9105.")
		}
		return p
	}

	return obj{
		"ErrorResponse": object("The body of every error response (errors.md §1).", obj{
			"error_code": str("The error code; see each operation's responses."),
			"error_msg":  obj{"type": "string", "minLength": 1, "description": "A message for people; never empty."},
			"request_id": requestID,
		}, "error_code", "error_msg", "request_id"),
		"PageInfo":                pageInfo,
		"TrafficMirrorSession":    session,
		"TrafficMirrorFilter":     filter,
		"TrafficMirrorFilterRule": rule,

		"TrafficMirrorSessionResponse": object("One session.", obj{
			api.RootSession: ref("schemas", "TrafficMirrorSession"), "request_id": requestID,
		}, api.RootSession, "request_id"),
		"TrafficMirrorFilterResponse": object("One filter.", obj{
			api.RootFilter: ref("schemas", "TrafficMirrorFilter"), "request_id": requestID,
		}, api.RootFilter, "request_id"),
		"TrafficMirrorFilterRuleResponse": object("One filter rule.", obj{
			api.RootFilterRule: ref("schemas", "TrafficMirrorFilterRule"), "request_id": requestID,
		}, api.RootFilterRule, "request_id"),
		"ListTrafficMirrorSessionsResponse": object("One page of sessions, by ascending ID.", obj{
			"traffic_mirror_sessions": obj{"type": "array", "items": ref("schemas", "TrafficMirrorSession")},
			"page_info":               ref("schemas", "PageInfo"), "request_id": requestID,
		}, "page_info", "request_id", "traffic_mirror_sessions"),
		"ListTrafficMirrorFiltersResponse": object("One page of filters, by ascending ID.", obj{
			"traffic_mirror_filters": obj{"type": "array", "items": ref("schemas", "TrafficMirrorFilter")},
			"page_info":              ref("schemas", "PageInfo"), "request_id": requestID,
		}, "page_info", "request_id", "traffic_mirror_filters"),
		"ListTrafficMirrorFilterRulesResponse": object("One page of filter rules, by ascending ID.", obj{
			"traffic_mirror_filter_rules": obj{"type": "array", "items": ref("schemas", "TrafficMirrorFilterRule")},
			"page_info":                   ref("schemas", "PageInfo"), "request_id": requestID,
		}, "page_info", "request_id", "traffic_mirror_filter_rules"),

		"CreateTrafficMirrorSessionRequestBody": envelope("", api.RootSession, "CreateTrafficMirrorSessionOption"),
		"CreateTrafficMirrorSessionOption": object("A new session. Fields are checked in this order: the first failure is answered.",
			sessionFields(true),
			"name", "traffic_mirror_filter_id", "traffic_mirror_sources", "traffic_mirror_target_id", "traffic_mirror_target_type", "priority"),
		"UpdateTrafficMirrorSessionRequestBody": envelope("", api.RootSession, "UpdateTrafficMirrorSessionOption"),
		"UpdateTrafficMirrorSessionOption": object("The changes; absent or null fields keep their value, and {} changes only updated_at.",
			sessionFields(false)),
		"AddSourcesToTrafficMirrorSessionRequestBody":      envelope("", api.RootSession, "TrafficMirrorSourcesOption"),
		"RemoveSourcesFromTrafficMirrorSessionRequestBody": envelope("", api.RootSession, "TrafficMirrorSourcesOption"),
		"TrafficMirrorSourcesOption": object("Sources to add (appended in order) or remove (every one must be a source; compared case-insensitively).", obj{
			"traffic_mirror_sources": sourcesSchema("Network interface or EIP IDs.", maxSources),
		}, "traffic_mirror_sources"),

		"CreateTrafficMirrorFilterRequestBody": envelope("", api.RootFilter, "CreateTrafficMirrorFilterOption"),
		"CreateTrafficMirrorFilterOption": object("A new filter, without rules. Other fields are ignored.", obj{
			"name":        nameSchema("Name."),
			"description": descriptionSchema(false),
			"type":        str("Ignored; a filter's type is always eni."),
		}, "name"),
		"UpdateTrafficMirrorFilterRequestBody": envelope("", api.RootFilter, "UpdateTrafficMirrorFilterOption"),
		"UpdateTrafficMirrorFilterOption": object("The changes; absent or null fields keep their value. Rules change through the filter rule operations.", obj{
			"name":        nameSchema("Name."),
			"description": descriptionSchema(false),
			"type":        str("Cannot change: accepted only when it is eni, in any letter case; otherwise 400 VPC.9105."),
		}),

		"CreateTrafficMirrorFilterRuleRequestBody": envelope("", api.RootFilterRule, "CreateTrafficMirrorFilterRuleOption"),
		"CreateTrafficMirrorFilterRuleOption": object("A new rule. Strings are trimmed before they are checked; "+
			"the protocol must suit the ethertype, CIDRs must be of its family, and port ranges need tcp or udp (400 VPC.9105).",
			ruleFields(true),
			"traffic_mirror_filter_id", "direction", "protocol", "ethertype", "action", "priority"),
		"UpdateTrafficMirrorFilterRuleRequestBody": envelope("", api.RootFilterRule, "UpdateTrafficMirrorFilterRuleOption"),
		"UpdateTrafficMirrorFilterRuleOption": object("The changes; absent or null fields keep their value, \"\" clears an optional string. "+
			"The cross-field rules apply to the result; switching to a protocol without ports clears unmentioned port ranges.",
			ruleFields(false)),
	}
}
