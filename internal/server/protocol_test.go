package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/trafficmirror/trafficmirror/internal/auth"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
	"github.com/trafficmirror/trafficmirror/internal/server"
)

// unreadable is a request body that must not be read.
type unreadable struct{}

func (unreadable) Read([]byte) (int, error) { return 0, errors.New("the body was read") }

const noRouteMsg = "The API does not exist or has not been published in the environment"

func TestUnknownRoutes(t *testing.T) {
	s := newServer(t, config{})
	tests := []struct{ method, path string }{
		{"GET", "/"},
		{"GET", "/v3"},
		{"GET", "/v3/" + project},
		{"GET", "/v3/" + project + "/vpc/traffic-mirror-session"},
		{"GET", "/v3/" + project + "/VPC/traffic-mirror-sessions"},
		{"GET", "/V3/" + project + "/vpc/traffic-mirror-sessions"},
		{"GET", "/v3/" + project + "/vpc/traffic-mirror-sessions/x/y"},
		{"GET", "/v3/" + project + "/vpc/traffic-mirror-sessions//"},
		{"GET", "/v3/" + project + "/vpc/traffic-mirror-sessions/x//"},
		{"GET", "/v3/" + project + "/vpc/./traffic-mirror-sessions"},
		{"GET", "/v3/" + project + "/vpc/traffic-mirror-filters/../traffic-mirror-sessions"},
		// Wrong project segment shapes.
		{"GET", "/v3//vpc/traffic-mirror-sessions"},
		{"GET", "/v3/vpc/traffic-mirror-sessions"},
		{"GET", "/v3/a/b/vpc/traffic-mirror-sessions"},
		{"GET", "//v3/" + project + "/vpc/traffic-mirror-sessions"},
		// Known paths, methods not listed.
		{"PATCH", sessions},
		{"PATCH", sessions + "/" + noSuchID},
		{"OPTIONS", sessions},
		{"OPTIONS", "/healthz"},
		{"DELETE", sessions},
		{"PUT", filters},
		{"POST", filters + "/" + noSuchID},
		{"GET", sessions + "/" + noSuchID + "/add-sources"},
		{"POST", sessions + "/" + noSuchID + "/remove-sources"},
		{"POST", "/healthz"},
		{"POST", "/metrics"},
		{"PUT", "/openapi.json"},
		{"GET", "/openapi.yaml"},
		{"PROPFIND", rules},
	}
	for _, tt := range tests {
		// The route is checked before the body, the signature and the
		// project: signed or not, the answer is the same.
		s.do(t, tt.method, tt.path, "", unsigned).wantError(t, http.StatusNotFound, "APIGW.0101", noRouteMsg)
		s.do(t, tt.method, tt.path, "").wantError(t, http.StatusNotFound, "APIGW.0101", noRouteMsg)
	}

	// HEAD is matched by the mux's GET patterns; the API does not offer it.
	for _, path := range []string{sessions, filters + "/" + noSuchID, "/healthz", "/metrics", "/openapi.json"} {
		resp := s.do(t, "HEAD", path, "")
		resp.wantStatus(t, http.StatusNotFound)
	}
}

func TestTrailingSlash(t *testing.T) {
	s := newServer(t, config{})
	resp := s.do(t, "POST", filters+"/", `{"traffic_mirror_filter":{"name":"f"}}`)
	resp.wantStatus(t, http.StatusCreated)
	f := s.mustCreateFilter(t, "g")
	s.do(t, "GET", filters+"/", "").wantStatus(t, http.StatusOK)
	s.do(t, "GET", filters+"/"+f.ID+"/", "").wantStatus(t, http.StatusOK)
	s.do(t, "PUT", filters+"/"+f.ID+"/", `{"traffic_mirror_filter":{}}`).wantStatus(t, http.StatusOK)
	s.do(t, "GET", rules+"/", "").wantStatus(t, http.StatusOK)
	s.do(t, "PUT", sessions+"/"+noSuchID+"/add-sources/", `{"traffic_mirror_session":{"traffic_mirror_sources":["`+src1+`"]}}`).
		wantError(t, http.StatusNotFound, "VPC.9201", "")
	s.do(t, "DELETE", filters+"/"+f.ID+"/", "").wantStatus(t, http.StatusNoContent)
	s.do(t, "GET", "/healthz/", "", unsigned).wantStatus(t, http.StatusOK)
}

