package main

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	sdkauth "github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer/algorithm"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/httphandler"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	vpc "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"
)

// authPrefix starts every authentication error message (errors.md §5.3).
const authPrefix = "Incorrect IAM authentication information: "

// sdkDateLayout is the layout of X-Sdk-Date.
const sdkDateLayout = "20060102T150405Z"

// testAuthentication sends requests with real signatures that are wrong in
// one way each; every one is refused with 401 APIGW.0301 and changes
// nothing. The SDK's derived V11-HMAC-SHA256 signer is accepted.
func testAuthentication(t *testing.T, start startFunc) {
	e := newE2EEnv(t, start)
	f := mustCreateFilter(t, e.clientA, "auth", nil)
	filterPathOf := apiFiltersPath + "/" + f.Id
	const unauthorized = http.StatusUnauthorized

	wantAuthError := func(t *testing.T, op string, err error, msg string) {
		t.Helper()
		if se := wantSDKError(t, op, err, unauthorized, "APIGW.0301"); se != nil && !strings.HasPrefix(se.ErrorMessage, authPrefix+msg) {
			t.Errorf("%s: message %q, want %q", op, se.ErrorMessage, authPrefix+msg+"…")
		}
	}
	listFilters := func(c *vpc.VpcClient) error {
		_, err := c.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
		return err
	}

	t.Run("WrongSecret", func(t *testing.T) {
		wrong := e.a
		wrong.SecretKey = strings.ToLower(e.a.SecretKey) + "x"
		wantAuthError(t, "ListTrafficMirrorFilters", listFilters(e.client(t, wrong, e.projectA)), "verify aksk signature fail")
	})

	t.Run("UnknownAccessKey", func(t *testing.T) {
		unknown := mustCredential(t, e.projectA)
		wantAuthError(t, "ListTrafficMirrorFilters", listFilters(e.client(t, unknown, e.projectA)),
			"Get secretKey failed,ak:"+unknown.AccessKey+",err:ak not exist")
	})

	t.Run("Date", func(t *testing.T) {
		cred := sdkCredentials(t, e.a, e.projectA)
		for _, tt := range []struct {
			name   string
			offset time.Duration
			ok     bool
		}{
			{"16MinutesOld", -16 * time.Minute, false},
			{"16MinutesAhead", 16 * time.Minute, false},
			// Well inside the ±15 minutes, whatever the time the request
			// takes.
			{"14MinutesOld", -14 * time.Minute, true},
			{"14MinutesAhead", 14 * time.Minute, true},
		} {
			// The SDK signer signs with the X-Sdk-Date already set.
			date := time.Now().UTC().Add(tt.offset).Format(sdkDateLayout)
			r := e.request(t, cred, sdkCall{method: "GET", path: filterPathOf, header: map[string]string{"X-Sdk-Date": date}})
			if got := r.Header.Get("X-Sdk-Date"); got != date {
				t.Fatalf("%s: the SDK signed with X-Sdk-Date %s, want %s", tt.name, got, date)
			}
			resp := sendRaw(t, r)
			if tt.ok {
				var shown model.ShowTrafficMirrorFilterResponse
				resp.decode(t, "ShowTrafficMirrorFilter signed "+tt.name, http.StatusOK, &shown)
				continue
			}
			wantAuthError(t, "ShowTrafficMirrorFilter signed "+tt.name, resp.err(),
				"calc aksk signature fail:signature expired, signature time:"+date+",server time:")
		}
	})

	t.Run("TamperedBody", func(t *testing.T) {
		cred := sdkCredentials(t, e.a, e.projectA)
		body := map[string]any{"traffic_mirror_filter": map[string]any{"name": "signed"}}
		r := e.request(t, cred, sdkCall{method: "POST", path: apiFiltersPath, body: body})
		tampered := `{"traffic_mirror_filter":{"name":"forged"}}` + "\n"
		r.Body, r.ContentLength, r.GetBody = io.NopCloser(strings.NewReader(tampered)), int64(len(tampered)), nil
		wantAuthError(t, "CreateTrafficMirrorFilter with a changed body", sendRaw(t, r).err(), "verify aksk signature fail")

		// The same bytes minus the SDK's final newline are another body too.
		r = e.request(t, cred, sdkCall{method: "PUT", path: filterPathOf, body: `{"traffic_mirror_filter":{"name":"renamed"}}` + "\n"})
		trimmed := `{"traffic_mirror_filter":{"name":"renamed"}}`
		r.Body, r.ContentLength, r.GetBody = io.NopCloser(strings.NewReader(trimmed)), int64(len(trimmed)), nil
		wantAuthError(t, "UpdateTrafficMirrorFilter without the final newline", sendRaw(t, r).err(), "verify aksk signature fail")
	})

	t.Run("TamperedQuery", func(t *testing.T) {
		cred := sdkCredentials(t, e.a, e.projectA)
		for _, change := range []func(q string) string{
			func(q string) string { return strings.Replace(q, "name=auth", "name=other", 1) },
			func(q string) string { return q + "&limit=1" },
			func(q string) string { return "" },
		} {
			r := e.request(t, cred, sdkCall{method: "GET", path: apiFiltersPath, query: map[string]any{"name": "auth"}})
			signed := r.URL.RawQuery
			r.URL.RawQuery = change(signed)
			wantAuthError(t, "ListTrafficMirrorFilters?"+r.URL.RawQuery+" signed for ?"+signed, sendRaw(t, r).err(), "verify aksk signature fail")
		}
	})

	t.Run("TamperedPath", func(t *testing.T) {
		cred := sdkCredentials(t, e.a, e.projectA)
		other := mustCreateFilter(t, e.clientA, "other", nil)
		r := e.request(t, cred, sdkCall{method: "DELETE", path: apiFiltersPath + "/" + other.Id})
		r.URL.Path, r.URL.RawPath = "/v3/"+e.projectA+"/vpc/traffic-mirror-filters/"+f.Id, ""
		wantAuthError(t, "DeleteTrafficMirrorFilter of another filter than signed", sendRaw(t, r).err(), "verify aksk signature fail")

		// The method is signed too.
		r = e.request(t, cred, sdkCall{method: "GET", path: apiFiltersPath + "/" + other.Id})
		r.Method = "DELETE"
		wantAuthError(t, "DELETE signed as GET", sendRaw(t, r).err(), "verify aksk signature fail")
	})

	t.Run("Unsigned", func(t *testing.T) {
		r, err := http.NewRequest("GET", e.inst.Endpoint+"/v3/"+e.projectA+"/vpc/traffic-mirror-filters", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("X-Project-Id", e.projectA)
		r.Header.Set("X-Sdk-Date", time.Now().UTC().Format(sdkDateLayout))
		wantAuthError(t, "unsigned ListTrafficMirrorFilters", sendRaw(t, r).err(), "x-auth-token not found")

		r.Header.Set("X-Auth-Token", "MIIaaa-token")
		wantAuthError(t, "ListTrafficMirrorFilters with X-Auth-Token", sendRaw(t, r).err(), "token authentication is not supported")
	})

	t.Run("UnsupportedAlgorithms", func(t *testing.T) {
		for _, tt := range []struct {
			alg  algorithm.SigningAlgorithm
			name string
		}{
			{algorithm.HmacSM3, "SDK-HMAC-SM3"},
			{algorithm.EcdsaP256SHA256, "SDK-ECDSA-P256-SHA256"},
			{algorithm.SM2SM3, "SDK-SM2-SM3"},
		} {
			cred, err := basic.NewCredentialsBuilder().WithAk(e.a.AccessKey).WithSk(e.a.SecretKey).WithProjectId(e.projectA).SafeBuild()
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var sent string
			hc := config.DefaultHttpConfig().WithSigningAlgorithm(tt.alg).WithHttpHandler(httphandler.NewHttpHandler().
				AddRequestHandler(func(r http.Request) { mu.Lock(); sent = r.Header.Get("Authorization"); mu.Unlock() }))
			client, err := vpc.VpcClientBuilder().WithEndpoints([]string{e.inst.Endpoint}).WithCredential(cred).WithHttpConfig(hc).SafeBuild()
			if err != nil {
				t.Fatal(err)
			}
			wantAuthError(t, "ListTrafficMirrorFilters signed with "+tt.name, listFilters(vpc.NewVpcClient(client)),
				"unsupported signing algorithm "+tt.name)
			mu.Lock()
			if !strings.HasPrefix(sent, tt.name+" ") {
				t.Errorf("the SDK sent Authorization %q, want algorithm %s", sent, tt.name)
			}
			mu.Unlock()
		}
	})

	// auth.md §7.1: credentials with a derived predicate, a client with a
	// derived service name and a region.
	t.Run("DerivedV11", func(t *testing.T) {
		cred, err := basic.NewCredentialsBuilder().WithAk(e.a.AccessKey).WithSk(e.a.SecretKey).WithProjectId(e.projectA).
			WithDerivedPredicate(sdkauth.GetDefaultDerivedPredicate()).SafeBuild()
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var sent []string
		hc := config.DefaultHttpConfig().WithHttpHandler(httphandler.NewHttpHandler().
			AddRequestHandler(func(r http.Request) { mu.Lock(); sent = append(sent, r.Header.Get("Authorization")); mu.Unlock() }))
		hcClient, err := vpc.VpcClientBuilder().
			WithRegion(region.NewRegion("my-region-1", e.inst.Endpoint)).
			WithDerivedAuthServiceName("vpc").
			WithCredential(cred).
			WithHttpConfig(hc).
			SafeBuild()
		if err != nil {
			t.Fatal(err)
		}
		c := vpc.NewVpcClient(hcClient)

		created, err := c.CreateTrafficMirrorFilter(&model.CreateTrafficMirrorFilterRequest{Body: &model.CreateTrafficMirrorFilterRequestBody{
			TrafficMirrorFilter: &model.CreateTrafficMirrorFilterOption{Name: "v11", Description: ptrTo("derived key")}}})
		if err != nil {
			t.Fatalf("CreateTrafficMirrorFilter signed with V11-HMAC-SHA256: %v", err)
		}
		list, err := c.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{Name: ptrTo("v11"), Description: ptrTo("derived key")})
		if err != nil || len(*list.TrafficMirrorFilters) != 1 {
			t.Errorf("ListTrafficMirrorFilters signed with V11-HMAC-SHA256 = %v, %v; want the new filter", list, err)
		}
		del, err := c.DeleteTrafficMirrorFilter(&model.DeleteTrafficMirrorFilterRequest{TrafficMirrorFilterId: created.TrafficMirrorFilter.Id})
		if err != nil || del.HttpStatusCode != http.StatusNoContent {
			t.Errorf("DeleteTrafficMirrorFilter signed with V11-HMAC-SHA256 = %v, %v; want 204", del, err)
		}
		mu.Lock()
		for _, a := range sent {
			if !strings.HasPrefix(a, "V11-HMAC-SHA256 Credential="+e.a.AccessKey+"/") || !strings.Contains(a, "/my-region-1/vpc, ") {
				t.Errorf("the SDK sent Authorization %q, want V11-HMAC-SHA256 with the region and service", a)
			}
		}
		if len(sent) != 3 {
			t.Errorf("the SDK sent %d requests, want 3", len(sent))
		}
		mu.Unlock()

		// The derived key is still the secret's.
		wrong, err := basic.NewCredentialsBuilder().WithAk(e.a.AccessKey).WithSk(e.b.SecretKey).WithProjectId(e.projectA).
			WithDerivedPredicate(sdkauth.GetDefaultDerivedPredicate()).SafeBuild()
		if err != nil {
			t.Fatal(err)
		}
		wrongClient, err := vpc.VpcClientBuilder().WithRegion(region.NewRegion("my-region-1", e.inst.Endpoint)).
			WithDerivedAuthServiceName("vpc").WithCredential(wrong).SafeBuild()
		if err != nil {
			t.Fatal(err)
		}
		wantAuthError(t, "ListTrafficMirrorFilters V11-signed with a wrong secret key", listFilters(vpc.NewVpcClient(wrongClient)), "verify aksk signature fail")
	})

	// None of the refused requests changed anything.
	t.Run("NothingChanged", func(t *testing.T) {
		resp, err := e.clientA.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for _, got := range *resp.TrafficMirrorFilters {
			if got.Id == f.Id && (got.Name != f.Name || !time.Time(*got.UpdatedAt).Equal(time.Time(*f.UpdatedAt))) {
				t.Errorf("filter changed by refused requests: %v, was %v", got, f)
			}
			if got.Name == "forged" || got.Name == "signed" || got.Name == "renamed" {
				t.Errorf("a refused request created or renamed filter %v", got)
			}
		}
		if _, err := e.clientA.ShowTrafficMirrorFilter(&model.ShowTrafficMirrorFilterRequest{TrafficMirrorFilterId: f.Id}); err != nil {
			t.Errorf("filter deleted by a refused request: %v", err)
		}
	})
}
