package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

const signedABC = "user-agent;x-project-id;x-sdk-date"

// canonicalOf returns the canonical request the server builds for r.
func canonicalOf(t *testing.T, r *http.Request, body []byte) string {
	t.Helper()
	cr, err := appendCanonicalRequest(nil, r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header, r.Host, signedABC, payloadHash(body), false)
	if err != nil {
		t.Fatalf("canonical request: %v", err)
	}
	return string(cr)
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestExampleA(t *testing.T) {
	r, body := exampleA(t)

	if got, want := payloadHash(body), "00c03b9bc6325e49de5907f2c2b2755b56f2885f0c4735849e348d70f4af477c"; got != want {
		t.Errorf("payloadHash(body) = %s, want %s", got, want)
	}
	if got, want := payloadHash(body[:len(body)-1]), "d8e4a2d9d281c4c5402871143d9696179e5f663e4965f9c083739864de9bb3fc"; got != want {
		t.Errorf("payloadHash(body without LF) = %s, want %s", got, want)
	}
	wantCR := "POST\n" +
		"/v3/0123456789abcdef0123456789abcdef/vpc/traffic-mirror-filters/\n" +
		"\n" +
		"user-agent:huaweicloud-usdk-go/3.0; example\n" +
		"x-project-id:0123456789abcdef0123456789abcdef\n" +
		"x-sdk-date:20240314T084412Z\n" +
		"\n" +
		"user-agent;x-project-id;x-sdk-date\n" +
		"00c03b9bc6325e49de5907f2c2b2755b56f2885f0c4735849e348d70f4af477c"
	cr := canonicalOf(t, r, body)
	if diff := cmp.Diff(wantCR, cr); diff != "" {
		t.Errorf("canonical request mismatch (-want +got):\n%s", diff)
	}
	if got, want := sha256Hex([]byte(cr)), "a60059d6c6fef50b5169a26af04d7ce3d6ba8ac70aeeb8d265fe5671b15b398d"; got != want {
		t.Errorf("SHA-256 of canonical request = %s, want %s", got, want)
	}
	wantSTS := "SDK-HMAC-SHA256\n20240314T084412Z\na60059d6c6fef50b5169a26af04d7ce3d6ba8ac70aeeb8d265fe5671b15b398d"
	if got := string(appendStringToSign(nil, algHMACSHA256, exDate, "", []byte(cr))); got != wantSTS {
		t.Errorf("string to sign = %q, want %q", got, wantSTS)
	}
	sig := signature(algHMACSHA256, exDate, "", []byte(exSK), []byte(cr))
	if got, want := hex.EncodeToString(sig[:]), "418d7305c6651c178098378b86f620c742447f0fb90cd3d841b76d7e267d5ab4"; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}

	got, err := newExampleVerifier().Verify(r, body)
	if err != nil {
		t.Fatalf("Verify(example A) = %v", err)
	}
	if diff := cmp.Diff(exCred, got); diff != "" {
		t.Errorf("Verify(example A) credential mismatch (-want +got):\n%s", diff)
	}

	// Hashing a body without the SDK's trailing newline must not verify.
	_, err = newExampleVerifier().Verify(r, body[:len(body)-1])
	wantAuthError(t, err, msgPrefix+msgBadSignature)
}

