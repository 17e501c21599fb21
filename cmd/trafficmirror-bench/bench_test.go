package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/tmtest"
)

// runJSON runs the tool with args plus --json and returns its summary.
func runJSON(t *testing.T, env map[string]string, args ...string) (Summary, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "summary.json")
	var stdout, stderr bytes.Buffer
	err := runBench(context.Background(), append(args, "--json", out), func(k string) string { return env[k] }, &stdout, &stderr)
	if err != nil {
		t.Fatalf("runBench(%s) = %v\nstderr:\n%s", strings.Join(args, " "), err, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var sum Summary
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatalf("summary %s: %v", b, err)
	}
	return sum, stdout.String()
}

// fast are the flags that keep a run short.
var fast = []string{"--duration", "150ms", "--warmup", "0s", "--concurrency", "2", "--seed-concurrency", "4"}

// TestAgainstServer seeds an in-process server through the API, measures
// every workload, then runs again on the same data without seeding.
func TestAgainstServer(t *testing.T) {
	srv := tmtest.NewServer(t)
	env := map[string]string{
		"TRAFFICMIRROR_ENDPOINT":   srv.Endpoint,
		"TRAFFICMIRROR_PROJECT_ID": srv.ProjectID,
		"CLOUD_SDK_AK":             srv.AccessKey,
		"CLOUD_SDK_SK":             srv.SecretKey,
	}

	t.Run("SeedAndMeasure", func(t *testing.T) {
		sum, table := runJSON(t, env, append([]string{"--sizes", "150,300"}, fast...)...)
		if len(sum.Sizes) != 2 {
			t.Fatalf("summary has %d sizes, want 2", len(sum.Sizes))
		}
		for _, sr := range sum.Sizes {
			if sr.Seed == nil || sr.Seed.Errors != 0 {
				t.Fatalf("size %d: seed = %+v, want no errors", sr.Sessions, sr.Seed)
			}
			if sr.Walk == nil || sr.Walk.Sessions != sr.Sessions || sr.Walk.Errors != 0 {
				t.Errorf("size %d: walk = %+v, want %d sessions and no errors", sr.Sessions, sr.Walk, sr.Sessions)
			}
			var names []string
			for _, r := range sr.Workloads {
				names = append(names, r.Name)
				if r.Requests == 0 || r.Errors != 0 {
					t.Errorf("size %d: %s: %d requests, %d errors (%s); want some requests and no errors",
						sr.Sessions, r.Name, r.Requests, r.Errors, r.FirstError)
				}
			}
			want := []string{wlShow, wlFirstPage, wlByName, wlEnabled, wlFilterIDs, wlPriority,
				wlMixed, wlMixed + "/show", wlMixed + "/update", wlCreate}
			if diff := cmp.Diff(want, names); diff != "" {
				t.Errorf("size %d: workloads (-want +got):\n%s", sr.Sessions, diff)
			}
			for _, name := range []string{wlShow, wlFirstPage, wlByName, wlEnabled, wlFilterIDs, wlPriority} {
				r := findResult(sr.Workloads, name)
				if r.Baseline == nil || r.Baseline.Requests == 0 || r.Baseline.Errors != 0 || r.Ratio <= 0 {
					t.Errorf("size %d: %s: baseline %+v, ratio %v; want a replay without errors", sr.Sessions, name, r.Baseline, r.Ratio)
				}
			}
			if r := findResult(sr.Workloads, wlByName); r.ItemsPerRes != 1 {
				t.Errorf("size %d: a list by unique name returned %v sessions on average, want 1", sr.Sessions, r.ItemsPerRes)
			}
			if r := findResult(sr.Workloads, wlFirstPage); r.ItemsPerRes != 100 {
				t.Errorf("size %d: the first page had %v sessions, want 100", sr.Sessions, r.ItemsPerRes)
			}
			if c := sr.Cleanup; c == nil || c.Errors != 0 || c.Requests != findResult(sr.Workloads, wlCreate).Requests {
				t.Errorf("size %d: cleanup %+v; want as many deletes as creates, without errors", sr.Sessions, c)
			}
		}
		if len(sum.Growth) == 0 {
			t.Error("no p50 growth between the two sizes")
		}
		for _, want := range []string{"== 300 sessions, 3 filters ==", "by-name", "targets of issue 4"} {
			if !strings.Contains(table, want) {
				t.Errorf("the table does not contain %q:\n%s", want, table)
			}
		}
	})

	t.Run("SkipSeed", func(t *testing.T) {
		// The creates of the last run were deleted: the project holds the
		// 300 seeded sessions only, which discovery finds again.
		sum, _ := runJSON(t, env, append([]string{"--sessions", "300", "--skip-seed", "--workloads", "walk,by-name"}, fast...)...)
		sr := sum.Sizes[0]
		if sr.Seed != nil {
			t.Errorf("--skip-seed seeded: %+v", sr.Seed)
		}
		if sr.Walk == nil || sr.Walk.Sessions != 300 {
			t.Errorf("walk = %+v, want 300 sessions", sr.Walk)
		}
	})

	t.Run("Resume", func(t *testing.T) {
		// Seeding to a larger size creates only the missing sessions.
		sum, _ := runJSON(t, env, append([]string{"--sessions", "350", "--seed-only"}, fast...)...)
		s := sum.Sizes[0].Seed
		if s == nil || s.Created != 50 || s.FromSessions != 300 || s.FiltersCreated != 1 {
			t.Errorf("seed = %+v, want 50 sessions and 1 filter created on top of 300 sessions", s)
		}
	})
}

// TestSpawn starts the real server binary as a subprocess on a SQLite file
// and checks what only a subprocess gives: its memory and the database size.
func TestSpawn(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the trafficmirror binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "trafficmirror")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/trafficmirror/trafficmirror/cmd/trafficmirror").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "bench.db")
	// Long enough for the server's CPU time, counted in 10 ms ticks.
	sum, _ := runJSON(t, nil, append(append([]string{"--spawn", "--server-bin", bin, "--db", db, "--sessions", "200",
		"--workloads", "show,create"}, fast...), "--duration", "300ms")...)
	sr := sum.Sizes[0]
	if sr.MemoryMeasure == nil || sr.MemoryMeasure.PeakRSSBytes <= 0 {
		t.Errorf("server memory = %+v, want a peak RSS", sr.MemoryMeasure)
	}
	if sr.DB == nil || sr.DB.Bytes <= 0 || sr.BytesPerSession <= 0 {
		t.Errorf("database size = %+v, %v B/session; want sizes", sr.DB, sr.BytesPerSession)
	}
	if r := findResult(sr.Workloads, wlShow); r == nil || r.ServerCPUus <= 0 {
		t.Errorf("show = %+v, want the server's CPU per request", r)
	}
	if _, err := os.Stat(db + ".credentials.json"); err != nil {
		t.Errorf("the credentials file next to the database: %v", err)
	}
}
