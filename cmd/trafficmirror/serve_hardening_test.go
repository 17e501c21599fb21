package main

// Hardening of the serve command: connection limits, rate limits, TLS, key
// rotation on SIGHUP and secrets kept out of every log (SECURITY.md).

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	vpc "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"

	"github.com/trafficmirror/trafficmirror/internal/auth"
)

// waitBound bounds how long a test waits for something that must happen;
// it is never an assertion about speed.
const waitBound = 30 * time.Second

// A client that sends its headers a few bytes at a time, never finishing
// them, is disconnected by the server after --read-header-timeout.
func TestServeTrickledHeadersCutOff(t *testing.T) {
	inst := runServer(t, "", "--read-header-timeout", "200ms")
	if !strings.Contains(inst.Logs.String(), "read_header_timeout=200ms") {
		t.Errorf("the configuration line does not show the header timeout:\n%s", inst.Logs.String())
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(inst.Endpoint, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: trickle\r\n"); err != nil {
			return
		}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if _, err := fmt.Fprintf(conn, "X-Slow-%d: y\r\n", i); err != nil {
				return // the server hung up
			}
		}
	}()
	conn.SetReadDeadline(time.Now().Add(waitBound))
	got, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept a connection whose headers never ended open for %v", waitBound)
	}
	// A timed-out header read gets no answer; the connection is just closed.
	if bytes.HasPrefix(got, []byte("HTTP/1.1 2")) || bytes.Contains(got, []byte("431")) {
		t.Errorf("the trickling client got %q, want the connection closed", got)
	}
	// The server goes on serving.
	waitHealthy(t, inst.Endpoint)
}

// Headers over --max-header-bytes are refused by Go's HTTP server, before
// the API sees the request.
func TestServeMaxHeaderBytes(t *testing.T) {
	inst := runServer(t, "", "--max-header-bytes", "4096")
	r, err := http.NewRequest("GET", inst.Endpoint+"/healthz", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Big", strings.Repeat("a", 64<<10))
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("status with 64 KiB of headers = %d, want 431", resp.StatusCode)
	}
	waitHealthy(t, inst.Endpoint)
}

func TestServeBadHardeningFlags(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := writeTestCertificate(t, dir)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"ZeroTimeout", []string{"--read-header-timeout", "0s"}, "--read-header-timeout"},
		{"NegativeTimeout", []string{"--write-timeout", "-1s"}, "--write-timeout"},
		{"SmallHeaderLimit", []string{"--max-header-bytes", "10"}, "--max-header-bytes"},
		{"NegativeRate", []string{"--rate-limit", "-1"}, "--rate-limit"},
		{"NegativeMmap", []string{"--sqlite-mmap-mib", "-1"}, "--sqlite-mmap-mib"},
		{"NoBurst", []string{"--rate-limit", "5", "--rate-burst", "0"}, "--rate-burst"},
		{"NoAuthFailureBurst", []string{"--auth-failure-burst", "0"}, "--auth-failure-burst"},
		{"CertWithoutKey", []string{"--tls-cert", certFile}, "--tls-key"},
		{"KeyWithoutCert", []string{"--tls-key", keyFile}, "--tls-cert"},
		{"MissingCert", []string{"--tls-cert", filepath.Join(dir, "nothing.pem"), "--tls-key", keyFile}, "nothing.pem"},
		{"SwappedPair", []string{"--tls-cert", keyFile, "--tls-key", certFile}, "--tls-cert"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"trafficmirror", "serve", "--listen", "127.0.0.1:0",
				"--db", filepath.Join(t.TempDir(), "db"), "--credentials", filepath.Join(t.TempDir(), "c.json")}, tt.args...)
			err := run(context.Background(), args, func(string) string { return "" }, nil, &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q) = %v, want an error naming %s", tt.args, err, tt.want)
			}
		})
	}
	t.Run("Environment", func(t *testing.T) {
		env := map[string]string{"TRAFFICMIRROR_RATE_LIMIT": "-3"}
		err := run(context.Background(), []string{"trafficmirror", "serve", "--listen", "127.0.0.1:0",
			"--db", filepath.Join(t.TempDir(), "db"), "--credentials", filepath.Join(t.TempDir(), "c.json")},
			func(k string) string { return env[k] }, nil, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "--rate-limit") {
			t.Errorf("TRAFFICMIRROR_RATE_LIMIT=-3: %v, want an error", err)
		}
	})
}

