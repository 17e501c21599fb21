package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/google/go-cmp/cmp"
	vpc "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3"

	"github.com/trafficmirror/trafficmirror/internal/api"
	"github.com/trafficmirror/trafficmirror/internal/server"
)

// specOperation is one row of the table of ../shared/spec/README.md §2.
type specOperation struct {
	Method, Path, Operation string
	Status                  int
}

var specOperations = []specOperation{
	{"POST", "/v3/{project_id}/vpc/traffic-mirror-sessions", "CreateTrafficMirrorSession", 201},
	{"GET", "/v3/{project_id}/vpc/traffic-mirror-sessions", "ListTrafficMirrorSessions", 200},
	{"GET", "/v3/{project_id}/vpc/traffic-mirror-sessions/{traffic_mirror_session_id}", "ShowTrafficMirrorSession", 200},
	{"PUT", "/v3/{project_id}/vpc/traffic-mirror-sessions/{traffic_mirror_session_id}", "UpdateTrafficMirrorSession", 200},
	{"DELETE", "/v3/{project_id}/vpc/traffic-mirror-sessions/{traffic_mirror_session_id}", "DeleteTrafficMirrorSession", 204},
	{"PUT", "/v3/{project_id}/vpc/traffic-mirror-sessions/{traffic_mirror_session_id}/add-sources", "AddSourcesToTrafficMirrorSession", 200},
	{"PUT", "/v3/{project_id}/vpc/traffic-mirror-sessions/{traffic_mirror_session_id}/remove-sources", "RemoveSourcesFromTrafficMirrorSession", 200},
	{"POST", "/v3/{project_id}/vpc/traffic-mirror-filters", "CreateTrafficMirrorFilter", 201},
	{"GET", "/v3/{project_id}/vpc/traffic-mirror-filters", "ListTrafficMirrorFilters", 200},
	{"GET", "/v3/{project_id}/vpc/traffic-mirror-filters/{traffic_mirror_filter_id}", "ShowTrafficMirrorFilter", 200},
	{"PUT", "/v3/{project_id}/vpc/traffic-mirror-filters/{traffic_mirror_filter_id}", "UpdateTrafficMirrorFilter", 200},
	{"DELETE", "/v3/{project_id}/vpc/traffic-mirror-filters/{traffic_mirror_filter_id}", "DeleteTrafficMirrorFilter", 204},
	{"POST", "/v3/{project_id}/vpc/traffic-mirror-filter-rules", "CreateTrafficMirrorFilterRule", 201},
	{"GET", "/v3/{project_id}/vpc/traffic-mirror-filter-rules", "ListTrafficMirrorFilterRules", 200},
	{"GET", "/v3/{project_id}/vpc/traffic-mirror-filter-rules/{traffic_mirror_filter_rule_id}", "ShowTrafficMirrorFilterRule", 200},
	{"PUT", "/v3/{project_id}/vpc/traffic-mirror-filter-rules/{traffic_mirror_filter_rule_id}", "UpdateTrafficMirrorFilterRule", 200},
	{"DELETE", "/v3/{project_id}/vpc/traffic-mirror-filter-rules/{traffic_mirror_filter_rule_id}", "DeleteTrafficMirrorFilterRule", 204},
}

// loadOpenAPI fetches /openapi.json without a signature and loads it.
func loadOpenAPI(t *testing.T, s *testServer) (raw []byte, doc *openapi3.T) {
	t.Helper()
	resp := s.do(t, "GET", "/openapi.json", "", unsigned)
	resp.wantStatus(t, http.StatusOK)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(resp.Body)
	if err != nil {
		t.Fatalf("load /openapi.json: %v", err)
	}
	return resp.Body, doc
}

