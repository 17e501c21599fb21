package auth

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// The common inputs of the worked examples, auth.md §8.
const (
	exAK      = "HPUAEXAMPLEAK0000001"
	exSK      = "sk/EXAMPLE+SecretKey0000000000000000000000"
	exDate    = "20240314T084412Z"
	exProject = "0123456789abcdef0123456789abcdef"
	exUA      = "huaweicloud-usdk-go/3.0; example"
	exHost    = "127.0.0.1:8080"

	exPathA = "/v3/" + exProject + "/vpc/traffic-mirror-filters"
	exBodyA = `{"traffic_mirror_filter":{"description":"demo filter","name":"filter-1"}}` + "\n"
	exAuthA = "SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000001, SignedHeaders=user-agent;x-project-id;x-sdk-date, Signature=418d7305c6651c178098378b86f620c742447f0fb90cd3d841b76d7e267d5ab4"

	exTargetB = "/v3/" + exProject + "/vpc/traffic-mirror-filter-rules?description=a%20b%2A~&limit=50&protocol=udp&protocol=TCP&source_cidr_block=10.0.0.0%2F8"
	exAuthB   = "SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000001, SignedHeaders=user-agent;x-project-id;x-sdk-date, Signature=2c6f3cd71954777831c7f3dea90df6d61daf50168aaced90cf2a4880cfa8b173"

	exAuthC = "V11-HMAC-SHA256 Credential=HPUAEXAMPLEAK0000001/20240314/my-region-1/vpc, SignedHeaders=user-agent;x-project-id;x-sdk-date, Signature=6b819e2529b9e6b7803954163dfd14c4ea852d3ce780c668e467ee3c0e6df1e4"
)

// exTime is X-Sdk-Date of the examples; tests freeze the server clock there.
var exTime = time.Date(2024, 3, 14, 8, 44, 12, 0, time.UTC)

// exCred is the credential of the examples.
var exCred = Credential{AccessKey: exAK, SecretKey: exSK, Projects: []string{exProject}}

// newExampleVerifier returns a verifier that knows exCred and whose clock
// stands at exTime.
func newExampleVerifier() *Verifier {
	return &Verifier{
		Keys: NewKeyring([]Credential{exCred}),
		Now:  func() time.Time { return exTime },
	}
}

// header is one request header line, in the order written.
type header struct{ name, value string }

// readWire returns the request a Go server receives for the given request
// line target and headers, and its body. The Host header is added.
func readWire(t testing.TB, method, target string, headers []header, body string) (*http.Request, []byte) {
	t.Helper()
	var b strings.Builder
	b.WriteString(method + " " + target + " HTTP/1.1\r\nHost: " + exHost + "\r\n")
	for _, h := range headers {
		b.WriteString(h.name + ": " + h.value + "\r\n")
	}
	if body != "" {
		b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	}
	b.WriteString("\r\n" + body)
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(b.String())))
	if err != nil {
		t.Fatalf("http.ReadRequest(%q) = %v", b.String(), err)
	}
	got, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return r, got
}

// overWire sends a client request through net/http's writer and parser, so
// that the result is what a server would see, and returns it with its body.
func overWire(t testing.TB, r *http.Request) (*http.Request, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatalf("write request: %v", err)
	}
	got, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatalf("read request back: %v", err)
	}
	body, err := io.ReadAll(got.Body)
	if err != nil {
		t.Fatal(err)
	}
	return got, body
}

// exampleHeaders are the headers of examples A and B except Authorization.
func exampleHeaders() []header {
	return []header{
		{"Content-Type", "application/json"},
		{"User-Agent", exUA},
		{"X-Project-Id", exProject},
		{"X-Sdk-Date", exDate},
	}
}

// exampleA returns example A as received by the server.
func exampleA(t testing.TB) (*http.Request, []byte) {
	t.Helper()
	return readWire(t, "POST", exPathA, append(exampleHeaders(), header{"Authorization", exAuthA}), exBodyA)
}

// exampleB returns example B as received by the server.
func exampleB(t testing.TB) (*http.Request, []byte) {
	t.Helper()
	return readWire(t, "GET", exTargetB, append(exampleHeaders(), header{"Authorization", exAuthB}), "")
}

// wantAuthError checks that err is the 401 authentication error with the
// given public message, with a private cause that does not reveal the
// secret key.
func wantAuthError(t *testing.T, err error, msg string) {
	t.Helper()
	wantMirrorError(t, err, mirror.KindUnauthenticated, mirror.CodeAuthentication, msg)
}

func wantMirrorError(t *testing.T, err error, kind mirror.Kind, code, msg string) {
	t.Helper()
	var e *mirror.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *mirror.Error %s %q", err, err, code, msg)
	}
	if e.Kind != kind || e.Code != code || e.Msg != msg {
		t.Errorf("error = {%v, %s, %q}, want {%v, %s, %q}", e.Kind, e.Code, e.Msg, kind, code, msg)
	}
	if e.Err == nil {
		t.Errorf("error %q has no private cause", e.Msg)
	} else if strings.Contains(e.Err.Error(), exSK) {
		t.Errorf("private cause %q reveals the secret key", e.Err)
	}
}
