package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// instance is a trafficmirror server started by runServer through the same
// run function as the binary.
type instance struct {
	Endpoint    string // http://127.0.0.1:PORT
	Dir         string // holds the database and the credentials file
	Credentials string // path of the credentials file
	Stdout      *lockedBuffer
	Logs        *lockedBuffer

	cancel context.CancelFunc
	done   chan error
}

// lockedBuffer is an io.Writer safe for the server goroutine and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var endpointRE = regexp.MustCompile(`msg=serving endpoint=(http://\S+)`)

// runServer starts "trafficmirror serve" in-process on a free loopback port
// with its files in dir (a fresh temporary directory when dir is ""), waits
// until it serves, and stops it when the test ends. extra are more flags.
func runServer(t *testing.T, dir string, extra ...string) *instance {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	inst := &instance{
		Dir:         dir,
		Credentials: filepath.Join(dir, "credentials.json"),
		Stdout:      &lockedBuffer{},
		Logs:        &lockedBuffer{},
		done:        make(chan error, 1),
	}
	args := append([]string{"trafficmirror", "serve",
		"--listen", "127.0.0.1:0",
		"--db", filepath.Join(dir, "trafficmirror.db"),
		"--credentials", inst.Credentials,
	}, extra...)
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	inst.cancel = cancel
	go func() {
		err := run(ctx, args, func(string) string { return "" }, strings.NewReader(""), inst.Stdout, io.MultiWriter(inst.Logs, pw))
		pw.CloseWithError(fmt.Errorf("server exited: %v", err))
		inst.done <- err
	}()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := endpointRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		io.Copy(io.Discard, pr) // keep the server's log writes flowing
	}()
	select {
	case inst.Endpoint = <-found:
	case err := <-inst.done:
		t.Fatalf("server stopped before serving: %v\nlogs:\n%s", err, inst.Logs.String())
	}
	t.Cleanup(func() { inst.Stop(t) })
	waitHealthy(t, inst.Endpoint)
	return inst
}

// Stop stops the server as SIGTERM would and checks that it exits cleanly.
// Stopping twice is harmless.
func (inst *instance) Stop(t *testing.T) {
	t.Helper()
	if inst.cancel == nil {
		return
	}
	inst.cancel()
	inst.cancel = nil
	if err := <-inst.done; err != nil {
		t.Errorf("server exited with %v\nlogs:\n%s", err, inst.Logs.String())
	}
}

// waitHealthy polls /healthz until it answers 200.
func waitHealthy(t *testing.T, endpoint string) {
	t.Helper()
	var lastErr error
	for range 200 {
		resp, err := http.Get(endpoint + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		lastErr = err
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("server at %s never became healthy: %v", endpoint, lastErr)
}

// credentialsFromStdout extracts the keys the first start printed.
func credentialsFromStdout(out string) (ak, sk, project string, err error) {
	m := regexp.MustCompile(`export CLOUD_SDK_AK=(\S+) CLOUD_SDK_SK=(\S+)`).FindStringSubmatch(out)
	p := regexp.MustCompile(`Project ID: (\S+)`).FindStringSubmatch(out)
	if m == nil || p == nil {
		return "", "", "", errors.New("no credentials in the output")
	}
	return m[1], m[2], p[1], nil
}