func TestOpenAPI(t *testing.T) {
	s := newServer(t, config{})
	raw, doc := loadOpenAPI(t, s)

	t.Run("Version", func(t *testing.T) {
		var top struct {
			OpenAPI string `json:"openapi"`
		}
		if err := json.Unmarshal(raw, &top); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(top.OpenAPI, "3.0.") {
			t.Errorf("openapi = %q, want 3.0.x", top.OpenAPI)
		}
	})

	t.Run("Valid", func(t *testing.T) {
		if err := doc.Validate(context.Background()); err != nil {
			t.Errorf("the document is not valid OpenAPI: %v", err)
		}
	})

	documented := documentedOperations(doc)
	t.Run("EveryRouteDocumented", func(t *testing.T) {
		var routed []specOperation
		for _, r := range server.Routes() {
			routed = append(routed, specOperation{Method: r.Method, Path: r.Pattern, Operation: r.Operation})
		}
		// Statuses are compared with the spec below; here only the routes.
		noStatus := func(ops []specOperation) []specOperation {
			out := slices.Clone(ops)
			for i := range out {
				out[i].Status = 0
			}
			return sortOps(out)
		}
		if diff := cmp.Diff(noStatus(routed), noStatus(documented)); diff != "" {
			t.Errorf("routed (-) and documented (+) operations differ:\n%s", diff)
		}
	})

	t.Run("MatchesSpec", func(t *testing.T) {
		if diff := cmp.Diff(sortOps(slices.Clone(specOperations)), sortOps(documented)); diff != "" {
			t.Errorf("spec README §2 (-) and documented (+) operations differ:\n%s", diff)
		}
	})

	t.Run("OperationIDsAreSDKMethods", func(t *testing.T) {
		client := reflect.TypeFor[*vpc.VpcClient]()
		for _, op := range documented {
			if _, ok := client.MethodByName(op.Operation); !ok {
				t.Errorf("operationId %s is not a method of the SDK's VpcClient", op.Operation)
			}
		}
	})

	t.Run("PathParameters", func(t *testing.T) {
		for path, item := range doc.Paths.Map() {
			var declared []string
			for _, p := range item.Parameters {
				declared = append(declared, p.Value.Name)
			}
			var want []string
			for seg := range strings.SplitSeq(path, "/") {
				if strings.HasPrefix(seg, "{") {
					want = append(want, strings.Trim(seg, "{}"))
				}
			}
			if diff := cmp.Diff(want, declared); diff != "" {
				t.Errorf("%s: path parameters (-want +got):\n%s", path, diff)
			}
		}
	})

	t.Run("SchemasMatchWireTypes", func(t *testing.T) {
		for _, c := range []struct {
			schema     string
			wire       reflect.Type
			response   bool // every field without omitempty is required
			root       string
			rootSchema string
		}{
			{schema: "TrafficMirrorSession", wire: reflect.TypeFor[api.Session](), response: true},
			{schema: "TrafficMirrorFilter", wire: reflect.TypeFor[api.Filter](), response: true},
			{schema: "TrafficMirrorFilterRule", wire: reflect.TypeFor[api.FilterRule](), response: true},
			{schema: "PageInfo", wire: reflect.TypeFor[api.PageInfo](), response: true},
			{schema: "ErrorResponse", wire: reflect.TypeFor[api.ErrorResponse](), response: true},
			{schema: "TrafficMirrorSessionResponse", wire: reflect.TypeFor[api.SessionResponse](), response: true},
			{schema: "TrafficMirrorFilterResponse", wire: reflect.TypeFor[api.FilterResponse](), response: true},
			{schema: "TrafficMirrorFilterRuleResponse", wire: reflect.TypeFor[api.FilterRuleResponse](), response: true},
			{schema: "ListTrafficMirrorSessionsResponse", wire: reflect.TypeFor[api.SessionList](), response: true},
			{schema: "ListTrafficMirrorFiltersResponse", wire: reflect.TypeFor[api.FilterList](), response: true},
			{schema: "ListTrafficMirrorFilterRulesResponse", wire: reflect.TypeFor[api.FilterRuleList](), response: true},
			{schema: "CreateTrafficMirrorSessionOption", wire: reflect.TypeFor[api.SessionFields](), root: api.RootSession, rootSchema: "CreateTrafficMirrorSessionRequestBody"},
			{schema: "UpdateTrafficMirrorSessionOption", wire: reflect.TypeFor[api.SessionFields](), root: api.RootSession, rootSchema: "UpdateTrafficMirrorSessionRequestBody"},
			{schema: "TrafficMirrorSourcesOption", wire: reflect.TypeFor[api.SourcesFields](), root: api.RootSession, rootSchema: "AddSourcesToTrafficMirrorSessionRequestBody"},
			{schema: "TrafficMirrorSourcesOption", wire: reflect.TypeFor[api.SourcesFields](), root: api.RootSession, rootSchema: "RemoveSourcesFromTrafficMirrorSessionRequestBody"},
			{schema: "CreateTrafficMirrorFilterOption", wire: reflect.TypeFor[api.FilterFields](), root: api.RootFilter, rootSchema: "CreateTrafficMirrorFilterRequestBody"},
			{schema: "UpdateTrafficMirrorFilterOption", wire: reflect.TypeFor[api.FilterFields](), root: api.RootFilter, rootSchema: "UpdateTrafficMirrorFilterRequestBody"},
			{schema: "CreateTrafficMirrorFilterRuleOption", wire: reflect.TypeFor[api.FilterRuleFields](), root: api.RootFilterRule, rootSchema: "CreateTrafficMirrorFilterRuleRequestBody"},
			{schema: "UpdateTrafficMirrorFilterRuleOption", wire: reflect.TypeFor[api.FilterRuleFields](), root: api.RootFilterRule, rootSchema: "UpdateTrafficMirrorFilterRuleRequestBody"},
		} {
			ref := doc.Components.Schemas[c.schema]
			if ref == nil {
				t.Errorf("schema %s is missing", c.schema)
				continue
			}
			names, required := wireFields(c.wire)
			var got []string
			for name := range ref.Value.Properties {
				got = append(got, name)
			}
			slices.Sort(got)
			if diff := cmp.Diff(names, got); diff != "" {
				t.Errorf("%s: properties differ from %v (-wire +schema):\n%s", c.schema, c.wire, diff)
			}
			if c.response {
				gotRequired := slices.Sorted(slices.Values(ref.Value.Required))
				if diff := cmp.Diff(required, gotRequired); diff != "" {
					t.Errorf("%s: required differs from %v (-wire +schema):\n%s", c.schema, c.wire, diff)
				}
			}
			if c.root != "" {
				body := doc.Components.Schemas[c.rootSchema]
				if body == nil || body.Value.Properties[c.root] == nil || body.Value.Properties[c.root].Ref != "#/components/schemas/"+c.schema {
					t.Errorf("%s does not hold %s under %s", c.rootSchema, c.schema, c.root)
				}
			}
		}
	})
}

