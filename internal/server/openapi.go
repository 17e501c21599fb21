package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// The OpenAPI 3.0 description of the API served at GET /openapi.json. It is
// built from the operations list of routes.go (paths, methods, operation
// IDs) and the per-operation details below (parameters, bodies, errors of
// ../shared/spec/errors.md §6), so that a route cannot exist undocumented;
// openapi_test.go checks the rest against the router, the wire types and
// the server's real answers.

// obj is a JSON object of the document.
type obj = map[string]any

// openAPIVersion is the version of the OpenAPI specification the document
// follows.
const openAPIVersion = "3.0.3"

// handleOpenAPI serves the document. It needs no signature: tools fetch it
// before they have keys.
func (s *server) handleOpenAPI() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return writeJSON(w, http.StatusOK, s.openapi)
	}
}

// opDoc is what the document says about one operation beyond its route.
type opDoc struct {
	summary  string
	query    []obj // query parameters, for the lists
	request  string
	response string // schema of the success body; "" for 204
	// errors are the operation's own error codes by status (errors.md §6);
	// commonErrors apply to every operation as well.
	errors map[int][]string
}

// commonErrors are the codes every operation may answer (errors.md §6, "C",
// plus 429 when a rate limit is on and 503 when the store cannot be
// reached).
var commonErrors = map[int][]string{
	http.StatusBadRequest:            {mirror.CodeProjectMismatch},
	http.StatusUnauthorized:          {mirror.CodeAuthentication},
	http.StatusNotFound:              {mirror.CodeAPINotFound},
	http.StatusRequestEntityTooLarge: {mirror.CodeBodyTooLarge},
	http.StatusTooManyRequests:       {mirror.CodeRateLimited},
	http.StatusInternalServerError:   {mirror.CodeInternal},
	http.StatusServiceUnavailable:    {mirror.CodeUnavailable},
}

// codeMeanings describe the error codes (errors.md §5).
var codeMeanings = map[string]string{
	mirror.CodeAPINotFound:             "no operation matches the method and path",
	mirror.CodeBodyTooLarge:            "the request body is larger than 1 MiB",
	mirror.CodeAuthentication:          "authentication failed: missing, malformed, expired or wrong signature, or unknown access key",
	mirror.CodeRateLimited:             "too many requests from the access key, or too many failed authentications from the client address; retry after Retry-After seconds",
	mirror.CodeProjectMismatch:         "the path project_id differs from X-Project-Id or is not allowed for the access key",
	mirror.CodeInvalidBody:             "the body is missing, not JSON, or not a JSON object",
	mirror.CodeMissingParameter:        "a required root key or field is absent, null or an empty string",
	mirror.CodeInvalidParameter:        "a field has the wrong type, or is out of range, not in its enumeration or badly formatted",
	mirror.CodeInvalidQuery:            "a query parameter is invalid",
	mirror.CodeInvalidCombination:      "a cross-field rule is broken, or an immutable field would change",
	mirror.CodeSourceNotAssociated:     "a listed ID is not a source of the session",
	mirror.CodeSessionNotFound:         "the traffic mirror session does not exist in the project",
	mirror.CodeFilterNotFound:          "the traffic mirror filter does not exist in the project",
	mirror.CodeRuleNotFound:            "the traffic mirror filter rule does not exist in the project",
	mirror.CodeFilterInUse:             "the filter is used by traffic mirror sessions",
	mirror.CodeRulePriorityExists:      "the priority is already used in the filter and direction",
	mirror.CodeSessionPriorityConflict: "another session sharing a source has the same priority",
	mirror.CodeSourceAlreadyAssociated: "a listed ID is already a source of the session",
	mirror.CodeRoleConflict:            "an ID would be both a mirror source and a mirror target",
	mirror.CodeSourcesPerSessionQuota:  "the session would have more sources than allowed",
	mirror.CodeSessionsPerSourceQuota:  "a source is already in as many sessions as allowed",
	mirror.CodeSessionQuota:            "the project's session quota is reached",
	mirror.CodeFilterQuota:             "the project's filter quota is reached",
	mirror.CodeRuleQuota:               "the filter direction's rule quota is reached",
	mirror.CodeInternal:                "unexpected server failure",
	mirror.CodeUnavailable:             "the database cannot be reached; retry later",
}

