package main

// The end-to-end suite: the real server, started by the same run function as
// the binary, driven through Huawei's official Go SDK (services/vpc/v3) with
// real signatures.
//
// testE2E takes the way to start a server, so that the same suite runs
// against every database backend. Every environment uses fresh random
// projects, and every test fresh random source and target IDs, so a database
// shared between runs (PostgreSQL) changes no result.

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer/algorithm"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/impl"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/utils"
	vpc "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"

	"github.com/trafficmirror/trafficmirror/internal/auth"
	"github.com/trafficmirror/trafficmirror/internal/pgtest"
)

// startFunc starts a trafficmirror server with more flags and stops it when
// the test ends. The suite passes --credentials and, for the quotas, --max-*
// flags; they follow runServer's own flags, so they win.
type startFunc func(t *testing.T, extra ...string) *instance

// TestE2ESQLite runs the suite on SQLite files. Another backend reuses it
// with a start function that adds its flags, for example
//
//	testE2E(t, func(t *testing.T, extra ...string) *instance {
//		return runServer(t, "", append([]string{"--db", dsn}, extra...)...)
//	})
func TestE2ESQLite(t *testing.T) {
	testE2E(t, func(t *testing.T, extra ...string) *instance {
		t.Helper()
		return runServer(t, "", extra...)
	})
}

// TestE2EPostgres runs the suite on PostgreSQL when TRAFFICMIRROR_TEST_POSTGRES
// holds a DSN, each server in a fresh schema; otherwise it skips and says
// which variable to set.
func TestE2EPostgres(t *testing.T) {
	pgtest.BaseDSN(t)
	testE2E(t, func(t *testing.T, extra ...string) *instance {
		t.Helper()
		dsn := pgtest.DSN(t) // its cleanup (drop the schema) runs after the server's
		return runServer(t, "", append([]string{"--db", dsn}, extra...)...)
	})
}

// testE2E runs the whole end-to-end suite on servers made by start.
func testE2E(t *testing.T, start startFunc) {
	run := func(name string, test func(t *testing.T, start startFunc)) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, start)
		})
	}
	run("Sessions", testSessions)
	run("RequestIDs", testRequestIDs)
	run("Filters", testFilters)
	run("FilterRules", testFilterRules)
	run("ListFilters", testListFilters)
	run("RepeatedListValues", testRepeatedListValues)
	run("Pagination", testPagination)
	run("ValidationErrors", testValidationErrors)
	run("Quotas", testQuotas)
	run("CommonErrors", testCommonErrors)
	run("Isolation", testIsolation)
	run("Authentication", testAuthentication)
	run("TerraformFlows", testTerraformFlows)
}

// e2eEnv is one running server and the credentials the suite uses with it.
type e2eEnv struct {
	inst *instance
	// a may use only projectA, b only projectB, star any project.
	a, b, star         auth.Credential
	projectA, projectB string
	// clientA and clientB are SDK clients of a in projectA and b in projectB.
	clientA, clientB *vpc.VpcClient
}

// newE2EEnv writes a credentials file with three fresh credentials and starts a
// server on it with the extra flags.
func newE2EEnv(t *testing.T, start startFunc, extra ...string) *e2eEnv {
	t.Helper()
	e := &e2eEnv{projectA: mustProjectID(t), projectB: mustProjectID(t)}
	e.a = mustCredential(t, e.projectA)
	e.b = mustCredential(t, e.projectB)
	e.star = mustCredential(t, auth.AnyProject)
	path := filepath.Join(t.TempDir(), "e2e-credentials.json")
	if err := auth.CreateFile(path, []auth.Credential{e.a, e.b, e.star}); err != nil {
		t.Fatal(err)
	}
	e.inst = start(t, append([]string{"--credentials", path}, extra...)...)
	e.clientA = e.client(t, e.a, e.projectA)
	e.clientB = e.client(t, e.b, e.projectB)
	return e
}

