package auth

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		exAuthA, exAuthB, exAuthC, "", " ", "SDK-HMAC-SHA256", "SDK-HMAC-SHA256 ", "Bearer x",
		"SDK-HMAC-SHA256 Access=A, SignedHeaders=x-sdk-date, Signature=" + strings.Repeat("0", 64),
		"SDK-HMAC-SHA256 Access=A,,SignedHeaders=x-sdk-date;;, Signature=",
		"V11-HMAC-SHA256 Credential=A/, SignedHeaders=x-sdk-date, Signature=" + strings.Repeat("F", 64),
		"V11-HMAC-SHA256 Credential=/x, SignedHeaders=x-sdk-date, Signature=" + strings.Repeat("F", 64),
		"SDK-HMAC-SHA256 Access==, SignedHeaders==x-sdk-date, Signature==",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseAuthorization(s)
		if err != nil {
			var u *unsupportedAlgorithmError
			if !errors.Is(err, errMalformedAuthorization) && !errors.As(err, &u) {
				t.Fatalf("parseAuthorization(%q) = %v, want a malformed or unsupported error", s, err)
			}
			return
		}
		if a.alg != algHMACSHA256 && a.alg != algV11 || a.accessKey == "" || !isHex64(a.signature) ||
			!listContains(a.signedHeaders, signedDate) || (a.alg == algV11) != (a.info != "") {
			t.Fatalf("parseAuthorization(%q) = %+v, breaks an invariant", s, a)
		}
		// Written back in the SDK's layout, the header parses the same.
		var again string
		if a.alg == algV11 {
			again = a.alg + " Credential=" + a.accessKey + "/" + a.info
		} else {
			again = a.alg + " Access=" + a.accessKey
		}
		again += ", SignedHeaders=" + a.signedHeaders + ", Signature=" + a.signature
		b, err := parseAuthorization(again)
		if err != nil {
			t.Fatalf("parseAuthorization(%q) = %v; it came from %q", again, err, s)
		}
		if diff := cmp.Diff(a, b, cmp.AllowUnexported(authorization{})); diff != "" {
			t.Fatalf("re-parsed header differs (-first +second):\n%s", diff)
		}
	})
}

func FuzzCanonicalQuery(f *testing.F) {
	for _, s := range []string{
		"", "a", "a=", "=", "&", "a=1&a=1", "description=a%20b%2A~&limit=50&protocol=udp&protocol=TCP&source_cidr_block=10.0.0.0%2F8",
		"a+b=c+d", "%zz", "a=%", "%E9%95%9C=%e9", "a=b=c&&", "k;=v;", "\x00=\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := canonicalQuery(raw)
		want, ok := referenceCanonicalQuery(raw)
		if !ok {
			if !errors.Is(err, errBadEscape) {
				t.Fatalf("canonicalQuery(%q) = %q, %v, want errBadEscape", raw, got, err)
			}
			return
		}
		if err != nil || got != want {
			t.Fatalf("canonicalQuery(%q) = %q, %v, want %q", raw, got, err, want)
		}
		if !isCanonicalText(got, "=&") {
			t.Fatalf("canonicalQuery(%q) = %q, has bytes outside the escape rule", raw, got)
		}
		// The canonical form is a fixed point.
		if again, err := canonicalQuery(got); err != nil || again != got {
			t.Fatalf("canonicalQuery(%q) = %q, %v, want it unchanged", got, again, err)
		}
	})
}

func FuzzCanonicalURI(f *testing.F) {
	for _, s := range []string{
		"", "/", "//", "/v3/p/vpc/traffic-mirror-filters", "/a%2Fb/", "/a%2fb", "/%7Bproject_id%7D", "/a%zz", "/%",
		"/镜", "/a+b", "*", "/./../",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := canonicalURI(p)
		if err != nil {
			if !errors.Is(err, errBadEscape) {
				t.Fatalf("canonicalURI(%q) = %v, want errBadEscape", p, err)
			}
			return
		}
		if !strings.HasSuffix(got, "/") || !isCanonicalText(got, "/") {
			t.Fatalf("canonicalURI(%q) = %q, not a canonical URI", p, got)
		}
		if strings.Count(got, "/") < strings.Count(p, "/") {
			t.Fatalf("canonicalURI(%q) = %q, lost a segment", p, got)
		}
		if again, err := canonicalURI(got); err != nil || again != got {
			t.Fatalf("canonicalURI(%q) = %q, %v, want it unchanged", got, again, err)
		}
	})
}

// FuzzVerify feeds Verify arbitrary requests (it must never panic and must
// fail only with 401 APIGW.0301), and checks that any request Sign accepts to
// sign verifies after crossing the wire.
func FuzzVerify(f *testing.F) {
	f.Add("POST", exPathA, "User-Agent", exUA, exAuthA, exDate, exBodyA)
	f.Add("GET", exTargetB, "X-Project-Id", exProject, exAuthB, exDate, "")
	f.Add("POST", exPathA, "X-Project-Id", exProject, exAuthC, exDate, exBodyA)
	f.Add("GET", "/a%2Fb/%zz?x=%zz&y", "X-Sdk-Content-Sha256", unsignedPayload, "SDK-HMAC-SHA256 Access="+exAK+", SignedHeaders=x-sdk-content-sha256;x-sdk-date, Signature="+strings.Repeat("a", 64), exDate, "body")
	f.Add("DELETE", "/", "X-Auth-Token", "t", "", "", "")
	f.Add("PUT", "/镜?镜=镜", "X-Multi", " a ", "V11-HMAC-SHA256 Credential="+exAK+"/x, SignedHeaders=host;x-sdk-date, Signature="+strings.Repeat("0", 64), "99999999T999999Z", "")
	f.Fuzz(func(t *testing.T, method, target, name, value, authz, date, body string) {
		v := newExampleVerifier()

		// Arbitrary request as received.
		var b strings.Builder
		b.WriteString(method + " " + target + " HTTP/1.1\r\nHost: " + exHost + "\r\n")
		b.WriteString(name + ": " + value + "\r\n")
		b.WriteString("Authorization: " + authz + "\r\nX-Sdk-Date: " + date + "\r\n")
		b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
		if r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(b.String()))); err == nil {
			got, _ := io.ReadAll(r.Body)
			if _, err := v.Verify(r, got); err != nil {
				if k, c := mirror.ErrorKind(err), mirror.ErrorCode(err); k != mirror.KindUnauthenticated || c != mirror.CodeAuthentication {
					t.Fatalf("Verify = %v, want %v %s", err, mirror.KindUnauthenticated, mirror.CodeAuthentication)
				}
			}
		}

		// The same parts signed by Sign.
		r, err := http.NewRequest(method, "http://"+exHost+target, strings.NewReader(body))
		if err != nil {
			return
		}
		r.Header.Set(name, value)
		if err := Sign(r, []byte(body), exAK, exSK, exTime); err != nil {
			return
		}
		if r.Header.Get("X-Sdk-Content-Sha256") != "" || len(r.Header.Values("Authorization")) != 1 {
			return // the fuzzer chose the hashed payload or the signature itself
		}
		if strings.EqualFold(name, "X-Auth-Token") {
			return
		}
		var wire strings.Builder
		if err := r.Write(&wire); err != nil {
			return
		}
		sr, err := http.ReadRequest(bufio.NewReader(strings.NewReader(wire.String())))
		if err != nil {
			return // not a request a server would accept
		}
		got, _ := io.ReadAll(sr.Body)
		if _, err := v.Verify(sr, got); err != nil {
			t.Fatalf("Verify(request signed by Sign) = %v\nwire:\n%s", err, wire.String())
		}
	})
}
