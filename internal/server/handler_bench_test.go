package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trafficmirror/trafficmirror/internal/auth"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
	"github.com/trafficmirror/trafficmirror/internal/server"
	"github.com/trafficmirror/trafficmirror/internal/sqlstore"
)

// benchSessionsEnv sets the number of sessions of BenchmarkHandler (default
// 10000), for example TRAFFICMIRROR_BENCH_SESSIONS=100000.
const benchSessionsEnv = "TRAFFICMIRROR_BENCH_SESSIONS"

func benchSessions(b *testing.B) int {
	n := 10000
	if s := os.Getenv(benchSessionsEnv); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 100 {
			b.Fatalf("%s=%q: want a number of at least 100", benchSessionsEnv, s)
		}
		n = v
	}
	return n
}

// benchUUID returns a random UUIDv4 with the given variant nibble (8 for
// sources and IDs, a for targets, so that no source is a target).
func benchUUID(r *rand.Rand, variant byte) string {
	hi, lo := r.Uint64(), r.Uint64()
	hi = hi&^0xf000 | 0x4000
	lo = lo&^(0xf<<60) | uint64(variant)<<60
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, hi>>16&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
}

// benchStore is a store on a SQLite file holding n sessions of one project
// in the load tool's spread: one filter per 100 sessions, one or two sources
// of their own, 2000 shared targets, 5% of the names repeated, 30% enabled.
type benchStore struct {
	store     *sqlstore.Store
	ids       []string
	names     []string // unique names
	filterIDs []string
	prios     []int
}

func newBenchStore(b *testing.B, n int) *benchStore {
	b.Helper()
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), sqlstore.Options{Limits: mirror.Limits{
		SourcesPerSession: 10, SessionsPerSource: 3, RulesPerFilterDirection: 10}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	r := rand.New(rand.NewPCG(1, 2))
	bs := &benchStore{store: store}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	targets := make([]string, 2000)
	for i := range targets {
		targets[i] = benchUUID(r, 0xa)
	}
	nf := (n + 99) / 100
	var items []sqlstore.SnapshotItem
	for j := range nf {
		f := &mirror.Filter{ID: benchUUID(r, 8), ProjectID: project, Name: fmt.Sprintf("filter-%d", j),
			Type: mirror.FilterTypeENI, CreatedAt: t0, UpdatedAt: t0}
		bs.filterIDs = append(bs.filterIDs, f.ID)
		items = append(items, sqlstore.SnapshotItem{Filter: f})
	}
	for i := range n {
		s := &mirror.Session{
			ID: benchUUID(r, 8), ProjectID: project, Description: fmt.Sprintf("tm-bench #%d", i),
			FilterID: bs.filterIDs[i/100], TargetID: targets[r.IntN(len(targets))], TargetType: mirror.TargetTypeENI,
			VirtualNetworkID: 1, PacketLength: 96, Priority: 1 + r.IntN(mirror.MaxSessionPriority),
			Enabled: r.IntN(10) < 3, Type: mirror.SourceTypeENI,
			CreatedAt: t0.Add(time.Duration(i) * time.Millisecond), UpdatedAt: t0.Add(time.Duration(i) * time.Millisecond),
		}
		for range 1 + r.IntN(2) {
			s.Sources = append(s.Sources, benchUUID(r, 8))
		}
		if r.IntN(20) == 0 {
			s.Name = "default"
		} else {
			s.Name = fmt.Sprintf("web-mirror-%d", i)
			bs.names = append(bs.names, s.Name)
		}
		bs.ids = append(bs.ids, s.ID)
		bs.prios = append(bs.prios, s.Priority)
		items = append(items, sqlstore.SnapshotItem{Session: s})
	}
	k := 0
	_, err = store.Import(ctx, func() (sqlstore.SnapshotItem, bool, error) {
		if k == len(items) {
			return sqlstore.SnapshotItem{}, false, nil
		}
		k++
		return items[k-1], true, nil
	}, sqlstore.ImportOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return bs
}

// discardWriter is the cheapest http.ResponseWriter: the benchmark measures
// the handler, not a connection.
type discardWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
	keep   bool // keep the body, to capture it
}

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *discardWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.keep {
		w.body.Write(b)
	}
	return len(b), nil
}

func (w *discardWriter) reset() {
	clear(w.header)
	w.status = 0
	w.body.Reset()
}