func TestExampleB(t *testing.T) {
	r, body := exampleB(t)
	wantCR := "GET\n" +
		"/v3/0123456789abcdef0123456789abcdef/vpc/traffic-mirror-filter-rules/\n" +
		"description=a%20b%2A~&limit=50&protocol=TCP&protocol=udp&source_cidr_block=10.0.0.0%2F8\n" +
		"user-agent:huaweicloud-usdk-go/3.0; example\n" +
		"x-project-id:0123456789abcdef0123456789abcdef\n" +
		"x-sdk-date:20240314T084412Z\n" +
		"\n" +
		"user-agent;x-project-id;x-sdk-date\n" +
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	cr := canonicalOf(t, r, body)
	if diff := cmp.Diff(wantCR, cr); diff != "" {
		t.Errorf("canonical request mismatch (-want +got):\n%s", diff)
	}
	if got, want := sha256Hex([]byte(cr)), "c16139e1b5f95c3f841f1c3811c0e1adad14b6e92b2116d1b3619faf38420116"; got != want {
		t.Errorf("SHA-256 of canonical request = %s, want %s", got, want)
	}
	if _, err := newExampleVerifier().Verify(r, body); err != nil {
		t.Fatalf("Verify(example B) = %v", err)
	}
}

func TestExampleC(t *testing.T) {
	r, body := readWire(t, "POST", exPathA, append(exampleHeaders(), header{"Authorization", exAuthC}), exBodyA)

	const info = "20240314/my-region-1/vpc"
	a, err := parseAuthorization(exAuthC)
	if err != nil {
		t.Fatalf("parseAuthorization(%q) = %v", exAuthC, err)
	}
	if a.accessKey != exAK || a.info != info || a.alg != algV11 {
		t.Errorf("parseAuthorization(%q) = %+v, want access key %s, info %s", exAuthC, a, exAK, info)
	}
	key, err := derivedKey(exAK, exSK, info)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(key), "4da1a06cc4eb9decca0a207768f7a7e7bc1a7cf034067c6b2e672818981dfef5"; got != want {
		t.Errorf("derivedKey = %s, want %s", got, want)
	}
	cr := canonicalOf(t, r, body)
	if got, want := sha256Hex([]byte(cr)), "a60059d6c6fef50b5169a26af04d7ce3d6ba8ac70aeeb8d265fe5671b15b398d"; got != want {
		t.Errorf("SHA-256 of canonical request = %s, want %s (identical to example A)", got, want)
	}
	wantSTS := "V11-HMAC-SHA256\n20240314T084412Z\n20240314/my-region-1/vpc\na60059d6c6fef50b5169a26af04d7ce3d6ba8ac70aeeb8d265fe5671b15b398d"
	if got := string(appendStringToSign(nil, algV11, exDate, info, []byte(cr))); got != wantSTS {
		t.Errorf("string to sign = %q, want %q", got, wantSTS)
	}
	sig := signature(algV11, exDate, info, key, []byte(cr))
	if got, want := hex.EncodeToString(sig[:]), "6b819e2529b9e6b7803954163dfd14c4ea852d3ce780c668e467ee3c0e6df1e4"; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
	if _, err := newExampleVerifier().Verify(r, body); err != nil {
		t.Fatalf("Verify(example C) = %v", err)
	}
}

func TestSignReproducesExamples(t *testing.T) {
	tests := []struct {
		name   string
		method string
		target string
		body   string
		want   string
	}{
		{"A", "POST", exPathA, exBodyA, exAuthA},
		{"B", "GET", exTargetB, "", exAuthB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			r, err := http.NewRequest(tt.method, "http://"+exHost+tt.target, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("User-Agent", exUA)
			r.Header.Set("X-Project-Id", exProject)
			if err := Sign(r, body, exAK, exSK, exTime.In(time.FixedZone("CST", 8*3600))); err != nil {
				t.Fatalf("Sign = %v", err)
			}
			if got := r.Header.Get("Authorization"); got != tt.want {
				t.Errorf("Sign: Authorization = %q, want %q", got, tt.want)
			}
			if got := r.Header.Get("X-Sdk-Date"); got != exDate {
				t.Errorf("Sign: X-Sdk-Date = %q, want %q", got, exDate)
			}
			// Signing again (a retry) replaces the old signature.
			if err := Sign(r, body, exAK, exSK, exTime); err != nil {
				t.Fatalf("second Sign = %v", err)
			}
			if got := r.Header.Values("Authorization"); len(got) != 1 || got[0] != tt.want {
				t.Errorf("second Sign: Authorization = %q, want [%q]", got, tt.want)
			}
			sr, sbody := overWire(t, r)
			if _, err := newExampleVerifier().Verify(sr, sbody); err != nil {
				t.Errorf("Verify(signed request over the wire) = %v", err)
			}
		})
	}
}

