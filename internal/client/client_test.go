package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/trafficmirror/trafficmirror/internal/api"
	"github.com/trafficmirror/trafficmirror/internal/auth"
	"github.com/trafficmirror/trafficmirror/internal/client"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
	"github.com/trafficmirror/trafficmirror/internal/server"
	"github.com/trafficmirror/trafficmirror/internal/sqlstore"
)

const (
	project = "0123456789abcdef0123456789abcdef"
	ak      = "HPUAEXAMPLEAK0000001"
	sk      = "sk/EXAMPLE+SecretKey0000000000000000000000"
	target  = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
	src1    = "6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b"
	src2    = "7e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b"
	noSuch  = "00000000-0000-4000-8000-000000000000"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// testServer is the real API on a SQLite file, behind httptest. requests
// counts the API requests it has received.
type testServer struct {
	URL      string
	requests atomic.Int64
}

func newServer(t *testing.T) *testServer {
	t.Helper()
	store, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "trafficmirror.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	keys := auth.NewKeyring([]auth.Credential{{AccessKey: ak, SecretKey: sk, Projects: []string{project}}})
	h := server.New(server.Config{Store: store, Auth: &auth.Verifier{Keys: keys}})
	ts := &testServer{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.requests.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	ts.URL = hs.URL
	return ts
}

func newClient(t *testing.T, opts ...client.Option) (*client.Client, *testServer) {
	t.Helper()
	ts := newServer(t)
	return client.New(ts.URL, ak, sk, project, opts...), ts
}

func mustCreateFilter(t *testing.T, c *client.Client, name string) api.Filter {
	t.Helper()
	resp, err := c.CreateFilter(context.Background(), api.FilterFields{Name: api.StringOf(name)})
	if err != nil {
		t.Fatalf("CreateFilter(%q) = %v", name, err)
	}
	return resp.Filter
}

// sessionFields returns the fields of a valid session with one source.
func sessionFields(name, filterID, source string, priority int) api.SessionFields {
	return api.SessionFields{
		Name:       api.StringOf(name),
		FilterID:   api.StringOf(filterID),
		Sources:    api.StringsOf([]string{source}),
		TargetID:   api.StringOf(target),
		TargetType: api.StringOf("eni"),
		Priority:   api.IntOf(priority),
	}
}

// sourceID returns a distinct valid source ID for each i.
func sourceID(i int) string { return fmt.Sprintf("6e7b6a52-0c31-4b7f-8d9a-%012d", i) }

func TestSessionLifecycle(t *testing.T) {
	ctx := context.Background()
	c, _ := newClient(t)
	f := mustCreateFilter(t, c, "f1")

	created, err := c.CreateSession(ctx, sessionFields("s1", f.ID, src1, 5))
	if err != nil {
		t.Fatalf("CreateSession = %v", err)
	}
	s := created.Session
	if !uuidRE.MatchString(s.ID) || !uuidRE.MatchString(created.RequestID) {
		t.Errorf("CreateSession: id %q, request id %q; want UUIDs", s.ID, created.RequestID)
	}
	want := api.Session{
		ID: s.ID, ProjectID: project, Name: "s1", Description: "", FilterID: f.ID,
		Sources: []string{src1}, TargetID: target, TargetType: "eni",
		VirtualNetworkID: mirror.DefaultVirtualNetworkID, PacketLength: mirror.DefaultPacketLength,
		Priority: 5, Enabled: false, Type: "eni", CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("CreateSession mismatch (-want +got):\n%s", diff)
	}

	t.Run("Show", func(t *testing.T) {
		got, err := c.ShowSession(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(s, got.Session); diff != "" {
			t.Errorf("ShowSession mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("UpdateSendsOnlyGivenFields", func(t *testing.T) {
		got, err := c.UpdateSession(ctx, s.ID, api.SessionFields{Enabled: api.BoolOf(true), Description: api.StringOf("d")})
		if err != nil {
			t.Fatal(err)
		}
		w := s
		w.Enabled, w.Description, w.UpdatedAt = true, "d", got.Session.UpdatedAt
		if diff := cmp.Diff(w, got.Session); diff != "" {
			t.Errorf("UpdateSession mismatch (-want +got):\n%s", diff)
		}
		s = got.Session
	})
	t.Run("AddAndRemoveSources", func(t *testing.T) {
		got, err := c.AddSessionSources(ctx, s.ID, []string{src2})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{src1, src2}, got.Session.Sources); diff != "" {
			t.Errorf("AddSessionSources sources (-want +got):\n%s", diff)
		}
		got, err = c.RemoveSessionSources(ctx, s.ID, []string{src1, src2})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{}, got.Session.Sources); diff != "" {
			t.Errorf("RemoveSessionSources sources (-want +got):\n%s", diff)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		if err := c.DeleteSession(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		_, err := c.ShowSession(ctx, s.ID)
		wantAPIError(t, err, http.StatusNotFound, mirror.CodeSessionNotFound)
	})
}

func TestFilterAndRuleLifecycle(t *testing.T) {
	ctx := context.Background()
	c, _ := newClient(t)
	f := mustCreateFilter(t, c, "f1")
	if f.Type != "eni" || len(f.IngressRules) != 0 {
		t.Errorf("CreateFilter = %+v; want type eni and no rules", f)
	}

	rule, err := c.CreateFilterRule(ctx, api.FilterRuleFields{
		FilterID: api.StringOf(f.ID), Direction: api.StringOf("ingress"), Protocol: api.StringOf("tcp"),
		Ethertype: api.StringOf("ipv4"), Action: api.StringOf("accept"), Priority: api.IntOf(10),
		SourceCIDR: api.StringOf("10.0.0.0/8"), DestinationPortRange: api.StringOf("80-443"),
	})
	if err != nil {
		t.Fatalf("CreateFilterRule = %v", err)
	}
	r := rule.Rule
	if r.Ethertype != "IPv4" || r.SourceCIDR != "10.0.0.0/8" || r.DestinationPortRange != "80-443" || r.Priority != 10 {
		t.Errorf("CreateFilterRule = %+v", r)
	}

	shown, err := c.ShowFilter(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]api.FilterRule{r}, shown.Filter.IngressRules); diff != "" {
		t.Errorf("ShowFilter ingress rules (-want +got):\n%s", diff)
	}

	updated, err := c.UpdateFilterRule(ctx, r.ID, api.FilterRuleFields{Action: api.StringOf("reject"), SourceCIDR: api.StringOf("")})
	if err != nil {
		t.Fatal(err)
	}
	w := r
	w.Action, w.SourceCIDR, w.UpdatedAt = "reject", "", updated.Rule.UpdatedAt
	if diff := cmp.Diff(w, updated.Rule); diff != "" {
		t.Errorf("UpdateFilterRule mismatch (-want +got):\n%s", diff)
	}
	got, err := c.ShowFilterRule(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(updated.Rule, got.Rule); diff != "" {
		t.Errorf("ShowFilterRule mismatch (-want +got):\n%s", diff)
	}

	uf, err := c.UpdateFilter(ctx, f.ID, api.FilterFields{Description: api.StringOf("new")})
	if err != nil {
		t.Fatal(err)
	}
	if uf.Filter.Name != "f1" || uf.Filter.Description != "new" {
		t.Errorf("UpdateFilter = %+v; want name f1, description new", uf.Filter)
	}

	if err := c.DeleteFilterRule(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.ShowFilterRule(ctx, r.ID)
	wantAPIError(t, err, http.StatusNotFound, mirror.CodeRuleNotFound)
	if err := c.DeleteFilter(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	err = c.DeleteFilter(ctx, f.ID)
	wantAPIError(t, err, http.StatusNotFound, mirror.CodeFilterNotFound)
}

func TestListRepeatedValues(t *testing.T) {
	ctx := context.Background()
	c, _ := newClient(t)
	a := mustCreateFilter(t, c, "a")
	b := mustCreateFilter(t, c, "b")
	mustCreateFilter(t, c, "c")
	if _, err := c.UpdateFilter(ctx, b.ID, api.FilterFields{Description: api.StringOf("with space & more")}); err != nil {
		t.Fatal(err)
	}

	names := func(l api.FilterList) []string {
		var out []string
		for _, f := range l.Filters {
			out = append(out, f.Name)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    mirror.FilterQuery
		want []string
	}{
		{"TwoNames", mirror.FilterQuery{Names: []string{"a", "b"}}, []string{"a", "b"}},
		{"NamesAndIDs", mirror.FilterQuery{Names: []string{"a", "b"}, IDs: []string{a.ID}}, []string{"a"}},
		{"EmptyDescription", mirror.FilterQuery{Descriptions: []string{""}}, []string{"a", "c"}},
		{"EscapedValue", mirror.FilterQuery{Descriptions: []string{"with space & more"}}, []string{"b"}},
		{"CommaIsNotSplit", mirror.FilterQuery{Names: []string{"a,b"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.ListFilters(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			// The page is in ID order; compare as sets.
			if diff := cmp.Diff(tc.want, names(got), sortStrings); diff != "" {
				t.Errorf("ListFilters(%+v) names (-want +got):\n%s", tc.q, diff)
			}
		})
	}

	t.Run("Sessions", func(t *testing.T) {
		enabled := true
		for i, p := range []int{1, 2, 3} {
			fields := sessionFields(fmt.Sprint("s", p), a.ID, sourceID(i), p)
			fields.Enabled = api.BoolOf(p != 2)
			if _, err := c.CreateSession(ctx, fields); err != nil {
				t.Fatal(err)
			}
		}
		got, err := c.ListSessions(ctx, mirror.SessionQuery{Priorities: []int64{1, 2, 3}, Names: []string{"s1", "s2"}, Enabled: &enabled})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Sessions) != 1 || got.Sessions[0].Name != "s1" {
			t.Errorf("ListSessions = %+v; want only s1", got.Sessions)
		}
	})

	t.Run("Rules", func(t *testing.T) {
		for i, dir := range []string{"ingress", "egress", "ingress"} {
			_, err := c.CreateFilterRule(ctx, api.FilterRuleFields{
				FilterID: api.StringOf(b.ID), Direction: api.StringOf(dir), Protocol: api.StringOf("udp"),
				Ethertype: api.StringOf("IPv4"), Action: api.StringOf("accept"), Priority: api.IntOf(i + 1),
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		got, err := c.ListFilterRules(ctx, mirror.FilterRuleQuery{Directions: []string{"ingress"}, Priorities: []int64{1, 2, 3}, FilterIDs: []string{b.ID, a.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Rules) != 2 {
			t.Errorf("ListFilterRules returned %d rules; want the 2 ingress rules", len(got.Rules))
		}
	})
}

var sortStrings = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

func TestSessionPages(t *testing.T) {
	ctx := context.Background()
	c, ts := newClient(t)
	f := mustCreateFilter(t, c, "f")
	var want []string
	for i := range 25 {
		resp, err := c.CreateSession(ctx, sessionFields(fmt.Sprint("s", i), f.ID, sourceID(i), 1))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, resp.Session.ID)
	}

	t.Run("AllPagesInOrder", func(t *testing.T) {
		var got []string
		var counts []int
		for page, err := range c.SessionPages(ctx, mirror.SessionQuery{ListParams: mirror.ListParams{Limit: 7}}) {
			if err != nil {
				t.Fatal(err)
			}
			counts = append(counts, page.PageInfo.CurrentCount)
			for _, s := range page.Sessions {
				got = append(got, s.ID)
			}
		}
		if diff := cmp.Diff([]int{7, 7, 7, 4}, counts); diff != "" {
			t.Errorf("page sizes (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, got, sortStrings); diff != "" {
			t.Errorf("IDs over all pages (-want +got):\n%s", diff)
		}
	})

	t.Run("FetchesOnlyWhenAsked", func(t *testing.T) {
		before := ts.requests.Load()
		n := 0
		for page, err := range c.SessionPages(ctx, mirror.SessionQuery{ListParams: mirror.ListParams{Limit: 7}}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
			if got := ts.requests.Load() - before; got != int64(n) {
				t.Errorf("while consuming page %d, %d requests were sent; want %d", n, got, n)
			}
			if len(page.Sessions) == 0 || n == 2 {
				break
			}
		}
		if got := ts.requests.Load() - before; got != 2 {
			t.Errorf("after stopping at page 2, %d requests were sent; want 2", got)
		}
	})

	t.Run("StartsAtMarker", func(t *testing.T) {
		first, err := c.ListSessions(ctx, mirror.SessionQuery{ListParams: mirror.ListParams{Limit: 20}})
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for page, err := range c.SessionPages(ctx, mirror.SessionQuery{ListParams: mirror.ListParams{Limit: 2, Marker: first.PageInfo.NextMarker}}) {
			if err != nil {
				t.Fatal(err)
			}
			total += len(page.Sessions)
		}
		if total != 5 {
			t.Errorf("pages after the 20th session hold %d sessions; want 5", total)
		}
	})

	t.Run("FilterAndRulePages", func(t *testing.T) {
		n := 0
		for page, err := range c.FilterPages(ctx, mirror.FilterQuery{ListParams: mirror.ListParams{Limit: 1}}) {
			if err != nil {
				t.Fatal(err)
			}
			n += len(page.Filters)
		}
		if n != 1 {
			t.Errorf("FilterPages gave %d filters; want 1", n)
		}
		for page, err := range c.FilterRulePages(ctx, mirror.FilterRuleQuery{}) {
			if err != nil {
				t.Fatal(err)
			}
			if page.PageInfo.CurrentCount != 0 || page.Rules == nil {
				t.Errorf("FilterRulePages on no rules = %+v; want one empty page", page)
			}
		}
	})

	t.Run("ErrorStops", func(t *testing.T) {
		var errs []error
		for _, err := range c.SessionPages(ctx, mirror.SessionQuery{ListParams: mirror.ListParams{Limit: 5000}}) {
			errs = append(errs, err)
		}
		if len(errs) != 1 {
			t.Fatalf("got %d pages; want one error", len(errs))
		}
		wantAPIError(t, errs[0], http.StatusBadRequest, mirror.CodeInvalidQuery)
	})
}

func TestPagesStopOnRepeatedMarker(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"traffic_mirror_filters":[],"page_info":{"previous_marker":"","current_count":0,"next_marker":"m"},"request_id":"x"}`)
	}))
	defer hs.Close()
	c := client.New(hs.URL, ak, sk, project)
	n := 0
	var last error
	for _, err := range c.FilterPages(context.Background(), mirror.FilterQuery{}) {
		n++
		last = err
		if n > 5 {
			t.Fatal("the iteration does not stop")
		}
	}
	if n != 3 || last == nil || !strings.Contains(last.Error(), "next_marker") {
		t.Errorf("got %d items, last error %v; want 2 pages and a next_marker error", n, last)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()

	t.Run("APIError", func(t *testing.T) {
		c, _ := newClient(t)
		_, err := c.ShowSession(ctx, noSuch)
		e := wantAPIError(t, err, http.StatusNotFound, mirror.CodeSessionNotFound)
		if e == nil {
			return
		}
		if !uuidRE.MatchString(e.RequestID) {
			t.Errorf("RequestID = %q; want a UUID", e.RequestID)
		}
		wantMsg := "Traffic mirror session " + noSuch + " not found."
		if e.Message != wantMsg {
			t.Errorf("Message = %q; want %q", e.Message, wantMsg)
		}
		for _, s := range []string{mirror.CodeSessionNotFound, wantMsg, e.RequestID, "404"} {
			if !strings.Contains(e.Error(), s) {
				t.Errorf("Error() = %q; want it to contain %q", e.Error(), s)
			}
		}
	})

	t.Run("ValidationError", func(t *testing.T) {
		c, _ := newClient(t)
		_, err := c.CreateFilter(ctx, api.FilterFields{})
		wantAPIError(t, err, http.StatusBadRequest, mirror.CodeMissingParameter)
	})

	t.Run("WrongSecret", func(t *testing.T) {
		ts := newServer(t)
		c := client.New(ts.URL, ak, "wrong-secret", project)
		_, err := c.ListFilters(ctx, mirror.FilterQuery{})
		wantAPIError(t, err, http.StatusUnauthorized, mirror.CodeAuthentication)
	})

	t.Run("ExpiredSignature", func(t *testing.T) {
		ts := newServer(t)
		c := client.New(ts.URL, ak, sk, project, client.WithClock(func() time.Time { return time.Now().Add(-time.Hour) }))
		_, err := c.ListFilters(ctx, mirror.FilterQuery{})
		wantAPIError(t, err, http.StatusUnauthorized, mirror.CodeAuthentication)
	})

	t.Run("OtherProject", func(t *testing.T) {
		ts := newServer(t)
		c := client.New(ts.URL, ak, sk, "fedcba9876543210fedcba9876543210")
		_, err := c.ListFilters(ctx, mirror.FilterQuery{})
		wantAPIError(t, err, http.StatusBadRequest, mirror.CodeProjectMismatch)
	})

	t.Run("NotAnAPIErrorBody", func(t *testing.T) {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", "rid")
			http.Error(w, "bad gateway from a proxy", http.StatusBadGateway)
		}))
		defer hs.Close()
		_, err := client.New(hs.URL, ak, sk, project).ShowFilter(ctx, noSuch)
		var e *client.APIError
		if !errors.As(err, &e) {
			t.Fatalf("err = %v; want an *APIError", err)
		}
		want := &client.APIError{Status: http.StatusBadGateway, Message: "bad gateway from a proxy", RequestID: "rid"}
		if diff := cmp.Diff(want, e); diff != "" {
			t.Errorf("APIError mismatch (-want +got):\n%s", diff)
		}
		if !strings.Contains(e.Error(), "HTTP 502") {
			t.Errorf("Error() = %q; want it to name the status", e.Error())
		}
	})

	t.Run("UndecodableSuccess", func(t *testing.T) {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "<html>")
		}))
		defer hs.Close()
		_, err := client.New(hs.URL, ak, sk, project).ShowFilter(ctx, noSuch)
		if err == nil || !strings.Contains(err.Error(), "decode response") {
			t.Errorf("err = %v; want a decode error", err)
		}
	})

	for _, tc := range []struct {
		name, endpoint, project, id, want string
	}{
		{"NoScheme", "127.0.0.1:9696", project, noSuch, "invalid endpoint"},
		{"OtherScheme", "ftp://127.0.0.1", project, noSuch, "invalid endpoint"},
		{"NoProject", "http://127.0.0.1:1", "", noSuch, "no project ID"},
		{"EmptyID", "http://127.0.0.1:1", project, "", "empty resource ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.New(tc.endpoint, ak, sk, tc.project).ShowSession(ctx, tc.id)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ShowSession = %v; want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestWireRequest(t *testing.T) {
	type seen struct {
		Method, Path, Query, ProjectHeader, ContentType, Body string
		VerifyErr                                             error
	}
	var got seen
	verifier := &auth.Verifier{Keys: auth.NewKeyring([]auth.Credential{{AccessKey: ak, SecretKey: sk, Projects: []string{project}}})}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, verr := verifier.Verify(r, body)
		got = seen{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("X-Project-Id"), r.Header.Get("Content-Type"), string(body), verr}
		fmt.Fprint(w, `{}`)
	}))
	defer hs.Close()
	// An endpoint with a path prefix and a trailing slash: the API paths go
	// below the prefix.
	c := client.New(hs.URL+"/prefix/", ak, sk, project)
	ctx := context.Background()

	for _, tc := range []struct {
		name string
		call func() error
		want seen
	}{
		{
			name: "ListRepeatsKeys",
			call: func() error {
				_, err := c.ListSessions(ctx, mirror.SessionQuery{Names: []string{"a b", "c&d"}, Priorities: []int64{5}, ListParams: mirror.ListParams{Limit: 7, Marker: "m"}})
				return err
			},
			want: seen{Method: "GET", Path: "/prefix/v3/" + project + "/vpc/traffic-mirror-sessions", Query: "limit=7&marker=m&name=a+b&name=c%26d&priority=5", ProjectHeader: project},
		},
		{
			name: "UpdateSendsOnlyGivenFields",
			call: func() error {
				_, err := c.UpdateSession(ctx, src1, api.SessionFields{Priority: api.IntOf(3), Enabled: api.BoolOf(false)})
				return err
			},
			want: seen{Method: "PUT", Path: "/prefix/v3/" + project + "/vpc/traffic-mirror-sessions/" + src1, ProjectHeader: project,
				ContentType: "application/json", Body: `{"traffic_mirror_session":{"priority":3,"enabled":false}}`},
		},
		{
			name: "AddSources",
			call: func() error {
				_, err := c.AddSessionSources(ctx, src1, []string{src2})
				return err
			},
			want: seen{Method: "PUT", Path: "/prefix/v3/" + project + "/vpc/traffic-mirror-sessions/" + src1 + "/add-sources", ProjectHeader: project,
				ContentType: "application/json", Body: `{"traffic_mirror_session":{"traffic_mirror_sources":["` + src2 + `"]}}`},
		},
		{
			name: "IDIsEscaped",
			call: func() error { return c.DeleteFilterRule(ctx, "a/b") },
			want: seen{Method: "DELETE", Path: "/prefix/v3/" + project + "/vpc/traffic-mirror-filter-rules/a%2Fb", ProjectHeader: project},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got = seen{}
			if err := tc.call(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("request mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// wantAPIError checks that err is an *APIError with the status and code and
// returns it.
func wantAPIError(t *testing.T, err error, status int, code string) *client.APIError {
	t.Helper()
	var e *client.APIError
	if !errors.As(err, &e) {
		t.Errorf("err = %v; want an *APIError %d %s", err, status, code)
		return nil
	}
	if e.Status != status || e.Code != code {
		t.Errorf("APIError = %d %s (%s); want %d %s", e.Status, e.Code, e.Message, status, code)
	}
	return e
}
