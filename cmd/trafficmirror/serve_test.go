package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	vpc "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"

	"github.com/trafficmirror/trafficmirror/internal/auth"
)

// newSDKClient returns the official Huawei VPC client pointed at endpoint, as
// the README tells users to build it.
func newSDKClient(t *testing.T, endpoint, ak, sk, project string) *vpc.VpcClient {
	t.Helper()
	cred, err := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithProjectId(project).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	hc, err := vpc.VpcClientBuilder().WithEndpoints([]string{endpoint}).WithCredential(cred).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return vpc.NewVpcClient(hc)
}

func TestServeFirstStartCreatesCredentials(t *testing.T) {
	inst := runServer(t, "")
	ak, sk, project, err := credentialsFromStdout(inst.Stdout.String())
	if err != nil {
		t.Fatalf("%v; stdout:\n%s", err, inst.Stdout.String())
	}
	for _, want := range []string{"Endpoint:   " + inst.Endpoint, "export CLOUD_SDK_AK="} {
		if !strings.Contains(inst.Stdout.String(), want) {
			t.Errorf("first-start output lacks %q:\n%s", want, inst.Stdout.String())
		}
	}

	st, err := os.Stat(inst.Credentials)
	if err != nil {
		t.Fatal(err)
	}
	if mode := st.Mode().Perm(); mode != 0o600 {
		t.Errorf("credentials file mode = %v, want 0600", mode)
	}
	raw, err := os.ReadFile(inst.Credentials)
	if err != nil {
		t.Fatal(err)
	}
	// The exact file format other tools depend on.
	var file struct {
		Credentials []struct {
			AccessKey string   `json:"access_key"`
			SecretKey string   `json:"secret_key"`
			Projects  []string `json:"projects"`
		} `json:"credentials"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		t.Fatalf("credentials file %s does not have the documented format: %v", raw, err)
	}
	if len(file.Credentials) != 1 || file.Credentials[0].AccessKey != ak || file.Credentials[0].SecretKey != sk ||
		len(file.Credentials[0].Projects) != 1 || file.Credentials[0].Projects[0] != project {
		t.Errorf("credentials file = %s, want the printed keys %s for project %s", raw, ak, project)
	}

	client := newSDKClient(t, inst.Endpoint, ak, sk, project)
	resp, err := client.ListTrafficMirrorSessions(&model.ListTrafficMirrorSessionsRequest{})
	if err != nil {
		t.Fatalf("ListTrafficMirrorSessions with the printed keys: %v", err)
	}
	if resp.HttpStatusCode != http.StatusOK || resp.TrafficMirrorSessions == nil || len(*resp.TrafficMirrorSessions) != 0 {
		t.Errorf("ListTrafficMirrorSessions = %v, want 200 and an empty list", resp)
	}
	if strings.Contains(inst.Logs.String(), sk) {
		t.Error("the secret key appears in the logs")
	}

	// A second start on the same files keeps the keys and the data, and
	// prints no secret.
	name := "kept"
	created, err := client.CreateTrafficMirrorFilter(&model.CreateTrafficMirrorFilterRequest{
		Body: &model.CreateTrafficMirrorFilterRequestBody{TrafficMirrorFilter: &model.CreateTrafficMirrorFilterOption{Name: name}},
	})
	if err != nil {
		t.Fatal(err)
	}
	inst.Stop(t)
	again := runServer(t, inst.Dir)
	if out := again.Stdout.String(); strings.Contains(out, sk) || strings.Contains(out, "export") {
		t.Errorf("second start printed credentials again:\n%s", out)
	}
	client = newSDKClient(t, again.Endpoint, ak, sk, project)
	shown, err := client.ShowTrafficMirrorFilter(&model.ShowTrafficMirrorFilterRequest{TrafficMirrorFilterId: created.TrafficMirrorFilter.Id})
	if err != nil {
		t.Fatalf("filter created before the restart: %v", err)
	}
	if shown.TrafficMirrorFilter.Name != name {
		t.Errorf("filter after restart = %+v, want name %q", shown.TrafficMirrorFilter, name)
	}
}

func TestServeMalformedCredentialsStopsStart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials.json")
	if err := os.WriteFile(path, []byte(`{"credentials": [{"access_key": "AK", "secret_key": "", "projects": ["p"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"trafficmirror", "serve", "--listen", "127.0.0.1:0",
		"--db", filepath.Join(dir, "db"), "--credentials", path}, func(string) string { return "" }, nil, &stdout, &stderr)
	if err == nil {
		t.Fatal("serve started with a credential that has no secret key")
	}
	for _, want := range []string{path, "secret_key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestServeWarnsAboutReadableCredentials(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials.json")
	cred, err := auth.GenerateCredential([]string{"*"})
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.CreateFile(path, []auth.Credential{cred}); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	inst := runServer(t, dir, "--credentials", path)
	if !strings.Contains(inst.Logs.String(), "level=WARN") {
		t.Errorf("no warning about a world-readable credentials file; logs:\n%s", inst.Logs.String())
	}
}

func TestServeEnvironmentFallback(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{
		"TRAFFICMIRROR_LISTEN":      "127.0.0.1:0",
		"TRAFFICMIRROR_DB":          "sqlite:" + filepath.Join(dir, "env.db"),
		"TRAFFICMIRROR_CREDENTIALS": filepath.Join(dir, "env-credentials.json"),
		"TRAFFICMIRROR_LOG_FORMAT":  "json",
	}
	ctx, cancel := context.WithCancel(context.Background())
	logs := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"trafficmirror", "serve"}, func(k string) string { return env[k] }, nil, &lockedBuffer{}, logs)
	}()
	deadline := time.Now().Add(30 * time.Second) // a bound on polling, not an assertion about speed
	for !strings.Contains(logs.String(), `"msg":"serving"`) {
		select {
		case err := <-done:
			t.Fatalf("serve exited: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never started:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"env.db", "env-credentials.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the environment's %s was not used: %v", f, err)
		}
	}
}

func TestServeBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"UnknownFlag", []string{"--no-such-flag"}, nil},
		{"BadLimit", []string{"--max-sessions-per-source", "0"}, nil},
		{"BadEnv", nil, map[string]string{"TRAFFICMIRROR_MAX_SESSIONS_PER_PROJECT": "many"}},
		{"BadLogFormat", []string{"--log-format", "xml"}, nil},
		{"ExtraArgument", []string{"now"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			args := append([]string{"trafficmirror", "serve", "--credentials", filepath.Join(t.TempDir(), "c.json")}, tt.args...)
			err := run(context.Background(), args, func(k string) string { return tt.env[k] }, nil, &bytes.Buffer{}, &stderr)
			if err == nil {
				t.Fatalf("run(%q) succeeded", tt.args)
			}
		})
	}
}

func TestRunUnknownCommand(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"trafficmirror", "frobnicate"}, os.Getenv, nil, &bytes.Buffer{}, &stderr)
	if exitCode(err) != 2 || !strings.Contains(stderr.String(), "unknown command") {
		t.Errorf("run(frobnicate) = %v, stderr %q; want a usage error", err, stderr.String())
	}
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"trafficmirror", "version"}, os.Getenv, nil, &stdout, &stderr); err != nil || !strings.HasPrefix(stdout.String(), "trafficmirror ") {
		t.Errorf("version = %v, %q", err, stdout.String())
	}
}
