package main

// TestCrashSafety runs the real trafficmirror binary as a subprocess and
// kills it with SIGKILL in the middle of concurrent writes, several rounds on
// one database. After every kill it checks the database files as the crash
// left them, and after every restart it checks, through the API, that the
// state is exactly what the acknowledged answers say:
//
//   - every acknowledged create, update, source change and delete is there
//     with exactly the content of its answer (timestamps included), unless a
//     later acknowledged write of the same writer changed it;
//   - a write whose answer the kill swallowed left either the state before
//     it or the state it asked for, nothing in between (a session's sources
//     are one list or the other, a filter's rules are gone with it or all
//     there, a lost create is there completely or not at all);
//   - nothing appears that no write created;
//   - the business rules of ../shared/spec/constraints.md hold over the whole
//     state.
//
// Each writer owns the resources it creates, so the order of its
// acknowledgements is the order of its commits and the expected state of
// every resource is known exactly; the writers still compete for the shared
// sources, targets and priorities, which is what the cross-session rules
// guard.
//
// The binary is built once with go build (about a second with a warm build
// cache) rather than by re-running the test binary as main: the test then
// runs exactly what users run, and does not depend on how this package's
// TestMain dispatches commands.

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/trafficmirror/trafficmirror/internal/api"
	"github.com/trafficmirror/trafficmirror/internal/auth"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
	"github.com/trafficmirror/trafficmirror/internal/pgtest"
)

const (
	crashRounds  = 5 // kills per database
	crashWriters = 4
	// crashSessionsPerSource is lower than the default so that the quota is
	// often reached.
	crashSessionsPerSource = 2
	crashTargets           = 4
)

// crashIDs are the interface IDs that sessions use as sources; the first
// crashTargets of them are also their targets. They are few, so that
// writers compete for them.
var crashIDs = func() []string {
	ids := make([]string, 16)
	for i := range ids {
		ids[i] = fmt.Sprintf("%08x-c0de-4000-8000-%012x", i+1, i+1)
	}
	return ids
}()

func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped under -short: it builds and kills the real binary")
	}
	bin := buildServeBinary(t)
	t.Run("SQLite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "trafficmirror.db")
		testCrashSafety(t, bin, path, func(t *testing.T) { checkCrashSQLite(t, path) })
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		dsn := pgtest.DSN(t)
		testCrashSafety(t, bin, dsn, func(t *testing.T) { checkCrashPostgres(t, dsn) })
	})
}