func TestSignHeaders(t *testing.T) {
	r, err := http.NewRequest("PUT", "http://"+exHost+"/v3/p/vpc/x?b=2&a=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header["x-lower"] = []string{"1"} // a key that is not canonical
	r.Header.Set("X-Lower", "2")
	r.Header.Set("Content-Type-Extra", "x")
	r.Header.Set("Content-Type", "application/json")
	r.Header["X_Under"] = []string{"x"}
	r.Header.Set("Host", "ignored.example")
	r.Header.Set("X-Security-Token", "tok")
	r.Header.Set("X-Sdk-Content-Sha256", unsignedPayload)
	if err := Sign(r, []byte("ignored"), exAK, exSK, exTime); err != nil {
		t.Fatalf("Sign = %v", err)
	}
	a, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		t.Fatalf("Sign wrote an Authorization header that does not parse: %v", err)
	}
	if want := "x-lower;x-sdk-content-sha256;x-sdk-date;x-security-token"; a.signedHeaders != want {
		t.Errorf("Sign: SignedHeaders = %q, want %q", a.signedHeaders, want)
	}
	sr, body := overWire(t, r)
	if _, err := newExampleVerifier().Verify(sr, body); err != nil {
		t.Errorf("Verify(signed request over the wire) = %v", err)
	}

	for _, bad := range []struct{ ak, sk string }{{"", exSK}, {exAK, ""}, {"A,B", exSK}, {"A/B", exSK}} {
		r, _ := http.NewRequest("GET", "http://"+exHost+"/", nil)
		if err := Sign(r, nil, bad.ak, bad.sk, exTime); err == nil {
			t.Errorf("Sign(ak %q, sk %q) = nil, want error", bad.ak, bad.sk)
		}
	}
	r, _ = http.NewRequest("GET", "http://"+exHost+"/", nil)
	r.URL.RawQuery = "a=%zz"
	if err := Sign(r, nil, exAK, exSK, exTime); err == nil {
		t.Errorf("Sign(query %q) = nil, want error", r.URL.RawQuery)
	}
}