// vpc returns the codes VPC.nnnn of errors.md §6's matrix.
func vpc(numbers ...int) []string {
	codes := make([]string, len(numbers))
	for i, n := range numbers {
		codes[i] = "VPC." + strconv.Itoa(n)
	}
	return codes
}

var opDocs = map[string]opDoc{
	"CreateTrafficMirrorSession": {
		summary:  "Create a traffic mirror session",
		request:  "CreateTrafficMirrorSessionRequestBody",
		response: "TrafficMirrorSessionResponse",
		errors:   map[int][]string{400: vpc(9101, 9102, 9103, 9105), 404: vpc(9202), 409: vpc(9303, 9305, 9402, 9403)},
	},
	"ListTrafficMirrorSessions": {
		summary:  "List traffic mirror sessions, one page at a time",
		query:    sessionQuery(),
		response: "ListTrafficMirrorSessionsResponse",
		errors:   map[int][]string{400: vpc(9104)},
	},
	"ShowTrafficMirrorSession": {
		summary:  "Show one traffic mirror session",
		response: "TrafficMirrorSessionResponse",
		errors:   map[int][]string{404: vpc(9201)},
	},
	"UpdateTrafficMirrorSession": {
		summary:  "Update a traffic mirror session partially",
		request:  "UpdateTrafficMirrorSessionRequestBody",
		response: "TrafficMirrorSessionResponse",
		errors:   map[int][]string{400: vpc(9101, 9102, 9103, 9105), 404: vpc(9201, 9202), 409: vpc(9303, 9305)},
	},
	"DeleteTrafficMirrorSession": {
		summary: "Delete a traffic mirror session",
		errors:  map[int][]string{404: vpc(9201)},
	},
	"AddSourcesToTrafficMirrorSession": {
		summary:  "Append mirror sources to a traffic mirror session",
		request:  "AddSourcesToTrafficMirrorSessionRequestBody",
		response: "TrafficMirrorSessionResponse",
		errors:   map[int][]string{400: vpc(9101, 9102, 9103, 9105), 404: vpc(9201), 409: vpc(9303, 9304, 9305, 9401, 9402)},
	},
	"RemoveSourcesFromTrafficMirrorSession": {
		summary:  "Remove mirror sources from a traffic mirror session",
		request:  "RemoveSourcesFromTrafficMirrorSessionRequestBody",
		response: "TrafficMirrorSessionResponse",
		errors:   map[int][]string{400: vpc(9101, 9102, 9103, 9106), 404: vpc(9201)},
	},
	"CreateTrafficMirrorFilter": {
		summary:  "Create a traffic mirror filter without rules",
		request:  "CreateTrafficMirrorFilterRequestBody",
		response: "TrafficMirrorFilterResponse",
		errors:   map[int][]string{400: vpc(9101, 9102, 9103), 409: vpc(9404)},
	},
	"ListTrafficMirrorFilters": {
		summary:  "List traffic mirror filters with their rules, one page at a time",
		query:    filterQuery(),
		response: "ListTrafficMirrorFiltersResponse",
		errors:   map[int][]string{400: vpc(9104)},
	},
	"ShowTrafficMirrorFilter": {
		summary:  "Show one traffic mirror filter with its rules",
		response: "TrafficMirrorFilterResponse",
		errors:   map[int][]string{404: vpc(9202)},
	},
	"UpdateTrafficMirrorFilter": {
		summary:  "Update the name or description of a traffic mirror filter",
		request:  "UpdateTrafficMirrorFilterRequestBody",
		response: "TrafficMirrorFilterResponse",
		errors:   map[int][]string{400: vpc(9101, 9102, 9103, 9105), 404: vpc(9202)},
	},
	"DeleteTrafficMirrorFilter": {
		summary: "Delete a traffic mirror filter and its rules",
		errors:  map[int][]string{404: vpc(9202), 409: vpc(9301)},
	},
	"CreateTrafficMirrorFilterRule": {
		summary:  "Add a rule to a traffic mirror filter",
		request:  "CreateTrafficMirrorFilterRuleRequestBody",
		response: "TrafficMirrorFilterRuleResponse",
		errors:   map[int][]string{400: vpc(9101, 9102, 9103, 9105), 404: vpc(9202), 409: vpc(9302, 9405)},
	},
	"ListTrafficMirrorFilterRules": {
		summary:  "List traffic mirror filter rules, one page at a time",
		query:    ruleQuery(),
		response: "ListTrafficMirrorFilterRulesResponse",
		errors:   map[int][]string{400: vpc(9104)},
	},
	"ShowTrafficMirrorFilterRule": {
		summary:  "Show one traffic mirror filter rule",
		response: "TrafficMirrorFilterRuleResponse",
		errors:   map[int][]string{404: vpc(9203)},
	},
	"UpdateTrafficMirrorFilterRule": {
		summary:  "Update a traffic mirror filter rule partially",
		request:  "UpdateTrafficMirrorFilterRuleRequestBody",
		response: "TrafficMirrorFilterRuleResponse",
		errors:   map[int][]string{400: vpc(9101, 9102, 9103, 9105), 404: vpc(9203), 409: vpc(9302)},
	},
	"DeleteTrafficMirrorFilterRule": {
		summary: "Delete a traffic mirror filter rule",
		errors:  map[int][]string{404: vpc(9203)},
	},
}

