package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

var pprofRE = regexp.MustCompile(`msg="serving pprof" endpoint=(http://\S+)`)

// get returns the status and body of a GET of url.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// These tests are not parallel: block and mutex profiling are settings of
// the whole process.
func TestServePprof(t *testing.T) {
	before := runtime.SetMutexProfileFraction(-1)
	inst := runServer(t, "", "--pprof", ":0")
	m := pprofRE.FindStringSubmatch(inst.Logs.String())
	if m == nil {
		t.Fatalf("no pprof endpoint in the logs:\n%s", inst.Logs.String())
	}
	index := m[1]
	// ":0" names no host, so the listener is on loopback only.
	if !strings.HasPrefix(index, "http://127.0.0.1:") || !strings.HasSuffix(index, "/debug/pprof/") {
		t.Errorf("pprof endpoint = %s, want http://127.0.0.1:PORT/debug/pprof/", index)
	}
	if strings.HasPrefix(index, inst.Endpoint+"/") {
		t.Errorf("pprof endpoint %s is on the API listener %s", index, inst.Endpoint)
	}
	if !strings.Contains(inst.Logs.String(), "pprof=:0") {
		t.Errorf("the configuration line does not show --pprof:\n%s", inst.Logs.String())
	}

	for _, tc := range []struct{ path, want string }{
		{"", "goroutine"},
		{"goroutine?debug=1", "goroutine profile:"},
		{"block?debug=1", "--- contention:"},
		{"mutex?debug=1", "--- mutex:"},
		{"cmdline", os.Args[0]},
	} {
		status, body := get(t, index+tc.path)
		if status != http.StatusOK || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s%s = %d %.200q, want 200 with %q", index, tc.path, status, body, tc.want)
		}
	}
	if got := runtime.SetMutexProfileFraction(-1); got != pprofMutexFraction {
		t.Errorf("mutex profile fraction while --pprof is on = %d, want %d", got, pprofMutexFraction)
	}

	// The API listener does not serve the profiles: they are not an
	// operation of the API.
	if status, body := get(t, inst.Endpoint+"/debug/pprof/"); status != http.StatusNotFound || !strings.Contains(body, "APIGW.0101") {
		t.Errorf("GET /debug/pprof/ on the API listener = %d %s, want 404 APIGW.0101", status, body)
	}

	inst.Stop(t)
	if _, err := http.Get(index); err == nil {
		t.Errorf("the pprof listener %s still answers after the server stopped", index)
	}
	if got := runtime.SetMutexProfileFraction(-1); got != before {
		t.Errorf("mutex profile fraction after the server stopped = %d, want %d as before", got, before)
	}
}

func TestServeNoPprofByDefault(t *testing.T) {
	before := runtime.SetMutexProfileFraction(-1)
	inst := runServer(t, "")
	if strings.Contains(inst.Logs.String(), "serving pprof") {
		t.Errorf("a pprof listener started without --pprof:\n%s", inst.Logs.String())
	}
	if got := runtime.SetMutexProfileFraction(-1); got != before {
		t.Errorf("mutex profile fraction without --pprof = %d, want %d: profiling must stay off", got, before)
	}
	if status, _ := get(t, inst.Endpoint+"/debug/pprof/"); status != http.StatusNotFound {
		t.Errorf("GET /debug/pprof/ on the API listener = %d, want 404", status)
	}
}

func TestServeBadPprofAddressStopsStart(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"trafficmirror", "serve", "--listen", "127.0.0.1:0",
		"--db", filepath.Join(dir, "db"), "--credentials", filepath.Join(dir, "creds.json"), "--pprof", "6060"},
		func(string) string { return "" }, nil, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--pprof") {
		t.Errorf("serve --pprof 6060 = %v, want an error naming --pprof", err)
	}
}

func TestPprofAddress(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{":6060", "127.0.0.1:6060", true},
		{":0", "127.0.0.1:0", true},
		{"localhost:6060", "localhost:6060", true},
		{"127.0.0.1:6060", "127.0.0.1:6060", true},
		{"[::1]:6060", "[::1]:6060", true},
		// Naming another host is how to expose the profiles further.
		{"0.0.0.0:6060", "0.0.0.0:6060", true},
		{"6060", "", false},
		{"localhost", "", false},
	} {
		got, err := pprofAddress(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("pprofAddress(%q) = %q, %v; want %q, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
