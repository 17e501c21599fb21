package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// DefaultMaxSkew is the largest difference between X-Sdk-Date and the server
// clock that Verify accepts when Verifier.MaxSkew is 0; Huawei's API gateway
// uses the same bound.
const DefaultMaxSkew = 15 * time.Minute

// Verifier authenticates signed requests (auth.md §4, §5, §5.1, §7.1).
type Verifier struct {
	Keys    *Keyring
	Now     func() time.Time // nil means time.Now
	MaxSkew time.Duration    // 0 means 15 minutes
}

// msgPrefix starts every authentication error message, as in Huawei's IAM
// authentication FAQ.
const msgPrefix = "Incorrect IAM authentication information: "

// The fixed public messages of errors.md §5.3.
const (
	msgNoAuth         = "x-auth-token not found"
	msgToken          = "token authentication is not supported"
	msgBadHeader      = "invalid Authorization header"
	msgBadDate        = "invalid x-sdk-date"
	msgBadSignature   = "verify aksk signature fail"
	msgUnsupportedAlg = "unsupported signing algorithm "
)

// authError returns the 401 error with the public message msg and the
// private cause, which is logged and never sent.
func authError(msg string, cause error) *mirror.Error {
	return &mirror.Error{
		Kind: mirror.KindUnauthenticated,
		Code: mirror.CodeAuthentication,
		Msg:  msgPrefix + msg,
		Err:  cause,
	}
}

