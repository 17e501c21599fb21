package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/trafficmirror/trafficmirror/internal/auth"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
	"github.com/trafficmirror/trafficmirror/internal/server"
	"github.com/trafficmirror/trafficmirror/internal/sqlstore"
)

// shutdownGrace bounds how long in-flight requests may run after a stop
// signal before the server closes their connections.
const shutdownGrace = 10 * time.Second

// serveConfig is the effective configuration of the serve command.
type serveConfig struct {
	listen      string
	db          string
	credentials string
	logFormat   string
	logLevel    string
	auditLog    string
	limits      mirror.Limits
	dbMaxConns  int
	dbTimeout   time.Duration
	sqliteMmap  int64 // MiB

	// The HTTP server's limits, against clients that hold connections
	// open or send oversized headers.
	readHeaderTimeout time.Duration
	readTimeout       time.Duration
	writeTimeout      time.Duration
	idleTimeout       time.Duration
	maxHeaderBytes    int

	keyRate     server.RateLimit // requests per access key
	authFailure server.RateLimit // failed authentications per client address

	tlsCert, tlsKey string // both or neither

	pprof string // address of the net/http/pprof listener; "" is off
}

// Defaults of the connection limits and rate limits. The rate limits are
// generous: they are there to stop a runaway client or a flood of bad
// signatures, not to shape normal use.
const (
	defaultReadHeaderTimeout = 10 * time.Second
	defaultReadTimeout       = 60 * time.Second
	defaultWriteTimeout      = 60 * time.Second
	defaultIdleTimeout       = 120 * time.Second
	defaultMaxHeaderBytes    = 64 << 10
	defaultRateLimit         = 1000 // requests per second per access key
	defaultRateBurst         = 2000
	defaultAuthFailureRate   = 1 // failed authentications per second per client address
	defaultAuthFailureBurst  = 50
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg serveConfig
	def := mirror.DefaultLimits()
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:9696", "`address` to listen on (host:port; port 0 picks a free port)")
	fs.StringVar(&cfg.db, "db", "trafficmirror.db", "database: a SQLite file path, sqlite:PATH, or a PostgreSQL URL postgres://user@host:port/db?sslmode=… (`dsn`)")
	fs.IntVar(&cfg.dbMaxConns, "db-max-conns", sqlstore.DefaultMaxConns, "PostgreSQL: most connections this process opens")
	fs.DurationVar(&cfg.dbTimeout, "db-statement-timeout", sqlstore.DefaultStatementTimeout, "PostgreSQL: longest a statement may run; requests fail with 503 after it")
	fs.Int64Var(&cfg.sqliteMmap, "sqlite-mmap-mib", 0, "SQLite: `MiB` of the database file each connection reads through a memory map; faster reads of a large database, but RSS counts the mapped pages once per connection (see docs/performance.md); 0 is off")
	fs.StringVar(&cfg.credentials, "credentials", "trafficmirror-credentials.json", "credentials `file`; created with a new key pair if missing")
	fs.StringVar(&cfg.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&cfg.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&cfg.auditLog, "audit-log", "", "where the audit lines of successful changes go: \"\" into the log (marked log=audit), a `file` (JSON lines, appended), or - (JSON lines on standard output)")
	fs.IntVar(&cfg.limits.SourcesPerSession, "max-sources-per-session", def.SourcesPerSession, "most sources one session may have")
	fs.IntVar(&cfg.limits.SessionsPerSource, "max-sessions-per-source", def.SessionsPerSource, "most sessions one source may be in")
	fs.IntVar(&cfg.limits.SessionsPerProject, "max-sessions-per-project", def.SessionsPerProject, "session quota of a project (0: unlimited)")
	fs.IntVar(&cfg.limits.FiltersPerProject, "max-filters-per-project", def.FiltersPerProject, "filter quota of a project (0: unlimited)")
	fs.IntVar(&cfg.limits.RulesPerFilterDirection, "max-rules-per-filter-direction", def.RulesPerFilterDirection, "most rules per filter and direction")
	fs.DurationVar(&cfg.readHeaderTimeout, "read-header-timeout", defaultReadHeaderTimeout, "longest a client may take to send a request's headers; a slower one is disconnected")
	fs.DurationVar(&cfg.readTimeout, "read-timeout", defaultReadTimeout, "longest a client may take to send a whole request, body included")
	fs.DurationVar(&cfg.writeTimeout, "write-timeout", defaultWriteTimeout, "longest from the end of a request's headers to the end of its response")
	fs.DurationVar(&cfg.idleTimeout, "idle-timeout", defaultIdleTimeout, "how long an idle keep-alive connection stays open")
	fs.IntVar(&cfg.maxHeaderBytes, "max-header-bytes", defaultMaxHeaderBytes, "most `bytes` of request line and headers; more is refused with 431")
	fs.Float64Var(&cfg.keyRate.Rate, "rate-limit", defaultRateLimit, "API requests per second per access key, on average (0: no limit); more get 429 APIGW.0308 with Retry-After")
	fs.IntVar(&cfg.keyRate.Burst, "rate-burst", defaultRateBurst, "API requests an access key may send at once, beyond --rate-limit")
	fs.Float64Var(&cfg.authFailure.Rate, "auth-failure-rate", defaultAuthFailureRate, "failed authentications per second per client address, on average (0: no limit); past the budget the address gets 429 before any signature check")
	fs.IntVar(&cfg.authFailure.Burst, "auth-failure-burst", defaultAuthFailureBurst, "failed authentications a client address may have at once, beyond --auth-failure-rate")
	fs.StringVar(&cfg.tlsCert, "tls-cert", "", "PEM certificate chain `file`; with --tls-key, serve HTTPS")
	fs.StringVar(&cfg.tlsKey, "tls-key", "", "PEM private key `file` of --tls-cert")
	fs.StringVar(&cfg.pprof, "pprof", "", "serve net/http/pprof (with block and mutex profiles) on this separate `address`; :PORT listens on loopback only (default: off)")
	fs.Usage = usageWithEnv(fs, "trafficmirror serve [flags]",
		"  trafficmirror serve --listen 127.0.0.1:9696 --db ./trafficmirror.db")
	if err := parseFlags(fs, args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if err := checkLimits(cfg.limits); err != nil {
		return err
	}
	if cfg.dbMaxConns < 1 || cfg.dbTimeout <= 0 {
		return fmt.Errorf("--db-max-conns must be at least 1 and --db-statement-timeout positive")
	}
	if cfg.sqliteMmap < 0 || cfg.sqliteMmap > 1<<20 {
		return fmt.Errorf("--sqlite-mmap-mib %d: want 0 (off) to 1048576", cfg.sqliteMmap)
	}
	if err := checkServerLimits(cfg); err != nil {
		return err
	}
	if cfg.pprof != "" {
		if _, err := pprofAddress(cfg.pprof); err != nil {
			return err
		}
	}
	tlsConfig, err := loadTLS(cfg.tlsCert, cfg.tlsKey)
	if err != nil {
		return err
	}
	logger, err := newLogger(stderr, cfg.logFormat, cfg.logLevel)
	if err != nil {
		return err
	}
	auditLogger, closeAudit, err := openAuditLog(cfg.auditLog, cfg.logFormat, stdout, stderr)
	if err != nil {
		return err
	}
	defer closeAudit()

	creds, created, err := loadOrCreateCredentials(cfg.credentials)
	if err != nil {
		return err
	}
	if warning, err := auth.InsecureModeWarning(cfg.credentials); err == nil && warning != "" {
		logger.Warn(warning, "file", cfg.credentials)
	}

	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.listen, err)
	}
	defer ln.Close()
	endpoint := endpointURL(ln.Addr(), tlsConfig != nil)
	if tlsConfig == nil && !isLoopback(ln.Addr()) {
		logger.Warn("listening on a non-loopback address without TLS: anyone on the path can read requests and replay a captured one within its 15-minute signature window; set --tls-cert and --tls-key, or serve through a TLS proxy",
			"listen", ln.Addr().String())
	}

	store, err := sqlstore.Open(ctx, cfg.db, sqlstore.Options{
		Limits:           cfg.limits,
		MaxConns:         cfg.dbMaxConns,
		StatementTimeout: cfg.dbTimeout,
		MmapSize:         cfg.sqliteMmap << 20,
	})
	if err != nil {
		return fmt.Errorf("open database %s: %w", sqlstore.Redact(cfg.db), err)
	}
	defer store.Close()

	if created {
		printWelcome(stdout, cfg.credentials, endpoint, creds[0])
	}
	keys := auth.NewKeyring(creds)
	handler := server.New(server.Config{
		Store:            store,
		Auth:             &auth.Verifier{Keys: keys},
		Limits:           cfg.limits,
		Logger:           logger,
		AuditLogger:      auditLogger,
		Version:          version(),
		KeyRateLimit:     cfg.keyRate,
		AuthFailureLimit: cfg.authFailure,
	})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: cfg.readHeaderTimeout,
		ReadTimeout:       cfg.readTimeout,
		WriteTimeout:      cfg.writeTimeout,
		IdleTimeout:       cfg.idleTimeout,
		MaxHeaderBytes:    cfg.maxHeaderBytes,
		TLSConfig:         tlsConfig,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	reload := make(chan os.Signal, 1)
	signal.Notify(reload, syscall.SIGHUP)
	defer signal.Stop(reload)
	go reloadCredentialsOn(ctx, reload, cfg.credentials, keys, logger)

	logger.Info("configuration", "listen", cfg.listen, "db", sqlstore.Redact(cfg.db), "credentials", cfg.credentials,
		"access_keys", len(creds), "limits", fmt.Sprintf("%+v", cfg.limits), "audit_log", cfg.auditLog,
		"sqlite_mmap_mib", cfg.sqliteMmap,
		"tls", tlsConfig != nil, "tls_cert", cfg.tlsCert,
		"read_header_timeout", cfg.readHeaderTimeout, "read_timeout", cfg.readTimeout,
		"write_timeout", cfg.writeTimeout, "idle_timeout", cfg.idleTimeout, "max_header_bytes", cfg.maxHeaderBytes,
		"rate_limit", cfg.keyRate.Rate, "rate_burst", cfg.keyRate.Burst,
		"auth_failure_rate", cfg.authFailure.Rate, "auth_failure_burst", cfg.authFailure.Burst,
		"pprof", cfg.pprof)
	if cfg.pprof != "" {
		prof, err := startPprof(cfg.pprof, logger)
		if err != nil {
			return err
		}
		defer prof.close()
		logger.Info("serving pprof", "endpoint", prof.URL())
	}
	logger.Info("serving", "endpoint", endpoint)

	errc := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			// The certificate is in TLSConfig already.
			errc <- srv.ServeTLS(ln, "", "")
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "grace", shutdownGrace)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// In-flight requests outlived the grace period: cut them. Their
		// transactions either committed (acknowledged or not) or roll back.
		logger.Warn("shutdown grace period over; closing remaining connections", "err", err)
		srv.Close()
	}
	if err := store.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// checkLimits refuses limits that would make the API unusable.
