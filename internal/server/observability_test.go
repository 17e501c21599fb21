package server_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/trafficmirror/trafficmirror/internal/api"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// metricFamilies is one scrape of /metrics.
type metricFamilies map[string]*dto.MetricFamily

// scrape fetches /metrics without a signature and parses the text format.
func (s *testServer) scrape(t *testing.T) metricFamilies {
	t.Helper()
	resp := s.do(t, "GET", "/metrics", "", unsigned)
	if resp.Status != http.StatusOK {
		t.Fatalf("GET /metrics: status %d, body %s", resp.Status, resp.Body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("GET /metrics: Content-Type %q, want the text format", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(string(resp.Body)))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, resp.Body)
	}
	return mfs
}

// find returns the series of metric name whose labels include labels.
func (mfs metricFamilies) find(name string, labels map[string]string) *dto.Metric {
	mf := mfs[name]
	if mf == nil {
		return nil
	}
next:
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

// counter returns the value of a counter series, 0 when it does not exist.
func (mfs metricFamilies) counter(name string, labels map[string]string) float64 {
	return mfs.find(name, labels).GetCounter().GetValue()
}

// observations returns the sample count of a histogram series, and whether
// the series exists.
func (mfs metricFamilies) observations(name string, labels map[string]string) (uint64, bool) {
	m := mfs.find(name, labels)
	return m.GetHistogram().GetSampleCount(), m != nil
}

func op(name string) map[string]string { return map[string]string{"operation": name} }

func opStatus(name string, status int) map[string]string {
	return map[string]string{"operation": name, "status": fmt.Sprint(status)}
}

func TestMetrics(t *testing.T) {
	s := newServer(t, config{version: "v1.2.3"})
	before := s.scrape(t)

	t.Run("BuildInfo", func(t *testing.T) {
		m := before.find("trafficmirror_build_info", map[string]string{"version": "v1.2.3", "goversion": runtime.Version()})
		if m.GetGauge().GetValue() != 1 {
			t.Errorf("trafficmirror_build_info{version=v1.2.3,goversion=%s} = %v, want 1", runtime.Version(), m)
		}
	})
	t.Run("RuntimeAndProcess", func(t *testing.T) {
		for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_cpu_seconds_total", "process_open_fds"} {
			if before[name] == nil {
				t.Errorf("%s is missing", name)
			}
		}
	})
	t.Run("SeriesExistBeforeTraffic", func(t *testing.T) {
		for _, name := range []string{"CreateTrafficMirrorSession", "ListTrafficMirrorFilterRules", "DeleteTrafficMirrorFilter"} {
			if n, ok := before.observations("trafficmirror_http_request_duration_seconds", op(name)); !ok || n != 0 {
				t.Errorf("duration of %s: %d observations (exists %v), want an empty series", name, n, ok)
			}
		}
		if n, ok := before.observations("trafficmirror_store_query_duration_seconds", map[string]string{"method": "UpdateFilterRule"}); !ok || n != 0 {
			t.Errorf("store duration of UpdateFilterRule: %d observations (exists %v), want an empty series", n, ok)
		}
	})

	s.mustCreateFilter(t, "f1")
	s.do(t, "POST", filters, `{"traffic_mirror_filter":{}}`).wantError(t, http.StatusBadRequest, "VPC.9102", "")
	s.do(t, "GET", filters+"/"+noSuchID, "").wantError(t, http.StatusNotFound, "VPC.9202", "")
	s.do(t, "GET", filters, "", unsigned).wantError(t, http.StatusUnauthorized, "APIGW.0301", "")
	s.do(t, "GET", "/v3/"+project+"/vpc/nothing-here", "").wantError(t, http.StatusNotFound, "APIGW.0101", "")
	s.do(t, "GET", "/healthz", "").wantStatus(t, http.StatusOK)
	s.do(t, "GET", "/openapi.json", "").wantStatus(t, http.StatusOK)
	after := s.scrape(t)

	t.Run("Requests", func(t *testing.T) {
		for _, c := range []struct {
			labels map[string]string
			want   float64
		}{
			{opStatus("CreateTrafficMirrorFilter", 201), 1},
			{opStatus("CreateTrafficMirrorFilter", 400), 1},
			{opStatus("ShowTrafficMirrorFilter", 404), 1},
			{opStatus("ListTrafficMirrorFilters", 401), 1},
			{opStatus("unmatched", 404), 1},
			{opStatus("ListTrafficMirrorFilters", 200), 0},
		} {
			if got := after.counter("trafficmirror_http_requests_total", c.labels) - before.counter("trafficmirror_http_requests_total", c.labels); got != c.want {
				t.Errorf("trafficmirror_http_requests_total%v grew by %v, want %v", c.labels, got, c.want)
			}
		}
		// /healthz, /metrics and /openapi.json are not API operations.
		for _, name := range []string{"Health", "Metrics", "OpenAPI", ""} {
			if m := after.find("trafficmirror_http_requests_total", op(name)); m != nil {
				t.Errorf("requests counted for operation %q: %v", name, m)
			}
		}
	})
	t.Run("Durations", func(t *testing.T) {
		if n, _ := after.observations("trafficmirror_http_request_duration_seconds", op("CreateTrafficMirrorFilter")); n != 2 {
			t.Errorf("CreateTrafficMirrorFilter durations: %d observations, want 2", n)
		}
	})
	t.Run("Store", func(t *testing.T) {
		// Invalid and unauthenticated requests never reach the store.
		for method, want := range map[string]uint64{"CreateFilter": 1, "GetFilter": 1, "ListFilters": 0, "Ping": 1} {
			if n, _ := after.observations("trafficmirror_store_query_duration_seconds", map[string]string{"method": method}); n != want {
				t.Errorf("store duration of %s: %d observations, want %d", method, n, want)
			}
		}
		// Not found is an answer, not a store failure.
		if m := after.find("trafficmirror_store_errors_total", map[string]string{"method": "GetFilter"}); m != nil {
			t.Errorf("store error counted for a filter that does not exist: %v", m)
		}
	})
}