// TestVerifyFailures checks every failure of errors.md §5.3, and the order of
// the checks of auth.md §5.1 where one request has several problems.
func TestVerifyFailures(t *testing.T) {
	const (
		badHeader = msgPrefix + "invalid Authorization header"
		badDate   = msgPrefix + "invalid x-sdk-date"
		badSig    = msgPrefix + "verify aksk signature fail"
	)
	// withAuth replaces example A's Authorization header.
	withAuth := func(v string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", v) }
	}
	sigA := "418d7305c6651c178098378b86f620c742447f0fb90cd3d841b76d7e267d5ab4"
	tests := []struct {
		name   string
		change func(*http.Request)
		body   string // replaces example A's body when not empty
		want   string
	}{
		{"NoAuthorization", func(r *http.Request) { r.Header.Del("Authorization") }, "",
			msgPrefix + "x-auth-token not found"},
		{"EmptyAuthorization", withAuth(""), "",
			msgPrefix + "x-auth-token not found"},
		{"Token", func(r *http.Request) { r.Header.Del("Authorization"); r.Header.Set("X-Auth-Token", "MIIxyz") }, "",
			msgPrefix + "token authentication is not supported"},
		{"TwoAuthorizations", func(r *http.Request) { r.Header.Add("Authorization", exAuthA) }, "", badHeader},
		{"OnlyAlgorithm", withAuth("SDK-HMAC-SHA256"), "", badHeader},
		{"LeadingSpace", withAuth(" " + exAuthA), "", badHeader},
		{"NoAccess", withAuth("SDK-HMAC-SHA256 SignedHeaders=x-sdk-date, Signature=" + sigA), "", badHeader},
		{"EmptyAccess", withAuth("SDK-HMAC-SHA256 Access=, SignedHeaders=x-sdk-date, Signature=" + sigA), "", badHeader},
		{"NoSignedHeaders", withAuth("SDK-HMAC-SHA256 Access=" + exAK + ", Signature=" + sigA), "", badHeader},
		{"NoSignature", withAuth("SDK-HMAC-SHA256 Access=" + exAK + ", SignedHeaders=x-sdk-date"), "", badHeader},
		{"ShortSignature", withAuth("SDK-HMAC-SHA256 Access=" + exAK + ", SignedHeaders=x-sdk-date, Signature=418d"), "", badHeader},
		{"NonHexSignature", withAuth("SDK-HMAC-SHA256 Access=" + exAK + ", SignedHeaders=x-sdk-date, Signature=" + strings.Repeat("g", 64)), "", badHeader},
		{"ParameterWithoutEquals", withAuth("SDK-HMAC-SHA256 Access=" + exAK + ", SignedHeaders, Signature=" + sigA), "", badHeader},
		{"RepeatedParameter", withAuth(exAuthA + ", Access=" + exAK), "", badHeader},
		{"SignedHeadersWithoutDate", withAuth("SDK-HMAC-SHA256 Access=" + exAK + ", SignedHeaders=user-agent;x-project-id, Signature=" + sigA), "", badHeader},
		{"EmptySignedHeader", withAuth("SDK-HMAC-SHA256 Access=" + exAK + ", SignedHeaders=user-agent;;x-sdk-date, Signature=" + sigA), "", badHeader},
		{"V11WithoutInfo", withAuth("V11-HMAC-SHA256 Credential=" + exAK + ", SignedHeaders=x-sdk-date, Signature=" + sigA), "", badHeader},
		{"V11WithAccess", withAuth("V11-HMAC-SHA256 Access=" + exAK + ", SignedHeaders=x-sdk-date, Signature=" + sigA), "", badHeader},
		{"MalformedBeforeUnknownAK", withAuth("SDK-HMAC-SHA256 Access=NOPE, SignedHeaders=user-agent, Signature=" + sigA), "", badHeader},
		{"SM3", withAuth(strings.Replace(exAuthA, "SDK-HMAC-SHA256", "SDK-HMAC-SM3", 1)), "",
			msgPrefix + "unsupported signing algorithm SDK-HMAC-SM3"},
		{"ECDSA", withAuth(strings.Replace(exAuthA, "SDK-HMAC-SHA256", "SDK-ECDSA-P256-SHA256", 1)), "",
			msgPrefix + "unsupported signing algorithm SDK-ECDSA-P256-SHA256"},
		{"SM2", withAuth(strings.Replace(exAuthA, "SDK-HMAC-SHA256", "SDK-SM2-SM3", 1)), "",
			msgPrefix + "unsupported signing algorithm SDK-SM2-SM3"},
		{"Bearer", withAuth("Bearer abc"), "", msgPrefix + "unsupported signing algorithm Bearer"},
		{"LowerCaseAlgorithm", withAuth(strings.ToLower(exAuthA)), "", msgPrefix + "unsupported signing algorithm sdk-hmac-sha256"},
		{"UnknownAK", withAuth(strings.Replace(exAuthA, exAK, "HPUAUNKNOWN", 1)), "",
			msgPrefix + "Get secretKey failed,ak:HPUAUNKNOWN,err:ak not exist"},
		{"UnknownAKBeforeBadDate", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(exAuthA, exAK, "HPUAUNKNOWN", 1))
			r.Header.Del("X-Sdk-Date")
		}, "", msgPrefix + "Get secretKey failed,ak:HPUAUNKNOWN,err:ak not exist"},
		{"NoDate", func(r *http.Request) { r.Header.Del("X-Sdk-Date") }, "", badDate},
		{"EmptyDate", func(r *http.Request) { r.Header.Set("X-Sdk-Date", "") }, "", badDate},
		{"RFC3339Date", func(r *http.Request) { r.Header.Set("X-Sdk-Date", "2024-03-14T08:44:12Z") }, "", badDate},
		{"FractionalDate", func(r *http.Request) { r.Header.Set("X-Sdk-Date", "20240314T084412.5Z") }, "", badDate},
		{"DateWithoutZ", func(r *http.Request) { r.Header.Set("X-Sdk-Date", "20240314T084412") }, "", badDate},
		{"Month13", func(r *http.Request) { r.Header.Set("X-Sdk-Date", "20241314T084412Z") }, "", badDate},
		{"TwoDates", func(r *http.Request) { r.Header.Add("X-Sdk-Date", exDate) }, "", badDate},
		{"Expired", func(r *http.Request) { r.Header.Set("X-Sdk-Date", "20240314T081412Z") }, "",
			msgPrefix + "calc aksk signature fail:signature expired, signature time:20240314T081412Z,server time:20240314T084412Z"},
		{"InFuture", func(r *http.Request) { r.Header.Set("X-Sdk-Date", "20250101T000000Z") }, "",
			msgPrefix + "calc aksk signature fail:signature expired, signature time:20250101T000000Z,server time:20240314T084412Z"},
		{"SignatureOneDigitOff", withAuth(exAuthA[:len(exAuthA)-1] + "5"), "", badSig},
		{"Method", func(r *http.Request) { r.Method = "PUT" }, "", badSig},
		{"Path", func(r *http.Request) { r.URL.Path += "x" }, "", badSig},
		{"TrailingSlashIsTheSame", func(r *http.Request) { r.URL.Path += "/" }, "", ""},
		{"Query", func(r *http.Request) { r.URL.RawQuery = "limit=1" }, "", badSig},
		{"BadQueryEscape", func(r *http.Request) { r.URL.RawQuery = "a=%zz" }, "", badSig},
		{"Body", nil, strings.Replace(exBodyA, "filter-1", "filter-2", 1), badSig},
		{"SignedHeader", func(r *http.Request) { r.Header.Set("User-Agent", "other") }, "", badSig},
		{"SignedHeaderAdded", func(r *http.Request) { r.Header.Add("X-Project-Id", "other") }, "", badSig},
		{"UnsignedHeaderIsFree", func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }, "", ""},
		{"DateWithinSkew", func(r *http.Request) { r.Header.Set("X-Sdk-Date", "20240314T084413Z") }, "", badSig},
		{"UpperCaseParameterNames", withAuth("SDK-HMAC-SHA256 " + strings.ToUpper(exAuthA[len("SDK-HMAC-SHA256 "):])), "", badHeader},
		{"UpperCaseHex", withAuth(exAuthA[:len(exAuthA)-64] + strings.ToUpper(exAuthA[len(exAuthA)-64:])), "", ""},
		// An unsigned X-Sdk-Content-Sha256 must not let anyone swap the body.
		{"UnsignedContentHash", func(r *http.Request) {
			r.Header.Set("X-Sdk-Content-Sha256", "00c03b9bc6325e49de5907f2c2b2755b56f2885f0c4735849e348d70f4af477c")
		}, strings.Replace(exBodyA, "filter-1", "filter-2", 1), badSig},
		{"UnsignedUnsignedPayload", func(r *http.Request) { r.Header.Set("X-Sdk-Content-Sha256", unsignedPayload) },
			strings.Replace(exBodyA, "filter-1", "filter-2", 1), badSig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := exampleA(t)
			if tt.change != nil {
				tt.change(r)
			}
			if tt.body != "" {
				body = []byte(tt.body)
			}
			_, err := newExampleVerifier().Verify(r, body)
			if tt.want == "" {
				if err != nil {
					t.Errorf("Verify = %v, want nil", err)
				}
				return
			}
			wantAuthError(t, err, tt.want)
		})
	}
}