func sortOps(ops []specOperation) []specOperation {
	slices.SortFunc(ops, func(a, b specOperation) int {
		return strings.Compare(a.Method+" "+a.Path, b.Method+" "+b.Path)
	})
	return ops
}

// documentedOperations returns the operations of doc with their success
// status (the one 2xx response).
func documentedOperations(doc *openapi3.T) []specOperation {
	var ops []specOperation
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			status := 0
			for code := range op.Responses.Map() {
				if strings.HasPrefix(code, "2") {
					fmt.Sscan(code, &status)
				}
			}
			ops = append(ops, specOperation{method, path, op.OperationID, status})
		}
	}
	return sortOps(ops)
}

// wireFields returns the sorted JSON names of struct t's fields, and those
// that are always present (no omitempty or omitzero).
func wireFields(t reflect.Type) (names, required []string) {
	for f := range t.Fields() {
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		names = append(names, name)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			required = append(required, name)
		}
	}
	slices.Sort(names)
	slices.Sort(required)
	return names, required
}

// validator checks requests and their responses against the document, as
// a client generated from it would see them.
type validator struct {
	s      *testServer
	router routers.Router
}

func newValidator(t *testing.T, s *testServer) *validator {
	t.Helper()
	_, doc := loadOpenAPI(t, s)
	doc.Servers = openapi3.Servers{{URL: s.URL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &validator{s: s, router: router}
}

// do sends a request and checks it (when the server accepted it) and the
// response against the document; an error response must carry one of the
// codes documented for its status.
func (v *validator) do(t *testing.T, method, path, body string, opts ...reqOption) response {
	t.Helper()
	resp := v.s.do(t, method, path, body, opts...)
	req, err := http.NewRequest(method, v.s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: not in the document: %v", method, path, err)
	}
	options := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: options}
	if resp.Status < 400 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s %s %s: the server accepted a request the document refuses: %v", method, path, body, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 resp.Status,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(resp.Body)),
		Options:                options,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s: response %d %s does not match the document: %v", method, path, resp.Status, resp.Body, err)
	}
	return resp
}