// Each server has its own registry: two in one process do not share
// counts, and creating the second does not panic on duplicate registration.
func TestMetricsPerServer(t *testing.T) {
	a := newServer(t, config{})
	b := newServer(t, config{})
	a.mustCreateFilter(t, "f")
	labels := opStatus("CreateTrafficMirrorFilter", 201)
	if got := a.scrape(t).counter("trafficmirror_http_requests_total", labels); got != 1 {
		t.Errorf("server a counted %v creates, want 1", got)
	}
	if got := b.scrape(t).counter("trafficmirror_http_requests_total", labels); got != 0 {
		t.Errorf("server b counted %v creates, want 0", got)
	}
}

// countingStore is the real store plus the optional ResourceCounts method,
// with the query proposed for sqlstore run on the store's SQLite file; fail
// makes it fail.
type countingStore struct {
	mirror.Store
	db   *sql.DB
	fail bool
}

func (c *countingStore) ResourceCounts(ctx context.Context) (map[string]int64, error) {
	if c.fail {
		return nil, errors.New("database is away")
	}
	var sessions, filters, rules int64
	err := c.db.QueryRowContext(ctx, `SELECT CAST(COALESCE(SUM(session_count), 0) AS BIGINT),
		CAST(COALESCE(SUM(filter_count), 0) AS BIGINT), (SELECT COUNT(*) FROM filter_rules) FROM projects`).
		Scan(&sessions, &filters, &rules)
	if err != nil {
		return nil, err
	}
	return map[string]int64{"sessions": sessions, "filters": filters, "rules": rules}, nil
}

