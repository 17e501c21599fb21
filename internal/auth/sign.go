package auth

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"time"
)

// Sign signs an outgoing client request with SDK-HMAC-SHA256 exactly like the Go SDK: it sets
// X-Sdk-Date from t and Authorization, signing every header already on r except those whose
// lower-case name starts with "content-type" or contains "_". body is the exact body that will be
// sent (nil for none). Used by the CLI, the load tool and tests.
//
// Also left unsigned are the headers net/http never sends from r.Header
// (Host, Content-Length, Transfer-Encoding, Trailer): the server could not
// see them. Unlike the SDK, Sign never switches to UNSIGNED-PAYLOAD for a
// non-JSON Content-Type, so the body is always covered; an
// X-Sdk-Content-Sha256 header the caller set is honoured and signed.
func Sign(r *http.Request, body []byte, accessKey, secretKey string, t time.Time) error {
	if err := checkAccessKey(accessKey); err != nil {
		return fmt.Errorf("sign request: access key %w", err)
	}
	if secretKey == "" {
		return errors.New("sign request: empty secret key")
	}
	if r.URL == nil {
		return errors.New("sign request: no URL")
	}
	// Drop any earlier signature and date, whatever the letter case of their
	// keys, so that re-signing a request works.
	for k := range r.Header {
		if strings.EqualFold(k, headerAuthorization) || strings.EqualFold(k, headerDate) {
			delete(r.Header, k)
		}
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	date := t.UTC().Format(dateLayout)
	r.Header.Set(headerDate, date)

	// The server sees every header under its canonical key, with the values
	// of keys that differ only in case merged; sign that view.
	h := make(http.Header, len(r.Header))
	var names []string
	for k, vs := range r.Header {
		lower := strings.ToLower(k)
		if strings.HasPrefix(lower, "content-type") || strings.Contains(k, "_") || unsent(lower) {
			continue
		}
		if !isToken(k) {
			return fmt.Errorf("sign request: invalid header name %q", k)
		}
		for _, v := range vs {
			if !validHeaderValue(v) {
				return fmt.Errorf("sign request: header %s has an invalid value %q", k, v)
			}
		}
		ck := textproto.CanonicalMIMEHeaderKey(k)
		h[ck] = append(h[ck], vs...)
		names = append(names, lower)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	signedHeaders := strings.Join(names, ";")

	hash := payloadHash(body)
	if vs := h[headerContentSHA256]; len(vs) > 0 {
		hash = vs[0]
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	cr, err := appendCanonicalRequest(nil, r.Method, r.URL.EscapedPath(), r.URL.RawQuery, h, host, signedHeaders, hash, false)
	if err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	sig := signature(algHMACSHA256, date, "", []byte(secretKey), cr)
	r.Header.Set(headerAuthorization, algHMACSHA256+" Access="+accessKey+", SignedHeaders="+signedHeaders+", Signature="+hex.EncodeToString(sig[:]))
	return nil
}

// unsent reports whether net/http's client drops the header of this
// lower-case name from r.Header when it writes the request.
func unsent(lower string) bool {
	switch lower {
	case "host", "content-length", "transfer-encoding", "trailer":
		return true
	}
	return false
}

// isToken reports whether s is a valid HTTP header name (RFC 9110 token).
// Other names could not be listed unambiguously in SignedHeaders.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// validHeaderValue reports whether net/http's client sends v unchanged: it
// refuses control characters other than tab, and a signature over a value
// the server never sees could not verify.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
