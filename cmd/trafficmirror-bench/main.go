// Command trafficmirror-bench measures a trafficmirror server under load,
// against the limit of the machine it runs on (issue 4).
//
// It seeds a project with N sessions and their filters through the API, in a
// deterministic and realistic spread that respects the business rules; runs
// closed-loop workloads (show, lists, a walk of the whole collection, creates,
// updates mixed with reads) at a fixed concurrency; replays the captured
// responses of every read workload from a static net/http server in this
// process, with the same client, so that each workload gets a ratio to what
// the machine can serve at all; and reports throughput, latency
// percentiles, bytes per response, the server's peak RSS and CPU per request,
// and the database size, as a table and as JSON.
//
// Usage:
//
//	go run ./cmd/trafficmirror-bench --spawn --db /tmp/bench.db --sizes 10000,100000 --json out.json
//	go run ./cmd/trafficmirror-bench --endpoint http://127.0.0.1:9696 --credentials creds.json --sessions 10000
//
// Run with --help for every flag.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runBench(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "trafficmirror-bench: %v\n", err)
		}
		os.Exit(2)
	}
}

// config is the effective configuration of a run.
type config struct {
	endpoint    string
	project     string
	credentials string
	spawn       bool
	serverBin   string
	db          string
	serveFlags  []string
	serverLog   string
	serverPID   int

	sizes           []uint64
	seed            uint64
	seedConcurrency int
	seedOnly        bool
	skipSeed        bool

	concurrency int
	duration    time.Duration
	warmup      time.Duration
	workloads   []string
	captureMiB  int
	jsonFile    string
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, " ") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// parseArgs parses the command line, with environment fallbacks for the
// connection, as the trafficmirror client commands read them.
func parseArgs(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("trafficmirror-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.endpoint, "endpoint", getenv("TRAFFICMIRROR_ENDPOINT"), "`URL` of a running server (env TRAFFICMIRROR_ENDPOINT); or use --spawn")
	fs.StringVar(&cfg.project, "project", getenv("TRAFFICMIRROR_PROJECT_ID"), "project `ID` (env TRAFFICMIRROR_PROJECT_ID; default: the credential's first project)")
	fs.StringVar(&cfg.credentials, "credentials", getenv("TRAFFICMIRROR_CREDENTIALS"), "credentials `file`; without it the keys come from CLOUD_SDK_AK and CLOUD_SDK_SK. With --spawn it is created when missing (default: the database path + .credentials.json)")
	fs.BoolVar(&cfg.spawn, "spawn", false, "build and start \"trafficmirror serve\" as a subprocess (its peak RSS and CPU are then reported)")
	fs.StringVar(&cfg.serverBin, "server-bin", "", "with --spawn: the trafficmirror `binary` to start (default: go build ./cmd/trafficmirror)")
	fs.StringVar(&cfg.db, "db", "", "database `DSN`: a SQLite path or postgres://... URL; passed to the spawned server, and measured (default with --spawn: trafficmirror-bench.db)")
	fs.Var((*stringList)(&cfg.serveFlags), "serve-flag", "with --spawn: one more `flag` of serve, e.g. --serve-flag=--log-level=warn (repeatable)")
	fs.StringVar(&cfg.serverLog, "server-log", "", "with --spawn: also write the server's output to this `file`")
	fs.IntVar(&cfg.serverPID, "server-pid", 0, "with --endpoint: the server's `PID`, to report its peak RSS and CPU")
	sessions := fs.Uint64("sessions", 10000, "seed and measure this many `sessions`")
	sizes := fs.String("sizes", "", "comma-separated session counts to seed up to and measure at, in turn, e.g. 10000,100000 (overrides --sessions)")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the generated data and of the workloads' choices")
	fs.IntVar(&cfg.seedConcurrency, "seed-concurrency", 8, "concurrent creates while seeding")
	fs.BoolVar(&cfg.seedOnly, "seed-only", false, "seed, report the seeding and the database size, and stop")
	fs.BoolVar(&cfg.skipSeed, "skip-seed", false, "measure the data that is there without creating any")
	fs.IntVar(&cfg.concurrency, "concurrency", 8, "concurrent requests of each workload (closed loop)")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "measured duration of each workload and of each replay")
	fs.DurationVar(&cfg.warmup, "warmup", time.Second, "unmeasured warm-up before each workload and replay")
	wl := fs.String("workloads", strings.Join(allWorkloads, ","), "comma-separated workloads to run")
	fs.IntVar(&cfg.captureMiB, "capture-mib", 64, "MiB of responses kept per workload for the replay")
	fs.StringVar(&cfg.jsonFile, "json", "", "write the summary as JSON to this `file`")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: trafficmirror-bench [--spawn --db DSN | --endpoint URL] [flags]\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case cfg.spawn && isFlagSet(fs, "endpoint"):
		return config{}, errors.New("give either --spawn or --endpoint, not both")
	case !cfg.spawn && cfg.endpoint == "":
		return config{}, errors.New("give --spawn (start a server) or --endpoint URL (use a running one)")
	}
	if cfg.spawn {
		cfg.endpoint = ""
		if cfg.db == "" {
			cfg.db = "trafficmirror-bench.db"
		}
	}
	if *sizes != "" {
		for _, s := range strings.Split(*sizes, ",") {
			n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
			if err != nil || n == 0 {
				return config{}, fmt.Errorf("--sizes: %q is not a positive number", s)
			}
			if len(cfg.sizes) > 0 && n <= cfg.sizes[len(cfg.sizes)-1] {
				return config{}, errors.New("--sizes must increase")
			}
			cfg.sizes = append(cfg.sizes, n)
		}
	} else {
		if *sessions == 0 {
			return config{}, errors.New("--sessions must be positive")
		}
		cfg.sizes = []uint64{*sessions}
	}
	for _, w := range strings.Split(*wl, ",") {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		if !slices.Contains(allWorkloads, w) {
			return config{}, fmt.Errorf("--workloads: unknown workload %q (known: %s)", w, strings.Join(allWorkloads, ", "))
		}
		cfg.workloads = append(cfg.workloads, w)
	}
	if cfg.concurrency < 1 || cfg.seedConcurrency < 1 {
		return config{}, errors.New("--concurrency and --seed-concurrency must be at least 1")
	}
	if cfg.duration <= 0 || cfg.warmup < 0 {
		return config{}, errors.New("--duration must be positive and --warmup not negative")
	}
	if cfg.seedOnly && cfg.skipSeed {
		return config{}, errors.New("--seed-only and --skip-seed exclude each other")
	}
	return cfg, nil
}

func isFlagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