func mustProjectID(t *testing.T) string {
	t.Helper()
	p, err := auth.GenerateProjectID()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustCredential(t *testing.T, projects ...string) auth.Credential {
	t.Helper()
	c, err := auth.GenerateCredential(projects)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// client returns the SDK client of cred in project, built as users build it.
func (e *e2eEnv) client(t *testing.T, cred auth.Credential, project string) *vpc.VpcClient {
	t.Helper()
	return newSDKClient(t, e.inst.Endpoint, cred.AccessKey, cred.SecretKey, project)
}

// ptrTo returns a pointer to v, for the optional fields of the SDK models.
func ptrTo[T any](v T) *T { return &v }

// freshID returns a fresh random ID for a mirror source or target.
func freshID() string { return uuid.NewString() }

var uuidV4RE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// wireTimeLayout is the timestamp format of ../shared/spec/README.md §3.3.
const wireTimeLayout = "2006-01-02T15:04:05.000+00:00"

// parseWireTime parses a session timestamp, which the SDK leaves a string.
func parseWireTime(t *testing.T, what, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(wireTimeLayout, s)
	if err != nil {
		t.Errorf("%s = %q, want the form %s: %v", what, s, wireTimeLayout, err)
	}
	return tm
}

// waitTick waits until the millisecond clock of the timestamps has moved, so
// that a change made next has a later updated_at.
func waitTick() { time.Sleep(3 * time.Millisecond) }

// wantRequestID checks the request id the SDK decoded from a success body.
func wantRequestID(t *testing.T, op string, id *string) {
	t.Helper()
	if id == nil || !uuidV4RE.MatchString(*id) {
		got := "<nil>"
		if id != nil {
			got = *id
		}
		t.Errorf("%s: request_id = %s, want a lower-case UUIDv4", op, got)
	}
}

// wantSDKError checks that err is the SDK's ServiceResponseError with the
// status and code, a message, and the request id of the X-Request-Id header.
// It returns the error for more checks, or nil when err is no such error.
func wantSDKError(t *testing.T, op string, err error, status int, code string) *sdkerr.ServiceResponseError {
	t.Helper()
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) {
		t.Errorf("%s: error = %v, want %d %s", op, err, status, code)
		return nil
	}
	if se.StatusCode != status || se.ErrorCode != code || se.ErrorMessage == "" || !uuidV4RE.MatchString(se.RequestId) {
		t.Errorf("%s: error = status %d, code %q, message %q, request id %q; want %d %s with a message and a request id",
			op, se.StatusCode, se.ErrorCode, se.ErrorMessage, se.RequestId, status, code)
	}
	return se
}

// wantSDKErrorMsg is wantSDKError that also checks the exact message.
func wantSDKErrorMsg(t *testing.T, op string, err error, status int, code, msg string) {
	t.Helper()
	if se := wantSDKError(t, op, err, status, code); se != nil && se.ErrorMessage != msg {
		t.Errorf("%s: message %q, want %q", op, se.ErrorMessage, msg)
	}
}

// sdkCall is a request the SDK's VpcClient cannot express (repeated query
// values, a raw body, a tampered part), built and signed with the SDK's own
// request builder and credentials.
type sdkCall struct {
	method string
	path   string            // may hold {project_id}, filled in as the SDK does
	query  map[string]any    // string, int32 or []string values
	body   any               // nil, a string sent verbatim, or a value the SDK encodes as JSON
	header map[string]string // more headers; X-Sdk-Date here is the signing time
}

// sdkCredentials returns the SDK's credentials for cred in project.
func sdkCredentials(t *testing.T, cred auth.Credential, project string) *basic.Credentials {
	t.Helper()
	c, err := basic.NewCredentialsBuilder().WithAk(cred.AccessKey).WithSk(cred.SecretKey).WithProjectId(project).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sdkHTTPClient is what ProcessAuthRequest wants for refreshing temporary
// credentials; AK/SK credentials never use it.
var sdkHTTPClient = impl.NewDefaultHttpClient(config.DefaultHttpConfig())

// request builds c as the SDK's HcHttpClient builds an operation's request
// (User-Agent and Content-Type on every call, query values as
// reflect.Values) and signs it through the credentials' ProcessAuthRequest,
// which fills the project into the path, adds X-Project-Id and signs with the
// SDK signer. The result is ready for net/http.
func (e *e2eEnv) request(t *testing.T, cred *basic.Credentials, c sdkCall) *http.Request {
	t.Helper()
	b := request.NewHttpRequestBuilder().
		WithEndpoint(e.inst.Endpoint).
		WithMethod(c.method).
		WithPath(c.path).
		WithSigningAlgorithm(algorithm.HmacSHA256).
		AddHeaderParam("User-Agent", "huaweicloud-usdk-go/3.0; trafficmirror-e2e").
		AddHeaderParam("Content-Type", "application/json")
	for k, v := range c.header {
		b.AddHeaderParam(k, v)
	}
	for k, v := range c.query {
		// The SDK sends only query values given as reflect.Values.
		b.AddQueryParam(k, reflect.ValueOf(v))
	}
	if c.body != nil {
		b.WithBody("", c.body)
	}
	req, err := cred.ProcessAuthRequest(sdkHTTPClient, b.Build())
	if err != nil {
		t.Fatalf("SDK signing %s %s: %v", c.method, c.path, err)
	}
	hr, err := req.ConvertRequest()
	if err != nil {
		t.Fatalf("SDK request %s %s: %v", c.method, c.path, err)
	}
	return hr
}

// do signs c with cred in project and sends it.
func (e *e2eEnv) do(t *testing.T, cred auth.Credential, project string, c sdkCall) rawResponse {
	t.Helper()
	return sendRaw(t, e.request(t, sdkCredentials(t, cred, project), c))
}

// rawResponse is a response read whole.
type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

// sendRaw sends r with net/http.
func sendRaw(t *testing.T, r *http.Request) rawResponse {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the response: %v", r.Method, r.URL, err)
	}
	return rawResponse{status: resp.StatusCode, header: resp.Header, body: body}
}

// err returns what the SDK makes of an error response, parsed by the SDK's
// own error parser, or nil for a success.
func (r rawResponse) err() error {
	if r.status < 400 {
		return nil
	}
	return sdkerr.NewServiceResponseError(&http.Response{
		StatusCode: r.status,
		Header:     r.header,
		Body:       io.NopCloser(bytes.NewReader(r.body)),
	})
}

// decode checks a success response (status, JSON content type, the request
// id of the header repeated in the body) and decodes its body into v, one of
// the SDK's response models, with the SDK's decoder.
func (r rawResponse) decode(t *testing.T, op string, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, body %s; want %d", op, r.status, r.body, status)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q, want application/json", op, ct)
	}
	var envelope struct {
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal(r.body, &envelope); err != nil {
		t.Fatalf("%s: body %s: %v", op, r.body, err)
	}
	if id := r.header.Get("X-Request-Id"); !uuidV4RE.MatchString(id) || envelope.RequestID != id {
		t.Errorf("%s: X-Request-Id %q, body request_id %q; want one UUIDv4 in both", op, id, envelope.RequestID)
	}
	if err := utils.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%s: the SDK cannot decode %s: %v", op, r.body, err)
	}
}