// The server's real answers to each operation, successes and errors, with
// the lenient inputs real clients send, match the document.
func TestOpenAPIDescribesResponses(t *testing.T) {
	s := newServer(t, config{})
	v := newValidator(t, s)
	base := "/v3/" + project + "/vpc/"

	resp := v.do(t, "POST", base+"traffic-mirror-filters", `{"traffic_mirror_filter":{"description":"web","name":"f1"}}`+"\n")
	resp.wantStatus(t, http.StatusCreated)
	var f api.FilterResponse
	resp.decode(t, &f)
	filterID := f.Filter.ID

	resp = v.do(t, "POST", base+"traffic-mirror-filter-rules", `{"traffic_mirror_filter_rule":{"traffic_mirror_filter_id":"`+filterID+
		`","direction":"INGRESS","protocol":"TCP","ethertype":"ipv4","action":"accept","priority":"7","source_cidr_block":"10.0.0.0/8 ","destination_port_range":"80-443"}}`)
	resp.wantStatus(t, http.StatusCreated)
	var r api.FilterRuleResponse
	resp.decode(t, &r)
	ruleID := r.Rule.ID

	// The Go SDK's quirks: integers and booleans as strings.
	resp = v.do(t, "POST", base+"traffic-mirror-sessions", `{"traffic_mirror_session":{"name":"s1","traffic_mirror_filter_id":"`+filterID+
		`","traffic_mirror_sources":["`+src1+`"],"traffic_mirror_target_id":"`+target+`","traffic_mirror_target_type":"ENI",`+
		`"virtual_network_id":"100","packet_length":"128","priority":10,"enabled":"true"}}`+"\n")
	resp.wantStatus(t, http.StatusCreated)
	var sess api.SessionResponse
	resp.decode(t, &sess)
	sessionID := sess.Session.ID

	for _, c := range []struct {
		method, path, body string
		status             int
	}{
		{"GET", base + "traffic-mirror-sessions?name=s1&name=other&enabled=TRUE&priority=10&limit=1", "", 200},
		{"GET", base + "traffic-mirror-sessions?limit=0&marker=" + sessionID, "", 200},
		{"GET", base + "traffic-mirror-sessions/" + sessionID, "", 200},
		{"GET", base + "traffic-mirror-filters?name=f1&description=web", "", 200},
		{"GET", base + "traffic-mirror-filters/" + filterID, "", 200},
		{"GET", base + "traffic-mirror-filter-rules?priority=7&direction=ingress&source_cidr_block=10.0.0.0%2F8", "", 200},
		{"GET", base + "traffic-mirror-filter-rules/" + ruleID, "", 200},
		// Terraform sends native types and echoes the immutable fields.
		{"PUT", base + "traffic-mirror-sessions/" + sessionID, `{"traffic_mirror_session":{"name":"s2","priority":11,"enabled":false,"virtual_network_id":5,"type":"eni","traffic_mirror_sources":["` + src1 + `"]}}`, 200},
		{"PUT", base + "traffic-mirror-sessions/" + sessionID + "/add-sources", `{"traffic_mirror_session":{"traffic_mirror_sources":["` + src2 + `"]}}`, 200},
		{"PUT", base + "traffic-mirror-sessions/" + sessionID + "/remove-sources", `{"traffic_mirror_session":{"traffic_mirror_sources":["` + src1 + `","` + src2 + `"]}}`, 200},
		{"PUT", base + "traffic-mirror-filters/" + filterID, `{"traffic_mirror_filter":{"description":""}}`, 200},
		{"PUT", base + "traffic-mirror-filter-rules/" + ruleID, `{"traffic_mirror_filter_rule":{"protocol":"icmp","description":"ping","priority":8}}`, 200},
		// Errors of each kind.
		{"POST", base + "traffic-mirror-filters", `[]`, 400},
		{"POST", base + "traffic-mirror-filters", `{"traffic_mirror_filter":{"name":""}}`, 400},
		{"POST", base + "traffic-mirror-filter-rules", `{"traffic_mirror_filter_rule":{"traffic_mirror_filter_id":"` + filterID + `","direction":"egress","protocol":"icmp","ethertype":"ipv6","action":"accept","priority":1}}`, 400},
		{"GET", base + "traffic-mirror-sessions?limit=2001", "", 400},
		{"PUT", base + "traffic-mirror-sessions/" + sessionID + "/remove-sources", `{"traffic_mirror_session":{"traffic_mirror_sources":["` + src1 + `"]}}`, 400},
		{"GET", base + "traffic-mirror-sessions/" + noSuchID, "", 404},
		{"PUT", base + "traffic-mirror-filter-rules/" + noSuchID, `{"traffic_mirror_filter_rule":{}}`, 404},
		{"DELETE", base + "traffic-mirror-filters/" + filterID, "", 409},
		{"POST", base + "traffic-mirror-filter-rules", `{"traffic_mirror_filter_rule":{"traffic_mirror_filter_id":"` + filterID + `","direction":"ingress","protocol":"udp","ethertype":"ipv4","action":"reject","priority":8}}`, 409},
		{"GET", "/v3/" + other + "/vpc/traffic-mirror-filters", "", 400},
		{"DELETE", base + "traffic-mirror-filter-rules/" + ruleID, "", 204},
		{"DELETE", base + "traffic-mirror-sessions/" + sessionID, "", 204},
		{"DELETE", base + "traffic-mirror-filters/" + filterID, "", 204},
	} {
		resp := v.do(t, c.method, c.path, c.body)
		if resp.Status != c.status {
			t.Errorf("%s %s %s: status %d, want %d; body %s", c.method, c.path, c.body, resp.Status, c.status, resp.Body)
		}
	}

	resp = v.do(t, "GET", base+"traffic-mirror-filters", "", unsigned)
	resp.wantError(t, http.StatusUnauthorized, "APIGW.0301", "")
}

