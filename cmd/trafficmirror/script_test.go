package main

// The client commands are tested with testscript files in
// testdata/script/*.txtar: "trafficmirror" in a script runs this test binary
// as the real command (TestMain below), against a real server that Setup
// starts in this process for each script, through the same run function as
// the binary.
//
// Every script gets in its environment:
//
//	TRAFFICMIRROR_ENDPOINT, TRAFFICMIRROR_PROJECT_ID,
//	CLOUD_SDK_AK, CLOUD_SDK_SK    the server and its first key, as a user sets them
//	SERVER_CREDENTIALS            the server's credentials file
//
// and these commands besides testscript's own:
//
//	getjson VAR PATH    set VAR to the value at PATH (a.b.0.c) of the JSON in the last stdout
//	exportkeys          set CLOUD_SDK_AK and CLOUD_SDK_SK from the export line in the last stdout
//	reload              send SIGHUP and wait until the server has reloaded its credentials file
//	seed-sessions N     create a filter (its ID in FILTER_ID) and N sessions through internal/client

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/trafficmirror/trafficmirror/internal/api"
	"github.com/trafficmirror/trafficmirror/internal/auth"
	"github.com/trafficmirror/trafficmirror/internal/client"
)

func TestMain(m *testing.M) {
	// Under -race every command a script runs would sleep a second at exit
	// (the race detector's default atexit_sleep_ms); scripts run many.
	if os.Getenv("GORACE") == "" {
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	testscript.Main(m, map[string]func(){"trafficmirror": main})
}

func TestScripts(t *testing.T) {
	// The reload command sends SIGHUP to this process. Every running serve
	// command has signal.Notify'd it, so it never takes the default action
	// (exit); this subscription keeps it so between servers too.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	t.Cleanup(func() { signal.Stop(hup) })

	testscript.Run(t, testscript.Params{
		Dir:   filepath.Join("testdata", "script"),
		Setup: setupScriptServer,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"getjson":       cmdGetJSON,
			"exportkeys":    cmdExportKeys,
			"reload":        cmdReload,
			"seed-sessions": cmdSeedSessions,
		},
	})
}

// scriptServerKey is the key of a script's *scriptServer in Env.Values.
type scriptServerKey struct{}

// scriptServer is a serve command running in this process for one script.
type scriptServer struct {
	endpoint    string
	credentials string
	logs        *lockedBuffer
	done        chan error // receives run's result when it returns
}

// setupScriptServer starts a server for the script and puts its endpoint,
// project and first key into the script's environment.
func setupScriptServer(env *testscript.Env) error {
	dir := filepath.Join(env.WorkDir, ".server")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	srv := &scriptServer{
		credentials: filepath.Join(dir, "credentials.json"),
		logs:        &lockedBuffer{},
		done:        make(chan error, 1),
	}
	stdout := &lockedBuffer{}
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		err := run(ctx, []string{"trafficmirror", "serve",
			"--listen", "127.0.0.1:0",
			"--db", filepath.Join(dir, "trafficmirror.db"),
			"--credentials", srv.credentials,
		}, func(string) string { return "" }, strings.NewReader(""), stdout, io.MultiWriter(srv.logs, pw))
		pw.CloseWithError(fmt.Errorf("server exited: %v", err))
		srv.done <- err
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
	case srv.endpoint = <-found:
	case err := <-srv.done:
		cancel()
		return fmt.Errorf("server stopped before serving: %v\nlogs:\n%s", err, srv.logs.String())
	}
	env.Defer(func() {
		cancel()
		if err := <-srv.done; err != nil {
			env.T().Log(fmt.Sprintf("server exited with %v", err))
			env.T().FailNow()
		}
	})
	// The listener accepts connections before "serving" is logged, so one
	// request suffices to know that the server answers.
	resp, err := http.Get(srv.endpoint + "/healthz")
	if err != nil {
		return err
	}
	resp.Body.Close()

	ak, sk, project, err := credentialsFromStdout(stdout.String())
	if err != nil {
		return err
	}
	env.Setenv(envEndpoint, srv.endpoint)
	env.Setenv(envProject, project)
	env.Setenv(envAccessKey, ak)
	env.Setenv(envSecretKey, sk)
	env.Setenv("SERVER_CREDENTIALS", srv.credentials)
	env.Values[scriptServerKey{}] = srv
	return nil
}

