package auth

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
)

// sdkCase is one request built and signed by the Huawei Go SDK itself.
type sdkCase struct {
	name    string
	method  string
	path    string            // may contain {id}, filled from id
	id      string            // path parameter, inserted unescaped as the SDK does
	query   map[string]any    // string, int or []string values
	headers map[string]string // added before signing
	body    any               // nil, a string (sent verbatim) or a value encoded as JSON
}

var sdkCases = []sdkCase{
	{
		name: "ListLikeExampleB", method: "GET", path: "/v3/{project_id}/vpc/traffic-mirror-filter-rules",
		query: map[string]any{
			"description":       "a b*~",
			"limit":             50,
			"protocol":          []string{"udp", "TCP"},
			"source_cidr_block": "10.0.0.0/8",
		},
	},
	{
		name: "EmptyAndRepeatedValues", method: "GET", path: "/v3/{project_id}/vpc/traffic-mirror-sessions",
		query: map[string]any{
			"description": "",
			"name":        []string{"b", "a", "b", ""},
			"id":          []string{"x"},
		},
	},
	{
		name: "ValuesNeedingEscapes", method: "GET", path: "/v3/{project_id}/vpc/traffic-mirror-filters",
		query: map[string]any{
			"name":              []string{"a+b", "a&b=c", "100%", "镜像", "x;y", "('!')", "tab\tnl"},
			"description":       "  spaced  ",
			"key with/slash[0]": "v",
		},
	},
	{
		name: "CreateWithJSONBody", method: "POST", path: "/v3/{project_id}/vpc/traffic-mirror-filters",
		body: map[string]any{"traffic_mirror_filter": map[string]any{"name": "filter-1", "description": "<&> 镜像"}},
	},
	{
		name: "UpdateWithBodyWithoutNewline", method: "PUT", path: "/v3/{project_id}/vpc/traffic-mirror-filters/{id}",
		id:   "3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11",
		body: `{"traffic_mirror_filter":{"name":"n"}}`,
	},
	{
		name: "UpdateWithBodyWithNewline", method: "PUT", path: "/v3/{project_id}/vpc/traffic-mirror-sessions/{id}/add-sources",
		id:   "3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11",
		body: "{\"traffic_mirror_session\":{\"traffic_mirror_sources\":[\"a\"]}}\n",
	},
	{
		name: "DeleteEscapedID", method: "DELETE", path: "/v3/{project_id}/vpc/traffic-mirror-filter-rules/{id}",
		id: "a b%41+c;d=e@f:g!$&'()*,~镜",
	},
	{
		name: "IDWithQuestionMarkAndHash", method: "GET", path: "/v3/{project_id}/vpc/traffic-mirror-sessions/{id}",
		id: "a?b#c",
	},
	{
		name: "DotSegments", method: "GET", path: "/v3/{project_id}/vpc/./traffic-mirror-sessions/../traffic-mirror-sessions",
	},
	{
		name: "MoreSignedHeaders", method: "GET", path: "/v3/{project_id}/vpc/traffic-mirror-sessions/{id}",
		id: "x",
		headers: map[string]string{
			"X-Security-Token": "temporary-token",
			"X-Custom":         "  value with  spaces ",
			"x-lower-case":     "v",
			"X_Unsigned":       "not signed: has an underscore",
			"Content-Type-Ext": "not signed: starts with content-type",
		},
	},
	{
		// The SDK switches to UNSIGNED-PAYLOAD for non-JSON content types.
		name: "UnsignedPayload", method: "POST", path: "/v3/{project_id}/vpc/traffic-mirror-filters",
		headers: map[string]string{"Content-Type": "text/plain"},
		body:    "plain text body",
	},
	{
		// Without a project ID the SDK leaves the template in the path.
		name: "LiteralProjectTemplate", method: "GET", path: "/v3/{project_id}/vpc/traffic-mirror-filters",
	},
}

// build returns the SDK request of c, with the headers an SDK client adds
// (User-Agent, Content-Type, X-Project-Id) and X-Sdk-Date fixed at exTime so
// that the verifier's frozen clock accepts it.
func (c sdkCase) build() *request.DefaultHttpRequest {
	b := request.NewHttpRequestBuilder().
		WithEndpoint("http://"+exHost).
		WithPath(c.path).
		WithMethod(c.method).
		AddHeaderParam("User-Agent", exUA).
		AddHeaderParam("X-Sdk-Date", exDate)
	if c.name != "LiteralProjectTemplate" {
		b.AddAutoFilledPathParam("project_id", exProject).AddHeaderParam("X-Project-Id", exProject)
	}
	if _, ok := c.headers["Content-Type"]; !ok {
		b.AddHeaderParam("Content-Type", "application/json")
	}
	for k, v := range c.headers {
		b.AddHeaderParam(k, v)
	}
	if c.id != "" {
		b.AddPathParam("id", c.id)
	}
	for k, v := range c.query {
		// The SDK only sends query parameters given as reflect.Values.
		b.AddQueryParam(k, reflect.ValueOf(v))
	}
	if c.body != nil {
		b.WithBody("json", c.body)
	}
	return b.Build()
}

