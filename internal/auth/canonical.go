package auth

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
)

// Signing algorithms, as they appear first in the Authorization header.
const (
	algHMACSHA256 = "SDK-HMAC-SHA256"
	algV11        = "V11-HMAC-SHA256"
)

const (
	dateLayout        = "20060102T150405Z" // X-Sdk-Date, always UTC
	derivedDateLayout = "20060102"         // date part of the V11 info

	headerDate          = "X-Sdk-Date"
	headerContentSHA256 = "X-Sdk-Content-Sha256"
	headerAuthorization = "Authorization"
	headerAuthToken     = "X-Auth-Token"
	headerProjectID     = "X-Project-Id"

	// signedDate is the SignedHeaders entry every signature must cover.
	signedDate = "x-sdk-date"

	unsignedPayload = "UNSIGNED-PAYLOAD"
	emptySHA256     = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// authorization is a parsed Authorization header (auth.md §4, §7.1).
type authorization struct {
	alg           string // algHMACSHA256 or algV11
	accessKey     string
	info          string // V11 only: "<YYYYMMDD>/<region>/<service>"
	signedHeaders string // verbatim, it is part of the canonical request
	signature     string // 64 hex digits of either case
}

// errMalformedAuthorization is returned by parseAuthorization for a header
// that does not follow the grammar; its text is private.
var errMalformedAuthorization = errors.New("malformed Authorization header")

// unsupportedAlgorithmError is returned by parseAuthorization for a
// well-separated algorithm this server does not verify.
type unsupportedAlgorithmError struct{ alg string }

func (e *unsupportedAlgorithmError) Error() string {
	return "unsupported signing algorithm " + e.alg
}

// parseAuthorization parses an Authorization header value: the algorithm up
// to the first space, then comma-separated key=value parameters with optional
// spaces. Unknown parameters are ignored; a repeated one is an error because
// it would be ambiguous which one was meant.
func parseAuthorization(s string) (authorization, error) {
	alg, params, found := strings.Cut(s, " ")
	if alg == "" {
		return authorization{}, fmt.Errorf("%w: no algorithm", errMalformedAuthorization)
	}
	if alg != algHMACSHA256 && alg != algV11 {
		return authorization{}, &unsupportedAlgorithmError{alg: alg}
	}
	if !found {
		return authorization{}, fmt.Errorf("%w: no parameters", errMalformedAuthorization)
	}
	a := authorization{alg: alg}
	var credential string
	var haveAccess, haveCredential, haveSigned, haveSignature bool
	for params != "" {
		var part string
		part, params, _ = strings.Cut(params, ",")
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return authorization{}, fmt.Errorf("%w: parameter %q has no '='", errMalformedAuthorization, key)
		}
		var seen *bool
		switch key {
		case "Access":
			a.accessKey, seen = value, &haveAccess
		case "Credential":
			credential, seen = value, &haveCredential
		case "SignedHeaders":
			a.signedHeaders, seen = value, &haveSigned
		case "Signature":
			a.signature, seen = value, &haveSignature
		default:
			continue
		}
		if *seen {
			return authorization{}, fmt.Errorf("%w: repeated parameter %s", errMalformedAuthorization, key)
		}
		*seen = true
	}

	if alg == algV11 {
		if !haveCredential {
			return authorization{}, fmt.Errorf("%w: no Credential", errMalformedAuthorization)
		}
		// The AK cannot contain '/', the info can; so the AK ends at the
		// first one.
		var ok bool
		a.accessKey, a.info, ok = strings.Cut(credential, "/")
		if !ok || a.info == "" {
			return authorization{}, fmt.Errorf("%w: Credential has no info scope", errMalformedAuthorization)
		}
	} else if !haveAccess {
		return authorization{}, fmt.Errorf("%w: no Access", errMalformedAuthorization)
	}
	if a.accessKey == "" {
		return authorization{}, fmt.Errorf("%w: empty access key", errMalformedAuthorization)
	}
	if !haveSigned {
		return authorization{}, fmt.Errorf("%w: no SignedHeaders", errMalformedAuthorization)
	}
	if err := checkSignedHeaders(a.signedHeaders); err != nil {
		return authorization{}, err
	}
	if !haveSignature {
		return authorization{}, fmt.Errorf("%w: no Signature", errMalformedAuthorization)
	}
	if !isHex64(a.signature) {
		return authorization{}, fmt.Errorf("%w: Signature is not 64 hex digits", errMalformedAuthorization)
	}
	return a, nil
}

// checkSignedHeaders requires a list of non-empty names that includes
// x-sdk-date: without it the date, and so the expiry, would not be signed.
func checkSignedHeaders(list string) error {
	hasDate := false
	for rest := list; ; {
		name, tail, more := strings.Cut(rest, ";")
		if name == "" {
			return fmt.Errorf("%w: empty name in SignedHeaders", errMalformedAuthorization)
		}
		if name == signedDate {
			hasDate = true
		}
		if !more {
			break
		}
		rest = tail
	}
	if !hasDate {
		return fmt.Errorf("%w: SignedHeaders lacks %s", errMalformedAuthorization, signedDate)
	}
	return nil
}