func checkLimits(l mirror.Limits) error {
	for _, c := range []struct {
		flag  string
		value int
		min   int
	}{
		{"max-sources-per-session", l.SourcesPerSession, 1},
		{"max-sessions-per-source", l.SessionsPerSource, 1},
		{"max-sessions-per-project", l.SessionsPerProject, 0},
		{"max-filters-per-project", l.FiltersPerProject, 0},
		{"max-rules-per-filter-direction", l.RulesPerFilterDirection, 1},
	} {
		if c.value < c.min {
			return fmt.Errorf("--%s must be at least %d, got %d", c.flag, c.min, c.value)
		}
	}
	return nil
}

// newLogger returns the process logger writing to w.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %v", err)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, got %q", format)
}

// openAuditLog returns the logger of the audit lines (--audit-log dest) and
// a function that closes its file. "" writes them to stderr in the log's
// format, marked log=audit; "-" writes JSON lines to stdout; anything else is
// a file that JSON lines are appended to (created with mode 0600; O_APPEND
// keeps copy-and-truncate rotation safe). Audit lines are written whatever
// --log-level says: the level quiets the operational log, not the trail of
// changes.
func openAuditLog(dest, format string, stdout, stderr io.Writer) (*slog.Logger, func() error, error) {
	noop := func() error { return nil }
	switch dest {
	case "":
		l, err := newLogger(stderr, format, "info")
		if err != nil {
			return nil, nil, err
		}
		return l.With("log", "audit"), noop, nil
	case "-":
		return slog.New(slog.NewJSONHandler(stdout, nil)), noop, nil
	}
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("--audit-log: %w", err)
	}
	return slog.New(slog.NewJSONHandler(f, nil)), f.Close, nil
}