// buildServeBinary builds this command into a temporary directory.
func buildServeBinary(t *testing.T) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the crash test builds the binary and needs the go command: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "trafficmirror")
	out, err := exec.Command(goCmd, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// crashStats counts the writes of a run.
type crashStats struct {
	acked       int // answered with success
	refused     int // answered with a 4xx, or sent to no server: nothing changed
	lost        int // in flight when the server was killed
	lostApplied int // lost, but found applied after the restart
}

func (s *crashStats) add(o crashStats) {
	s.acked += o.acked
	s.refused += o.refused
	s.lost += o.lost
}

func testCrashSafety(t *testing.T, bin, db string, checkDB func(t *testing.T)) {
	project, err := auth.GenerateProjectID()
	if err != nil {
		t.Fatal(err)
	}
	cred, err := auth.GenerateCredential([]string{project})
	if err != nil {
		t.Fatal(err)
	}
	creds := filepath.Join(t.TempDir(), "credentials.json")
	if err := auth.CreateFile(creds, []auth.Credential{cred}); err != nil {
		t.Fatal(err)
	}
	seed := rand.Uint64()
	t.Logf("random seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	ledgers := make([]*crashLedger, crashWriters)
	for i := range ledgers {
		ledgers[i] = newCrashLedger()
	}
	var total crashStats
	began := time.Now()
	for round := 1; round <= crashRounds+1; round++ {
		srv := startCrashServer(t, bin, db, creds)
		c := &crashClient{endpoint: srv.endpoint, project: project, cred: cred, hc: &http.Client{}}
		res := verifyCrashState(t, c, ledgers)
		if t.Failed() {
			t.Fatalf("round %d: the state after the restart is wrong; the server log ends:\n%s", round, lastLines(srv.logs.String(), 30))
		}
		if round > 1 {
			t.Logf("after restart %d: of the writes in flight, %d had been applied, %d had not; %d sessions, %d filters, %d rules stored",
				round-1, res.applied, res.notApplied, res.sessions, res.filters, res.rules)
			total.lostApplied += res.applied
		}
		if round > crashRounds {
			srv.kill()
			break
		}

		var stop atomic.Bool
		var writers sync.WaitGroup
		for i, led := range ledgers {
			w := &crashWriter{t: t, id: i, c: c, led: led, rng: rand.New(rand.NewPCG(rng.Uint64(), uint64(i)))}
			writers.Go(func() {
				for !stop.Load() && !w.step() {
				}
			})
		}
		// A random moment, long enough for the writers to build up state.
		time.Sleep(time.Duration(300+rng.IntN(1200)) * time.Millisecond)
		var exitedEarly bool
		select {
		case <-srv.exited:
			exitedEarly = true
		default:
		}
		srv.kill()
		stop.Store(true)
		writers.Wait()
		if exitedEarly {
			t.Fatalf("round %d: the server exited by itself; its log ends:\n%s", round, lastLines(srv.logs.String(), 30))
		}

		var rs crashStats
		for _, led := range ledgers {
			rs.add(led.stats)
			led.stats = crashStats{}
		}
		total.add(rs)
		t.Logf("round %d: %d writes acknowledged, %d refused, %d in flight at the kill", round, rs.acked, rs.refused, rs.lost)
		checkDB(t)
	}
	checkDB(t)
	t.Logf("%d rounds: %d writes acknowledged, %d refused, %d in flight at the kills (%d of them applied), in %v",
		crashRounds, total.acked, total.refused, total.lost, total.lostApplied, time.Since(began).Round(time.Millisecond))
	if total.acked < crashRounds {
		t.Errorf("only %d writes were acknowledged in %d rounds; the test proves little", total.acked, crashRounds)
	}
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// crashServer is a trafficmirror serve process.
type crashServer struct {
	cmd      *exec.Cmd
	endpoint string
	logs     *lockedBuffer
	exited   chan struct{} // closed when the process has exited
}

// startCrashServer starts the binary on a free loopback port and waits until
// it is healthy.
func startCrashServer(t *testing.T, bin, db, creds string) *crashServer {
	t.Helper()
	s := &crashServer{logs: &lockedBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--db", db, "--credentials", creds,
		"--max-sessions-per-source", strconv.Itoa(crashSessionsPerSource))
	// The writers send far more than a client should; the rate limit would
	// refuse most of it. The variable is the flag's fallback.
	s.cmd.Env = append(os.Environ(), "TRAFFICMIRROR_RATE_LIMIT=0")
	pr, pw := io.Pipe()
	s.cmd.Stdout = s.logs
	s.cmd.Stderr = io.MultiWriter(s.logs, pw)
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		err := s.cmd.Wait()
		pw.CloseWithError(fmt.Errorf("server exited: %v", err))
		close(s.exited)
	}()
	t.Cleanup(s.kill)
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := endpointRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		io.Copy(io.Discard, pr) // keep the log flowing
	}()
	select {
	case s.endpoint = <-found:
	case <-s.exited:
		t.Fatalf("server exited before serving; log:\n%s", s.logs.String())
	}
	waitHealthy(t, s.endpoint)
	return s
}

// kill kills the process with SIGKILL (os.Kill) and waits until it is gone.
// Killing it twice is harmless.
func (s *crashServer) kill() {
	s.cmd.Process.Signal(os.Kill) // an error means it is gone already
	<-s.exited
}

// crashClient sends signed API requests to one server.
type crashClient struct {
	endpoint string
	project  string
	cred     auth.Credential
	hc       *http.Client
}

// do sends a request for path (below /v3/{project}/vpc/) and returns the
// status and body. An error means no complete answer arrived.
func (c *crashClient) do(method, path string, body any) (int, []byte, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return 0, nil, err
		}
	}
	req, err := http.NewRequest(method, c.endpoint+"/v3/"+c.project+"/vpc/"+path, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Project-Id", c.project)
	if err := auth.Sign(req, payload, c.cred.AccessKey, c.cred.SecretKey, time.Now()); err != nil {
		return 0, nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, b, nil
}

// crashRecord is what a writer knows of one of its resources.
type crashRecord[T any] struct {
	acked *T // the last acknowledged state; nil once deleted
	// pending is set when the server died with a write of the resource in
	// flight; next is the state that write asked for (nil for a delete).
	pending bool
	next    *T
	// cascadeOf names the filter whose lost delete would have taken this
	// rule along: the rule must be there exactly when the filter is.
	cascadeOf string
}

// crashLedger is one writer's knowledge of its resources. Filters are kept
// without their rules, which are kept as rules.
type crashLedger struct {
	sessions map[string]*crashRecord[api.Session]
	filters  map[string]*crashRecord[api.Filter]
	rules    map[string]*crashRecord[api.FilterRule]
	// lostCreate is the content of a create whose answer the kill
	// swallowed (*api.Session, *api.Filter or *api.FilterRule with no ID
	// and no times), or nil.
	lostCreate any
	stats      crashStats
}

func newCrashLedger() *crashLedger {
	return &crashLedger{
		sessions: make(map[string]*crashRecord[api.Session]),
		filters:  make(map[string]*crashRecord[api.Filter]),
		rules:    make(map[string]*crashRecord[api.FilterRule]),
	}
}

// live returns the IDs of the resources of recs that exist, sorted so that a
// seeded run picks the same ones.
func live[T any](recs map[string]*crashRecord[T]) []string {
	var ids []string
	for id, r := range recs {
		if r.acked != nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// withoutRules returns f as the ledger keeps it.
func withoutRules(f api.Filter) api.Filter {
	f.IngressRules, f.EgressRules = nil, nil
	return f
}

// crashWriter writes through one ledger.
type crashWriter struct {
	t   *testing.T
	id  int
	n   int
	c   *crashClient
	led *crashLedger
	rng *rand.Rand
}

// outcome is what the answer to a write says.
type outcome int

const (
	applied outcome = iota // success: the write happened as answered
	refused                // 400, 409 or 429, or no connection: nothing changed
	lost                   // no answer: unknown
)

// send sends one write and decodes a success answer into into.
func (w *crashWriter) send(method, path string, body any, want int, into any) outcome {
	status, b, err := w.c.do(method, path, body)
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		// Sent after the kill: it reached no server.
		return refused
	case err != nil:
		w.led.stats.lost++
		return lost
	case status == want:
		if into != nil {
			if err := json.Unmarshal(b, into); err != nil {
				w.t.Errorf("%s %s: answer %d %s: %v", method, path, status, b, err)
				w.led.stats.lost++
				return lost
			}
		}
		w.led.stats.acked++
		return applied
	case status == http.StatusBadRequest || status == http.StatusConflict || status == http.StatusTooManyRequests:
		w.led.stats.refused++
		return refused
	}
	// A 404 means the ledger is wrong about a resource only this writer
	// changes; a 5xx is a server bug. Either way the outcome is unknown.
	w.t.Errorf("%s %s: answer %d %s, want %d or a refusal", method, path, status, b, want)
	w.led.stats.lost++
	return lost
}

// step makes one random write and reports whether the writer must stop
// because its outcome is unknown.
func (w *crashWriter) step() bool {
	w.n++
	filters := live(w.led.filters)
	if len(filters) < 2 {
		return w.createFilter()
	}
	sessions, rules := live(w.led.sessions), live(w.led.rules)
	type op struct {
		weight int
		do     func() bool
	}
	ops := []op{{1, w.createFilter}, {1, w.updateFilter}, {1, w.deleteFilter}, {3, w.createRule}, {4, w.createSession}}
	if len(rules) > 0 {
		ops = append(ops, op{2, w.updateRule}, op{1, w.deleteRule})
	}
	if len(sessions) > 0 {
		ops = append(ops, op{3, w.updateSession}, op{3, w.addSource}, op{3, w.removeSource}, op{1, w.deleteSession})
	}
	sum := 0
	for _, o := range ops {
		sum += o.weight
	}
	n := w.rng.IntN(sum)
	for _, o := range ops {
		if n < o.weight {
			return o.do()
		}
		n -= o.weight
	}
	panic("unreachable")
}

func (w *crashWriter) pick(ids []string) string { return ids[w.rng.IntN(len(ids))] }

// anyCase returns id, sometimes in upper case: IDs compare
// case-insensitively and are stored as sent.
func (w *crashWriter) anyCase(id string) string {
	if w.rng.IntN(4) == 0 {
		return strings.ToUpper(id)
	}
	return id
}

func (w *crashWriter) name(prefix string) string { return fmt.Sprintf("%s-%d-%d", prefix, w.id, w.n) }

func (w *crashWriter) createFilter() bool {
	want := api.Filter{ProjectID: w.c.project, Name: w.name("f"), Description: w.name("filter"), Type: mirror.FilterTypeENI}
	var resp api.FilterResponse
	switch w.send("POST", "traffic-mirror-filters", api.FilterRequest{Filter: api.FilterFields{
		Name: api.StringOf(want.Name), Description: api.StringOf(want.Description),
	}}, http.StatusCreated, &resp) {
	case applied:
		got := withoutRules(resp.Filter)
		w.checkAnswer("created filter", want, got, ignoreIDAndTimes(api.Filter{}))
		w.led.filters[got.ID] = &crashRecord[api.Filter]{acked: &got}
	case lost:
		w.led.lostCreate = &want
		return true
	}
	return false
}

func (w *crashWriter) updateFilter() bool {
	id := w.pick(live(w.led.filters))
	rec := w.led.filters[id]
	next := *rec.acked
	next.Description = w.name("changed")
	var resp api.FilterResponse
	return finishUpdate(w, rec, next, w.send("PUT", "traffic-mirror-filters/"+id, api.FilterRequest{Filter: api.FilterFields{
		Description: api.StringOf(next.Description),
	}}, http.StatusOK, &resp), func() api.Filter { return withoutRules(resp.Filter) }, "UpdatedAt")
}

func (w *crashWriter) deleteFilter() bool {
	// Only filters no session uses: the refusal of the others is tested
	// elsewhere, and every attempt here should change something.
	var unused []string
	for _, id := range live(w.led.filters) {
		if !slices.ContainsFunc(live(w.led.sessions), func(sid string) bool { return w.led.sessions[sid].acked.FilterID == id }) {
			unused = append(unused, id)
		}
	}
	if len(unused) == 0 {
		return false
	}
	id := w.pick(unused)
	rec := w.led.filters[id]
	switch w.send("DELETE", "traffic-mirror-filters/"+id, nil, http.StatusNoContent, nil) {
	case applied:
		rec.acked = nil
		for _, r := range w.led.rules {
			if r.acked != nil && r.acked.FilterID == id {
				r.acked = nil
			}
		}
	case lost:
		rec.pending, rec.next = true, nil
		for _, r := range w.led.rules {
			if r.acked != nil && r.acked.FilterID == id {
				r.pending, r.next, r.cascadeOf = true, nil, id
			}
		}
		return true
	}
	return false
}

func (w *crashWriter) createRule() bool {
	want := api.FilterRule{
		ProjectID:            w.c.project,
		FilterID:             w.pick(live(w.led.filters)),
		Direction:            []string{mirror.DirectionIngress, mirror.DirectionEgress}[w.rng.IntN(2)],
		Protocol:             []string{"tcp", "UDP"}[w.rng.IntN(2)],
		Ethertype:            mirror.EthertypeIPv4,
		Action:               []string{mirror.ActionAccept, mirror.ActionReject}[w.rng.IntN(2)],
		Priority:             1 + w.rng.IntN(6),
		Description:          w.name("rule"),
		SourceCIDR:           []string{"", "10.0.0.0/8", "192.168.1.7"}[w.rng.IntN(3)],
		DestinationPortRange: []string{"", "80", "1000-2000"}[w.rng.IntN(3)],
	}
	var resp api.FilterRuleResponse
	switch w.send("POST", "traffic-mirror-filter-rules", api.FilterRuleRequest{Rule: api.FilterRuleFields{
		FilterID: api.StringOf(want.FilterID), Direction: api.StringOf(want.Direction), Protocol: api.StringOf(want.Protocol),
		Ethertype: api.StringOf(want.Ethertype), Action: api.StringOf(want.Action), Priority: api.IntOf(want.Priority),
		Description: api.StringOf(want.Description), SourceCIDR: api.StringOf(want.SourceCIDR),
		DestinationPortRange: api.StringOf(want.DestinationPortRange),
	}}, http.StatusCreated, &resp) {
	case applied:
		w.checkAnswer("created rule", want, resp.Rule, ignoreIDAndTimes(api.FilterRule{}))
		w.led.rules[resp.Rule.ID] = &crashRecord[api.FilterRule]{acked: &resp.Rule}
	case lost:
		w.led.lostCreate = &want
		return true
	}
	return false
}

func (w *crashWriter) updateRule() bool {
	id := w.pick(live(w.led.rules))
	rec := w.led.rules[id]
	next := *rec.acked
	next.Priority = 1 + w.rng.IntN(6)
	next.Description = w.name("changed")
	next.SourcePortRange = []string{"", "22", "1-1024"}[w.rng.IntN(3)]
	var resp api.FilterRuleResponse
	return finishUpdate(w, rec, next, w.send("PUT", "traffic-mirror-filter-rules/"+id, api.FilterRuleRequest{Rule: api.FilterRuleFields{
		Priority: api.IntOf(next.Priority), Description: api.StringOf(next.Description),
		SourcePortRange: api.StringOf(next.SourcePortRange),
	}}, http.StatusOK, &resp), func() api.FilterRule { return resp.Rule }, "UpdatedAt")
}

func (w *crashWriter) deleteRule() bool {
	id := w.pick(live(w.led.rules))
	return finishDelete(w.led.rules[id], w.send("DELETE", "traffic-mirror-filter-rules/"+id, nil, http.StatusNoContent, nil))
}

func (w *crashWriter) createSession() bool {
	var sources []string
	for _, i := range w.rng.Perm(len(crashIDs))[:1+w.rng.IntN(3)] {
		sources = append(sources, w.anyCase(crashIDs[i]))
	}
	want := api.Session{
		ProjectID:        w.c.project,
		Name:             w.name("s"),
		Description:      w.name("session"),
		FilterID:         w.pick(live(w.led.filters)),
		Sources:          sources,
		TargetID:         w.anyCase(w.pick(crashIDs[:crashTargets])),
		TargetType:       mirror.TargetTypeENI,
		VirtualNetworkID: w.rng.IntN(100),
		PacketLength:     1 + w.rng.IntN(mirror.MaxPacketLength),
		Priority:         1 + w.rng.IntN(6),
		Enabled:          w.rng.IntN(2) == 0,
		Type:             mirror.SourceTypeENI,
	}
	var resp api.SessionResponse
	switch w.send("POST", "traffic-mirror-sessions", api.SessionRequest{Session: api.SessionFields{
		Name: api.StringOf(want.Name), Description: api.StringOf(want.Description), FilterID: api.StringOf(want.FilterID),
		Sources: api.StringsOf(want.Sources), TargetID: api.StringOf(want.TargetID), TargetType: api.StringOf(want.TargetType),
		VirtualNetworkID: api.IntOf(want.VirtualNetworkID), PacketLength: api.IntOf(want.PacketLength),
		Priority: api.IntOf(want.Priority), Enabled: api.BoolOf(want.Enabled), Type: api.StringOf(want.Type),
	}}, http.StatusCreated, &resp) {
	case applied:
		w.checkAnswer("created session", want, resp.Session, ignoreIDAndTimes(api.Session{}))
		w.led.sessions[resp.Session.ID] = &crashRecord[api.Session]{acked: &resp.Session}
	case lost:
		w.led.lostCreate = &want
		return true
	}
	return false
}

func (w *crashWriter) updateSession() bool {
	id := w.pick(live(w.led.sessions))
	rec := w.led.sessions[id]
	next := *rec.acked
	var f api.SessionFields
	// A random subset of the updatable fields.
	for _, change := range w.rng.Perm(6)[:1+w.rng.IntN(3)] {
		switch change {
		case 0:
			next.Name = w.name("renamed")
			f.Name = api.StringOf(next.Name)
		case 1:
			next.Priority = 1 + w.rng.IntN(6)
			f.Priority = api.IntOf(next.Priority)
		case 2:
			next.TargetID = w.anyCase(w.pick(crashIDs[:crashTargets]))
			f.TargetID = api.StringOf(next.TargetID)
		case 3:
			next.Enabled = !next.Enabled
			f.Enabled = api.BoolOf(next.Enabled)
		case 4:
			next.PacketLength = 1 + w.rng.IntN(mirror.MaxPacketLength)
			f.PacketLength = api.IntOf(next.PacketLength)
		case 5:
			next.FilterID = w.pick(live(w.led.filters))
			f.FilterID = api.StringOf(next.FilterID)
		}
	}
	var resp api.SessionResponse
	return finishUpdate(w, rec, next, w.send("PUT", "traffic-mirror-sessions/"+id, api.SessionRequest{Session: f},
		http.StatusOK, &resp), func() api.Session { return resp.Session }, "UpdatedAt")
}

func (w *crashWriter) addSource() bool {
	id := w.pick(live(w.led.sessions))
	rec := w.led.sessions[id]
	var free []string
	for _, src := range crashIDs {
		if !slices.ContainsFunc(rec.acked.Sources, func(s string) bool { return strings.EqualFold(s, src) }) {
			free = append(free, src)
		}
	}
	if len(free) == 0 {
		return false
	}
	src := w.anyCase(w.pick(free))
	next := *rec.acked
	next.Sources = append(slices.Clone(next.Sources), src)
	var resp api.SessionResponse
	return finishUpdate(w, rec, next, w.send("PUT", "traffic-mirror-sessions/"+id+"/add-sources",
		api.SourcesRequest{Session: api.SourcesFields{Sources: api.StringsOf([]string{src})}}, http.StatusOK, &resp),
		func() api.Session { return resp.Session }, "UpdatedAt")
}

func (w *crashWriter) removeSource() bool {
	id := w.pick(live(w.led.sessions))
	rec := w.led.sessions[id]
	if len(rec.acked.Sources) == 0 {
		return false
	}
	src := w.pick(rec.acked.Sources)
	next := *rec.acked
	next.Sources = slices.DeleteFunc(slices.Clone(next.Sources), func(s string) bool { return s == src })
	var resp api.SessionResponse
	return finishUpdate(w, rec, next, w.send("PUT", "traffic-mirror-sessions/"+id+"/remove-sources",
		api.SourcesRequest{Session: api.SourcesFields{Sources: api.StringsOf([]string{w.anyCase(src)})}}, http.StatusOK, &resp),
		func() api.Session { return resp.Session }, "UpdatedAt")
}

func (w *crashWriter) deleteSession() bool {
	id := w.pick(live(w.led.sessions))
	return finishDelete(w.led.sessions[id], w.send("DELETE", "traffic-mirror-sessions/"+id, nil, http.StatusNoContent, nil))
}

// finishUpdate records the outcome of an update of rec that asks for next;
// answer returns the state a success answer holds. It reports whether the
// writer must stop.
func finishUpdate[T any](w *crashWriter, rec *crashRecord[T], next T, o outcome, answer func() T, ignore ...string) bool {
	switch o {
	case applied:
		got := answer()
		w.checkAnswer("updated", next, got, cmpopts.IgnoreFields(next, ignore...))
		rec.acked = &got
	case lost:
		rec.pending, rec.next = true, &next
		return true
	}
	return false
}

// finishDelete records the outcome of a delete of rec.
func finishDelete[T any](rec *crashRecord[T], o outcome) bool {
	switch o {
	case applied:
		rec.acked = nil
	case lost:
		rec.pending, rec.next = true, nil
		return true
	}
	return false
}

// checkAnswer checks that an answer holds what the write asked for, so that
// the states predicted for lost writes are those the server would store.
func (w *crashWriter) checkAnswer(what string, want, got any, opts ...cmp.Option) {
	if diff := cmp.Diff(want, got, append(opts, cmpopts.EquateEmpty())...); diff != "" {
		w.t.Errorf("writer %d: %s differs from the request (-want +got):\n%s", w.id, what, diff)
	}
}

func ignoreIDAndTimes[T any](zero T) cmp.Option {
	return cmpopts.IgnoreFields(zero, "ID", "CreatedAt", "UpdatedAt")
}

// crashState is everything the project holds, read through the API.
type crashState struct {
	sessions map[string]api.Session
	filters  map[string]api.Filter // with their rules
	rules    map[string]api.FilterRule
}

// readCrashState lists every session, filter and rule, page by page.
func readCrashState(t *testing.T, c *crashClient) crashState {
	t.Helper()
	st := crashState{
		sessions: make(map[string]api.Session),
		filters:  make(map[string]api.Filter),
		rules:    make(map[string]api.FilterRule),
	}
	listAll(t, c, "traffic-mirror-sessions", func(b []byte) (api.PageInfo, error) {
		var l api.SessionList
		err := json.Unmarshal(b, &l)
		for _, s := range l.Sessions {
			st.sessions[s.ID] = s
		}
		return l.PageInfo, err
	})
	listAll(t, c, "traffic-mirror-filters", func(b []byte) (api.PageInfo, error) {
		var l api.FilterList
		err := json.Unmarshal(b, &l)
		for _, f := range l.Filters {
			st.filters[f.ID] = f
		}
		return l.PageInfo, err
	})
	listAll(t, c, "traffic-mirror-filter-rules", func(b []byte) (api.PageInfo, error) {
		var l api.FilterRuleList
		err := json.Unmarshal(b, &l)
		for _, r := range l.Rules {
			st.rules[r.ID] = r
		}
		return l.PageInfo, err
	})
	return st
}

func listAll(t *testing.T, c *crashClient, path string, page func([]byte) (api.PageInfo, error)) {
	t.Helper()
	marker := ""
	for {
		q := url.Values{"limit": {strconv.Itoa(mirror.MaxPageSize)}}
		if marker != "" {
			q.Set("marker", marker)
		}
		status, b, err := c.do("GET", path+"?"+q.Encode(), nil)
		if err != nil || status != http.StatusOK {
			t.Fatalf("list %s: %d %s %v", path, status, b, err)
		}
		info, err := page(b)
		if err != nil {
			t.Fatalf("list %s: %v", path, err)
		}
		if info.NextMarker == "" {
			return
		}
		marker = info.NextMarker
	}
}

// crashResult sums up one verification.
type crashResult struct {
	applied, notApplied      int // lost writes found applied or not
	sessions, filters, rules int // resources stored
}

// verifyCrashState reads the state after a restart, checks it against the
// ledgers and the business rules, and makes it the ledgers' new truth.
func verifyCrashState(t *testing.T, c *crashClient, ledgers []*crashLedger) crashResult {
	t.Helper()
	st := readCrashState(t, c)
	res := crashResult{sessions: len(st.sessions), filters: len(st.filters), rules: len(st.rules)}
	filters := make(map[string]api.Filter, len(st.filters))
	for id, f := range st.filters {
		filters[id] = withoutRules(f)
	}
	claimed := make(map[string]bool)
	for i, led := range ledgers {
		// A rule whose filter's delete was lost is there exactly when its
		// filter is: the delete took all of them or none.
		for id, r := range led.rules {
			if r.cascadeOf != "" {
				_, rulePresent := st.rules[id]
				if _, filterPresent := st.filters[r.cascadeOf]; rulePresent != filterPresent {
					t.Errorf("writer %d: rule %s present %v but its filter %s, whose delete was lost, present %v",
						i, id, rulePresent, r.cascadeOf, filterPresent)
				}
			}
		}
		reconcile(t, fmt.Sprintf("writer %d: session", i), led.sessions, st.sessions, claimed, &res)
		reconcile(t, fmt.Sprintf("writer %d: filter", i), led.filters, filters, claimed, &res)
		reconcile(t, fmt.Sprintf("writer %d: rule", i), led.rules, st.rules, claimed, &res)
	}
	// What nobody acknowledged must be a lost create, complete.
	var lostCreates []string
	for _, led := range ledgers {
		adopted := false
		switch want := led.lostCreate.(type) {
		case *api.Session:
			adopted = adopt(*want, led.sessions, st.sessions, claimed)
		case *api.Filter:
			adopted = adopt(*want, led.filters, filters, claimed)
		case *api.FilterRule:
			adopted = adopt(*want, led.rules, st.rules, claimed)
		}
		switch {
		case adopted:
			res.applied++
		case led.lostCreate != nil:
			res.notApplied++
			lostCreates = append(lostCreates, fmt.Sprintf("%+v", led.lostCreate))
		}
		led.lostCreate = nil
	}
	unclaimed := func(kind string, ids []string, show func(id string) any) {
		for _, id := range ids {
			if !claimed[id] {
				t.Errorf("%s %s is stored, but no write created it (or only in part): %+v\ncreates whose answer was lost: %v",
					kind, id, show(id), lostCreates)
			}
		}
	}
	unclaimed("session", slices.Sorted(maps.Keys(st.sessions)), func(id string) any { return st.sessions[id] })
	unclaimed("filter", slices.Sorted(maps.Keys(st.filters)), func(id string) any { return st.filters[id] })
	unclaimed("rule", slices.Sorted(maps.Keys(st.rules)), func(id string) any { return st.rules[id] })
	checkCrashRules(t, st)
	return res
}

// reconcile checks the resources of recs against actual and then replaces
// the ledger's knowledge with actual.
func reconcile[T any](t *testing.T, what string, recs map[string]*crashRecord[T], actual map[string]T, claimed map[string]bool, res *crashResult) {
	t.Helper()
	var zero T
	exact := cmpopts.EquateEmpty()
	// The time of a write whose answer was lost is unknown.
	lostTime := cmp.Options{exact, cmpopts.IgnoreFields(zero, "UpdatedAt")}
	for id, rec := range recs {
		got, present := actual[id]
		diff := func(want *T, opt cmp.Option) string {
			switch {
			case want == nil && present:
				return "present, want deleted"
			case want != nil && !present:
				return "missing"
			case want == nil:
				return ""
			}
			return cmp.Diff(*want, got, opt)
		}
		before := diff(rec.acked, exact)
		switch {
		case !rec.pending && before != "":
			t.Errorf("%s %s: acknowledged state lost (-acknowledged +stored):\n%s", what, id, before)
		case rec.pending && rec.cascadeOf != "":
			// Counted with its filter.
		case rec.pending && before == "":
			res.notApplied++
		case rec.pending:
			if after := diff(rec.next, lostTime); after != "" {
				t.Errorf("%s %s: neither the state before the lost write nor the state after it;\nbefore (-want +stored):\n%s\nafter (-want +stored):\n%s",
					what, id, before, after)
			}
			res.applied++
		}
		if present {
			claimed[id] = true
			rec.acked = &got
		} else {
			delete(recs, id)
		}
		rec.pending, rec.next, rec.cascadeOf = false, nil, ""
	}
}

// adopt looks among the unclaimed resources for the one of a create whose
// answer was lost and, when one has exactly the content asked for, adds it
// to the ledger. A create done in part is left unclaimed, and so reported.
func adopt[T any](want T, recs map[string]*crashRecord[T], actual map[string]T, claimed map[string]bool) bool {
	for _, id := range slices.Sorted(maps.Keys(actual)) {
		got := actual[id]
		if !claimed[id] && cmp.Equal(want, got, cmpopts.EquateEmpty(), ignoreIDAndTimes(want)) {
			claimed[id] = true
			recs[id] = &crashRecord[T]{acked: &got}
			return true
		}
	}
	return false
}

// checkCrashRules checks the business rules over the whole state
// (../shared/spec/constraints.md).
func checkCrashRules(t *testing.T, st crashState) {
	t.Helper()
	bySource := make(map[string][]api.Session)
	targets := make(map[string]string)
	for _, s := range st.sessions {
		if _, ok := st.filters[s.FilterID]; !ok {
			t.Errorf("session %s uses filter %s, which does not exist", s.ID, s.FilterID)
		}
		if len(s.Sources) > mirror.DefaultLimits().SourcesPerSession {
			t.Errorf("session %s has %d sources", s.ID, len(s.Sources))
		}
		seen := make(map[string]bool)
		for _, src := range s.Sources {
			key := strings.ToLower(src)
			if seen[key] {
				t.Errorf("session %s has source %s twice", s.ID, src)
			}
			seen[key] = true
			bySource[key] = append(bySource[key], s)
		}
		targets[strings.ToLower(s.TargetID)] = s.ID
	}
	for src, sessions := range bySource {
		if len(sessions) > crashSessionsPerSource {
			t.Errorf("source %s is in %d sessions, more than %d", src, len(sessions), crashSessionsPerSource)
		}
		priorities := make(map[int]string)
		for _, s := range sessions {
			if other, ok := priorities[s.Priority]; ok {
				t.Errorf("sessions %s and %s share source %s and priority %d", s.ID, other, src, s.Priority)
			}
			priorities[s.Priority] = s.ID
		}
		if sid, ok := targets[src]; ok {
			t.Errorf("%s is a source of session %s and the target of session %s", src, sessions[0].ID, sid)
		}
	}

	type slot struct {
		filter, direction string
		priority          int
	}
	slots := make(map[slot]string)
	perFilter := make(map[string]map[string][]api.FilterRule)
	for _, r := range st.rules {
		if _, ok := st.filters[r.FilterID]; !ok {
			t.Errorf("rule %s belongs to filter %s, which does not exist", r.ID, r.FilterID)
		}
		k := slot{r.FilterID, r.Direction, r.Priority}
		if other, ok := slots[k]; ok {
			t.Errorf("rules %s and %s share filter %s, direction %s and priority %d", r.ID, other, r.FilterID, r.Direction, r.Priority)
		}
		slots[k] = r.ID
		if perFilter[r.FilterID] == nil {
			perFilter[r.FilterID] = make(map[string][]api.FilterRule)
		}
		perFilter[r.FilterID][r.Direction] = append(perFilter[r.FilterID][r.Direction], r)
	}
	// A filter shows exactly its rules, by ascending priority.
	for id, f := range st.filters {
		for _, d := range []struct {
			direction string
			shown     []api.FilterRule
		}{{mirror.DirectionIngress, f.IngressRules}, {mirror.DirectionEgress, f.EgressRules}} {
			want := perFilter[id][d.direction]
			slices.SortFunc(want, func(a, b api.FilterRule) int { return a.Priority - b.Priority })
			if len(want) > mirror.DefaultLimits().RulesPerFilterDirection {
				t.Errorf("filter %s has %d %s rules", id, len(want), d.direction)
			}
			if diff := cmp.Diff(want, d.shown, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("filter %s shows other %s rules than the rule list (-listed +shown):\n%s", id, d.direction, diff)
			}
		}
	}
}

// crashInvariants are the invariants the store keeps between its tables
// (as internal/sqlstore's tests check them), in each dialect: the rows of
// session_sources mirror each session's sources and priority and belong to
// a session, the project counters match the rows.
var crashInvariants = map[string][]string{
	"sqlite": {
		`SELECT s.id FROM sessions s WHERE json_array_length(s.sources) <>
			(SELECT COUNT(*) FROM session_sources ss WHERE ss.project_pk = s.project_pk AND ss.session_id = s.id)`,
		`SELECT s.id FROM sessions s, json_each(s.sources) j WHERE NOT EXISTS
			(SELECT 1 FROM session_sources ss WHERE ss.project_pk = s.project_pk AND ss.session_id = s.id
			 AND ss.source_key = lower(j.value) AND ss.priority = s.priority)`,
		crashOrphanSources,
		`SELECT id FROM projects p WHERE session_count <> (SELECT COUNT(*) FROM sessions s WHERE s.project_pk = p.pk)`,
		`SELECT id FROM projects p WHERE filter_count <> (SELECT COUNT(*) FROM filters f WHERE f.project_pk = p.pk)`,
	},
	"pgx": {
		`SELECT s.id FROM sessions s WHERE jsonb_array_length(s.sources::jsonb) <>
			(SELECT COUNT(*) FROM session_sources ss WHERE ss.project_pk = s.project_pk AND ss.session_id = s.id)`,
		`SELECT s.id FROM sessions s, jsonb_array_elements_text(s.sources::jsonb) WITH ORDINALITY j(value, n)
			WHERE NOT EXISTS (SELECT 1 FROM session_sources ss WHERE ss.project_pk = s.project_pk AND ss.session_id = s.id
			AND ss.source_key = lower(j.value) AND ss.priority = s.priority)`,
		crashOrphanSources,
		`SELECT id FROM projects p WHERE session_count <> (SELECT COUNT(*) FROM sessions s WHERE s.project_pk = p.pk)`,
		`SELECT id FROM projects p WHERE filter_count <> (SELECT COUNT(*) FROM filters f WHERE f.project_pk = p.pk)`,
	},
}

// crashOrphanSources finds rows of session_sources whose session is gone:
// no foreign key keeps them out (migration 0003), the store deletes them
// in the session's transaction.
const crashOrphanSources = `SELECT ss.session_id FROM session_sources ss WHERE NOT EXISTS
	(SELECT 1 FROM sessions s WHERE s.project_pk = ss.project_pk AND s.id = ss.session_id)`

// queryStrings returns the first column of every row of query, as text.
func queryStrings(db *sql.DB, query string) ([]string, error) {
	rows, err := db.Query(query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		if err := rows.Scan(vals...); err != nil {
			return nil, err
		}
		var parts []string
		for _, v := range vals {
			parts = append(parts, fmt.Sprint(*v.(*any)))
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out, rows.Err()
}

func checkInvariants(t *testing.T, db *sql.DB, driver string) {
	t.Helper()
	for _, q := range crashInvariants[driver] {
		got, err := queryStrings(db, q)
		if err != nil {
			t.Errorf("%s: %v", q, err)
		} else if len(got) > 0 {
			t.Errorf("invariant broken for %v:\n%s", got, q)
		}
	}
}

// checkCrashSQLite checks the SQLite file as the last process left it,
// opened read-only as a backup tool would.
func checkCrashSQLite(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatalf("open %s read-only: %v", path, err)
	}
	defer db.Close()
	if got, err := queryStrings(db, `PRAGMA integrity_check`); err != nil || !slices.Equal(got, []string{"ok"}) {
		t.Errorf("PRAGMA integrity_check = %q, %v, want [ok]", got, err)
	}
	if got, err := queryStrings(db, `PRAGMA foreign_key_check`); err != nil || len(got) > 0 {
		t.Errorf("PRAGMA foreign_key_check = %q, %v, want no rows", got, err)
	}
	checkInvariants(t, db, "sqlite")
}

// checkCrashPostgres checks the invariants between the tables of the schema
// of dsn; PostgreSQL checks its foreign keys itself.
func checkCrashPostgres(t *testing.T, dsn string) {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("open %s: %v", pgtest.EnvVar, err)
	}
	defer db.Close()
	checkInvariants(t, db, "pgx")
}
