package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/trafficmirror/trafficmirror/internal/auth"
)

// Summary is the JSON summary of a run (--json).
type Summary struct {
	Started time.Time     `json:"started"`
	Machine Machine       `json:"machine"`
	Config  SummaryConfig `json:"config"`
	Sizes   []SizeResult  `json:"sizes"`
	// Growth is, for each read workload, its p50 at the largest size
	// divided by its p50 at the smallest ("latency grows ≤ 1.5×").
	Growth map[string]float64 `json:"p50_growth,omitempty"`
}

// Machine describes where the run happened.
type Machine struct {
	CPU       string `json:"cpu"`
	Cores     int    `json:"cores"`
	MemoryMiB int64  `json:"memory_mib"`
	Kernel    string `json:"kernel"`
	Go        string `json:"go"`
}

// SummaryConfig is the configuration of the run, without secrets.
type SummaryConfig struct {
	Backend     string   `json:"backend"` // sqlite or postgres
	DB          string   `json:"db,omitempty"`
	Endpoint    string   `json:"endpoint"`
	Spawned     bool     `json:"spawned"`
	ServeArgs   []string `json:"serve_flags,omitempty"`
	Concurrency int      `json:"concurrency"`
	Duration    string   `json:"duration"`
	Warmup      string   `json:"warmup"`
	Seed        uint64   `json:"seed"`
	SeedConc    int      `json:"seed_concurrency"`
	Workloads   []string `json:"workloads"`
}

// SizeResult is everything measured at one number of sessions.
type SizeResult struct {
	Sessions        int         `json:"sessions"`
	Filters         int         `json:"filters"`
	Seed            *SeedResult `json:"seed,omitempty"`
	Walk            *WalkResult `json:"walk,omitempty"`
	Workloads       []Result    `json:"workloads,omitempty"`
	Cleanup         *Result     `json:"cleanup_deletes,omitempty"`
	MemorySeed      *Memory     `json:"server_memory_seeding,omitempty"`
	MemoryMeasure   *Memory     `json:"server_memory_measuring,omitempty"`
	DB              *DBSize     `json:"db_size,omitempty"`
	BytesPerSession float64     `json:"db_bytes_per_session,omitempty"`
	Targets         []Check     `json:"targets,omitempty"`
	// LoadAverage is /proc/loadavg before and after the measurements: the
	// machine is shared, and other processes' load shows in every number.
	LoadAverage []string `json:"load_average,omitempty"`
}

