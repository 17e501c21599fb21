package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trafficmirror/trafficmirror/internal/api"
)

// Names of the workloads, as in the list and the --workloads flag.
const (
	wlShow      = "show"
	wlFirstPage = "first-page"
	wlByName    = "by-name"
	wlEnabled   = "enabled"
	wlFilterIDs = "filter-ids"
	wlPriority  = "priorities"
	wlWalk      = "walk"
	wlCreate    = "create"
	wlMixed     = "mixed"
)

// allWorkloads is the order the workloads run in: the walk first (it also
// warms the caches the way a client syncing its inventory would), the reads,
// then the writes, so that the creates do not change what the reads see.
var allWorkloads = []string{wlWalk, wlShow, wlFirstPage, wlByName, wlEnabled, wlFilterIDs, wlPriority, wlMixed, wlCreate}

// poolSize is the number of distinct requests a read workload draws from:
// enough that the server cannot answer from a handful of hot pages.
const poolSize = 20000

// readWorkloads returns the replayable read workloads at n sessions, each
// drawing uniformly from a pool of requests made up front, so that the
// client's work per request is the same for the target and the replay.
func readWorkloads(e *endpoint, d *dataset, n uint64, seed uint64) map[string]workload {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	seeded := seededIndexes(d, n)
	nf := min(filtersFor(n), uint64(len(d.filterIDs)))
	pick := func() uint64 { return seeded[r.IntN(len(seeded))] }
	pool := func(size int, f func() request) []request {
		out := make([]request, size)
		for i := range out {
			out[i] = f()
		}
		return out
	}
	fromPool := func(name string, reqs []request) workload {
		return workload{name: name, next: func(r *rand.Rand) request { return reqs[r.IntN(len(reqs))] }}
	}
	sessions := e.sessionsPath()
	get := func(path, query string) request {
		return request{op: "get", method: http.MethodGet, path: path, query: query}
	}
	size := min(poolSize, len(seeded))

	w := map[string]workload{}
	w[wlShow] = fromPool(wlShow, pool(size, func() request { return get(sessions+"/"+d.sessionIDs[pick()], "") }))
	w[wlFirstPage] = fromPool(wlFirstPage, []request{get(sessions, "limit=100")})
	w[wlEnabled] = fromPool(wlEnabled, []request{get(sessions, "enabled=true&limit=100")})
	w[wlByName] = fromPool(wlByName, pool(size, func() request {
		for {
			if s := d.gen.session(pick()); s.uniqueName() {
				return get(sessions, "name="+url.QueryEscape(s.Name))
			}
		}
	}))
	w[wlFilterIDs] = fromPool(wlFilterIDs, pool(min(size, int(nf)*10), func() request {
		var q []string
		for _, j := range r.Perm(int(nf))[:min(3, int(nf))] {
			q = append(q, "traffic_mirror_filter_id="+url.QueryEscape(d.filterIDs[j]))
		}
		return get(sessions, strings.Join(q, "&"))
	}))
	w[wlPriority] = fromPool(wlPriority, pool(size, func() request {
		var q []string
		for range 5 {
			q = append(q, "priority="+strconv.Itoa(d.gen.session(pick()).Priority))
		}
		return get(sessions, strings.Join(q, "&"))
	}))
	return w
}

// seededIndexes returns the indexes below n that exist.
func seededIndexes(d *dataset, n uint64) []uint64 {
	var out []uint64
	for i := uint64(0); i < n && i < uint64(len(d.sessionIDs)); i++ {
		if d.sessionIDs[i] != "" {
			out = append(out, i)
		}
	}
	return out
}

// mixedWorkload returns updates mixed with reads: one update for four
// shows. An update writes a session's own generated values again (enabled,
// packet length, VNI), so the data the other workloads read stays the same
// while the server does all the work of an update.
func mixedWorkload(e *endpoint, d *dataset, n uint64, seed uint64) workload {
	r := rand.New(rand.NewPCG(seed, 0x111))
	seeded := seededIndexes(d, n)
	size := min(poolSize, len(seeded))
	sessions := e.sessionsPath()
	shows := make([]request, size)
	updates := make([]request, size)
	for k := range size {
		i := seeded[r.IntN(len(seeded))]
		shows[k] = request{op: "show", method: http.MethodGet, path: sessions + "/" + d.sessionIDs[i]}
		i = seeded[r.IntN(len(seeded))]
		s := d.gen.session(i)
		body, _ := json.Marshal(api.SessionRequest{Session: api.SessionFields{
			VirtualNetworkID: api.IntOf(s.VirtualNetworkID),
			PacketLength:     api.IntOf(s.PacketLength),
			Enabled:          api.BoolOf(s.Enabled),
		}})
		updates[k] = request{op: "update", method: http.MethodPut, path: sessions + "/" + d.sessionIDs[i], body: body}
	}
	return workload{name: wlMixed, next: func(r *rand.Rand) request {
		if r.IntN(5) == 0 {
			return updates[r.IntN(len(updates))]
		}
		return shows[r.IntN(len(shows))]
	}}
}