func TestBodyTooLarge(t *testing.T) {
	t.Run("ContentLength", func(t *testing.T) {
		s := newServer(t, config{maxBody: 64})
		// 413 comes before authentication.
		s.do(t, "POST", filters, strings.Repeat("x", 65), unsigned).wantError(t, http.StatusRequestEntityTooLarge, "APIGW.0201", "Request entity too large.")
		s.do(t, "POST", filters, strings.Repeat("x", 65)).wantError(t, http.StatusRequestEntityTooLarge, "APIGW.0201", "Request entity too large.")
		// A body of exactly the limit is read, and then not authenticated.
		s.do(t, "POST", filters, strings.Repeat(" ", 64), unsigned).wantError(t, http.StatusUnauthorized, "APIGW.0301", "")
		// Also for operations whose body is ignored.
		s.do(t, "DELETE", filters+"/"+noSuchID, strings.Repeat("x", 65)).wantError(t, http.StatusRequestEntityTooLarge, "APIGW.0201", "")
	})
	t.Run("ContentLengthNotRead", func(t *testing.T) {
		// A Content-Length over the limit is refused before any of the
		// body is read.
		r := httptest.NewRequest("POST", filters, unreadable{})
		r.ContentLength = 65
		w := httptest.NewRecorder()
		server.New(server.Config{MaxBodyBytes: 64}).ServeHTTP(w, r)
		response{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}.
			wantError(t, http.StatusRequestEntityTooLarge, "APIGW.0201", "Request entity too large.")
	})
	t.Run("Chunked", func(t *testing.T) {
		s := newServer(t, config{maxBody: 64})
		send := func(body string) response {
			// A reader of unknown length makes the client send the body
			// chunked, without Content-Length.
			r, err := http.NewRequest("POST", s.URL+filters, io.MultiReader(strings.NewReader(body)))
			if err != nil {
				t.Fatal(err)
			}
			if err := auth.Sign(r, []byte(body), ak, sk, time.Now()); err != nil {
				t.Fatal(err)
			}
			if r.ContentLength != 0 {
				t.Fatalf("ContentLength = %d, want unknown", r.ContentLength)
			}
			return s.send(t, r)
		}
		send(strings.Repeat(" ", 65)).wantError(t, http.StatusRequestEntityTooLarge, "APIGW.0201", "Request entity too large.")
		// A chunked body within the limit is read once, verified and decoded.
		send(`{"traffic_mirror_filter":{"name":"chunked"}}`).wantStatus(t, http.StatusCreated)
	})
	t.Run("Default1MiB", func(t *testing.T) {
		s := newServer(t, config{})
		s.do(t, "POST", filters, strings.Repeat(" ", 1<<20+1), unsigned).wantError(t, http.StatusRequestEntityTooLarge, "APIGW.0201", "")
		// 1 MiB of spaces around a valid body passes.
		body := `{"traffic_mirror_filter":{"name":"big"}}`
		s.do(t, "POST", filters, body+strings.Repeat(" ", 1<<20-len(body))).wantStatus(t, http.StatusCreated)
	})
}

