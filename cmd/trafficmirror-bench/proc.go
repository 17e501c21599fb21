package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the size of a PostgreSQL database

	"github.com/trafficmirror/trafficmirror/internal/sqlstore"
)

// serverProcess is a "trafficmirror serve" the tool started.
type serverProcess struct {
	cmd      *exec.Cmd
	endpoint string
	log      *tailBuffer
	done     chan struct{}
	waitErr  error
}

// spawnConfig is what the subprocess is started with.
type spawnConfig struct {
	bin         string   // the trafficmirror binary; "" builds it
	db          string   // --db
	credentials string   // --credentials
	extra       []string // more serve flags, last so that they win
	logFile     string   // where the server's output goes besides the tail; "" nowhere
}

// buildServer builds the trafficmirror command of this module into dir.
func buildServer(ctx context.Context, dir string, stderr io.Writer) (string, error) {
	bin := filepath.Join(dir, "trafficmirror")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/trafficmirror/trafficmirror/cmd/trafficmirror")
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build trafficmirror (pass --server-bin to use a built one): %w", err)
	}
	return bin, nil
}

// serveFlags returns the flags the server is started with: unlimited quotas
// (a million sessions is far beyond the default 10000) and, when the binary
// has the flag, no per-key rate limit, which would otherwise be what is
// measured. The extra flags come last and override these.
func serveFlags(ctx context.Context, bin string, cfg spawnConfig, listen string) []string {
	args := []string{"serve", "--listen", listen, "--db", cfg.db, "--credentials", cfg.credentials,
		"--max-sessions-per-project", "0", "--max-filters-per-project", "0"}
	help, _ := exec.CommandContext(ctx, bin, "serve", "--help").CombinedOutput()
	if bytes.Contains(help, []byte("-rate-limit")) {
		args = append(args, "--rate-limit", "0")
	}
	return append(args, cfg.extra...)
}

// freePort returns a loopback address that was free a moment ago.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// spawnServer starts the server and waits until /healthz answers.
func spawnServer(ctx context.Context, cfg spawnConfig, stderr io.Writer) (*serverProcess, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	args := serveFlags(ctx, cfg.bin, cfg, addr)
	p := &serverProcess{endpoint: "http://" + addr, log: newTailBuffer(64 << 10), done: make(chan struct{})}
	var out io.Writer = p.log
	if cfg.logFile != "" {
		f, err := os.Create(cfg.logFile)
		if err != nil {
			return nil, fmt.Errorf("--server-log: %w", err)
		}
		out = io.MultiWriter(p.log, f)
		go func() { <-p.done; f.Close() }()
	}
	// Not CommandContext: the server is stopped with SIGTERM, so that it
	// checkpoints and closes the database cleanly.
	p.cmd = exec.Command(cfg.bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = out, out
	fmt.Fprintf(stderr, "starting %s %s\n", cfg.bin, strings.Join(redactArgs(args), " "))
	if err := p.cmd.Start(); err != nil {
		close(p.done)
		return nil, fmt.Errorf("start server: %w", err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case <-p.done:
			return nil, fmt.Errorf("server exited: %v\n%s", p.waitErr, p.log.String())
		default:
		}
		resp, err := http.Get(p.endpoint + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("server did not become healthy at %s: %v\n%s", p.endpoint, err, p.log.String())
		}
		select {
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// redactArgs hides the password of a PostgreSQL URL in the printed command.
func redactArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = sqlstore.Redact(a)
	}
	return out
}

// pid returns the server's process ID.
func (p *serverProcess) pid() int { return p.cmd.Process.Pid }

// stop asks the server to shut down and waits for it.
func (p *serverProcess) stop() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
	var exit *exec.ExitError
	if errors.As(p.waitErr, &exit) {
		return fmt.Errorf("server: %v\n%s", p.waitErr, p.log.String())
	}
	return nil
}

// tailBuffer keeps the last bytes written to it: the server's log, shown
// when it fails, without keeping a million access log lines.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func newTailBuffer(max int) *tailBuffer { return &tailBuffer{max: max} }

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// Memory is the resident set of the server process.
type Memory struct {
	PeakRSSBytes int64 `json:"peak_rss_bytes"` // VmHWM
	RSSBytes     int64 `json:"rss_bytes"`      // VmRSS
}

// processMemory reads VmHWM and VmRSS of a process.
func processMemory(pid int) (Memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, err
	}
	defer f.Close()
	var m Memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) != 2 || fields[1] != "kB" {
			continue
		}
		kb, _ := strconv.ParseInt(fields[0], 10, 64)
		switch name {
		case "VmHWM":
			m.PeakRSSBytes = kb << 10
		case "VmRSS":
			m.RSSBytes = kb << 10
		}
	}
	return m, sc.Err()
}

// resetPeakRSS makes VmHWM start again from the current RSS (Linux 4.0+),
// so that the peak of the measurements is told apart from the peak of the
// seeding.
func resetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// clockTicks is USER_HZ, the unit of the CPU times in /proc/PID/stat: 100
// on every Linux architecture Go supports.
const clockTicks = 100

// processCPU returns the user plus system CPU time a process has used, 0
// when pid is 0 or unreadable.
func processCPU(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	fields := strings.Fields(string(b[i+1:]))
	// fields[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(fields) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks
}

// selfCPU returns the CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// DBSize is the size of the database on disk.
type DBSize struct {
	// Bytes is the whole: for SQLite the database file plus its WAL, for
	// PostgreSQL the tables of the schema with their indexes and TOAST.
	Bytes int64 `json:"bytes"`
	// WALBytes is SQLite's write-ahead log, part of Bytes.
	WALBytes int64  `json:"wal_bytes,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

// isPostgres reports whether dsn is a PostgreSQL URL, as sqlstore.Open
// decides.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// databaseSize measures the database named by dsn.
func databaseSize(ctx context.Context, dsn string) (DBSize, error) {
	if isPostgres(dsn) {
		return postgresSize(ctx, dsn)
	}
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
	var s DBSize
	fi, err := os.Stat(path)
	if err != nil {
		return DBSize{}, err
	}
	s.Bytes = fi.Size()
	if wal, err := os.Stat(path + "-wal"); err == nil {
		s.WALBytes = wal.Size()
		s.Bytes += wal.Size()
	}
	s.Detail = fmt.Sprintf("file %d B + WAL %d B", fi.Size(), s.WALBytes)
	return s, nil
}

// postgresSize sums pg_total_relation_size over the tables of the schema
// the DSN's search_path selects.
func postgresSize(ctx context.Context, dsn string) (DBSize, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return DBSize{}, err
	}
	defer db.Close()
	var size int64
	var detail strings.Builder
	rows, err := db.QueryContext(ctx, `SELECT c.relname, pg_total_relation_size(c.oid)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY 2 DESC`)
	if err != nil {
		return DBSize{}, fmt.Errorf("size of %s: %w", sqlstore.Redact(dsn), err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return DBSize{}, err
		}
		size += n
		if n > 0 {
			fmt.Fprintf(&detail, "%s %d B; ", name, n)
		}
	}
	if err := rows.Err(); err != nil {
		return DBSize{}, err
	}
	return DBSize{Bytes: size, Detail: strings.TrimSuffix(detail.String(), "; ")}, nil
}