// createWorkload returns the creates of new sessions, with indexes from a
// base of its own per run, and the list of the IDs it created.
func createWorkload(e *endpoint, d *dataset, n uint64) (workload, *createdIDs) {
	base := createIndexBase + uint64(time.Now().UnixNano()/1000%(1<<30))<<8
	nf := min(filtersFor(n), uint64(len(d.filterIDs)))
	var next atomic.Uint64
	ids := &createdIDs{}
	sessions := e.sessionsPath()
	return workload{
		name: wlCreate,
		next: func(r *rand.Rand) request {
			s := d.gen.session(base + next.Add(1))
			body, _ := json.Marshal(api.SessionRequest{Session: s.fields(d.filterIDs[r.Uint64N(nf)])})
			return request{op: "create", method: http.MethodPost, path: sessions, body: body}
		},
		after: func(_ request, rep reply) { ids.add(firstID(rep.body)) },
	}, ids
}

// createdIDs collects the IDs of the sessions the creates workload made.
type createdIDs struct {
	mu  sync.Mutex
	ids []string
}

func (c *createdIDs) add(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids = append(c.ids, id)
}

// deleteAll deletes the given sessions with concurrency workers and
// measures the deletes.
func deleteAll(ctx context.Context, e *endpoint, ids []string, concurrency int) Result {
	var (
		mu    sync.Mutex
		stats = &opStats{}
	)
	sessions := e.sessionsPath()
	start := time.Now()
	parallel(ctx, concurrency, uint64(len(ids)), func(k uint64, buf *bytes.Buffer) {
		t0 := time.Now()
		rep, err := e.do(ctx, request{method: http.MethodDelete, path: sessions + "/" + ids[k]}, buf)
		lat := time.Since(t0)
		if err == nil {
			err = rep.apiError()
		}
		mu.Lock()
		defer mu.Unlock()
		stats.latencies = append(stats.latencies, lat)
		if err != nil {
			stats.errors++
			if stats.firstError == "" {
				stats.firstError = err.Error()
			}
		}
	})
	return stats.result("delete", concurrency, time.Since(start))
}

// WalkResult is the measurement of one walk of the whole collection.
type WalkResult struct {
	Sessions  int     `json:"sessions"`
	Pages     int     `json:"pages"`
	Seconds   float64 `json:"seconds"`
	PageP50ms float64 `json:"page_p50_ms"`
	PageP99ms float64 `json:"page_p99_ms"`
	BytesPage float64 `json:"bytes_per_page"`
	Errors    int     `json:"errors"`
	FirstErr  string  `json:"first_error,omitempty"`
	// BaselineSeconds is the same number of pages, replayed from the
	// static server in the same order (cycling over the captured pages
	// when not all fit the capture budget).
	BaselineSeconds float64 `json:"baseline_seconds,omitempty"`
	// Ratio is BaselineSeconds / Seconds: the walk's throughput relative
	// to the baseline's.
	Ratio float64 `json:"ratio_to_baseline,omitempty"`
	// ServerCPUs is the server's CPU time during the walk.
	ServerCPUs float64 `json:"server_cpu_seconds,omitempty"`
}

// walk lists the whole collection with limit=2000, one page after the
// other, as a client syncing its inventory does, and keeps the pages that
// fit cap for the replay.
func walk(ctx context.Context, e *endpoint, captured *capture, serverPID int) WalkResult {
	var (
		res    WalkResult
		lats   []time.Duration
		buf    bytes.Buffer
		bytesN int64
	)
	cpu0 := processCPU(serverPID)
	start := time.Now()
	for marker := ""; ctx.Err() == nil; {
		req := request{op: "get", method: http.MethodGet, path: e.sessionsPath(), query: listQuery(marker)}
		t0 := time.Now()
		rep, err := e.do(ctx, req, &buf)
		lats = append(lats, time.Since(t0))
		if err == nil {
			err = rep.apiError()
		}
		if err != nil {
			res.Errors++
			res.FirstErr = err.Error()
			break
		}
		captured.add(req, rep)
		count, next := pageInfo(rep.body)
		res.Pages++
		res.Sessions += count
		bytesN += int64(len(rep.body))
		if next == "" {
			break
		}
		marker = next
	}
	res.Seconds = time.Since(start).Seconds()
	if serverPID > 0 {
		res.ServerCPUs = (processCPU(serverPID) - cpu0).Seconds()
	}
	slices.Sort(lats)
	res.PageP50ms, res.PageP99ms = ms(percentile(lats, 50)), ms(percentile(lats, 99))
	if res.Pages > 0 {
		res.BytesPage = float64(bytesN) / float64(res.Pages)
	}
	return res
}

// replayWalk asks the baseline for pages pages in the walk's order,
// cycling over the captured ones, and returns the time it took.
func replayWalk(ctx context.Context, e *endpoint, c *capture, pages int) time.Duration {
	var buf bytes.Buffer
	start := time.Now()
	for p := 0; p < pages && ctx.Err() == nil && len(c.keys) > 0; p++ {
		path, query, _ := strings.Cut(c.keys[p%len(c.keys)], "?")
		e.do(ctx, request{method: http.MethodGet, path: path, query: query}, &buf)
	}
	return time.Since(start)
}