// API paths, with {project_id} left for the SDK to fill in.
const (
	apiSessionsPath = "/v3/{project_id}/vpc/traffic-mirror-sessions"
	apiFiltersPath  = "/v3/{project_id}/vpc/traffic-mirror-filters"
	apiRulesPath    = "/v3/{project_id}/vpc/traffic-mirror-filter-rules"
)

// mustCreateFilter creates a filter through c and deletes it when the test
// ends (unless the test deleted it).
func mustCreateFilter(t *testing.T, c *vpc.VpcClient, name string, description *string) model.TrafficMirrorFilter {
	t.Helper()
	resp, err := c.CreateTrafficMirrorFilter(&model.CreateTrafficMirrorFilterRequest{Body: &model.CreateTrafficMirrorFilterRequestBody{
		TrafficMirrorFilter: &model.CreateTrafficMirrorFilterOption{Name: name, Description: description},
	}})
	if err != nil {
		t.Fatalf("CreateTrafficMirrorFilter(%s): %v", name, err)
	}
	f := *resp.TrafficMirrorFilter
	t.Cleanup(func() {
		_, err := c.DeleteTrafficMirrorFilter(&model.DeleteTrafficMirrorFilterRequest{TrafficMirrorFilterId: f.Id})
		cleanupError(t, "DeleteTrafficMirrorFilter", err)
	})
	return f
}