// Every field the document requires on create is required by the server
// (400 VPC.9102 without it), and the document's required fields alone make
// a valid create.
func TestOpenAPIRequiredFields(t *testing.T) {
	s := newServer(t, config{})
	_, doc := loadOpenAPI(t, s)
	base := "/v3/" + project + "/vpc/"
	filter := s.mustCreateFilter(t, "f")

	for _, c := range []struct {
		schema, path, root string
		full               map[string]any
	}{
		{"CreateTrafficMirrorFilterOption", "traffic-mirror-filters", api.RootFilter, map[string]any{"name": "f2", "description": "d"}},
		{"CreateTrafficMirrorFilterRuleOption", "traffic-mirror-filter-rules", api.RootFilterRule, map[string]any{
			"traffic_mirror_filter_id": filter.ID, "direction": "egress", "protocol": "tcp", "ethertype": "IPv4",
			"action": "accept", "priority": 3, "description": "d", "source_cidr_block": "10.0.0.0/8",
			"destination_cidr_block": "10.1.0.0/16", "source_port_range": "1-2", "destination_port_range": "3",
		}},
		{"CreateTrafficMirrorSessionOption", "traffic-mirror-sessions", api.RootSession, map[string]any{
			"name": "s", "description": "d", "traffic_mirror_filter_id": filter.ID, "traffic_mirror_sources": []string{src1},
			"traffic_mirror_target_id": target, "traffic_mirror_target_type": "eni", "virtual_network_id": 7,
			"packet_length": 100, "priority": 4, "enabled": true, "type": "eni",
		}},
	} {
		schema := doc.Components.Schemas[c.schema].Value
		for _, name := range schema.Required {
			t.Run(c.schema+"/"+name, func(t *testing.T) {
				fields := map[string]any{}
				for k, v := range c.full {
					if k != name {
						fields[k] = v
					}
				}
				body, _ := json.Marshal(map[string]any{c.root: fields})
				s.do(t, "POST", base+c.path, string(body)).wantError(t, http.StatusBadRequest, "VPC.9102", "Missing required parameter: "+c.root+"."+name)
			})
		}
		t.Run(c.schema+"/OnlyRequired", func(t *testing.T) {
			fields := map[string]any{}
			for _, name := range schema.Required {
				fields[name] = c.full[name]
			}
			body, _ := json.Marshal(map[string]any{c.root: fields})
			s.do(t, "POST", base+c.path, string(body)).wantStatus(t, http.StatusCreated)
		})
	}
}
