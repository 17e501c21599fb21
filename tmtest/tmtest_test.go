package tmtest_test

import (
	"errors"
	"net/http"
	"os"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	vpc "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"

	"github.com/trafficmirror/trafficmirror/tmtest"
)

func client(srv *tmtest.Server, ak, sk string) *vpc.VpcClient {
	cred := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithProjectId(srv.ProjectID).Build()
	return vpc.NewVpcClient(vpc.VpcClientBuilder().WithEndpoints([]string{srv.Endpoint}).WithCredential(cred).Build())
}

func createFilter(c *vpc.VpcClient, name string) (*model.CreateTrafficMirrorFilterResponse, error) {
	return c.CreateTrafficMirrorFilter(&model.CreateTrafficMirrorFilterRequest{Body: &model.CreateTrafficMirrorFilterRequestBody{
		TrafficMirrorFilter: &model.CreateTrafficMirrorFilterOption{Name: name},
	}})
}

// wantAPIError checks that err is the API error with the given status and
// code.
func wantAPIError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) || se.StatusCode != status || se.ErrorCode != code {
		t.Errorf("error = %v, want %d %s", err, status, code)
	}
}

func TestNewServer(t *testing.T) {
	srv := tmtest.NewServer(t)
	if srv.Endpoint == "" || srv.AccessKey == "" || srv.SecretKey == "" || len(srv.ProjectID) != 32 {
		t.Fatalf("server = %+v, want an endpoint, keys and a 32-character project ID", srv)
	}
	c := client(srv, srv.AccessKey, srv.SecretKey)

	f, err := createFilter(c, "f1")
	if err != nil {
		t.Fatalf("CreateTrafficMirrorFilter: %v", err)
	}
	rule, err := c.CreateTrafficMirrorFilterRule(&model.CreateTrafficMirrorFilterRuleRequest{Body: &model.CreateTrafficMirrorFilterRuleRequestBody{
		TrafficMirrorFilterRule: &model.CreateTrafficMirrorFilterRuleOption{TrafficMirrorFilterId: f.TrafficMirrorFilter.Id,
			Direction: "ingress", Protocol: "tcp", Ethertype: "IPv4", Action: "accept", Priority: 1},
	}})
	if err != nil {
		t.Fatalf("CreateTrafficMirrorFilterRule: %v", err)
	}
	shown, err := c.ShowTrafficMirrorFilter(&model.ShowTrafficMirrorFilterRequest{TrafficMirrorFilterId: f.TrafficMirrorFilter.Id})
	if err != nil {
		t.Fatalf("ShowTrafficMirrorFilter: %v", err)
	}
	if in := shown.TrafficMirrorFilter.IngressRules; len(in) != 1 || in[0].Id != rule.TrafficMirrorFilterRule.Id {
		t.Errorf("ingress rules = %v, want the created rule", in)
	}

	// Real behaviour: validation, and signatures.
	_, err = createFilter(c, "not a valid name")
	wantAPIError(t, err, http.StatusBadRequest, "VPC.9103")
	_, err = createFilter(client(srv, srv.AccessKey, srv.SecretKey+"x"), "f2")
	wantAPIError(t, err, http.StatusUnauthorized, "APIGW.0301")

	resp, err := http.Get(srv.Endpoint + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: %d", resp.StatusCode)
	}
}

// Two servers share nothing: not data, not keys.
func TestServersAreIndependent(t *testing.T) {
	a, b := tmtest.NewServer(t), tmtest.NewServer(t)
	if a.AccessKey == b.AccessKey || a.ProjectID == b.ProjectID || a.Endpoint == b.Endpoint {
		t.Fatalf("servers share keys, project or endpoint: %+v %+v", a, b)
	}
	if _, err := createFilter(client(a, a.AccessKey, a.SecretKey), "f"); err != nil {
		t.Fatal(err)
	}
	list, err := client(b, b.AccessKey, b.SecretKey).ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(*list.TrafficMirrorFilters); n != 0 {
		t.Errorf("server b lists %d filters, want 0", n)
	}
	_, err = createFilter(client(b, a.AccessKey, a.SecretKey), "f")
	wantAPIError(t, err, http.StatusUnauthorized, "APIGW.0301")
}

func TestOptions(t *testing.T) {
	const project = "0123456789abcdef0123456789abcdef"
	srv := tmtest.NewServer(t, tmtest.WithProjectID(project), tmtest.WithLimits(tmtest.Limits{FiltersPerProject: 1}))
	if srv.ProjectID != project {
		t.Errorf("ProjectID = %q, want %q", srv.ProjectID, project)
	}
	c := client(srv, srv.AccessKey, srv.SecretKey)
	if _, err := createFilter(c, "f1"); err != nil {
		t.Fatal(err)
	}
	_, err := createFilter(c, "f2")
	wantAPIError(t, err, http.StatusConflict, "VPC.9404")
}

// The server of a test stops when the test ends.
func TestNewServerCleanup(t *testing.T) {
	var endpoint string
	t.Run("Inner", func(t *testing.T) {
		endpoint = tmtest.NewServer(t).Endpoint
	})
	if resp, err := http.Get(endpoint + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("the server at %s still answers after its test ended", endpoint)
	}
}

func TestStartClose(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where Start makes the database's directory
	srv, err := tmtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := createFilter(client(srv, srv.AccessKey, srv.SecretKey), "f"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if resp, err := http.Get(srv.Endpoint + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("the server still answers after Close")
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("Close left %v in %s", entries, tmp)
	}
}