// sdkSign signs req with the SDK's signer (V11 when derived is set) and
// returns the request a server receives.
func sdkSign(t *testing.T, req *request.DefaultHttpRequest, derived bool) (*http.Request, []byte) {
	t.Helper()
	var headers map[string]string
	var err error
	if derived {
		headers, err = signer.DerivedSigner{}.Sign(req, exAK, exSK, "vpc", "my-region-1")
	} else {
		headers, err = signer.Signer{}.Sign(req, exAK, exSK)
	}
	if err != nil {
		t.Fatalf("SDK sign: %v", err)
	}
	for k, v := range headers {
		req.AddHeaderParam(k, v)
	}
	hr, err := req.ConvertRequest()
	if err != nil {
		t.Fatalf("SDK ConvertRequest: %v", err)
	}
	return overWire(t, hr)
}

// TestSDKCrossCheck signs varied requests with the SDK's own signers and
// checks that Verify accepts them as received over the wire, and rejects them
// after any signed part is changed.
func TestSDKCrossCheck(t *testing.T) {
	v := &Verifier{
		Keys: NewKeyring([]Credential{{AccessKey: exAK, SecretKey: exSK, Projects: []string{"*"}}}),
		Now:  func() time.Time { return exTime.Add(3 * time.Minute) },
	}
	tampers := []struct {
		name   string
		change func(r *http.Request, body []byte) []byte
	}{
		{"Method", func(r *http.Request, b []byte) []byte { r.Method = "PATCH"; return b }},
		{"Path", func(r *http.Request, b []byte) []byte { r.URL.Path += "x"; r.URL.RawPath = ""; return b }},
		{"Query", func(r *http.Request, b []byte) []byte {
			r.URL.RawQuery = strings.TrimPrefix(r.URL.RawQuery+"&extra=1", "&")
			return b
		}},
		{"QueryValue", func(r *http.Request, b []byte) []byte {
			if r.URL.RawQuery == "" {
				r.URL.RawQuery = "x"
			} else {
				r.URL.RawQuery += "x"
			}
			return b
		}},
		{"Body", func(r *http.Request, b []byte) []byte { return append(append([]byte(nil), b...), ' ') }},
		{"SignedHeader", func(r *http.Request, b []byte) []byte { r.Header.Set("User-Agent", exUA+"x"); return b }},
		{"Date", func(r *http.Request, b []byte) []byte { r.Header.Set("X-Sdk-Date", "20240314T084413Z"); return b }},
	}
	for _, derived := range []bool{false, true} {
		alg := algHMACSHA256
		if derived {
			alg = algV11
		}
		for _, c := range sdkCases {
			t.Run(alg+"/"+c.name, func(t *testing.T) {
				r, body := sdkSign(t, c.build(), derived)
				if got := r.Header.Get("Authorization"); !strings.HasPrefix(got, alg+" ") {
					t.Fatalf("SDK Authorization = %q, want algorithm %s", got, alg)
				}
				if _, err := v.Verify(r, body); err != nil {
					t.Fatalf("Verify(SDK-signed %s %s?%s) = %v", r.Method, r.URL.EscapedPath(), r.URL.RawQuery, err)
				}
				for _, tp := range tampers {
					r, body := sdkSign(t, c.build(), derived)
					body = tp.change(r, body)
					_, err := v.Verify(r, body)
					if tp.name == "Body" && r.Header.Get("X-Sdk-Content-Sha256") == unsignedPayload {
						// The client chose not to sign the body.
						if err != nil {
							t.Errorf("Verify(UNSIGNED-PAYLOAD, body changed) = %v, want nil", err)
						}
						continue
					}
					if err == nil {
						t.Errorf("Verify(%s changed) = nil, want an error", tp.name)
						continue
					}
					wantAuthError(t, err, msgPrefix+msgBadSignature)
				}
			})
		}
	}
}

// TestSignMatchesSDK checks that our Sign produces the SDK's Authorization
// header for the same request.
func TestSignMatchesSDK(t *testing.T) {
	for _, c := range sdkCases {
		if c.headers["Content-Type"] == "text/plain" {
			continue // the SDK would not sign the body; Sign always does
		}
		t.Run(c.name, func(t *testing.T) {
			sdkReq, _ := sdkSign(t, c.build(), false)

			// The same request, converted by the SDK but signed by us.
			req := c.build()
			hr, err := req.ConvertRequest()
			if err != nil {
				t.Fatal(err)
			}
			body, err := req.GetBodyToBytes()
			if err != nil {
				t.Fatal(err)
			}
			hr.Header.Del("X-Sdk-Date")
			if err := Sign(hr, body.Bytes(), exAK, exSK, exTime); err != nil {
				t.Fatalf("Sign = %v", err)
			}
			if got, want := hr.Header.Get("Authorization"), sdkReq.Header.Get("Authorization"); got != want {
				t.Errorf("Sign: Authorization =\n%s\nSDK:\n%s", got, want)
			}
		})
	}
}
