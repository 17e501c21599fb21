package main

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/httphandler"
	vpc "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"
)

// resourceIDs names the resources an operation works on; they may be missing
// or belong to another project.
type resourceIDs struct{ session, filter, rule string }

// apiOperation is one of the 17 API operations, called through the SDK with a
// valid body, so that its path and references decide its outcome.
type apiOperation struct {
	name   string
	method string
	path   func(ids resourceIDs) string // with {project_id}
	call   func(c *vpc.VpcClient, ids resourceIDs) error
	// notFound is the 404 code when the path resource, or for the creates of
	// sessions and rules the referenced filter, does not exist; "" when the
	// operation names no resource.
	notFound string
}

func fixedPath(p string) func(resourceIDs) string { return func(resourceIDs) string { return p } }

// apiOperations are the 17 operations of ../shared/spec/README.md §2.
var apiOperations = []apiOperation{
	{
		name: "CreateTrafficMirrorSession", method: "POST", path: fixedPath(apiSessionsPath), notFound: "VPC.9202",
		call: func(c *vpc.VpcClient, ids resourceIDs) error {
			opt := sessionOption(ids.filter, 1)
			_, err := c.CreateTrafficMirrorSession(&model.CreateTrafficMirrorSessionRequest{
				Body: &model.CreateTrafficMirrorSessionRequestBody{TrafficMirrorSession: &opt}})
			return err
		},
	},
	{
		name: "ListTrafficMirrorSessions", method: "GET", path: fixedPath(apiSessionsPath),
		call: func(c *vpc.VpcClient, ids resourceIDs) error {
			_, err := c.ListTrafficMirrorSessions(&model.ListTrafficMirrorSessionsRequest{})
			return err
		},
	},
	{
		name: "ShowTrafficMirrorSession", method: "GET", path: sessionPathOf, notFound: "VPC.9201",
		call: func(c *vpc.VpcClient, ids resourceIDs) error {
			_, err := c.ShowTrafficMirrorSession(&model.ShowTrafficMirrorSessionRequest{TrafficMirrorSessionId: ids.session})
			return err
		},
	},
	{
		name: "UpdateTrafficMirrorSession", method: "PUT", path: sessionPathOf, notFound: "VPC.9201",
		call: func(c *vpc.VpcClient, ids resourceIDs) error {
			_, err := c.UpdateTrafficMirrorSession(&model.UpdateTrafficMirrorSessionRequest{TrafficMirrorSessionId: ids.session,
				Body: &model.UpdateTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.UpdateTrafficMirrorSessionOption{
					Description: ptrTo("changed")}}})
			return err
		},
	},
	{
		name: "DeleteTrafficMirrorSession", method: "DELETE", path: sessionPathOf, notFound: "VPC.9201",
		call: func(c *vpc.VpcClient, ids resourceIDs) error {
			_, err := c.DeleteTrafficMirrorSession(&model.DeleteTrafficMirrorSessionRequest{TrafficMirrorSessionId: ids.session})
			return err
		},
	},
	{
		name: "AddSourcesToTrafficMirrorSession", method: "PUT", notFound: "VPC.9201",
		path: func(ids resourceIDs) string { return sessionPathOf(ids) + "/add-sources" },
		call: func(c *vpc.VpcClient, ids resourceIDs) error {
			_, err := c.AddSourcesToTrafficMirrorSession(&model.AddSourcesToTrafficMirrorSessionRequest{TrafficMirrorSessionId: ids.session,
				Body: &model.AddSourcesToTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.TrafficMirrorSourcesOption{
					TrafficMirrorSources: []string{freshID()}}}})
			return err
		},
	},
	{
		name: "RemoveSourcesFromTrafficMirrorSession", method: "PUT", notFound: "VPC.9201",
		path: func(ids resourceIDs) string { return sessionPathOf(ids) + "/remove-sources" },
		call: func(c *vpc.VpcClient, ids resourceIDs) error {
			_, err := c.RemoveSourcesFromTrafficMirrorSession(&model.RemoveSourcesFromTrafficMirrorSessionRequest{TrafficMirrorSessionId: ids.session,
				Body: &model.RemoveSourcesFromTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.TrafficMirrorSourcesOption{
					TrafficMirrorSources: []string{freshID()}}}})
			return err
		},
	},
	{
		name: "CreateTrafficMirrorFilter", method: "POST", path: fixedPath(apiFiltersPath),
		call: func(c *vpc.VpcClient, ids resourceIDs) error {
			_, err := c.CreateTrafficMirrorFilter(&model.CreateTrafficMirrorFilterRequest{Body: &model.CreateTrafficMirrorFilterRequestBody{
				TrafficMirrorFilter: &model.CreateTrafficMirrorFilterOption{Name: "filter"}}})
			return err
		},
	},
	{
		name: "ListTrafficMirrorFilters", method: "GET", path: fixedPath(apiFiltersPath),
		call: func(c *vpc.VpcClient, ids resourceIDs) error {
			_, err := c.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
			return err
		},
	},
	{
		name: "ShowTrafficMirrorFilter", method: "GET", path: filterPathOf, notFound: "VPC.9202",
		call: func(c *vpc.VpcClient, ids resourceIDs) error {
			_, err := c.ShowTrafficMirrorFilter(&model.ShowTrafficMirrorFilterRequest{TrafficMirrorFilterId: ids.filter})
			return err
		},
	},
	{
		name: "UpdateTrafficMirrorFilter", method: "PUT", path: filterPathOf, notFound: "VPC.9202",
		call: func(c *vpc.VpcClient, ids resourceIDs) error {
			_, err := c.UpdateTrafficMirrorFilter(&model.UpdateTrafficMirrorFilterRequest{TrafficMirrorFilterId: ids.filter,
				Body: &model.UpdateTrafficMirrorFilterRequestBody{TrafficMirrorFilter: &model.UpdateTrafficMirrorFilterOption{
					Description: ptrTo("changed")}}})
			return err
		},
	},
	{
		name: "DeleteTrafficMirrorFilter", method: "DELETE", path: filterPathOf, notFound: "VPC.9202",
		call: func(c *vpc.VpcClient, ids resourceIDs) error {
			_, err := c.DeleteTrafficMirrorFilter(&model.DeleteTrafficMirrorFilterRequest{TrafficMirrorFilterId: ids.filter})
			return err
		},
	},
	{
		name: "CreateTrafficMirrorFilterRule", method: "POST", path: fixedPath(apiRulesPath), notFound: "VPC.9202",
		call: func(c *vpc.VpcClient, ids resourceIDs) error {
			opt := ruleOption(ids.filter, "egress", 99)
			_, err := c.CreateTrafficMirrorFilterRule(&model.CreateTrafficMirrorFilterRuleRequest{
				Body: &model.CreateTrafficMirrorFilterRuleRequestBody{TrafficMirrorFilterRule: &opt}})
			return err
		},
	},
	{
		name: "ListTrafficMirrorFilterRules", method: "GET", path: fixedPath(apiRulesPath),
		call: func(c *vpc.VpcClient, ids resourceIDs) error {
			_, err := c.ListTrafficMirrorFilterRules(&model.ListTrafficMirrorFilterRulesRequest{})
			return err
		},
	},
	{
		name: "ShowTrafficMirrorFilterRule", method: "GET", path: rulePathOf, notFound: "VPC.9203",
		call: func(c *vpc.VpcClient, ids resourceIDs) error {
			_, err := c.ShowTrafficMirrorFilterRule(&model.ShowTrafficMirrorFilterRuleRequest{TrafficMirrorFilterRuleId: ids.rule})
			return err
		},
	},
	{
		name: "UpdateTrafficMirrorFilterRule", method: "PUT", path: rulePathOf, notFound: "VPC.9203",
		call: func(c *vpc.VpcClient, ids resourceIDs) error {
			_, err := c.UpdateTrafficMirrorFilterRule(&model.UpdateTrafficMirrorFilterRuleRequest{TrafficMirrorFilterRuleId: ids.rule,
				Body: &model.UpdateTrafficMirrorFilterRuleRequestBody{TrafficMirrorFilterRule: &model.UpdateTrafficMirrorFilterRuleOption{
					Description: ptrTo("changed")}}})
			return err
		},
	},
	{
		name: "DeleteTrafficMirrorFilterRule", method: "DELETE", path: rulePathOf, notFound: "VPC.9203",
		call: func(c *vpc.VpcClient, ids resourceIDs) error {
			_, err := c.DeleteTrafficMirrorFilterRule(&model.DeleteTrafficMirrorFilterRuleRequest{TrafficMirrorFilterRuleId: ids.rule})
			return err
		},
	},
}

