package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"
)

// startWithKeys starts a server with extra flags and returns it with the
// key pair and project of its first start.
func startWithKeys(t *testing.T, extra ...string) (inst *instance, ak, sk, project string) {
	t.Helper()
	inst = runServer(t, "", extra...)
	ak, sk, project, err := credentialsFromStdout(inst.Stdout.String())
	if err != nil {
		t.Fatalf("%v in\n%s", err, inst.Stdout.String())
	}
	return inst, ak, sk, project
}

// createFilter creates a filter through the SDK, a mutation to audit.
func createFilter(t *testing.T, inst *instance, ak, sk, project string) string {
	t.Helper()
	c := newSDKClient(t, inst.Endpoint, ak, sk, project)
	resp, err := c.CreateTrafficMirrorFilter(&model.CreateTrafficMirrorFilterRequest{Body: &model.CreateTrafficMirrorFilterRequestBody{
		TrafficMirrorFilter: &model.CreateTrafficMirrorFilterOption{Name: "audited"},
	}})
	if err != nil {
		t.Fatalf("CreateTrafficMirrorFilter: %v", err)
	}
	return resp.TrafficMirrorFilter.Id
}

// auditEntries returns the JSON lines of text whose msg is "audit".
func auditEntries(t *testing.T, text string) []map[string]any {
	t.Helper()
	var entries []map[string]any
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == "audit" {
			entries = append(entries, m)
		}
	}
	return entries
}

func wantOneAudit(t *testing.T, entries []map[string]any, ak, project, filterID string) {
	t.Helper()
	if len(entries) != 1 {
		t.Fatalf("%d audit lines %v, want 1", len(entries), entries)
	}
	e := entries[0]
	if e["operation"] != "CreateTrafficMirrorFilter" || e["access_key"] != ak || e["project"] != project || e["resource_id"] != filterID {
		t.Errorf("audit line = %v, want CreateTrafficMirrorFilter of %s by %s in %s", e, filterID, ak, project)
	}
}

func TestServeAuditLogFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	inst, ak, sk, project := startWithKeys(t, "--audit-log", path)
	filterID := createFilter(t, inst, ak, sk, project)
	inst.Stop(t)

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wantOneAudit(t, auditEntries(t, string(b)), ak, project, filterID)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("audit log mode = %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	if strings.Contains(inst.Logs.String(), "msg=audit") {
		t.Error("with --audit-log FILE, audit lines must not go to the main log")
	}
	if strings.Contains(string(b)+inst.Logs.String(), sk) {
		t.Error("a log contains the secret key")
	}

	// A restart appends to the file.
	inst2 := runServer(t, inst.Dir, "--audit-log", path)
	createFilter(t, inst2, ak, sk, project)
	inst2.Stop(t)
	b, _ = os.ReadFile(path)
	if n := len(auditEntries(t, string(b))); n != 2 {
		t.Errorf("%d audit lines after a restart, want 2 (appended)", n)
	}
}

// By default audit lines go to the main log, in its format, marked
// log=audit.
func TestServeAuditLogDefault(t *testing.T) {
	inst, ak, sk, project := startWithKeys(t)
	filterID := createFilter(t, inst, ak, sk, project)
	inst.Stop(t)
	var lines []string
	for line := range strings.Lines(inst.Logs.String()) {
		if strings.Contains(line, " msg=audit ") {
			lines = append(lines, line)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("%d audit lines in the log, want 1:\n%s", len(lines), inst.Logs.String())
	}
	for _, want := range []string{" log=audit ", " operation=CreateTrafficMirrorFilter ", " access_key=" + ak + " ",
		" project=" + project + " ", " resource_id=" + filterID + " "} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("audit line %q lacks %q", lines[0], want)
		}
	}
}

// The default audit logger writes whatever --log-level says: the level
// quiets the operational log, not the trail of changes.
func TestOpenAuditLogIgnoresLogLevel(t *testing.T) {
	var stderr strings.Builder
	logger, closeAudit, err := openAuditLog("", "json", io.Discard, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAudit()
	main, err := newLogger(&stderr, "json", "error")
	if err != nil {
		t.Fatal(err)
	}
	main.Info("request")
	logger.Info("audit", "operation", "DeleteTrafficMirrorFilter")
	entries := auditEntries(t, stderr.String())
	if len(entries) != 1 || entries[0]["log"] != "audit" || entries[0]["operation"] != "DeleteTrafficMirrorFilter" {
		t.Errorf("log = %s, want only the audit line, marked log=audit", stderr.String())
	}
	if _, _, err := openAuditLog("", "yaml", io.Discard, io.Discard); err == nil {
		t.Error("openAuditLog with an unknown format: no error")
	}
}

func TestServeAuditLogStdout(t *testing.T) {
	inst, ak, sk, project := startWithKeys(t, "--audit-log", "-")
	filterID := createFilter(t, inst, ak, sk, project)
	inst.Stop(t)
	wantOneAudit(t, auditEntries(t, inst.Stdout.String()), ak, project, filterID)
}

func TestServeAuditLogUnwritable(t *testing.T) {
	dir := t.TempDir()
	err := run(t.Context(), []string{"trafficmirror", "serve", "--listen", "127.0.0.1:0",
		"--db", filepath.Join(dir, "db"), "--credentials", filepath.Join(dir, "creds.json"),
		"--audit-log", filepath.Join(dir, "no-such-dir", "audit.log")},
		func(string) string { return "" }, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--audit-log") {
		t.Errorf("run with an unwritable audit log = %v, want an --audit-log error", err)
	}
}

// The serve command's handler exposes /metrics, with the binary's version,
// and /openapi.json, without signatures.
func TestServeMetricsAndOpenAPI(t *testing.T) {
	inst, ak, sk, project := startWithKeys(t)
	createFilter(t, inst, ak, sk, project)
	for path, want := range map[string]string{
		"/metrics":      `trafficmirror_http_requests_total{operation="CreateTrafficMirrorFilter",status="201"} 1`,
		"/openapi.json": `"operationId": "CreateTrafficMirrorFilter"`,
	} {
		resp, err := http.Get(inst.Endpoint + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), want) {
			t.Errorf("GET %s: %d, body without %q:\n%.2000s", path, resp.StatusCode, want, b)
		}
	}
}