// openAPIDocument returns the document as JSON, for the server's version and
// limits. It panics when an operation has no opDoc: a route added without
// its description fails every test at once.
func openAPIDocument(version string, limits mirror.Limits) []byte {
	paths := obj{}
	for _, op := range operations {
		doc, ok := opDocs[op.name]
		if !ok {
			panic("server: operation " + op.name + " is not described in openapi.go")
		}
		item, _ := paths[op.pattern].(obj)
		if item == nil {
			item = obj{"parameters": pathParameters(op.pattern)}
			paths[op.pattern] = item
		}
		item[strings.ToLower(op.method)] = operationObject(op, doc)
	}
	d := obj{
		"openapi": openAPIVersion,
		"info": obj{
			"title":   "trafficmirror: Huawei Cloud VPC v3 traffic mirroring API",
			"version": version,
			"description": "A self-hostable server of the Huawei Cloud VPC v3 traffic mirroring API. " +
				"Huawei's official SDKs (huaweicloud-sdk-go-v3, services/vpc/v3) work against it unchanged; " +
				"operation IDs are the SDK's method names.\n\n" +
				"Lenient input: integer and boolean body fields also accept JSON strings holding the value " +
				"(\"96\", \"true\"), as real clients send them; null means \"not given\"; unknown fields are ignored. " +
				"Responses always use native JSON types.\n\n" +
				"Every response carries the header X-Request-Id; every body carries the same request_id. " +
				"Errors are {\"error_code\", \"error_msg\", \"request_id\"}.",
		},
		"paths":    paths,
		"security": []any{obj{"AKSKSignature": []any{}}},
		"components": obj{
			"securitySchemes": obj{"AKSKSignature": obj{
				"type": "apiKey",
				"in":   "header",
				"name": "Authorization",
				"description": "Every API request is signed with an access key (AK) and secret key (SK) as the Huawei " +
					"Cloud SDKs sign it (SDK-HMAC-SHA256, also V11-HMAC-SHA256):\n\n" +
					"    Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2;...>, Signature=<hex>\n\n" +
					"The signature is the lower-case hex HMAC-SHA256, keyed with the SK, of the string to sign " +
					"\"SDK-HMAC-SHA256\\n<X-Sdk-Date>\\n<hex SHA-256 of the canonical request>\". The canonical request " +
					"is the method, the canonical URI (always ending in /), the sorted canonical query, the signed " +
					"headers' lines, the SignedHeaders list and the hex SHA-256 of the raw body, joined by newlines. " +
					"X-Sdk-Date (YYYYMMDDTHHMMSSZ, UTC) must be signed and within 15 minutes of the server's clock. " +
					"When X-Project-Id is sent it must equal the path's project_id, and the access key must be allowed " +
					"to use that project. Failures are 401 APIGW.0301 (400 VPC.0007 for the project). " +
					"/healthz, /metrics and /openapi.json need no signature.",
			}},
			"headers": obj{"X-Request-Id": obj{
				"description": "The request ID, a fresh lower-case UUID; equal to the body's request_id.",
				"schema":      obj{"type": "string", "format": "uuid"},
			}},
			"parameters": obj{
				"project_id":                pathParam("project_id", "The project that owns the resources. Must equal X-Project-Id when sent, and be allowed for the access key."),
				"traffic_mirror_session_id": pathParam("traffic_mirror_session_id", "A traffic mirror session ID."),
				"traffic_mirror_filter_id":  pathParam("traffic_mirror_filter_id", "A traffic mirror filter ID."),
				"traffic_mirror_filter_rule_id": pathParam("traffic_mirror_filter_rule_id",
					"A traffic mirror filter rule ID."),
			},
			"schemas": schemas(limits.SourcesPerSession),
		},
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		panic(err) // maps, slices, strings and numbers always marshal
	}
	return append(b, '\n')
}

var wildcardRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// pathParameters returns references to the path parameters of pattern.
func pathParameters(pattern string) []any {
	var params []any
	for _, m := range wildcardRE.FindAllStringSubmatch(pattern, -1) {
		params = append(params, ref("parameters", m[1]))
	}
	return params
}

func pathParam(name, desc string) obj {
	return obj{"name": name, "in": "path", "required": true, "description": desc, "schema": obj{"type": "string"}}
}

func ref(kind, name string) obj { return obj{"$ref": "#/components/" + kind + "/" + name} }

// successStatus is the status of a successful call (README.md §2).
func successStatus(method string) int {
	switch method {
	case "POST":
		return http.StatusCreated
	case "DELETE":
		return http.StatusNoContent
	}
	return http.StatusOK
}

// operationObject returns the OpenAPI operation object of op.
func operationObject(op operation, doc opDoc) obj {
	tag := "Traffic mirror sessions"
	switch {
	case strings.HasPrefix(op.pattern, filtersPath):
		tag = "Traffic mirror filters"
	case strings.HasPrefix(op.pattern, rulesPath):
		tag = "Traffic mirror filter rules"
	}
	o := obj{
		"operationId": op.name,
		"summary":     doc.summary,
		"tags":        []any{tag},
	}
	if len(doc.query) > 0 {
		params := make([]any, len(doc.query))
		for i, q := range doc.query {
			params[i] = q
		}
		o["parameters"] = params
	}
	if doc.request != "" {
		o["requestBody"] = obj{
			"required": true,
			"content":  obj{"application/json": obj{"schema": ref("schemas", doc.request)}},
		}
	}
	status := successStatus(op.method)
	success := obj{"headers": obj{"X-Request-Id": ref("headers", "X-Request-Id")}}
	if doc.response == "" {
		success["description"] = "Done; no body."
	} else {
		success["description"] = "Done."
		success["content"] = obj{"application/json": obj{"schema": ref("schemas", doc.response)}}
	}
	responses := obj{strconv.Itoa(status): success}
	for status, codes := range errorsOf(doc) {
		responses[strconv.Itoa(status)] = errorResponse(codes)
	}
	o["responses"] = responses
	return o
}

// errorsOf returns the codes an operation may answer by status: its own and
// the common ones, each list in code order.
func errorsOf(doc opDoc) map[int][]string {
	all := map[int][]string{}
	for status, codes := range commonErrors {
		all[status] = slices.Clone(codes)
	}
	for status, codes := range doc.errors {
		all[status] = append(all[status], codes...)
	}
	for _, codes := range all {
		slices.Sort(codes)
	}
	return all
}

// errorResponse describes an error status with the codes it may carry.
func errorResponse(codes []string) obj {
	var desc strings.Builder
	for i, code := range codes {
		if i > 0 {
			desc.WriteString("\n")
		}
		meaning, ok := codeMeanings[code]
		if !ok {
			panic("server: error code " + code + " has no meaning in openapi.go")
		}
		fmt.Fprintf(&desc, "- %s: %s", code, meaning)
	}
	enum := make([]any, len(codes))
	for i, c := range codes {
		enum[i] = c
	}
	headers := obj{"X-Request-Id": ref("headers", "X-Request-Id")}
	if slices.Contains(codes, mirror.CodeRateLimited) {
		headers["Retry-After"] = obj{
			"description": "Seconds to wait before retrying, rounded up.",
			"schema":      obj{"type": "integer", "minimum": 1},
		}
	}
	return obj{
		"description": desc.String(),
		"headers":     headers,
		"content": obj{"application/json": obj{"schema": obj{
			"allOf": []any{ref("schemas", "ErrorResponse")},
			"properties": obj{
				"error_code": obj{"type": "string", "enum": enum},
			},
		}}},
	}
}