// runBench is the whole program behind main.
func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseArgs(args, getenv, stderr)
	if err != nil {
		return err
	}
	ep := &endpoint{hc: newHTTPClient(max(cfg.concurrency, cfg.seedConcurrency))}
	var proc *serverProcess
	sum := Summary{Started: time.Now().UTC(), Machine: machine(), Config: SummaryConfig{
		Backend: "sqlite", DB: cfg.db, Spawned: cfg.spawn, ServeArgs: cfg.serveFlags,
		Concurrency: cfg.concurrency, Duration: cfg.duration.String(), Warmup: cfg.warmup.String(),
		Seed: cfg.seed, SeedConc: cfg.seedConcurrency, Workloads: cfg.workloads,
	}}
	if isPostgres(cfg.db) {
		sum.Config.Backend = "postgres"
	}
	sum.Config.DB = redactArgs([]string{cfg.db})[0]

	if cfg.spawn {
		cred, err := spawnCredentials(&cfg)
		if err != nil {
			return err
		}
		ep.accessKey, ep.secretKey = cred.AccessKey, cred.SecretKey
		if cfg.serverBin == "" {
			dir, err := os.MkdirTemp("", "trafficmirror-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			if cfg.serverBin, err = buildServer(ctx, dir, stderr); err != nil {
				return err
			}
		}
		proc, err = spawnServer(ctx, spawnConfig{bin: cfg.serverBin, db: cfg.db, credentials: cfg.credentials,
			extra: cfg.serveFlags, logFile: cfg.serverLog}, stderr)
		if err != nil {
			return err
		}
		defer func() {
			if err := proc.stop(); err != nil {
				fmt.Fprintln(stderr, err)
			}
		}()
		ep.base = proc.endpoint
		cfg.serverPID = proc.pid()
		fmt.Fprintf(stderr, "server pid %d\n", cfg.serverPID)
	} else {
		ep.base = strings.TrimRight(cfg.endpoint, "/")
		if err := clientCredentials(&cfg, ep, getenv); err != nil {
			return err
		}
	}
	ep.project = cfg.project
	sum.Config.Endpoint = ep.base
	fmt.Fprintf(stderr, "endpoint %s, project %s\n", ep.base, ep.project)

	d, err := discover(ctx, ep, generator{seed: cfg.seed}, stderr)
	if err != nil {
		return err
	}

	baseline, err := startBaseline()
	if err != nil {
		return err
	}
	defer baseline.Close()
	baseEp := &endpoint{base: baseline.URL(), accessKey: ep.accessKey, secretKey: ep.secretKey, project: ep.project,
		hc: newHTTPClient(cfg.concurrency)}

	for _, n := range cfg.sizes {
		sr := SizeResult{Sessions: int(n), Filters: int(filtersFor(n))}
		if !cfg.skipSeed {
			fmt.Fprintf(stderr, "seeding up to %d sessions (%d already there)\n", n, d.seeded(n))
			res, err := seed(ctx, ep, d, n, cfg.seedConcurrency, stderr)
			sr.Seed = &res
			if err != nil {
				sum.Sizes = append(sum.Sizes, sr)
				writeJSON(cfg.jsonFile, &sum, stderr)
				return err
			}
			fmt.Fprintf(stderr, "seeded %d sessions in %.1fs: %.0f creates/s (p50 %.1f ms, p99 %.1f ms)\n",
				res.Created, res.Seconds, res.CreatesPerSec, res.P50ms, res.P99ms)
		} else if have := d.seeded(n); have < n {
			fmt.Fprintf(stderr, "warning: --skip-seed: only %d of %d sessions are there; measuring those\n", have, n)
			sr.Sessions = int(have)
		}
		if cfg.serverPID > 0 {
			if m, err := processMemory(cfg.serverPID); err == nil {
				sr.MemorySeed = &m
			}
			if err := resetPeakRSS(cfg.serverPID); err != nil {
				fmt.Fprintf(stderr, "warning: cannot reset the server's peak RSS: %v\n", err)
			}
		}
		if !cfg.seedOnly {
			sr.LoadAverage = append(sr.LoadAverage, loadAverage())
			err := measure(ctx, cfg, ep, baseEp, baseline, d, n, &sr, stderr)
			sr.LoadAverage = append(sr.LoadAverage, loadAverage())
			if err != nil {
				sum.Sizes = append(sum.Sizes, sr)
				writeJSON(cfg.jsonFile, &sum, stderr)
				return err
			}
			if cfg.serverPID > 0 {
				if m, err := processMemory(cfg.serverPID); err == nil {
					sr.MemoryMeasure = &m
				}
			}
		}
		if cfg.db != "" {
			if size, err := databaseSize(ctx, cfg.db); err == nil {
				sr.DB = &size
				if d.sessions > 0 {
					sr.BytesPerSession = float64(size.Bytes) / float64(d.sessions)
				}
			} else {
				fmt.Fprintf(stderr, "warning: database size: %v\n", err)
			}
		}
		sr.Targets = checkTargets(sr)
		sum.Sizes = append(sum.Sizes, sr)
		printSize(stdout, sr)
	}
	sum.Growth = growth(sum.Sizes)
	printGrowth(stdout, sum.Growth)
	return writeJSON(cfg.jsonFile, &sum, stderr)
}

// measure runs the workloads at n sessions.
func measure(ctx context.Context, cfg config, ep, baseEp *endpoint, baseline *baselineServer, d *dataset, n uint64, sr *SizeResult, stderr io.Writer) error {
	lc := loadConfig{concurrency: cfg.concurrency, warmup: cfg.warmup, duration: cfg.duration, seed: cfg.seed, serverPID: cfg.serverPID}
	budget := int64(cfg.captureMiB) << 20
	if len(seededIndexes(d, n)) == 0 {
		return errors.New("no generated sessions to measure")
	}
	reads := readWorkloads(ep, d, n, cfg.seed)
	for _, name := range cfg.workloads {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fmt.Fprintf(stderr, "  %s ...\n", name)
		switch name {
		case wlWalk:
			captured := newCapture(budget)
			w := walk(ctx, ep, captured, cfg.serverPID)
			baseline.load(captured)
			if w.Errors == 0 {
				bt := replayWalk(ctx, baseEp, captured, w.Pages)
				w.BaselineSeconds = bt.Seconds()
				if w.Seconds > 0 {
					w.Ratio = w.BaselineSeconds / w.Seconds
				}
			}
			baseline.reset()
			sr.Walk = &w
		case wlMixed:
			sr.Workloads = append(sr.Workloads, run(ctx, ep, mixedWorkload(ep, d, n, cfg.seed), lc, nil, true)...)
		case wlCreate:
			w, ids := createWorkload(ep, d, n)
			sr.Workloads = append(sr.Workloads, run(ctx, ep, w, lc, nil, true)...)
			// Remove them, so that the next size and the next run see the
			// seeded data only.
			del := deleteAll(context.WithoutCancel(ctx), ep, ids.ids, cfg.concurrency)
			sr.Cleanup = &del
		default:
			captured := newCapture(budget)
			res := run(ctx, ep, reads[name], lc, captured, true)
			if len(captured.keys) > 0 {
				baseline.load(captured)
				b := run(ctx, baseEp, replayWorkload(name+" (baseline)", captured), lc, nil, false)
				baseline.reset()
				res[0].Baseline = &b[0]
				if b[0].RPS > 0 {
					res[0].Ratio = res[0].RPS / b[0].RPS
				}
			}
			sr.Workloads = append(sr.Workloads, res...)
		}
	}
	return nil
}