// mustCreateRule creates a filter rule through c and deletes it when the test
// ends (unless the test or its filter's deletion did).
func mustCreateRule(t *testing.T, c *vpc.VpcClient, opt model.CreateTrafficMirrorFilterRuleOption) model.TrafficMirrorFilterRule {
	t.Helper()
	resp, err := c.CreateTrafficMirrorFilterRule(&model.CreateTrafficMirrorFilterRuleRequest{Body: &model.CreateTrafficMirrorFilterRuleRequestBody{
		TrafficMirrorFilterRule: &opt,
	}})
	if err != nil {
		t.Fatalf("CreateTrafficMirrorFilterRule(%+v): %v", opt, err)
	}
	r := *resp.TrafficMirrorFilterRule
	t.Cleanup(func() {
		_, err := c.DeleteTrafficMirrorFilterRule(&model.DeleteTrafficMirrorFilterRuleRequest{TrafficMirrorFilterRuleId: r.Id})
		cleanupError(t, "DeleteTrafficMirrorFilterRule", err)
	})
	return r
}

// mustCreateSession creates a session through c and deletes it when the test
// ends (unless the test did).
func mustCreateSession(t *testing.T, c *vpc.VpcClient, opt model.CreateTrafficMirrorSessionOption) model.TrafficMirrorSession {
	t.Helper()
	resp, err := c.CreateTrafficMirrorSession(&model.CreateTrafficMirrorSessionRequest{Body: &model.CreateTrafficMirrorSessionRequestBody{
		TrafficMirrorSession: &opt,
	}})
	if err != nil {
		t.Fatalf("CreateTrafficMirrorSession(%+v): %v", opt, err)
	}
	s := *resp.TrafficMirrorSession
	t.Cleanup(func() {
		_, err := c.DeleteTrafficMirrorSession(&model.DeleteTrafficMirrorSessionRequest{TrafficMirrorSessionId: s.Id})
		cleanupError(t, "DeleteTrafficMirrorSession", err)
	})
	return s
}

// cleanupError reports a failed clean-up deletion; a resource that is gone
// already is fine.
func cleanupError(t *testing.T, op string, err error) {
	t.Helper()
	var se *sdkerr.ServiceResponseError
	if err == nil || errors.As(err, &se) && se.StatusCode == http.StatusNotFound {
		return
	}
	t.Errorf("clean-up %s: %v", op, err)
}

// sessionOption returns a valid create option with one fresh source and a
// fresh target, as the SDK sends it (priority set, optional fields unset).
func sessionOption(filterID string, priority int32) model.CreateTrafficMirrorSessionOption {
	return model.CreateTrafficMirrorSessionOption{
		Name:                    "session",
		TrafficMirrorFilterId:   filterID,
		TrafficMirrorSources:    []string{freshID()},
		TrafficMirrorTargetId:   freshID(),
		TrafficMirrorTargetType: "eni",
		Priority:                priority,
	}
}

// ruleOption returns a valid create option for an any-address tcp rule.
func ruleOption(filterID, direction string, priority int32) model.CreateTrafficMirrorFilterRuleOption {
	return model.CreateTrafficMirrorFilterRuleOption{
		TrafficMirrorFilterId: filterID,
		Direction:             direction,
		Protocol:              "tcp",
		Ethertype:             "IPv4",
		Action:                "accept",
		Priority:              priority,
	}
}

// sortedIDs returns the ids in ascending order, the order of every list.
func sortedIDs(ids ...string) []string {
	s := slices.Clone(ids)
	slices.Sort(s)
	if s == nil {
		s = []string{}
	}
	return s
}