var nonLoopbackWarning = regexp.MustCompile(`level=WARN msg="listening on a non-loopback address without TLS`)

func TestServeWarnsWithoutTLSOnNonLoopback(t *testing.T) {
	inst := runServer(t, "", "--listen", "0.0.0.0:0")
	if !nonLoopbackWarning.MatchString(inst.Logs.String()) {
		t.Errorf("no warning about serving plain HTTP on every interface:\n%s", inst.Logs.String())
	}
	loopback := runServer(t, "")
	if nonLoopbackWarning.MatchString(loopback.Logs.String()) {
		t.Errorf("a warning about the network on the loopback address:\n%s", loopback.Logs.String())
	}
}

func TestServeRateLimit(t *testing.T) {
	// One token per 1000 s: nothing refills during the test.
	inst := runServer(t, "", "--rate-limit", "0.001", "--rate-burst", "2")
	for _, want := range []string{"rate_limit=0.001", "rate_burst=2", "auth_failure_rate=1", "auth_failure_burst=50"} {
		if !strings.Contains(inst.Logs.String(), want) {
			t.Errorf("the configuration line lacks %s:\n%s", want, inst.Logs.String())
		}
	}
	ak, sk, project, err := credentialsFromStdout(inst.Stdout.String())
	if err != nil {
		t.Fatal(err)
	}
	client := newSDKClient(t, inst.Endpoint, ak, sk, project)
	for range 2 {
		if _, err := client.ListTrafficMirrorSessions(&model.ListTrafficMirrorSessionsRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = client.ListTrafficMirrorSessions(&model.ListTrafficMirrorSessionsRequest{})
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) || se.StatusCode != http.StatusTooManyRequests || se.ErrorCode != "APIGW.0308" {
		t.Fatalf("third call with a burst of 2: %v, want 429 APIGW.0308", err)
	}
	// Retry-After, read on the wire.
	r, err := http.NewRequest("GET", inst.Endpoint+"/v3/"+project+"/vpc/traffic-mirror-filters", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.Sign(r, nil, ak, sk, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); resp.StatusCode != http.StatusTooManyRequests || err != nil || secs < 1 || secs > 1000 {
		t.Errorf("status %d, Retry-After %q; want 429 and 1 to 1000 seconds", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// writeTestCertificate writes a certificate for 127.0.0.1, ::1 and
// localhost, issued by a fresh test CA, and its key; it returns their files
// and a pool holding the CA.
func writeTestCertificate(t *testing.T, dir string) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTemplate := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "trafficmirror test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(ca)
	return certFile, keyFile, roots
}

var servingRE = regexp.MustCompile(`msg=serving endpoint=(https?://\S+)`)

// runServerWith is runServer for a server that client reaches (one that
// trusts its certificate): it starts "trafficmirror serve" with args after
// the files in a fresh directory, and waits until /healthz answers.
func runServerWith(t *testing.T, client *http.Client, args ...string) *instance {
	t.Helper()
	dir := t.TempDir()
	inst := &instance{
		Dir:         dir,
		Credentials: filepath.Join(dir, "credentials.json"),
		Stdout:      &lockedBuffer{},
		Logs:        &lockedBuffer{},
		done:        make(chan error, 1),
	}
	all := append([]string{"trafficmirror", "serve",
		"--db", filepath.Join(dir, "trafficmirror.db"), "--credentials", inst.Credentials}, args...)
	ctx, cancel := context.WithCancel(context.Background())
	inst.cancel = cancel
	go func() {
		inst.done <- run(ctx, all, func(string) string { return "" }, nil, inst.Stdout, inst.Logs)
	}()
	t.Cleanup(func() { inst.Stop(t) })
	deadline := time.Now().Add(waitBound)
	for {
		if m := servingRE.FindStringSubmatch(inst.Logs.String()); m != nil {
			inst.Endpoint = m[1]
			resp, err := client.Get(inst.Endpoint + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return inst
				}
			}
		}
		select {
		case err := <-inst.done:
			inst.cancel = nil
			t.Fatalf("server stopped: %v\n%s", err, inst.Logs.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("server never became healthy:\n%s", inst.Logs.String())
		}
	}
}

// With --tls-cert and --tls-key the server speaks HTTPS only, and the
// official SDK, configured to trust the certificate's CA and to verify it,
// works against it.
func TestServeTLS(t *testing.T) {
	certFile, keyFile, roots := writeTestCertificate(t, t.TempDir())
	transport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}
	t.Cleanup(transport.CloseIdleConnections)
	// On every interface: with TLS there is nothing to warn about.
	inst := runServerWith(t, &http.Client{Transport: transport},
		"--listen", "0.0.0.0:0", "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(inst.Endpoint, "https://127.0.0.1:") {
		t.Errorf("endpoint %s, want https://127.0.0.1:PORT", inst.Endpoint)
	}
	if !strings.Contains(inst.Stdout.String(), "Endpoint:   "+inst.Endpoint) {
		t.Errorf("the first-start banner does not show the https endpoint:\n%s", inst.Stdout.String())
	}
	if logs := inst.Logs.String(); !strings.Contains(logs, "tls=true") || nonLoopbackWarning.MatchString(logs) {
		t.Errorf("want tls=true in the configuration and no plain-HTTP warning:\n%s", logs)
	}
	ak, sk, project, err := credentialsFromStdout(inst.Stdout.String())
	if err != nil {
		t.Fatal(err)
	}
	cred, err := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithProjectId(project).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	sdkClient := func(hc *config.HttpConfig) *vpc.VpcClient {
		b := vpc.VpcClientBuilder().WithEndpoints([]string{inst.Endpoint}).WithCredential(cred)
		if hc != nil {
			b = b.WithHttpConfig(hc)
		}
		c, err := b.SafeBuild()
		if err != nil {
			t.Fatal(err)
		}
		return vpc.NewVpcClient(c)
	}

	trusting := sdkClient(config.DefaultHttpConfig().WithIgnoreSSLVerification(false).
		WithHttpTransport(&http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}))
	created, err := trusting.CreateTrafficMirrorFilter(&model.CreateTrafficMirrorFilterRequest{
		Body: &model.CreateTrafficMirrorFilterRequestBody{TrafficMirrorFilter: &model.CreateTrafficMirrorFilterOption{Name: "over-tls"}},
	})
	if err != nil {
		t.Fatalf("CreateTrafficMirrorFilter over TLS: %v", err)
	}
	listed, err := trusting.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
	if err != nil || listed.TrafficMirrorFilters == nil || len(*listed.TrafficMirrorFilters) != 1 ||
		(*listed.TrafficMirrorFilters)[0].Id != created.TrafficMirrorFilter.Id {
		t.Errorf("ListTrafficMirrorFilters over TLS = %v, %v; want the created filter", listed, err)
	}

	// The certificate is really checked: the SDK with only the system's
	// roots refuses the server.
	_, err = sdkClient(nil).ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
	var unknownAuthority x509.UnknownAuthorityError
	if !errors.As(err, &unknownAuthority) {
		t.Errorf("SDK without the test CA: %v, want an unknown-authority error", err)
	}

	// Plain HTTP on the TLS port reaches no API.
	resp, err := http.Get("http" + strings.TrimPrefix(inst.Endpoint, "https") + "/healthz")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("plain HTTP on the TLS port answered 200")
		}
	}
}