// BenchmarkHandler measures the whole server in one process, without the
// network: routing, request ID, signature verification, query parsing, the
// store on SQLite, encoding, metrics and the access log, for the read
// workloads of the load tool, among TRAFFICMIRROR_BENCH_SESSIONS sessions
// (default 10000). Each reports its time relative to the "Store"
// sub-benchmark run just before it, the store call alone with the same
// arguments (x-store: what the HTTP layer adds), and the time per session in
// the response. The load tool (cmd/trafficmirror-bench) gives the ratios to
// a static server over real connections; this benchmark is where to profile:
//
//	go test ./internal/server -run '^$' -bench 'Handler/FirstPage$' -cpuprofile cpu.out
func BenchmarkHandler(b *testing.B) {
	bs := newBenchStore(b, benchSessions(b))
	cred := auth.Credential{AccessKey: ak, SecretKey: sk, Projects: []string{project}}
	// The server logs an access line per request at the info level, as
	// "serve" does by default; the text is formatted and discarded.
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := server.New(server.Config{
		Store:  bs.store,
		Auth:   &auth.Verifier{Keys: auth.NewKeyring([]auth.Credential{cred})},
		Logger: logger,
	})
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	base := "/v3/" + project + "/vpc/traffic-mirror-sessions"
	// call is one request of a workload, and the store call it makes.
	type call struct {
		req   *http.Request
		store func() error
	}
	signed := func(path, query string) *http.Request {
		target := path
		if query != "" {
			target += "?" + query
		}
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:9696"+target, nil)
		req.Header.Set("X-Project-Id", project)
		if err := auth.Sign(req, nil, ak, sk, time.Now()); err != nil {
			b.Fatal(err)
		}
		return req
	}
	list := func(query string, q mirror.SessionQuery) call {
		return call{signed(base, query), func() error {
			_, err := bs.store.ListSessions(ctx, project, q)
			return err
		}}
	}
	const pool = 1000
	many := func(f func() call) []call {
		out := make([]call, pool)
		for i := range out {
			out[i] = f()
		}
		return out
	}
	for _, wl := range []struct {
		name  string
		calls []call
	}{
		{"Show", many(func() call {
			id := bs.ids[r.IntN(len(bs.ids))]
			return call{signed(base+"/"+id, ""), func() error {
				_, err := bs.store.GetSession(ctx, project, id)
				return err
			}}
		})},
		{"FirstPage", []call{list("limit=100", mirror.SessionQuery{ListParams: mirror.ListParams{Limit: 100}})}},
		{"ByName", many(func() call {
			name := bs.names[r.IntN(len(bs.names))]
			return list("name="+url.QueryEscape(name), mirror.SessionQuery{Names: []string{name}})
		})},
		{"Enabled", []call{list("enabled=true&limit=100", mirror.SessionQuery{Enabled: &[]bool{true}[0], ListParams: mirror.ListParams{Limit: 100}})}},
		{"FilterIDs", many(func() call {
			var q []string
			var ids []string
			for _, j := range r.Perm(len(bs.filterIDs))[:min(3, len(bs.filterIDs))] {
				q = append(q, "traffic_mirror_filter_id="+bs.filterIDs[j])
				ids = append(ids, bs.filterIDs[j])
			}
			return list(strings.Join(q, "&"), mirror.SessionQuery{FilterIDs: ids})
		})},
		{"Priorities", many(func() call {
			var q []string
			var prios []int64
			for range 5 {
				p := bs.prios[r.IntN(len(bs.prios))]
				q = append(q, "priority="+strconv.Itoa(p))
				prios = append(prios, int64(p))
			}
			return list(strings.Join(q, "&"), mirror.SessionQuery{Priorities: prios})
		})},
		{"WalkPage", many(func() call {
			marker := bs.ids[r.IntN(len(bs.ids))]
			return list("limit=2000&marker="+marker, mirror.SessionQuery{ListParams: mirror.ListParams{Limit: 2000, Marker: marker}})
		})},
	} {
		var storeNs float64
		b.Run(wl.name+"/Store", func(b *testing.B) {
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				if err := wl.calls[i%len(wl.calls)].store(); err != nil {
					b.Fatal(err)
				}
				i++
			}
			storeNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
		b.Run(wl.name, func(b *testing.B) {
			// One response of each request first: they must succeed, and
			// they tell how many sessions a response holds.
			items := 0
			for _, c := range wl.calls[:min(len(wl.calls), 50)] {
				w := &discardWriter{header: http.Header{}, keep: true}
				h.ServeHTTP(w, c.req)
				if w.status != http.StatusOK {
					b.Fatalf("%s = %d %s", c.req.URL, w.status, w.body.String())
				}
				items += bytes.Count(w.body.Bytes(), []byte(`"traffic_mirror_filter_id":`))
			}
			perResponse := float64(items) / float64(min(len(wl.calls), 50))
			w := &discardWriter{header: http.Header{}}
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, wl.calls[i%len(wl.calls)].req)
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
				i++
			}
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			if storeNs > 0 {
				b.ReportMetric(ns/storeNs, "x-store")
			}
			if perResponse > 0 {
				b.ReportMetric(ns/perResponse, "ns/session")
			}
		})
	}
}