func isHex64(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// isDate reports whether s has exactly the form YYYYMMDDTHHMMSSZ. time.Parse
// alone is not enough: it also accepts fractional seconds, which the SDK
// never sends.
func isDate(s string) bool {
	if len(s) != len(dateLayout) || s[8] != 'T' || s[15] != 'Z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i == 8 || i == 15 {
			continue
		}
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// errBadEscape reports a path segment or query piece whose percent-encoding
// is invalid; the client cannot have signed what we would canonicalise.
var errBadEscape = errors.New("invalid percent-encoding")

// appendCanonicalRequest appends the canonical request of auth.md §5 step 7
// to dst. escapedPath is the path as sent on the wire, host the request's
// Host. When redact is set, values of secret-bearing headers are replaced so
// that the result can be logged.
func appendCanonicalRequest(dst []byte, method, escapedPath, rawQuery string, h http.Header, host, signedHeaders, payloadHash string, redact bool) ([]byte, error) {
	dst = append(dst, method...)
	dst = append(dst, '\n')
	dst, err := appendCanonicalURI(dst, escapedPath)
	if err != nil {
		return dst, fmt.Errorf("path: %w", err)
	}
	dst = append(dst, '\n')
	dst, err = appendCanonicalQuery(dst, rawQuery)
	if err != nil {
		return dst, fmt.Errorf("query: %w", err)
	}
	dst = append(dst, '\n')
	dst = appendCanonicalHeaders(dst, h, host, signedHeaders, redact)
	dst = append(dst, '\n')
	dst = append(dst, signedHeaders...)
	dst = append(dst, '\n')
	dst = append(dst, payloadHash...)
	return dst, nil
}

// appendCanonicalURI appends the canonical URI of escapedPath: each
// '/'-separated segment percent-decoded and re-escaped, then a final '/'.
// Decoding segment by segment keeps an escaped "%2F" inside its segment, as
// the client that signed it saw it.
func appendCanonicalURI(dst []byte, escapedPath string) ([]byte, error) {
	for rest := escapedPath; ; {
		seg, tail, more := strings.Cut(rest, "/")
		if strings.IndexByte(seg, '%') >= 0 {
			dec, err := url.PathUnescape(seg)
			if err != nil {
				return dst, errBadEscape
			}
			seg = dec
		}
		dst = appendEscape(dst, seg)
		if !more {
			break
		}
		dst = append(dst, '/')
		rest = tail
	}
	if len(dst) == 0 || dst[len(dst)-1] != '/' {
		dst = append(dst, '/')
	}
	return dst, nil
}

// queryPair is one decoded query parameter.
type queryPair struct{ key, value string }

// appendCanonicalQuery appends the canonical query string of rawQuery
// (auth.md §5 step 3): pieces split on '&' and at their first '=', decoded
// with '+' as space, sorted by key and then value, re-escaped. Empty pieces
// ("a=1&&b=2") are skipped, as url.ParseQuery does.
func appendCanonicalQuery(dst []byte, rawQuery string) ([]byte, error) {
	if rawQuery == "" {
		return dst, nil
	}
	// Lists have a handful of parameters; a fixed array keeps them off the
	// heap on the hot path.
	var buf [16]queryPair
	pairs := buf[:0]
	for rest := rawQuery; rest != ""; {
		var piece string
		piece, rest, _ = strings.Cut(rest, "&")
		if piece == "" {
			continue
		}
		key, value, _ := strings.Cut(piece, "=")
		key, err := queryUnescape(key)
		if err != nil {
			return dst, err
		}
		value, err = queryUnescape(value)
		if err != nil {
			return dst, err
		}
		pairs = append(pairs, queryPair{key, value})
	}
	slices.SortFunc(pairs, func(a, b queryPair) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	for i, p := range pairs {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = appendEscape(dst, p.key)
		dst = append(dst, '=')
		dst = appendEscape(dst, p.value)
	}
	return dst, nil
}

// queryUnescape decodes a query key or value, allocating only when there is
// something to decode.
func queryUnescape(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, nil
	}
	dec, err := url.QueryUnescape(s)
	if err != nil {
		return "", errBadEscape
	}
	return dec, nil
}

// appendCanonicalHeaders appends one "name:value\n" line per value of each
// header named in signedHeaders, values sorted and trimmed. host is used for
// "host", which Go keeps out of the header map. A signed header that is
// absent contributes no line, as in the SDK.
func appendCanonicalHeaders(dst []byte, h http.Header, host, signedHeaders string, redact bool) []byte {
	start := len(dst)
	for rest := signedHeaders; ; {
		name, tail, more := strings.Cut(rest, ";")
		var values []string
		if name == "host" {
			values = []string{host}
		} else {
			values = h[canonicalHeaderKey(name)]
		}
		if len(values) > 1 && !slices.IsSorted(values) {
			// Never sort the request's own slice in place.
			values = slices.Sorted(slices.Values(values))
		}
		for _, v := range values {
			dst = append(dst, name...)
			dst = append(dst, ':')
			if redact && isSecretHeader(name) {
				dst = append(dst, "<redacted>"...)
			} else {
				dst = append(dst, strings.TrimSpace(v)...)
			}
			dst = append(dst, '\n')
		}
		if !more {
			break
		}
		rest = tail
	}
	if len(dst) == start {
		// The SDK joins the lines with '\n' and then adds one, so an empty
		// block is a lone newline.
		dst = append(dst, '\n')
	}
	return dst
}

func isSecretHeader(name string) bool {
	return strings.EqualFold(name, "x-security-token") || strings.EqualFold(name, "authorization")
}

// canonicalHeaderKey is textproto.CanonicalMIMEHeaderKey without the
// allocation for the names SDK clients sign on every request.
func canonicalHeaderKey(name string) string {
	switch name {
	case "x-sdk-date":
		return headerDate
	case "x-project-id":
		return headerProjectID
	case "user-agent":
		return "User-Agent"
	case "content-type":
		return "Content-Type"
	case "accept":
		return "Accept"
	case "x-language":
		return "X-Language"
	case "x-security-token":
		return "X-Security-Token"
	case "x-sdk-content-sha256":
		return headerContentSHA256
	}
	return textproto.CanonicalMIMEHeaderKey(name)
}

// shouldEscape reports whether the escape rule of auth.md §5 encodes c: all
// bytes but A–Z a–z 0–9 - _ . ~ are.
func shouldEscape(c byte) bool {
	return !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~')
}

// appendEscape appends s with every byte the escape rule encodes written as
// %XX with upper-case hex digits.
func appendEscape(dst []byte, s string) []byte {
	const upperHex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if shouldEscape(c) {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		} else {
			dst = append(dst, c)
		}
	}
	return dst
}