func sessionPathOf(ids resourceIDs) string { return apiSessionsPath + "/" + ids.session }
func filterPathOf(ids resourceIDs) string  { return apiFiltersPath + "/" + ids.filter }
func rulePathOf(ids resourceIDs) string    { return apiRulesPath + "/" + ids.rule }

// missingIDs names resources that exist nowhere.
func missingIDs() resourceIDs {
	return resourceIDs{session: freshID(), filter: freshID(), rule: freshID()}
}

// testCommonErrors checks the errors every operation can return
// (../shared/spec/errors.md §6 "C"): APIGW.0101, APIGW.0201, APIGW.0301 and
// VPC.0007, plus the 404 of each operation's missing resource.
func testCommonErrors(t *testing.T, start startFunc) {
	e := newE2EEnv(t, start)
	wrong := e.a
	wrong.SecretKey = e.b.SecretKey
	wrongSecret := e.client(t, wrong, e.projectA)
	otherProject := e.client(t, e.a, e.projectB)
	for _, op := range apiOperations {
		t.Run(op.name, func(t *testing.T) {
			ids := missingIDs()
			wantSDKErrorMsg(t, op.name+" with a wrong secret key", op.call(wrongSecret, ids),
				http.StatusUnauthorized, "APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail")
			wantSDKErrorMsg(t, op.name+" in a project the key may not use", op.call(otherProject, ids),
				http.StatusBadRequest, "VPC.0007", "urlTenantId is not equal tokenTenantId")
			if op.notFound != "" {
				wantSDKError(t, op.name+" of a missing resource", op.call(e.clientA, ids), http.StatusNotFound, op.notFound)
			}

			// The body limit applies to every operation, also those
			// without a body.
			big := sdkCall{method: op.method, path: op.path(ids), body: strings.Repeat(" ", 1<<20+1)}
			wantSDKErrorMsg(t, op.name+" with a body over 1 MiB", e.do(t, e.a, e.projectA, big).err(),
				http.StatusRequestEntityTooLarge, "APIGW.0201", "Request entity too large.")

			// Methods no operation uses: HEAD has no body to parse.
			for _, method := range []string{"PATCH", "OPTIONS", "HEAD"} {
				c := sdkCall{method: method, path: op.path(ids)}
				resp := e.do(t, e.a, e.projectA, c)
				if method == "HEAD" {
					if resp.status != http.StatusNotFound || !uuidV4RE.MatchString(resp.header.Get("X-Request-Id")) {
						t.Errorf("HEAD %s: status %d, X-Request-Id %q; want 404 with a request id",
							c.path, resp.status, resp.header.Get("X-Request-Id"))
					}
					continue
				}
				wantSDKErrorMsg(t, method+" "+c.path, resp.err(),
					http.StatusNotFound, "APIGW.0101", "The API does not exist or has not been published in the environment")
			}
		})
	}

	// IDs the SDK puts into the path unescaped, and Go escapes on the wire:
	// the signature still matches and the 404 names the ID as sent.
	t.Run("UnusualIDs", func(t *testing.T) {
		for _, id := range []string{"a b%41+c;d=e@f:g!$&'()*,~镜", "x%2Fy", "UPPER", "..."} {
			ids := resourceIDs{session: id, filter: id, rule: id}
			for _, op := range apiOperations {
				if op.notFound == "" || op.method == "POST" {
					continue
				}
				err := op.call(e.clientA, ids)
				if se := wantSDKError(t, op.name+" of ID "+id, err, http.StatusNotFound, op.notFound); se != nil && !strings.Contains(se.ErrorMessage, " "+id+" ") {
					t.Errorf("%s of ID %q: message %q does not name the ID", op.name, id, se.ErrorMessage)
				}
			}
		}
	})

	t.Run("UnknownPaths", func(t *testing.T) {
		id := freshID()
		for _, c := range []sdkCall{
			{method: "GET", path: "/v3/{project_id}/vpc/traffic-mirror-things"},
			{method: "GET", path: "/v3/{project_id}/vpc/Traffic-Mirror-Sessions"},
			{method: "GET", path: "/v3/{project_id}/vpc/traffic-mirror-sessions/" + id + "/sources"},
			{method: "GET", path: "/v3/{project_id}/vpc/traffic-mirror-sessions/" + id + "/add-sources"},
			{method: "DELETE", path: "/v3/{project_id}/vpc/traffic-mirror-sessions/" + id + "/remove-sources"},
			{method: "PUT", path: "/v3/{project_id}/vpc/traffic-mirror-filters/" + id + "/add-sources"},
			{method: "POST", path: "/v3/{project_id}/vpc/traffic-mirror-sessions/" + id},
			{method: "PUT", path: "/v3/{project_id}/vpc/traffic-mirror-sessions"},
			{method: "DELETE", path: "/v3/{project_id}/vpc/traffic-mirror-filters"},
			{method: "POST", path: "/v3/{project_id}/vpc/traffic-mirror-filter-rules/" + id},
			{method: "GET", path: "/v2/{project_id}/vpc/traffic-mirror-sessions"},
			{method: "GET", path: "/"},
		} {
			resp := e.do(t, e.a, e.projectA, c)
			wantSDKError(t, c.method+" "+c.path, resp.err(), http.StatusNotFound, "APIGW.0101")
		}
		// The route is checked before the signature.
		r, err := http.NewRequest("GET", e.inst.Endpoint+"/v3/"+e.projectA+"/vpc/traffic-mirror-things", nil)
		if err != nil {
			t.Fatal(err)
		}
		wantSDKError(t, "unsigned GET of an unknown path", sendRaw(t, r).err(), http.StatusNotFound, "APIGW.0101")
	})

	t.Run("BodyTooLargeThroughTheSDK", func(t *testing.T) {
		huge := strings.Repeat("d", 1<<20)
		_, err := e.clientA.CreateTrafficMirrorFilter(&model.CreateTrafficMirrorFilterRequest{Body: &model.CreateTrafficMirrorFilterRequestBody{
			TrafficMirrorFilter: &model.CreateTrafficMirrorFilterOption{Name: "big", Description: &huge}}})
		wantSDKError(t, "CreateTrafficMirrorFilter with a 1 MiB description", err, http.StatusRequestEntityTooLarge, "APIGW.0201")

		// An unsigned body over the limit is refused as too large, not as
		// unauthenticated.
		r, err := http.NewRequest("POST", e.inst.Endpoint+"/v3/"+e.projectA+"/vpc/traffic-mirror-filters", strings.NewReader(huge+"xx"))
		if err != nil {
			t.Fatal(err)
		}
		wantSDKError(t, "unsigned POST over 1 MiB", sendRaw(t, r).err(), http.StatusRequestEntityTooLarge, "APIGW.0201")

		// Exactly 1 MiB is read and validated.
		prefix, suffix := `{"traffic_mirror_filter":{"name":"big","description":"`, "\"}}\n"
		body := prefix + strings.Repeat("d", 1<<20-len(prefix)-len(suffix)) + suffix
		resp := e.do(t, e.a, e.projectA, sdkCall{method: "POST", path: apiFiltersPath, body: body})
		wantSDKError(t, "POST of exactly 1 MiB with a too long description", resp.err(), http.StatusBadRequest, "VPC.9103")
	})
}