// loadOrCreateCredentials reads the credentials file, or creates it with one
// fresh key pair for a fresh project when it does not exist yet. There is
// never a fixed default secret.
func loadOrCreateCredentials(path string) (creds []auth.Credential, created bool, err error) {
	creds, err = auth.LoadFile(path)
	if err == nil {
		return creds, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	project, err := auth.GenerateProjectID()
	if err != nil {
		return nil, false, err
	}
	cred, err := auth.GenerateCredential([]string{project})
	if err != nil {
		return nil, false, err
	}
	if err := auth.CreateFile(path, []auth.Credential{cred}); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// Another process created it first: use its keys.
			creds, err = auth.LoadFile(path)
			return creds, false, err
		}
		return nil, false, err
	}
	return []auth.Credential{cred}, true, nil
}

// printWelcome tells a first-time user, once, how to reach the server. The
// secret key is printed here and nowhere else; it is never logged.
func printWelcome(w io.Writer, path, endpoint string, c auth.Credential) {
	fmt.Fprintf(w, `Created %s with a new access key (keep it private; it is shown only now).

  Endpoint:   %s
  Project ID: %s

Point the Huawei Cloud SDK at the endpoint with this project ID and these keys:

  export CLOUD_SDK_AK=%s CLOUD_SDK_SK=%s

`, path, endpoint, c.Projects[0], c.AccessKey, c.SecretKey)
}