// spawnCredentials returns the key the spawned server is given, creating
// the credentials file (one key for a fresh project) when it is missing.
// The file is kept next to the database by default, so that a database
// seeded once is measured again with the same project.
func spawnCredentials(cfg *config) (auth.Credential, error) {
	if cfg.credentials == "" {
		if isPostgres(cfg.db) {
			cfg.credentials = "trafficmirror-bench-credentials.json"
		} else {
			cfg.credentials = strings.TrimPrefix(strings.TrimPrefix(cfg.db, "sqlite:"), "//") + ".credentials.json"
		}
	}
	creds, err := auth.LoadFile(cfg.credentials)
	if errors.Is(err, fs.ErrNotExist) {
		project := cfg.project
		if project == "" {
			if project, err = auth.GenerateProjectID(); err != nil {
				return auth.Credential{}, err
			}
		}
		cred, err := auth.GenerateCredential([]string{project})
		if err != nil {
			return auth.Credential{}, err
		}
		if err := os.MkdirAll(filepath.Dir(cfg.credentials), 0o755); err != nil {
			return auth.Credential{}, err
		}
		if err := auth.CreateFile(cfg.credentials, []auth.Credential{cred}); err != nil {
			return auth.Credential{}, err
		}
		creds = []auth.Credential{cred}
	} else if err != nil {
		return auth.Credential{}, err
	}
	if len(creds) == 0 {
		return auth.Credential{}, fmt.Errorf("credentials file %s holds no access keys", cfg.credentials)
	}
	if cfg.project == "" {
		cfg.project = creds[0].Projects[0]
		if cfg.project == auth.AnyProject {
			return auth.Credential{}, fmt.Errorf("the first key of %s may use any project: pass --project", cfg.credentials)
		}
	}
	return creds[0], nil
}

// clientCredentials sets the keys and project of a run against --endpoint,
// from --credentials or CLOUD_SDK_AK and CLOUD_SDK_SK.
func clientCredentials(cfg *config, ep *endpoint, getenv func(string) string) error {
	if cfg.credentials != "" {
		creds, err := auth.LoadFile(cfg.credentials)
		if err != nil {
			return err
		}
		if len(creds) == 0 {
			return fmt.Errorf("credentials file %s holds no access keys", cfg.credentials)
		}
		ep.accessKey, ep.secretKey = creds[0].AccessKey, creds[0].SecretKey
		if cfg.project == "" && creds[0].Projects[0] != auth.AnyProject {
			cfg.project = creds[0].Projects[0]
		}
	} else {
		ep.accessKey, ep.secretKey = getenv("CLOUD_SDK_AK"), getenv("CLOUD_SDK_SK")
		if ep.accessKey == "" || ep.secretKey == "" {
			return errors.New("no access keys: pass --credentials FILE or set CLOUD_SDK_AK and CLOUD_SDK_SK")
		}
	}
	if cfg.project == "" {
		return errors.New("no project: pass --project or set TRAFFICMIRROR_PROJECT_ID")
	}
	return nil
}

// writeJSON writes the summary to path, if one was given.
func writeJSON(path string, sum *Summary, stderr io.Writer) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s\n", path)
	return nil
}

// machine describes this machine.
func machine() Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
				m.CPU = strings.TrimSpace(value)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			m.MemoryMiB = kb >> 10
		}
	}
	return m
}

// loadAverage returns the load averages of /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