// appendStringToSign appends the string to sign of auth.md §5 step 8 (§7.1
// for V11, which adds the info scope) for a canonical request.
func appendStringToSign(dst []byte, alg, date, info string, canonicalRequest []byte) []byte {
	crHash := sha256.Sum256(canonicalRequest)
	dst = append(dst, alg...)
	dst = append(dst, '\n')
	dst = append(dst, date...)
	dst = append(dst, '\n')
	if alg == algV11 {
		dst = append(dst, info...)
		dst = append(dst, '\n')
	}
	return hex.AppendEncode(dst, crHash[:])
}

// signature returns the HMAC-SHA256 under key of the string to sign of a
// canonical request.
func signature(alg, date, info string, key, canonicalRequest []byte) [sha256.Size]byte {
	st := &macState{h: hmac.New(sha256.New, key)}
	return st.sign(alg, date, info, canonicalRequest)
}

// macState is an HMAC-SHA256 keyed with one secret key, with room for a
// string to sign and its sum. The keyring keeps a pool of them per access
// key: after its first use an HMAC's Reset restores the keyed state saved
// then, instead of hashing the key's inner and outer blocks again, and the
// buffers, which escape through the hash.Hash interface, are allocated once.
type macState struct {
	h    hash.Hash
	used bool // h has signed before and needs a Reset
	buf  [160]byte
	sum  [sha256.Size]byte
}

// sign returns the HMAC of the string to sign of a canonical request.
func (st *macState) sign(alg, date, info string, canonicalRequest []byte) [sha256.Size]byte {
	sts := appendStringToSign(st.buf[:0], alg, date, info, canonicalRequest)
	if st.used {
		// The first Reset saves the keyed state for the later ones: a
		// one-off HMAC (the V11 path) is better off without it.
		st.h.Reset()
	}
	st.used = true
	st.h.Write(sts)
	return [sha256.Size]byte(st.h.Sum(st.sum[:0]))
}

// derivedKey returns the V11 signing key of auth.md §7.1: the hex text of 32
// bytes of HKDF-SHA256 with the secret key as input, the access key as salt
// and info as info.
func derivedKey(accessKey, secretKey, info string) ([]byte, error) {
	k, err := hkdf.Key(sha256.New, []byte(secretKey), []byte(accessKey), info, sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("derive V11 key: %w", err)
	}
	return hex.AppendEncode(nil, k), nil
}

// payloadHash returns the hex SHA-256 of body, without hashing when it is
// empty.
func payloadHash(body []byte) string {
	if len(body) == 0 {
		return emptySHA256
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}