// TestVerifyContentHash covers X-Sdk-Content-Sha256 when it is signed, as the
// SDK does for non-JSON content types.
func TestVerifyContentHash(t *testing.T) {
	tests := []struct {
		name  string
		value string
		body  string
		ok    bool
	}{
		{"UnsignedPayload", unsignedPayload, "anything", true},
		{"RealHash", payloadHashString("body\n"), "body\n", true},
		{"RealHashUpperCase", strings.ToUpper(payloadHashString("body\n")), "body\n", true},
		{"OtherBodyHash", payloadHashString("body\n"), "other\n", false},
		{"Garbage", "garbage", "body\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest("POST", "http://"+exHost+exPathA, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set("X-Sdk-Content-Sha256", tt.value)
			if err := Sign(r, []byte(tt.body), exAK, exSK, exTime); err != nil {
				t.Fatal(err)
			}
			sr, body := overWire(t, r)
			_, err = newExampleVerifier().Verify(sr, body)
			if tt.ok && err != nil {
				t.Errorf("Verify = %v, want nil", err)
			}
			if !tt.ok {
				wantAuthError(t, err, msgPrefix+msgBadSignature)
			}
		})
	}
}

func payloadHashString(s string) string { return payloadHash([]byte(s)) }

func TestVerifyV11InfoDate(t *testing.T) {
	// A V11 signature whose info scope names another day than X-Sdk-Date
	// is rejected even though it was computed correctly for that scope.
	const info = "20240313/my-region-1/vpc"
	r, body := readWire(t, "POST", exPathA, exampleHeaders(), exBodyA)
	key, err := derivedKey(exAK, exSK, info)
	if err != nil {
		t.Fatal(err)
	}
	cr := canonicalOf(t, r, body)
	sig := signature(algV11, exDate, info, key, []byte(cr))
	r.Header.Set("Authorization", "V11-HMAC-SHA256 Credential="+exAK+"/"+info+", SignedHeaders="+signedABC+", Signature="+hex.EncodeToString(sig[:]))
	_, err = newExampleVerifier().Verify(r, body)
	wantAuthError(t, err, msgPrefix+msgBadSignature)
}