// cmdGetJSON sets an environment variable from the last command's JSON
// output: getjson VAR PATH.
func cmdGetJSON(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: getjson VAR PATH")
	}
	var v any
	if err := json.Unmarshal([]byte(ts.ReadFile("stdout")), &v); err != nil {
		ts.Fatalf("getjson: stdout is not JSON: %v", err)
	}
	for _, key := range strings.Split(args[1], ".") {
		switch node := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = node[key]; !ok {
				ts.Fatalf("getjson: no key %q in %s", key, args[1])
			}
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(node) {
				ts.Fatalf("getjson: no index %q in %s (length %d)", key, args[1], len(node))
			}
			v = node[i]
		default:
			ts.Fatalf("getjson: %s: %q is below a scalar", args[1], key)
		}
	}
	switch x := v.(type) {
	case string:
		ts.Setenv(args[0], x)
	case []any, map[string]any:
		b, _ := json.Marshal(x)
		ts.Setenv(args[0], string(b))
	default:
		ts.Setenv(args[0], fmt.Sprint(x))
	}
}

var exportKeysRE = regexp.MustCompile(`export CLOUD_SDK_AK=(\S+) CLOUD_SDK_SK=(\S+)`)

// cmdExportKeys sets CLOUD_SDK_AK and CLOUD_SDK_SK as the last command's
// output told the user to.
func cmdExportKeys(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: exportkeys")
	}
	m := exportKeysRE.FindStringSubmatch(ts.ReadFile("stdout"))
	if m == nil {
		ts.Fatalf("exportkeys: no export line in stdout")
	}
	ts.Setenv(envAccessKey, m[1])
	ts.Setenv(envSecretKey, m[2])
}

// cmdReload sends SIGHUP to this process, as an operator sends it to the
// server, and waits until the script's server has reloaded its credentials
// file with every key the file now holds. Servers of other scripts and
// tests reload their own files too, which changes nothing for them.
func cmdReload(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: reload")
	}
	srv := ts.Value(scriptServerKey{}).(*scriptServer)
	creds, err := auth.LoadFile(srv.credentials)
	ts.Check(err)
	// A reload line with the file's current number of keys, logged after
	// the signal, shows that the server read the file as it is now.
	line := regexp.MustCompile(`msg="credentials reloaded" .*access_keys=` + strconv.Itoa(len(creds)) + `\b`)
	before := len(line.FindAllString(srv.logs.String(), -1))
	ts.Check(syscall.Kill(os.Getpid(), syscall.SIGHUP))
	for len(line.FindAllString(srv.logs.String(), -1)) == before {
		select {
		case err := <-srv.done:
			srv.done <- err
			ts.Fatalf("reload: the server stopped: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// cmdSeedSessions creates a filter and N sessions with distinct sources
// through internal/client, faster than N runs of the CLI, and sets
// FILTER_ID.
func cmdSeedSessions(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: seed-sessions N")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	ctx := context.Background()
	c := client.New(ts.Getenv(envEndpoint), ts.Getenv(envAccessKey), ts.Getenv(envSecretKey), ts.Getenv(envProject))
	f, err := c.CreateFilter(ctx, api.FilterFields{Name: api.StringOf("seed")})
	ts.Check(err)
	for i := range n {
		_, err := c.CreateSession(ctx, api.SessionFields{
			Name:       api.StringOf(fmt.Sprintf("seed-%03d", i)),
			FilterID:   api.StringOf(f.Filter.ID),
			Sources:    api.StringsOf([]string{fmt.Sprintf("5eed0000-0000-4000-8000-%012d", i)}),
			TargetID:   api.StringOf("7a4e0000-0000-4000-8000-000000000001"),
			TargetType: api.StringOf("eni"),
			Priority:   api.IntOf(i%100 + 1),
		})
		ts.Check(err)
	}
	ts.Setenv("FILTER_ID", f.Filter.ID)
}