// Query parameters of the three lists (sessions.md §3, filters.md §3,
// filter-rules.md §3).

// multi is a filter parameter that may be repeated; the values are OR-ed.
func multi(name, itemType, desc string) obj {
	return obj{
		"name": name, "in": "query", "style": "form", "explode": true,
		"description": desc + " May be repeated; a resource matches when its field equals any of the values.",
		"schema":      obj{"type": "array", "items": obj{"type": itemType}},
	}
}

// ignored is a parameter the server accepts and ignores.
func ignored(name string) obj {
	return obj{"name": name, "in": "query", "description": "Accepted and ignored.", "schema": obj{"type": "string"}}
}

// paging are the limit and marker parameters of every list (README.md §3.5).
func paging() []obj {
	return []obj{
		{"name": "limit", "in": "query",
			"description": "Page size; 0 or absent means 2000. If repeated, the last value counts.",
			"schema":      obj{"type": "integer", "minimum": 0, "maximum": mirror.MaxPageSize}},
		{"name": "marker", "in": "query",
			"description": "Start the page after the resource with this ID (it need not exist any more); " +
				"pass page_info.next_marker of the previous page.",
			"schema": obj{"type": "string"}},
	}
}

const integerFilterNote = " A value that is not a base-10 integer is 400 VPC.9104; an out-of-range value matches nothing."

func sessionQuery() []obj {
	return append([]obj{
		multi("id", "string", "Session ID."),
		multi("name", "string", "Session name."),
		multi("description", "string", "Description; an empty value matches sessions without one."),
		multi("traffic_mirror_filter_id", "string", "Filter ID."),
		multi("traffic_mirror_target_id", "string", "Target ID."),
		multi("traffic_mirror_target_type", "string", "Target type, eni or elb, case-insensitive."),
		multi("type", "string", "Source type, eni or eip, case-insensitive."),
		multi("virtual_network_id", "integer", "Virtual network ID."+integerFilterNote),
		multi("packet_length", "integer", "Packet length."+integerFilterNote),
		multi("priority", "integer", "Priority."+integerFilterNote),
		{"name": "enabled", "in": "query",
			"description": "true or false, case-insensitive; at most once (otherwise 400 VPC.9104).",
			"schema":      obj{"type": "boolean"}},
		ignored("created_at"),
		ignored("updated_at"),
	}, paging()...)
}

func filterQuery() []obj {
	return append([]obj{
		multi("id", "string", "Filter ID."),
		multi("name", "string", "Filter name."),
		multi("description", "string", "Description; an empty value matches filters without one."),
		ignored("created_at"),
		ignored("updated_at"),
		ignored("type"),
	}, paging()...)
}

func ruleQuery() []obj {
	return append([]obj{
		multi("id", "string", "Rule ID."),
		multi("description", "string", "Description; an empty value matches rules without one."),
		multi("traffic_mirror_filter_id", "string", "Filter ID."),
		multi("direction", "string", "ingress or egress, case-insensitive."),
		multi("protocol", "string", "tcp, udp, icmp, icmpv6 or all, case-insensitive."),
		multi("action", "string", "accept or reject, case-insensitive."),
		multi("source_cidr_block", "string", "Source CIDR, compared exactly with the stored one after trimming the value."),
		multi("destination_cidr_block", "string", "Destination CIDR, compared exactly with the stored one after trimming the value."),
		multi("source_port_range", "string", "Source port range, compared exactly with the stored one after trimming the value."),
		multi("destination_port_range", "string", "Destination port range, compared exactly with the stored one after trimming the value."),
		multi("priority", "integer", "Priority."+integerFilterNote),
		ignored("type"),
	}, paging()...)
}