// writeCredentials replaces the credentials file with creds, as an operator
// edits it.
func writeCredentials(t *testing.T, path string, creds ...auth.Credential) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := auth.CreateFile(path, creds); err != nil {
		t.Fatal(err)
	}
}

var reloadedRE = regexp.MustCompile(`msg="credentials (reloaded|not reloaded)`)

// sighup sends SIGHUP to this process, as an operator sends it to the
// server, and waits until inst has logged a reload (or its failure).
//
// Every serve command running in this process has signal.Notify'd SIGHUP,
// so the signal never takes its default action (exit) while inst runs;
// callers are not parallel tests, so no other test's server runs meanwhile.
func sighup(t *testing.T, inst *instance) string {
	t.Helper()
	before := len(reloadedRE.FindAllString(inst.Logs.String(), -1))
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(waitBound)
	for {
		all := reloadedRE.FindAllStringSubmatch(inst.Logs.String(), -1)
		if len(all) > before {
			return all[len(all)-1][1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reload logged %v after SIGHUP:\n%s", waitBound, inst.Logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Keys are rotated by editing the file and sending SIGHUP: the removed key
// fails at once, the new key works, and the data stays.
func TestServeSIGHUPRotatesKeys(t *testing.T) {
	inst := runServer(t, "")
	oldAK, oldSK, project, err := credentialsFromStdout(inst.Stdout.String())
	if err != nil {
		t.Fatal(err)
	}
	old := newSDKClient(t, inst.Endpoint, oldAK, oldSK, project)
	created, err := old.CreateTrafficMirrorFilter(&model.CreateTrafficMirrorFilterRequest{
		Body: &model.CreateTrafficMirrorFilterRequestBody{TrafficMirrorFilter: &model.CreateTrafficMirrorFilterOption{Name: "before-rotation"}},
	})
	if err != nil {
		t.Fatal(err)
	}

	rotated, err := auth.GenerateCredential([]string{project})
	if err != nil {
		t.Fatal(err)
	}
	writeCredentials(t, inst.Credentials, rotated)
	if got := sighup(t, inst); got != "reloaded" {
		t.Fatalf("reload %s:\n%s", got, inst.Logs.String())
	}

	_, err = old.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) || se.StatusCode != http.StatusUnauthorized || se.ErrorCode != "APIGW.0301" ||
		!strings.Contains(se.ErrorMessage, "ak:"+oldAK+",err:ak not exist") {
		t.Errorf("removed key after SIGHUP: %v, want 401 APIGW.0301 ak not exist", err)
	}
	fresh := newSDKClient(t, inst.Endpoint, rotated.AccessKey, rotated.SecretKey, project)
	shown, err := fresh.ShowTrafficMirrorFilter(&model.ShowTrafficMirrorFilterRequest{TrafficMirrorFilterId: created.TrafficMirrorFilter.Id})
	if err != nil || shown.TrafficMirrorFilter.Name != "before-rotation" {
		t.Errorf("new key after SIGHUP: %v, %v; want the filter made before the rotation", shown, err)
	}

	// A broken file keeps the keys in force.
	if err := os.WriteFile(inst.Credentials, []byte(`{"credentials": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := sighup(t, inst); got != "not reloaded" {
		t.Fatalf("reload of a broken file: %s", got)
	}
	if _, err := fresh.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{}); err != nil {
		t.Errorf("the key in force before a failed reload: %v", err)
	}
}

// No secret key reaches any log: a whole run at debug level, with
// successes, every kind of error, audit lines, rate limiting, reloads
// (one failing) and the shutdown. Only the first start's banner on
// standard output shows the secret key, once.
func TestServeSecretsNeverLogged(t *testing.T) {
	// The audit lines go into the log (the default), so the one grep sees
	// them.
	inst := runServer(t, "", "--log-level", "debug", "--rate-limit", "0.001", "--rate-burst", "40",
		"--auth-failure-rate", "0.001", "--auth-failure-burst", "8")
	ak, sk, project, err := credentialsFromStdout(inst.Stdout.String())
	if err != nil {
		t.Fatal(err)
	}
	client := newSDKClient(t, inst.Endpoint, ak, sk, project)

	filter, err := client.CreateTrafficMirrorFilter(&model.CreateTrafficMirrorFilterRequest{
		Body: &model.CreateTrafficMirrorFilterRequestBody{TrafficMirrorFilter: &model.CreateTrafficMirrorFilterOption{Name: "f"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.UpdateTrafficMirrorFilter(&model.UpdateTrafficMirrorFilterRequest{TrafficMirrorFilterId: filter.TrafficMirrorFilter.Id,
		Body: &model.UpdateTrafficMirrorFilterRequestBody{TrafficMirrorFilter: &model.UpdateTrafficMirrorFilterOption{Name: ptrTo("g")}}}); err != nil {
		t.Fatal(err)
	}
	// Client errors: validation, not found, conflict-free delete.
	_, err = client.CreateTrafficMirrorFilter(&model.CreateTrafficMirrorFilterRequest{
		Body: &model.CreateTrafficMirrorFilterRequestBody{TrafficMirrorFilter: &model.CreateTrafficMirrorFilterOption{}},
	})
	wantCode(t, err, "VPC.9102")
	_, err = client.ShowTrafficMirrorSession(&model.ShowTrafficMirrorSessionRequest{TrafficMirrorSessionId: "00000000-0000-4000-8000-000000000000"})
	wantCode(t, err, "VPC.9201")
	if _, err := client.DeleteTrafficMirrorFilter(&model.DeleteTrafficMirrorFilterRequest{TrafficMirrorFilterId: filter.TrafficMirrorFilter.Id}); err != nil {
		t.Fatal(err)
	}
	// The key may not use another project.
	other := newSDKClient(t, inst.Endpoint, ak, sk, "fedcba9876543210fedcba9876543210")
	_, err = other.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
	wantCode(t, err, "VPC.0007")

	// Reloads: one adding a key (whose secret must not be logged either),
	// one of a broken file that holds the secret.
	added, err := auth.GenerateCredential([]string{project})
	if err != nil {
		t.Fatal(err)
	}
	original := auth.Credential{AccessKey: ak, SecretKey: sk, Projects: []string{project}}
	writeCredentials(t, inst.Credentials, original, added)
	if got := sighup(t, inst); got != "reloaded" {
		t.Fatalf("reload %s", got)
	}
	if _, err := newSDKClient(t, inst.Endpoint, added.AccessKey, added.SecretKey, project).ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{}); err != nil {
		t.Fatal(err)
	}
	broken := fmt.Sprintf(`{"credentials": [{"access_key": %q, "secret_key": %q, "projects": [%q], "secret": %q}]}`, ak, sk, project, sk)
	if err := os.WriteFile(inst.Credentials, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := sighup(t, inst); got != "not reloaded" {
		t.Fatalf("reload of a broken file: %s", got)
	}

	// The rate limit, spent with the key's remaining burst.
	limited := false
	for range 40 {
		_, err := client.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
		if err != nil {
			wantCode(t, err, "APIGW.0308")
			limited = true
			break
		}
	}
	if !limited {
		t.Error("the key's rate limit never applied")
	}

	// Authentication failures last: they use up 127.0.0.1's budget. A wrong
	// secret, the secret sent as the access key (keys swapped by mistake),
	// an unknown key; then the address is refused.
	for _, c := range [][2]string{
		{ak, sk + "x"}, {sk, ak}, {added.AccessKey, sk}, {ak, added.SecretKey},
		{ak, sk + "y"}, {sk, sk}, {"HPUAUNKNOWN000000000", sk}, {ak, strings.ToUpper(sk)},
	} {
		_, err := newSDKClient(t, inst.Endpoint, c[0], c[1], project).ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
		wantCode(t, err, "APIGW.0301")
	}
	_, err = newSDKClient(t, inst.Endpoint, ak, sk, project).ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
	wantCode(t, err, "APIGW.0308")

	inst.Stop(t)
	logs := inst.Logs.String()
	// The grep means something only if the logs saw the keys' work.
	for _, want := range []string{"log=audit", "access_key=" + ak, "access_key=" + added.AccessKey, "status=429", "credentials not reloaded", "too many failed authentications"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the logs lack %q:\n%s", want, logs)
		}
	}
	for name, secret := range map[string]string{"first key": sk, "added key": added.SecretKey} {
		if strings.Contains(logs, secret) {
			t.Errorf("the %s's secret %q is in the logs:\n%s", name, secret, logs)
		}
	}
	if n := strings.Count(inst.Stdout.String(), sk); n != 1 {
		t.Errorf("standard output shows the secret key %d times, want once (the first-start banner):\n%s", n, inst.Stdout.String())
	}
	if strings.Contains(inst.Stdout.String(), added.SecretKey) {
		t.Error("standard output shows the added key's secret")
	}
}

// wantCode checks that err is the SDK's error with code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) || se.ErrorCode != code {
		t.Errorf("got %v, want error code %s", err, code)
	}
}