// endpointURL is the URL clients use to reach a listener, https:// when it
// serves TLS. An unspecified address (0.0.0.0 or ::) is shown as loopback,
// which always reaches it.
func endpointURL(addr net.Addr, tls bool) string {
	scheme := "http://"
	if tls {
		scheme = "https://"
	}
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return scheme + addr.String()
	}
	ip := tcp.IP
	if ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return scheme + net.JoinHostPort(ip.String(), fmt.Sprint(tcp.Port))
}

// isLoopback reports whether addr is a loopback address, reachable only
// from this host. An unspecified address (0.0.0.0, ::) listens on every
// interface, so it is not.
func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// checkServerLimits refuses connection and rate limits that would turn a
// protection off by accident or make the server unusable. A rate of 0 is
// the documented way to turn a rate limit off.
func checkServerLimits(cfg serveConfig) error {
	for _, d := range []struct {
		flag  string
		value time.Duration
	}{
		{"read-header-timeout", cfg.readHeaderTimeout},
		{"read-timeout", cfg.readTimeout},
		{"write-timeout", cfg.writeTimeout},
		{"idle-timeout", cfg.idleTimeout},
	} {
		if d.value <= 0 {
			return fmt.Errorf("--%s must be positive, got %v", d.flag, d.value)
		}
	}
	if cfg.maxHeaderBytes < 1024 {
		return fmt.Errorf("--max-header-bytes must be at least 1024, got %d", cfg.maxHeaderBytes)
	}
	for _, l := range []struct {
		rate, burst string
		limit       server.RateLimit
	}{
		{"rate-limit", "rate-burst", cfg.keyRate},
		{"auth-failure-rate", "auth-failure-burst", cfg.authFailure},
	} {
		if l.limit.Rate < 0 || math.IsNaN(l.limit.Rate) || math.IsInf(l.limit.Rate, 0) {
			return fmt.Errorf("--%s must be a number of events per second, 0 or more, got %v", l.rate, l.limit.Rate)
		}
		if l.limit.Rate > 0 && l.limit.Burst < 1 {
			return fmt.Errorf("--%s must be at least 1 while --%s is on, got %d", l.burst, l.rate, l.limit.Burst)
		}
	}
	return nil
}

// loadTLS returns the TLS configuration of --tls-cert and --tls-key, nil
// when both are empty. The pair is loaded at start, so that a wrong path or
// a key that does not match its certificate stops the start with a clear
// error instead of failing every handshake.
func loadTLS(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	if certFile == "" || keyFile == "" {
		return nil, errors.New("--tls-cert and --tls-key go together: set both to serve HTTPS, or neither")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert %s, --tls-key %s: %w", certFile, keyFile, err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// reloadCredentialsOn reloads the credentials file into keys at every signal
// on sig, so keys can be added, rotated and revoked without a restart. A file
// that does not load keeps the current keys.
func reloadCredentialsOn(ctx context.Context, sig <-chan os.Signal, path string, keys *auth.Keyring, logger *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-sig:
			creds, err := auth.LoadFile(path)
			if err != nil {
				logger.Error("credentials not reloaded; keeping the current keys", "file", path, "err", err)
				continue
			}
			keys.Replace(creds)
			logger.Info("credentials reloaded", "file", path, "access_keys", len(creds))
		}
	}
}