func TestMetricsResources(t *testing.T) {
	counting := &countingStore{}
	s := newServer(t, config{wrap: func(st mirror.Store) mirror.Store { counting.Store = st; return counting }})
	db, err := sql.Open("sqlite", "file:"+s.DBPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	counting.db = db
	resources := func(mfs metricFamilies) map[string]float64 {
		got := map[string]float64{}
		for _, kind := range []string{"sessions", "filters", "rules"} {
			if m := mfs.find("trafficmirror_resources", map[string]string{"kind": kind}); m != nil {
				got[kind] = m.GetGauge().GetValue()
			}
		}
		return got
	}

	if diff := cmp.Diff(map[string]float64{"sessions": 0, "filters": 0, "rules": 0}, resources(s.scrape(t))); diff != "" {
		t.Errorf("resources of an empty store (-want +got):\n%s", diff)
	}
	f := s.mustCreateFilter(t, "f")
	s.mustCreateFilter(t, "g")
	s.mustCreateRule(t, f.ID, "ingress", 1)
	s.mustCreateSession(t, f.ID, 1, src1)
	if diff := cmp.Diff(map[string]float64{"sessions": 1, "filters": 2, "rules": 1}, resources(s.scrape(t))); diff != "" {
		t.Errorf("resources after creates (-want +got):\n%s", diff)
	}
	g := s.mustCreateFilter(t, "h")
	s.do(t, "DELETE", filters+"/"+g.ID, "").wantStatus(t, http.StatusNoContent)
	if diff := cmp.Diff(map[string]float64{"sessions": 1, "filters": 2, "rules": 1}, resources(s.scrape(t))); diff != "" {
		t.Errorf("resources after a delete (-want +got):\n%s", diff)
	}

	// A failing count leaves the counts out and says so; the rest is
	// served.
	counting.fail = true
	mfs := s.scrape(t)
	if got := resources(mfs); len(got) != 0 {
		t.Errorf("resources while the count fails = %v, want none", got)
	}
	if got := mfs.counter("trafficmirror_resource_count_errors_total", nil); got != 1 {
		t.Errorf("trafficmirror_resource_count_errors_total = %v, want 1", got)
	}
	if mfs["trafficmirror_build_info"] == nil {
		t.Error("the other metrics must still be served")
	}
}

// brokenStore fails one method unexpectedly.
type brokenStore struct{ mirror.Store }

func (brokenStore) GetSession(context.Context, string, string) (mirror.Session, error) {
	return mirror.Session{}, errors.New("disk on fire")
}

func (brokenStore) GetFilter(context.Context, string, string) (mirror.Filter, error) {
	return mirror.Filter{}, mirror.Unavailable(errors.New("connection refused"))
}

func TestMetricsStoreErrors(t *testing.T) {
	s := newServer(t, config{wrap: func(st mirror.Store) mirror.Store { return brokenStore{st} }})
	s.do(t, "GET", sessions+"/"+noSuchID, "").wantError(t, http.StatusInternalServerError, "VPC.9501", "")
	s.do(t, "GET", filters+"/"+noSuchID, "").wantError(t, http.StatusServiceUnavailable, "VPC.9502", "")
	mfs := s.scrape(t)
	if got := mfs.counter("trafficmirror_store_errors_total", map[string]string{"method": "GetSession", "kind": "internal"}); got != 1 {
		t.Errorf("internal store errors of GetSession = %v, want 1", got)
	}
	if got := mfs.counter("trafficmirror_store_errors_total", map[string]string{"method": "GetFilter", "kind": "unavailable"}); got != 1 {
		t.Errorf("unavailable store errors of GetFilter = %v, want 1", got)
	}
	if got := mfs.counter("trafficmirror_http_requests_total", opStatus("ShowTrafficMirrorSession", 500)); got != 1 {
		t.Errorf("500s of ShowTrafficMirrorSession = %v, want 1", got)
	}
}

// auditLine is one line of the audit log.
type auditLine struct {
	Time       time.Time `json:"time"`
	Level      string    `json:"level"`
	Msg        string    `json:"msg"`
	RequestID  string    `json:"request_id"`
	Operation  string    `json:"operation"`
	Project    string    `json:"project"`
	AccessKey  string    `json:"access_key"`
	ResourceID string    `json:"resource_id"`
	Fields     []string  `json:"fields"`
	Status     int       `json:"status"`
}

// auditLines parses every line of the audit log, refusing unknown keys so
// that nothing else (a value from a body) can appear in it.
func (s *testServer) auditLines(t *testing.T) []auditLine {
	t.Helper()
	var lines []auditLine
	sc := bufio.NewScanner(strings.NewReader(s.Audit.String()))
	for sc.Scan() {
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		var l auditLine
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("audit line %s: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	return lines
}

func TestAudit(t *testing.T) {
	s := newServer(t, config{})
	seen := 0
	// step sends a request and checks the audit lines it added: exactly
	// want, or none when want is nil.
	step := func(t *testing.T, method, path, body string, status int, want *auditLine, opts ...reqOption) response {
		t.Helper()
		resp := s.do(t, method, path, body, opts...)
		if resp.Status != status {
			t.Fatalf("%s %s: status %d, want %d; body %s", method, path, resp.Status, status, resp.Body)
		}
		lines := s.auditLines(t)
		added := lines[seen:]
		seen = len(lines)
		if want == nil {
			if len(added) != 0 {
				t.Errorf("%s %s (%d): audit lines %+v, want none", method, path, status, added)
			}
			return resp
		}
		if len(added) != 1 {
			t.Fatalf("%s %s: %d audit lines %+v, want 1", method, path, len(added), added)
		}
		got := added[0]
		w := *want
		w.Msg, w.Level, w.Project, w.AccessKey, w.Status = "audit", "INFO", project, ak, status
		w.RequestID = resp.Header.Get("X-Request-Id")
		if w.ResourceID == "" {
			// A create: the new resource's ID, which the request did not
			// know.
			var created map[string]json.RawMessage
			if err := json.Unmarshal(resp.Body, &created); err != nil {
				t.Fatal(err)
			}
			for _, raw := range created {
				var v struct {
					ID string `json:"id"`
				}
				if json.Unmarshal(raw, &v) == nil {
					w.ResourceID += v.ID
				}
			}
		}
		if got.Time.IsZero() {
			t.Errorf("%s %s: audit line without a time", method, path)
		}
		if diff := cmp.Diff(w, got, cmpopts.IgnoreFields(auditLine{}, "Time")); diff != "" {
			t.Errorf("%s %s: audit line (-want +got):\n%s", method, path, diff)
		}
		return resp
	}
	decode := func(t *testing.T, resp response, v any) { t.Helper(); resp.decode(t, v) }

	var f api.FilterResponse
	decode(t, step(t, "POST", filters, `{"traffic_mirror_filter":{"name":"f","description":null,"type":"eni","ingress_rules":[]}}`, 201,
		&auditLine{Operation: "CreateTrafficMirrorFilter", Fields: []string{"name", "type"}}), &f)
	filterID := f.Filter.ID
	step(t, "PUT", filters+"/"+filterID, `{"traffic_mirror_filter":{"description":"secret-ish value","unknown":1}}`, 200,
		&auditLine{Operation: "UpdateTrafficMirrorFilter", ResourceID: filterID, Fields: []string{"description"}})

	var r api.FilterRuleResponse
	decode(t, step(t, "POST", rules, `{"traffic_mirror_filter_rule":{"traffic_mirror_filter_id":"`+filterID+
		`","direction":"ingress","protocol":"tcp","ethertype":"ipv4","action":"accept","priority":1,"destination_port_range":"80"}}`, 201,
		&auditLine{Operation: "CreateTrafficMirrorFilterRule", Fields: []string{"traffic_mirror_filter_id", "direction", "protocol", "ethertype", "action", "priority", "destination_port_range"}}), &r)
	ruleID := r.Rule.ID
	step(t, "PUT", rules+"/"+ruleID, `{"traffic_mirror_filter_rule":{"priority":"2","action":"reject"}}`, 200,
		&auditLine{Operation: "UpdateTrafficMirrorFilterRule", ResourceID: ruleID, Fields: []string{"action", "priority"}})

	var sess api.SessionResponse
	decode(t, step(t, "POST", sessions, `{"traffic_mirror_session":{"name":"s","traffic_mirror_filter_id":"`+filterID+
		`","traffic_mirror_sources":["`+src1+`"],"traffic_mirror_target_id":"`+target+`","traffic_mirror_target_type":"eni","priority":1}}`, 201,
		&auditLine{Operation: "CreateTrafficMirrorSession", Fields: []string{"name", "traffic_mirror_filter_id", "traffic_mirror_sources", "traffic_mirror_target_id", "traffic_mirror_target_type", "priority"}}), &sess)
	sessionID := sess.Session.ID
	step(t, "PUT", sessions+"/"+sessionID, `{"traffic_mirror_session":{"enabled":"true","packet_length":100}}`, 200,
		&auditLine{Operation: "UpdateTrafficMirrorSession", ResourceID: sessionID, Fields: []string{"packet_length", "enabled"}})
	step(t, "PUT", sessions+"/"+sessionID+"/add-sources", `{"traffic_mirror_session":{"traffic_mirror_sources":["`+src2+`"]}}`, 200,
		&auditLine{Operation: "AddSourcesToTrafficMirrorSession", ResourceID: sessionID, Fields: []string{"traffic_mirror_sources"}})
	step(t, "PUT", sessions+"/"+sessionID+"/remove-sources/", `{"traffic_mirror_session":{"traffic_mirror_sources":["`+src2+`"]}}`, 200,
		&auditLine{Operation: "RemoveSourcesFromTrafficMirrorSession", ResourceID: sessionID, Fields: []string{"traffic_mirror_sources"}})

	// Reads are not audited.
	step(t, "GET", sessions, "", 200, nil)
	step(t, "GET", sessions+"/"+sessionID, "", 200, nil)
	step(t, "GET", filters+"?name=f", "", 200, nil)
	step(t, "GET", rules+"/"+ruleID, "", 200, nil)
	step(t, "GET", "/healthz", "", 200, nil)

	// Failed mutations are not audited, whichever step fails.
	step(t, "POST", filters, `{"traffic_mirror_filter":{"name":"bad name"}}`, 400, nil)
	step(t, "PUT", sessions+"/"+noSuchID, `{"traffic_mirror_session":{"name":"x"}}`, 404, nil)
	step(t, "DELETE", filters+"/"+filterID, "", 409, nil)
	step(t, "DELETE", sessions+"/"+sessionID, "", 401, nil, as(ak, "wrong"+sk))
	step(t, "DELETE", "/v3/"+other+"/vpc/traffic-mirror-sessions/"+sessionID, "", 400, nil)
	step(t, "PATCH", sessions+"/"+sessionID, "", 404, nil)

	step(t, "DELETE", rules+"/"+ruleID, "", 204,
		&auditLine{Operation: "DeleteTrafficMirrorFilterRule", ResourceID: ruleID, Fields: []string{}})
	step(t, "DELETE", sessions+"/"+sessionID, `{"traffic_mirror_session":{"name":"ignored"}}`, 204,
		&auditLine{Operation: "DeleteTrafficMirrorSession", ResourceID: sessionID, Fields: []string{}})
	step(t, "DELETE", filters+"/"+filterID, "", 204,
		&auditLine{Operation: "DeleteTrafficMirrorFilter", ResourceID: filterID, Fields: []string{}})

	// Names only: no value from a body, and never a secret.
	for _, leak := range []string{sk, "secret-ish value", "ignored"} {
		if strings.Contains(s.Audit.String(), leak) {
			t.Errorf("the audit log contains %q:\n%s", leak, s.Audit.String())
		}
	}
}

// Without an audit logger there are no audit lines anywhere, and the
// mutations work as before.
func TestAuditOff(t *testing.T) {
	s := newServer(t, config{noAudit: true})
	f := s.mustCreateFilter(t, "f")
	s.do(t, "DELETE", filters+"/"+f.ID, "").wantStatus(t, http.StatusNoContent)
	if s.Audit.String() != "" || strings.Contains(s.Logs.String(), `"msg":"audit"`) {
		t.Errorf("audit lines without an audit logger:\n%s%s", s.Audit.String(), s.Logs.String())
	}
}

// No log line, access or audit, of any request carries a secret key, also
// when a request is signed with a wrong one.
func TestNoSecretInLogs(t *testing.T) {
	s := newServer(t, config{})
	f := s.mustCreateFilter(t, "f")
	r := s.mustCreateRule(t, f.ID, "egress", 3)
	s.do(t, "PUT", filters+"/"+f.ID, `{"traffic_mirror_filter":{"name":"g"}}`).wantStatus(t, http.StatusOK)
	s.do(t, "DELETE", rules+"/"+r.ID, "", as(anyAK, anySK)).wantStatus(t, http.StatusNoContent)
	s.do(t, "GET", filters, "", as(ak, anySK)).wantError(t, http.StatusUnauthorized, "APIGW.0301", "")
	s.do(t, "GET", filters, "", as(anyAK, sk)).wantError(t, http.StatusUnauthorized, "APIGW.0301", "")
	s.do(t, "GET", "/v3/"+other+"/vpc/traffic-mirror-filters", "").wantError(t, http.StatusBadRequest, "VPC.0007", "")
	logs := s.Logs.String() + s.Audit.String()
	if !strings.Contains(logs, ak) || !strings.Contains(logs, anyAK) {
		t.Fatalf("the logs should name the access keys:\n%s", logs)
	}
	for _, secret := range []string{sk, anySK} {
		if strings.Contains(logs, secret) {
			t.Errorf("a log line contains the secret key %q:\n%s", secret, logs)
		}
	}
}
