package auth

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func canonicalURI(escapedPath string) (string, error) {
	b, err := appendCanonicalURI(nil, escapedPath)
	return string(b), err
}

func canonicalQuery(rawQuery string) (string, error) {
	b, err := appendCanonicalQuery(nil, rawQuery)
	return string(b), err
}

func TestCanonicalURI(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{"", "/", false},
		{"/", "/", false},
		{"/v3/p/vpc/traffic-mirror-filters", "/v3/p/vpc/traffic-mirror-filters/", false},
		{"/v3/p/vpc/traffic-mirror-filters/", "/v3/p/vpc/traffic-mirror-filters/", false},
		{"/v3/%7Bproject_id%7D/vpc", "/v3/%7Bproject_id%7D/vpc/", false},
		{"/v3/{project_id}/vpc", "/v3/%7Bproject_id%7D/vpc/", false},
		{"/a%2Fb/c", "/a%2Fb/c/", false}, // an escaped slash stays inside its segment
		{"/a%2fb", "/a%2Fb/", false},     // escapes come out upper-case
		{"/a%41b", "/aAb/", false},       // needless escapes are decoded
		{"/a+b", "/a%2Bb/", false},       // '+' is not a space in a path
		{"/a%20b*~_-.", "/a%20b%2A~_-./", false},
		{"/%E9%95%9C", "/%E9%95%9C/", false},
		{"/镜", "/%E9%95%9C/", false},
		{"//double//", "//double//", false},
		{"/a/./../b", "/a/./../b/", false},
		{"/a%zzb", "", true},
		{"/a%4", "", true},
	}
	for _, tt := range tests {
		got, err := canonicalURI(tt.in)
		if tt.err {
			if !errors.Is(err, errBadEscape) {
				t.Errorf("canonicalURI(%q) = %q, %v, want errBadEscape", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("canonicalURI(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{"", "", false},
		{"a=1", "a=1", false},
		{"b=2&a=1", "a=1&b=2", false},
		{"description", "description=", false}, // the Go SDK's bare key
		{"description=", "description=", false},
		{"p=udp&p=TCP", "p=TCP&p=udp", false},
		{"p=b&p=a&p=b", "p=a&p=b&p=b", false},
		{"a=x+y&b=x%20y", "a=x%20y&b=x%20y", false},
		{"a=%2B", "a=%2B", false},
		{"a=b=c", "a=b%3Dc", false},
		{"a=*!'()", "a=%2A%21%27%28%29", false}, // Node leaves these unescaped on the wire
		{"a=%e9%95%9c", "a=%E9%95%9C", false},
		{"k%20y=v", "k%20y=v", false},
		{"a=1&&b=2&", "a=1&b=2", false},
		{"=v", "=v", false},
		{"a=1;b=2", "a=1%3Bb%3D2", false},
		{"ab=1&a=2&a%00=3", "a=2&a%00=3&ab=1", false}, // sorted by the decoded bytes
		{"a=%zz", "", true},
		{"%=1", "", true},
		{"a=1&b=%", "", true},
	}
	for _, tt := range tests {
		got, err := canonicalQuery(tt.in)
		if tt.err {
			if !errors.Is(err, errBadEscape) {
				t.Errorf("canonicalQuery(%q) = %q, %v, want errBadEscape", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("canonicalQuery(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestCanonicalQueryManyParameters(t *testing.T) {
	// More pairs than the stack array holds.
	var in []string
	for i := 40; i > 0; i-- {
		in = append(in, "k"+strings.Repeat("z", i)+"=v")
	}
	got, err := canonicalQuery(strings.Join(in, "&"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(in)
	if want := strings.Join(in, "&"); got != want {
		t.Errorf("canonicalQuery(40 pairs) = %q, want %q", got, want)
	}
}

func TestCanonicalHeaders(t *testing.T) {
	h := http.Header{
		"User-Agent":   {" ua "},
		"X-Multi":      {"b", "a", " c"},
		"X-Sdk-Date":   {exDate},
		"Content-Type": {"application/json"},
	}
	multi := h["X-Multi"]
	got := string(appendCanonicalHeaders(nil, h, "example.com:80", "host;user-agent;x-absent;x-multi;x-sdk-date", false))
	// Values are sorted before trimming, as in the SDK: " c" sorts first.
	want := "host:example.com:80\nuser-agent:ua\nx-multi:c\nx-multi:a\nx-multi:b\nx-sdk-date:" + exDate + "\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("canonical headers mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"b", "a", " c"}, multi); diff != "" {
		t.Errorf("the request's header values were changed (-want +got):\n%s", diff)
	}
	if got := string(appendCanonicalHeaders(nil, h, "", "x-absent", false)); got != "\n" {
		t.Errorf("canonical headers of only absent headers = %q, want %q", got, "\n")
	}
	h.Set("X-Security-Token", "secret-token")
	if got := string(appendCanonicalHeaders(nil, h, "", "x-security-token", true)); strings.Contains(got, "secret-token") {
		t.Errorf("redacted canonical headers = %q, reveal the token", got)
	}
}

func TestCanonicalHeaderKey(t *testing.T) {
	for _, name := range []string{"x-sdk-date", "x-project-id", "user-agent", "content-type", "accept", "x-language",
		"x-security-token", "x-sdk-content-sha256", "x-other", "X-MiXed"} {
		if got, want := canonicalHeaderKey(name), http.CanonicalHeaderKey(name); got != want {
			t.Errorf("canonicalHeaderKey(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestParseAuthorization(t *testing.T) {
	sig := strings.Repeat("ab", 32)
	tests := []struct {
		in   string
		want authorization
	}{
		{exAuthA, authorization{alg: algHMACSHA256, accessKey: exAK, signedHeaders: signedABC,
			signature: "418d7305c6651c178098378b86f620c742447f0fb90cd3d841b76d7e267d5ab4"}},
		{"SDK-HMAC-SHA256 Signature=" + sig + ",SignedHeaders=x-sdk-date ,  Access=AK", authorization{
			alg: algHMACSHA256, accessKey: "AK", signedHeaders: "x-sdk-date", signature: sig}},
		{"SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=" + sig + ", Extra=ignored", authorization{
			alg: algHMACSHA256, accessKey: "AK", signedHeaders: "x-sdk-date", signature: sig}},
		{"V11-HMAC-SHA256 Credential=AK/20240314/r/vpc, SignedHeaders=a;x-sdk-date, Signature=" + sig, authorization{
			alg: algV11, accessKey: "AK", info: "20240314/r/vpc", signedHeaders: "a;x-sdk-date", signature: sig}},
	}
	for _, tt := range tests {
		got, err := parseAuthorization(tt.in)
		if err != nil {
			t.Errorf("parseAuthorization(%q) = %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(authorization{})); diff != "" {
			t.Errorf("parseAuthorization(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

// referenceCanonicalQuery is a plain restatement of auth.md §5 step 3 for
// differential fuzzing.
func referenceCanonicalQuery(raw string) (string, bool) {
	values := map[string][]string{}
	for _, piece := range strings.Split(raw, "&") {
		if piece == "" {
			continue
		}
		k, v, _ := strings.Cut(piece, "=")
		dk, err1 := url.QueryUnescape(k)
		dv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return "", false
		}
		values[dk] = append(values[dk], dv)
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range values {
			if !yield(k) {
				return
			}
		}
	})
	var out []string
	for _, k := range keys {
		vs := values[k]
		slices.Sort(vs)
		for _, v := range vs {
			out = append(out, string(appendEscape(nil, k))+"="+string(appendEscape(nil, v)))
		}
	}
	return strings.Join(out, "&"), true
}

// isCanonicalText reports whether s holds only unreserved bytes, extra and
// upper-case %XX escapes.
func isCanonicalText(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !strings.ContainsRune("0123456789ABCDEF", rune(s[i+1])) || !strings.ContainsRune("0123456789ABCDEF", rune(s[i+2])) {
				return false
			}
			i += 2
		case !shouldEscape(c), strings.IndexByte(extra, c) >= 0:
		default:
			return false
		}
	}
	return true
}