func TestAuthentication(t *testing.T) {
	s := newServer(t, config{})
	s.do(t, "GET", filters, "", unsigned).wantError(t, http.StatusUnauthorized, "APIGW.0301",
		"Incorrect IAM authentication information: x-auth-token not found")
	s.do(t, "GET", filters, "", as(ak, "wrong-secret")).wantError(t, http.StatusUnauthorized, "APIGW.0301",
		"Incorrect IAM authentication information: verify aksk signature fail")
	s.do(t, "GET", filters, "", as("HPUAUNKNOWNAK0000000", sk)).wantError(t, http.StatusUnauthorized, "APIGW.0301",
		"Incorrect IAM authentication information: Get secretKey failed,ak:HPUAUNKNOWNAK0000000,err:ak not exist")

	// The signature covers the raw body: a body changed after signing fails.
	r, err := http.NewRequest("POST", s.URL+filters, strings.NewReader(`{"traffic_mirror_filter":{"name":"b"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.Sign(r, []byte(`{"traffic_mirror_filter":{"name":"a"}}`), ak, sk, time.Now()); err != nil {
		t.Fatal(err)
	}
	s.send(t, r).wantError(t, http.StatusUnauthorized, "APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail")

	// Authentication comes before the project and the query checks.
	s.do(t, "GET", "/v3/"+other+"/vpc/traffic-mirror-filters?limit=x", "", unsigned).wantError(t, http.StatusUnauthorized, "APIGW.0301", "")
}

func TestProjectCheck(t *testing.T) {
	s := newServer(t, config{})
	const msg = "urlTenantId is not equal tokenTenantId"
	s.do(t, "GET", filters, "", header("X-Project-Id", other)).wantError(t, http.StatusBadRequest, "VPC.0007", msg)
	s.do(t, "GET", "/v3/"+other+"/vpc/traffic-mirror-filters", "").wantError(t, http.StatusBadRequest, "VPC.0007", msg)
	// The SDK without a project ID sends the path template.
	s.do(t, "GET", "/v3/%7Bproject_id%7D/vpc/traffic-mirror-filters", "").wantError(t, http.StatusBadRequest, "VPC.0007", msg)
	// The project check comes before the query and the body.
	s.do(t, "GET", "/v3/"+other+"/vpc/traffic-mirror-sessions?limit=-1", "").wantError(t, http.StatusBadRequest, "VPC.0007", msg)
	s.do(t, "POST", "/v3/"+other+"/vpc/traffic-mirror-filters", "not json").wantError(t, http.StatusBadRequest, "VPC.0007", msg)
	// A matching header, and a key allowed any project, pass.
	s.do(t, "GET", filters, "", header("X-Project-Id", project)).wantStatus(t, http.StatusOK)
	s.do(t, "GET", "/v3/"+other+"/vpc/traffic-mirror-filters", "", as(anyAK, anySK), header("X-Project-Id", other)).wantStatus(t, http.StatusOK)
}

func TestQueryErrors(t *testing.T) {
	s := newServer(t, config{})
	tests := []struct{ path, msg string }{
		{sessions + "?limit=2001", "Invalid query parameter limit: must be an integer from 0 to 2000"},
		{sessions + "?limit=-1", "Invalid query parameter limit: must be an integer from 0 to 2000"},
		{sessions + "?enabled=yes", "Invalid query parameter enabled: must be true or false"},
		{sessions + "?enabled=true&enabled=false", "Invalid query parameter enabled: must be given at most once"},
		{sessions + "?virtual_network_id=one", "Invalid query parameter virtual_network_id: must be a base-10 integer"},
		{sessions + "?packet_length=9.5", "Invalid query parameter packet_length: must be a base-10 integer"},
		{sessions + "?priority=", "Invalid query parameter priority: must be a base-10 integer"},
		{filters + "?limit=abc", "Invalid query parameter limit: must be an integer from 0 to 2000"},
		{rules + "?priority=high", "Invalid query parameter priority: must be a base-10 integer"},
		{rules + "?limit=1e3", "Invalid query parameter limit: must be an integer from 0 to 2000"},
	}
	for _, tt := range tests {
		s.do(t, "GET", tt.path, "").wantError(t, http.StatusBadRequest, "VPC.9104", tt.msg)
	}
	// Ignored and out-of-range parameters are no errors.
	for _, path := range []string{
		sessions + "?created_at=x&updated_at=y&Limit=x&unknown=1&priority=0&limit=0",
		filters + "?type=x&priority=x&enabled=x",
		rules + "?type=x&enabled=x&priority=70000",
	} {
		s.do(t, "GET", path, "").wantStatus(t, http.StatusOK)
	}
}

func TestBodyValidation(t *testing.T) {
	s := newServer(t, config{})
	f := s.mustCreateFilter(t, "f")
	ops := []struct {
		method, path, root string
		invalidField       string // a body whose first bad field is path.name
		field, code        string
	}{
		{"POST", sessions, "traffic_mirror_session", `"name":"s","traffic_mirror_filter_id":"` + f.ID + `","traffic_mirror_sources":["` + src1 + `"],` +
			`"traffic_mirror_target_id":"` + target + `","traffic_mirror_target_type":"eni","priority":"0"`, "priority", "VPC.9103"},
		{"POST", sessions, "traffic_mirror_session", `"name":""`, "name", "VPC.9102"},
		{"PUT", sessions + "/" + noSuchID, "traffic_mirror_session", `"virtual_network_id":true`, "virtual_network_id", "VPC.9103"},
		{"PUT", sessions + "/" + noSuchID + "/add-sources", "traffic_mirror_session", `"traffic_mirror_sources":null`, "traffic_mirror_sources", "VPC.9102"},
		{"PUT", sessions + "/" + noSuchID + "/remove-sources", "traffic_mirror_session", `"traffic_mirror_sources":["x"]`, "traffic_mirror_sources[0]", "VPC.9103"},
		{"POST", filters, "traffic_mirror_filter", `"name":"a b"`, "name", "VPC.9103"},
		{"PUT", filters + "/" + noSuchID, "traffic_mirror_filter", `"description":"<>"`, "description", "VPC.9103"},
		{"POST", rules, "traffic_mirror_filter_rule", `"traffic_mirror_filter_id":"` + f.ID + `","direction":" "`, "direction", "VPC.9102"},
		{"PUT", rules + "/" + noSuchID, "traffic_mirror_filter_rule", `"protocol":""`, "protocol", "VPC.9103"},
	}
	for _, op := range ops {
		name := op.method + " " + op.path
		s.do(t, op.method, op.path, "").wantError(t, http.StatusBadRequest, "VPC.9101", "Invalid request body: the body is empty")
		s.do(t, op.method, op.path, "{").wantError(t, http.StatusBadRequest, "VPC.9101", "")
		s.do(t, op.method, op.path, "[1]").wantError(t, http.StatusBadRequest, "VPC.9101", "Invalid request body: the body must be a JSON object")
		s.do(t, op.method, op.path, "{}\n").wantError(t, http.StatusBadRequest, "VPC.9102", "Missing required parameter: "+op.root)
		s.do(t, op.method, op.path, `{"`+op.root+`":null}`).wantError(t, http.StatusBadRequest, "VPC.9102", "Missing required parameter: "+op.root)
		s.do(t, op.method, op.path, `{"`+op.root+`":[]}`).wantError(t, http.StatusBadRequest, "VPC.9103", "Invalid parameter "+op.root+": must be a JSON object")
		resp := s.do(t, op.method, op.path, `{"`+op.root+`":{`+op.invalidField+`}}`)
		resp.wantStatus(t, http.StatusBadRequest)
		if !contains(resp.Body, `"error_code":"`+op.code+`"`) || !contains(resp.Body, op.root+"."+op.field) {
			t.Errorf("%s with %s: body %s, want %s naming %s.%s", name, op.invalidField, resp.Body, op.code, op.root, op.field)
		}
	}
}

// failingStore injects faults into the real store: it embeds it and
// overrides single methods.
type failingStore struct {
	mirror.Store
	getSession  func() // called by GetSession before the real one
	listFilters error  // returned by ListFilters
	ping        error  // returned by Ping
}

func (f failingStore) GetSession(ctx context.Context, projectID, id string) (mirror.Session, error) {
	if f.getSession != nil {
		f.getSession()
	}
	return f.Store.GetSession(ctx, projectID, id)
}

func (f failingStore) ListFilters(ctx context.Context, projectID string, q mirror.FilterQuery) (mirror.Page[mirror.Filter], error) {
	if f.listFilters != nil {
		return mirror.Page[mirror.Filter]{}, f.listFilters
	}
	return f.Store.ListFilters(ctx, projectID, q)
}

func (f failingStore) Ping(ctx context.Context) error {
	if f.ping != nil {
		return f.ping
	}
	return f.Store.Ping(ctx)
}

func TestPanic(t *testing.T) {
	s := newServer(t, config{wrap: func(st mirror.Store) mirror.Store {
		return failingStore{Store: st, getSession: func() { panic("injected fault") }}
	}})
	for range 2 {
		resp := s.do(t, "GET", sessions+"/"+noSuchID, "")
		resp.wantError(t, http.StatusInternalServerError, "VPC.9501", "Internal server error.")
		if contains(resp.Body, "injected") {
			t.Errorf("500 body %s reveals the panic", resp.Body)
		}
		// The server keeps serving.
		s.do(t, "GET", filters, "").wantStatus(t, http.StatusOK)
	}
	logs := s.Logs.String()
	if !strings.Contains(logs, "injected fault") || !strings.Contains(logs, "goroutine") {
		t.Errorf("logs lack the panic value and stack:\n%s", logs)
	}
}

func TestStoreErrors(t *testing.T) {
	s := newServer(t, config{wrap: func(st mirror.Store) mirror.Store {
		return failingStore{Store: st, listFilters: errors.New("disk on fire"), ping: mirror.Unavailable(errors.New("db down"))}
	}})
	resp := s.do(t, "GET", filters, "")
	resp.wantError(t, http.StatusInternalServerError, "VPC.9501", "Internal server error.")
	if contains(resp.Body, "disk") || !strings.Contains(s.Logs.String(), "disk on fire") {
		t.Errorf("the cause must be logged (logs %q) and not sent (body %s)", s.Logs.String(), resp.Body)
	}
	resp = s.do(t, "GET", "/healthz", "", unsigned)
	resp.wantStatus(t, http.StatusServiceUnavailable)
	if string(resp.Body) != `{"status":"unavailable"}`+"\n" {
		t.Errorf("healthz body = %q, want {\"status\":\"unavailable\"}", resp.Body)
	}
}

func TestUnavailable(t *testing.T) {
	s := newServer(t, config{wrap: func(st mirror.Store) mirror.Store {
		return failingStore{Store: st, listFilters: mirror.Unavailable(errors.New("db down"))}
	}})
	s.do(t, "GET", filters, "").wantError(t, http.StatusServiceUnavailable, "VPC.9502", "Service temporarily unavailable, please retry later.")
}

func TestHealthz(t *testing.T) {
	s := newServer(t, config{})
	resp := s.do(t, "GET", "/healthz", "", unsigned)
	resp.wantStatus(t, http.StatusOK)
	if string(resp.Body) != `{"status":"ok"}`+"\n" {
		t.Errorf("healthz body = %q, want {\"status\":\"ok\"}", resp.Body)
	}
	if err := s.Store.Close(); err != nil {
		t.Fatal(err)
	}
	resp = s.do(t, "GET", "/healthz", "", unsigned)
	resp.wantStatus(t, http.StatusServiceUnavailable)
	if string(resp.Body) != `{"status":"unavailable"}`+"\n" {
		t.Errorf("healthz body = %q, want {\"status\":\"unavailable\"}", resp.Body)
	}
}

// Every response carries a fresh request id in the header, equal to the
// body's; a client's X-Request-Id is ignored.
func TestRequestID(t *testing.T) {
	s := newServer(t, config{maxBody: 1024, wrap: func(st mirror.Store) mirror.Store {
		return failingStore{Store: st, getSession: func() { panic("injected fault") }}
	}})
	f := s.mustCreateFilter(t, "f")
	responses := []struct {
		name string
		resp response
	}{
		{"200", s.do(t, "GET", filters, "", header("X-Request-Id", "mine"))},
		{"201", s.do(t, "POST", filters, `{"traffic_mirror_filter":{"name":"x"}}`, header("X-Request-Id", "mine"))},
		{"204", s.do(t, "DELETE", filters+"/"+f.ID, "")},
		{"400", s.do(t, "POST", filters, "{}")},
		{"401", s.do(t, "GET", filters, "", unsigned, header("X-Request-Id", "mine"))},
		{"404 route", s.do(t, "GET", "/nope", "", header("X-Request-Id", "mine"))},
		{"404 resource", s.do(t, "GET", filters+"/"+f.ID, "")},
		{"413", s.do(t, "POST", filters, strings.Repeat(" ", 1025))},
		{"500", s.do(t, "GET", sessions+"/x", "")},
		{"healthz", s.do(t, "GET", "/healthz", "")},
	}
	seen := map[string]string{}
	for _, r := range responses {
		id := r.resp.Header.Get("X-Request-Id")
		if !uuidV4RE.MatchString(id) {
			t.Errorf("%s: X-Request-Id = %q, want a fresh lower-case UUIDv4", r.name, id)
		}
		if prev, ok := seen[id]; ok {
			t.Errorf("%s: X-Request-Id %s already used by %s", r.name, id, prev)
		}
		seen[id] = r.name
		var body struct {
			RequestID string `json:"request_id"`
		}
		if len(r.resp.Body) > 0 && r.name != "healthz" {
			if err := json.Unmarshal(r.resp.Body, &body); err != nil || body.RequestID != id {
				t.Errorf("%s: body %s, want request_id %s", r.name, r.resp.Body, id)
			}
		}
	}
}

func TestAccessLog(t *testing.T) {
	s := newServer(t, config{})
	ok := s.do(t, "GET", filters+"?limit=5", "")
	bad := s.do(t, "GET", "/v3/"+project+"/vpc/traffic-mirror-sessions/"+noSuchID, "", unsigned)
	lines := map[string]map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(s.Logs.String()))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if line["msg"] == "request" {
			id, _ := line["request_id"].(string)
			if _, dup := lines[id]; dup {
				t.Errorf("two access log lines for request %s", id)
			}
			lines[id] = line
		}
	}
	check := func(resp response, want map[string]any) {
		t.Helper()
		line := lines[resp.Header.Get("X-Request-Id")]
		if line == nil {
			t.Fatalf("no access log line for request %s in\n%s", resp.Header.Get("X-Request-Id"), s.Logs.String())
		}
		for k, v := range want {
			if line[k] != v {
				t.Errorf("access log %s = %v, want %v (line %v)", k, line[k], v, line)
			}
		}
		if _, ok := line["duration"]; !ok {
			t.Errorf("access log line %v has no duration", line)
		}
	}
	check(ok, map[string]any{"operation": "ListTrafficMirrorFilters", "method": "GET", "path": filters,
		"project": project, "access_key": ak, "status": float64(200)})
	check(bad, map[string]any{"operation": "ShowTrafficMirrorSession", "method": "GET", "project": project,
		"access_key": "", "status": float64(401)})
	if strings.Contains(s.Logs.String(), sk) {
		t.Error("the secret key appears in the logs")
	}
}