func TestVerifySkew(t *testing.T) {
	tests := []struct {
		name   string
		offset time.Duration // signing time minus server time
		ok     bool
	}{
		{"Now", 0, true},
		{"Past15m", -15 * time.Minute, true},
		{"Future15m", 15 * time.Minute, true},
		{"Past15m1s", -15*time.Minute - time.Second, false},
		{"Future15m1s", 15*time.Minute + time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest("GET", "http://"+exHost+exPathA, nil)
			if err != nil {
				t.Fatal(err)
			}
			signedAt := exTime.Add(tt.offset)
			if err := Sign(r, nil, exAK, exSK, signedAt); err != nil {
				t.Fatal(err)
			}
			sr, body := overWire(t, r)
			_, err = newExampleVerifier().Verify(sr, body)
			if tt.ok {
				if err != nil {
					t.Errorf("Verify(signed %v from server time) = %v, want nil", tt.offset, err)
				}
				return
			}
			wantAuthError(t, err, msgPrefix+"calc aksk signature fail:signature expired, signature time:"+
				signedAt.Format(dateLayout)+",server time:"+exDate)
		})
	}

	t.Run("MaxSkew", func(t *testing.T) {
		r, err := http.NewRequest("GET", "http://"+exHost+exPathA, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := Sign(r, nil, exAK, exSK, exTime.Add(-2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		sr, body := overWire(t, r)
		v := newExampleVerifier()
		v.MaxSkew = time.Minute
		if _, err := v.Verify(sr, body); mirror.ErrorCode(err) != mirror.CodeAuthentication {
			t.Errorf("Verify(2 min old, MaxSkew 1 min) = %v, want %s", err, mirror.CodeAuthentication)
		}
	})
}

func TestVerifyNilClockUsesTimeNow(t *testing.T) {
	r, err := http.NewRequest("GET", "http://"+exHost+exPathA, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Sign(r, nil, exAK, exSK, time.Now()); err != nil {
		t.Fatal(err)
	}
	sr, body := overWire(t, r)
	v := &Verifier{Keys: NewKeyring([]Credential{exCred})}
	if _, err := v.Verify(sr, body); err != nil {
		t.Errorf("Verify(signed now, real clock) = %v", err)
	}
	// Example A was signed in 2024: with the real clock it has expired.
	ra, bodyA := exampleA(t)
	if _, err := v.Verify(ra, bodyA); mirror.ErrorCode(err) != mirror.CodeAuthentication {
		t.Errorf("Verify(example A, real clock) = %v, want %s", err, mirror.CodeAuthentication)
	}
}

func TestVerifyNilKeyring(t *testing.T) {
	r, body := exampleA(t)
	v := &Verifier{Now: func() time.Time { return exTime }}
	_, err := v.Verify(r, body)
	wantAuthError(t, err, msgPrefix+"Get secretKey failed,ak:"+exAK+",err:ak not exist")
}

func TestKeyringReplace(t *testing.T) {
	v := newExampleVerifier()
	r, body := exampleA(t)
	if _, err := v.Verify(r, body); err != nil {
		t.Fatalf("Verify before Replace = %v", err)
	}

	other := Credential{AccessKey: "OTHER", SecretKey: "other-secret", Projects: []string{"*"}}
	v.Keys.Replace([]Credential{other})
	_, err := v.Verify(r, body)
	wantAuthError(t, err, msgPrefix+"Get secretKey failed,ak:"+exAK+",err:ak not exist")
	if got, ok := v.Keys.Lookup("OTHER"); !ok || got.SecretKey != "other-secret" {
		t.Errorf("Lookup(OTHER) = %+v, %v after Replace, want it", got, ok)
	}

	// Same access key, new secret: the old signature stops working.
	v.Keys.Replace([]Credential{{AccessKey: exAK, SecretKey: "rotated", Projects: []string{"*"}}})
	_, err = v.Verify(r, body)
	wantAuthError(t, err, msgPrefix+msgBadSignature)

	v.Keys.Replace([]Credential{exCred})
	if _, err := v.Verify(r, body); err != nil {
		t.Errorf("Verify after restoring the key = %v", err)
	}
}

func TestKeyringCopiesInput(t *testing.T) {
	projects := []string{"p1"}
	k := NewKeyring([]Credential{{AccessKey: "A", SecretKey: "S", Projects: projects}})
	projects[0] = "changed"
	c, _ := k.Lookup("A")
	if diff := cmp.Diff([]string{"p1"}, c.Projects); diff != "" {
		t.Errorf("Lookup after the caller changed its slice (-want +got):\n%s", diff)
	}
	var zero Keyring
	if _, ok := zero.Lookup("A"); ok {
		t.Error("zero Keyring Lookup = true, want false")
	}
}

// TestKeyringConcurrent is meant for -race: lookups and verifications run
// while the keyring is replaced.
func TestKeyringConcurrent(t *testing.T) {
	v := newExampleVerifier()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, body := exampleA(t)
			for range 200 {
				if i%2 == 0 {
					v.Keys.Replace([]Credential{exCred, {AccessKey: "X", SecretKey: "Y", Projects: []string{"*"}}})
				}
				if _, err := v.Verify(r, body); err != nil {
					t.Errorf("Verify = %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestCheckProject(t *testing.T) {
	const other = "fedcba9876543210fedcba9876543210"
	specific := Credential{AccessKey: "A", SecretKey: "S", Projects: []string{exProject, other}}
	anyProject := Credential{AccessKey: "B", SecretKey: "S", Projects: []string{"*"}}
	tests := []struct {
		name    string
		headers []string // X-Project-Id values; nil means absent
		cred    Credential
		project string
		ok      bool
	}{
		{"HeaderMatches", []string{exProject}, specific, exProject, true},
		{"HeaderAbsent", nil, specific, exProject, true},
		{"HeaderAbsentSecondProject", nil, specific, other, true},
		{"HeaderMismatch", []string{other}, specific, exProject, false},
		{"HeaderEmpty", []string{""}, specific, exProject, false},
		{"HeaderTwice", []string{exProject, exProject}, specific, exProject, false},
		{"HeaderCaseDiffers", []string{strings.ToUpper(exProject)}, specific, exProject, false},
		{"ProjectNotAllowed", nil, specific, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{"ProjectNotAllowedHeaderMatches", []string{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, specific, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{"AnyProject", nil, anyProject, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true},
		{"AnyProjectHeaderMismatch", []string{other}, anyProject, exProject, false},
		{"LiteralTemplateSpecific", nil, specific, "{project_id}", false},
		{"LiteralTemplateAnyProject", nil, anyProject, "{project_id}", true},
		{"NoProjects", nil, Credential{AccessKey: "C"}, exProject, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest("GET", "http://"+exHost+"/v3/"+tt.project+"/vpc/traffic-mirror-filters", nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range tt.headers {
				r.Header.Add("X-Project-Id", h)
			}
			err = CheckProject(r, tt.cred, tt.project)
			if tt.ok {
				if err != nil {
					t.Errorf("CheckProject = %v, want nil", err)
				}
				return
			}
			wantMirrorError(t, err, mirror.KindInvalid, mirror.CodeProjectMismatch, "urlTenantId is not equal tokenTenantId")
		})
	}
}

func TestAllowsProject(t *testing.T) {
	c := Credential{Projects: []string{"p1", "p2"}}
	for p, want := range map[string]bool{"p1": true, "p2": true, "p3": false, "": false, "*": false} {
		if got := c.AllowsProject(p); got != want {
			t.Errorf("Credential{Projects: %q}.AllowsProject(%q) = %v, want %v", c.Projects, p, got, want)
		}
	}
	if !(Credential{Projects: []string{"*"}}).AllowsProject("anything") {
		t.Errorf(`Credential{Projects: ["*"]}.AllowsProject("anything") = false, want true`)
	}
}

// TestParseDate compares parseDate with time.Parse, which it replaces on the
// hot path, on dates that isDate accepts: valid ones, and ones with a field
// out of range, which must fail the same way.
func TestParseDate(t *testing.T) {
	in := []string{
		"20240314T084412Z", "00000101T000000Z", "99991231T235959Z", "20240229T120000Z",
		"20230229T120000Z", "20241301T000000Z", "20240001T000000Z", "20240100T000000Z", "20240431T000000Z",
		"20240101T240000Z", "20240101T006000Z", "20240101T000060Z", "20240101T000099Z", "99999999T999999Z",
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		in = append(in, fmt.Sprintf("%04d%02d%02dT%02d%02d%02dZ", r.IntN(10000), r.IntN(14), r.IntN(33), r.IntN(26), r.IntN(62), r.IntN(62)))
	}
	for _, s := range in {
		if !isDate(s) {
			t.Fatalf("isDate(%q) = false; the test wants dates of the accepted form", s)
		}
		got, gotErr := parseDate(s)
		want, wantErr := time.Parse(dateLayout, s)
		if !got.Equal(want) || got.Location() != want.Location() || (gotErr == nil) != (wantErr == nil) {
			t.Errorf("parseDate(%q) = %v, %v; time.Parse = %v, %v", s, got, gotErr, want, wantErr)
		}
	}
}