// Verify authenticates r, whose raw body (already read, at most 1 MiB) is body. It returns the
// credential that signed it, or a *mirror.Error of mirror.KindUnauthenticated with code
// mirror.CodeAuthentication and exactly the error_msg of errors.md §5.3 for each failure
// (keep the private reason in Err for logs, never the secret key).
//
// The checks run in the order of auth.md §5.1: parse Authorization, look up
// the access key, validate X-Sdk-Date, check the clock skew, then recompute
// and compare the signature.
func (v *Verifier) Verify(r *http.Request, body []byte) (Credential, error) {
	authz := r.Header[headerAuthorization]
	if len(authz) == 0 || len(authz) == 1 && authz[0] == "" {
		if _, ok := r.Header[headerAuthToken]; ok {
			return Credential{}, authError(msgToken, errors.New("request carries X-Auth-Token"))
		}
		return Credential{}, authError(msgNoAuth, errors.New("request has no Authorization header"))
	}
	if len(authz) > 1 {
		return Credential{}, authError(msgBadHeader, fmt.Errorf("%w: %d Authorization headers", errMalformedAuthorization, len(authz)))
	}
	a, err := parseAuthorization(authz[0])
	if err != nil {
		if u, ok := errors.AsType[*unsupportedAlgorithmError](err); ok {
			return Credential{}, authError(msgUnsupportedAlg+u.alg, err)
		}
		return Credential{}, authError(msgBadHeader, err)
	}

	cred, macs, ok := v.Keys.lookup(a.accessKey)
	if !ok {
		return Credential{}, authError("Get secretKey failed,ak:"+a.accessKey+",err:ak not exist",
			fmt.Errorf("access key %s is not configured", a.accessKey))
	}

	dates := r.Header[headerDate]
	if len(dates) != 1 || !isDate(dates[0]) {
		return Credential{}, authError(msgBadDate, fmt.Errorf("X-Sdk-Date %q is not one value of the form YYYYMMDDTHHMMSSZ", dates))
	}
	date := dates[0]
	signedAt, err := parseDate(date)
	if err != nil {
		return Credential{}, authError(msgBadDate, fmt.Errorf("X-Sdk-Date: %w", err))
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	maxSkew := v.MaxSkew
	if maxSkew == 0 {
		maxSkew = DefaultMaxSkew
	}
	if skew := now.Sub(signedAt); skew > maxSkew || skew < -maxSkew {
		return Credential{}, authError(
			"calc aksk signature fail:signature expired, signature time:"+date+",server time:"+now.UTC().Format(dateLayout),
			fmt.Errorf("X-Sdk-Date is %v away from the server clock, more than %v", skew, maxSkew))
	}

	key := []byte(cred.SecretKey)
	if a.alg == algV11 {
		// The info scope names the signing day; a scope for another day
		// than X-Sdk-Date means the key was derived for something else.
		if !strings.HasPrefix(a.info, date[:len(derivedDateLayout)]+"/") {
			return Credential{}, authError(msgBadSignature, fmt.Errorf("V11 info %q does not start with the date of X-Sdk-Date %s", a.info, date))
		}
		if key, err = derivedKey(cred.AccessKey, cred.SecretKey, a.info); err != nil {
			return Credential{}, authError(msgBadSignature, err)
		}
	}

	hash, err := requestPayloadHash(r, a.signedHeaders, body)
	if err != nil {
		return Credential{}, authError(msgBadSignature, err)
	}

	// Canonical requests of this API are a few hundred bytes; a stack buffer
	// avoids an allocation per request.
	var buf [1024]byte
	cr, err := appendCanonicalRequest(buf[:0], r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header, r.Host, a.signedHeaders, hash, false)
	if err != nil {
		return Credential{}, authError(msgBadSignature, fmt.Errorf("canonical request: %w", err))
	}
	var want [sha256.Size]byte
	if a.alg == algV11 {
		want = signature(a.alg, date, a.info, key, cr)
	} else {
		// The secret key itself signs: reuse an HMAC already keyed with it.
		st := macs.Get().(*macState)
		want = st.sign(a.alg, date, a.info, cr)
		macs.Put(st)
	}
	got, _ := decodeHex64(a.signature) // parseAuthorization checked the form
	if !hmac.Equal(want[:], got[:]) {
		logged, _ := appendCanonicalRequest(nil, r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header, r.Host, a.signedHeaders, hash, true)
		return Credential{}, authError(msgBadSignature,
			fmt.Errorf("%s signature of access key %s does not match; canonical request %q", a.alg, a.accessKey, logged))
	}
	return cred, nil
}

// parseDate parses an X-Sdk-Date that isDate accepted. It gives what
// time.Parse(dateLayout, s) gives, without the layout interpretation: a
// field out of range (month 13, 30 February, hour 24) is left to time.Parse
// for the same error.
func parseDate(s string) (time.Time, error) {
	num := func(i, j int) int {
		n := 0
		for ; i < j; i++ {
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	year, month, day := num(0, 4), num(4, 6), num(6, 8)
	hour, minute, sec := num(9, 11), num(11, 13), num(13, 15)
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	if int(t.Month()) != month || t.Day() != day || t.Hour() != hour || t.Minute() != minute || t.Second() != sec {
		// time.Date normalised a field that was out of range.
		return time.Parse(dateLayout, s)
	}
	return t, nil
}

// requestPayloadHash returns the hashed payload of auth.md §5 step 6.
//
// X-Sdk-Content-Sha256 replaces the body hash only when it is itself signed:
// otherwise anyone could add it to a captured request, set it to the original
// body's hash, and swap the body. A value other than UNSIGNED-PAYLOAD must be
// the body's real hash, or the signature would cover a body that was not sent.
func requestPayloadHash(r *http.Request, signedHeaders string, body []byte) (string, error) {
	values, ok := r.Header[headerContentSHA256]
	if !ok || !listContains(signedHeaders, "x-sdk-content-sha256") {
		return payloadHash(body), nil
	}
	if len(values) != 1 {
		return "", fmt.Errorf("%d X-Sdk-Content-Sha256 headers", len(values))
	}
	v := values[0]
	if v != unsignedPayload && !strings.EqualFold(v, payloadHash(body)) {
		return "", fmt.Errorf("X-Sdk-Content-Sha256 %q is not the SHA-256 of the body", v)
	}
	return v, nil
}

// listContains reports whether the ';'-separated list holds name.
func listContains(list, name string) bool {
	for rest := list; ; {
		item, tail, more := strings.Cut(rest, ";")
		if item == name {
			return true
		}
		if !more {
			return false
		}
		rest = tail
	}
}

// decodeHex64 decodes 64 hex digits of either case without allocating.
func decodeHex64(s string) ([sha256.Size]byte, bool) {
	var out [sha256.Size]byte
	if len(s) != 2*len(out) {
		return out, false
	}
	for i := range out {
		hi, ok1 := fromHex(s[2*i])
		lo, ok2 := fromHex(s[2*i+1])
		if !ok1 || !ok2 {
			return out, false
		}
		out[i] = hi<<4 | lo
	}
	return out, true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// CheckProject applies auth.md §6 P1 and P2: the X-Project-Id header, when present, must equal
// projectID; the credential must allow projectID. Failure: *mirror.Error{Kind: mirror.KindInvalid,
// Code: mirror.CodeProjectMismatch, Msg: "urlTenantId is not equal tokenTenantId"}.
func CheckProject(r *http.Request, c Credential, projectID string) error {
	if values, ok := r.Header[headerProjectID]; ok && (len(values) != 1 || values[0] != projectID) {
		return projectMismatch(fmt.Errorf("X-Project-Id %q differs from the path project %q", values, projectID))
	}
	if !c.AllowsProject(projectID) {
		return projectMismatch(fmt.Errorf("access key %s may not use project %q", c.AccessKey, projectID))
	}
	return nil
}

func projectMismatch(cause error) *mirror.Error {
	return &mirror.Error{
		Kind: mirror.KindInvalid,
		Code: mirror.CodeProjectMismatch,
		Msg:  "urlTenantId is not equal tokenTenantId",
		Err:  cause,
	}
}