// testRequestIDs runs every operation successfully through an SDK client
// that records the X-Request-Id response header, and checks that the
// request_id the SDK decodes from each body is the same, fresh each time.
func testRequestIDs(t *testing.T, start startFunc) {
	e := newE2EEnv(t, start)
	cred, err := basic.NewCredentialsBuilder().WithAk(e.a.AccessKey).WithSk(e.a.SecretKey).WithProjectId(e.projectA).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var header string
	hc := config.DefaultHttpConfig().WithHttpHandler(httphandler.NewHttpHandler().
		AddResponseHandler(func(r http.Response) { mu.Lock(); header = r.Header.Get("X-Request-Id"); mu.Unlock() }))
	hcClient, err := vpc.VpcClientBuilder().WithEndpoints([]string{e.inst.Endpoint}).WithCredential(cred).WithHttpConfig(hc).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	c := vpc.NewVpcClient(hcClient)

	seen := map[string]string{}
	check := func(op string, status int, wantStatus int, body *string) {
		t.Helper()
		mu.Lock()
		h := header
		mu.Unlock()
		if status != wantStatus {
			t.Errorf("%s: status %d, want %d", op, status, wantStatus)
		}
		if !uuidV4RE.MatchString(h) {
			t.Errorf("%s: X-Request-Id %q, want a lower-case UUIDv4", op, h)
		}
		if body != nil && *body != h {
			t.Errorf("%s: body request_id %q, X-Request-Id %q; want them equal", op, *body, h)
		}
		if prev, ok := seen[h]; ok {
			t.Errorf("%s: request id %s already used by %s", op, h, prev)
		}
		seen[h] = op
	}
	must := func(op string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
	}

	cf, err := c.CreateTrafficMirrorFilter(&model.CreateTrafficMirrorFilterRequest{Body: &model.CreateTrafficMirrorFilterRequestBody{
		TrafficMirrorFilter: &model.CreateTrafficMirrorFilterOption{Name: "ids"}}})
	must("CreateTrafficMirrorFilter", err)
	check("CreateTrafficMirrorFilter", cf.HttpStatusCode, http.StatusCreated, cf.RequestId)
	ids := resourceIDs{filter: cf.TrafficMirrorFilter.Id}

	ruleOpt := ruleOption(ids.filter, "egress", 1)
	cr, err := c.CreateTrafficMirrorFilterRule(&model.CreateTrafficMirrorFilterRuleRequest{Body: &model.CreateTrafficMirrorFilterRuleRequestBody{TrafficMirrorFilterRule: &ruleOpt}})
	must("CreateTrafficMirrorFilterRule", err)
	check("CreateTrafficMirrorFilterRule", cr.HttpStatusCode, http.StatusCreated, cr.RequestId)
	ids.rule = cr.TrafficMirrorFilterRule.Id

	sessOpt := sessionOption(ids.filter, 1)
	cs, err := c.CreateTrafficMirrorSession(&model.CreateTrafficMirrorSessionRequest{Body: &model.CreateTrafficMirrorSessionRequestBody{TrafficMirrorSession: &sessOpt}})
	must("CreateTrafficMirrorSession", err)
	check("CreateTrafficMirrorSession", cs.HttpStatusCode, http.StatusCreated, cs.RequestId)
	ids.session = cs.TrafficMirrorSession.Id

	ls, err := c.ListTrafficMirrorSessions(&model.ListTrafficMirrorSessionsRequest{})
	must("ListTrafficMirrorSessions", err)
	check("ListTrafficMirrorSessions", ls.HttpStatusCode, http.StatusOK, ls.RequestId)
	lf, err := c.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
	must("ListTrafficMirrorFilters", err)
	check("ListTrafficMirrorFilters", lf.HttpStatusCode, http.StatusOK, lf.RequestId)
	lr, err := c.ListTrafficMirrorFilterRules(&model.ListTrafficMirrorFilterRulesRequest{})
	must("ListTrafficMirrorFilterRules", err)
	check("ListTrafficMirrorFilterRules", lr.HttpStatusCode, http.StatusOK, lr.RequestId)

	ss, err := c.ShowTrafficMirrorSession(&model.ShowTrafficMirrorSessionRequest{TrafficMirrorSessionId: ids.session})
	must("ShowTrafficMirrorSession", err)
	check("ShowTrafficMirrorSession", ss.HttpStatusCode, http.StatusOK, ss.RequestId)
	sf, err := c.ShowTrafficMirrorFilter(&model.ShowTrafficMirrorFilterRequest{TrafficMirrorFilterId: ids.filter})
	must("ShowTrafficMirrorFilter", err)
	check("ShowTrafficMirrorFilter", sf.HttpStatusCode, http.StatusOK, sf.RequestId)
	sr, err := c.ShowTrafficMirrorFilterRule(&model.ShowTrafficMirrorFilterRuleRequest{TrafficMirrorFilterRuleId: ids.rule})
	must("ShowTrafficMirrorFilterRule", err)
	check("ShowTrafficMirrorFilterRule", sr.HttpStatusCode, http.StatusOK, sr.RequestId)

	us, err := c.UpdateTrafficMirrorSession(&model.UpdateTrafficMirrorSessionRequest{TrafficMirrorSessionId: ids.session,
		Body: &model.UpdateTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.UpdateTrafficMirrorSessionOption{Enabled: ptrTo("true")}}})
	must("UpdateTrafficMirrorSession", err)
	check("UpdateTrafficMirrorSession", us.HttpStatusCode, http.StatusOK, us.RequestId)
	uf, err := c.UpdateTrafficMirrorFilter(&model.UpdateTrafficMirrorFilterRequest{TrafficMirrorFilterId: ids.filter,
		Body: &model.UpdateTrafficMirrorFilterRequestBody{TrafficMirrorFilter: &model.UpdateTrafficMirrorFilterOption{Name: ptrTo("ids-2")}}})
	must("UpdateTrafficMirrorFilter", err)
	check("UpdateTrafficMirrorFilter", uf.HttpStatusCode, http.StatusOK, uf.RequestId)
	ur, err := c.UpdateTrafficMirrorFilterRule(&model.UpdateTrafficMirrorFilterRuleRequest{TrafficMirrorFilterRuleId: ids.rule,
		Body: &model.UpdateTrafficMirrorFilterRuleRequestBody{TrafficMirrorFilterRule: &model.UpdateTrafficMirrorFilterRuleOption{Priority: ptrTo(int32(2))}}})
	must("UpdateTrafficMirrorFilterRule", err)
	check("UpdateTrafficMirrorFilterRule", ur.HttpStatusCode, http.StatusOK, ur.RequestId)

	src := freshID()
	as, err := c.AddSourcesToTrafficMirrorSession(&model.AddSourcesToTrafficMirrorSessionRequest{TrafficMirrorSessionId: ids.session,
		Body: &model.AddSourcesToTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.TrafficMirrorSourcesOption{TrafficMirrorSources: []string{src}}}})
	must("AddSourcesToTrafficMirrorSession", err)
	check("AddSourcesToTrafficMirrorSession", as.HttpStatusCode, http.StatusOK, as.RequestId)
	rs, err := c.RemoveSourcesFromTrafficMirrorSession(&model.RemoveSourcesFromTrafficMirrorSessionRequest{TrafficMirrorSessionId: ids.session,
		Body: &model.RemoveSourcesFromTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.TrafficMirrorSourcesOption{TrafficMirrorSources: []string{src}}}})
	must("RemoveSourcesFromTrafficMirrorSession", err)
	check("RemoveSourcesFromTrafficMirrorSession", rs.HttpStatusCode, http.StatusOK, rs.RequestId)

	// The delete responses have no body; the header still carries an id.
	ds, err := c.DeleteTrafficMirrorSession(&model.DeleteTrafficMirrorSessionRequest{TrafficMirrorSessionId: ids.session})
	must("DeleteTrafficMirrorSession", err)
	check("DeleteTrafficMirrorSession", ds.HttpStatusCode, http.StatusNoContent, nil)
	dr, err := c.DeleteTrafficMirrorFilterRule(&model.DeleteTrafficMirrorFilterRuleRequest{TrafficMirrorFilterRuleId: ids.rule})
	must("DeleteTrafficMirrorFilterRule", err)
	check("DeleteTrafficMirrorFilterRule", dr.HttpStatusCode, http.StatusNoContent, nil)
	df, err := c.DeleteTrafficMirrorFilter(&model.DeleteTrafficMirrorFilterRequest{TrafficMirrorFilterId: ids.filter})
	must("DeleteTrafficMirrorFilter", err)
	check("DeleteTrafficMirrorFilter", df.HttpStatusCode, http.StatusNoContent, nil)

	if len(seen) != len(apiOperations) {
		t.Errorf("checked %d operations, want all %d", len(seen), len(apiOperations))
	}
}
