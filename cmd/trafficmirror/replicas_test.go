package main

// Races through real servers (issue 3, item 5): the business rules of
// ../shared/spec/constraints.md hold when signed requests race through
// several replicas that share one PostgreSQL schema, each with its own
// connection pool, and through the one server of a SQLite file. Every rule
// is enforced in the database, so which replica a request reaches must not
// matter.

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	vpc "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"

	"github.com/trafficmirror/trafficmirror/internal/auth"
	"github.com/trafficmirror/trafficmirror/internal/pgtest"
)

// raceRounds is how often each race is run: one round could pass by luck
// of scheduling, several in a row hardly.
const raceRounds = 5

// TestReplicasPostgres starts three servers on one PostgreSQL schema, with
// one credentials file, and races clients through all three. It skips,
// naming TRAFFICMIRROR_TEST_POSTGRES, when that variable is not set.
func TestReplicasPostgres(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t) // its cleanup (drop the schema) runs after the servers'
	cred, path := raceCredentials(t)
	var endpoints []string
	for range 3 {
		inst := runServer(t, "", "--db", dsn, "--credentials", path)
		endpoints = append(endpoints, inst.Endpoint)
	}
	testRaces(t, endpoints, cred)
}

// TestRacesSQLite races the same clients through the one server of a SQLite
// file.
func TestRacesSQLite(t *testing.T) {
	t.Parallel()
	cred, path := raceCredentials(t)
	inst := runServer(t, "", "--credentials", path)
	testRaces(t, []string{inst.Endpoint}, cred)
}

// raceCredentials writes a credentials file holding one credential for any
// project, so that every race works in a fresh project of its own.
func raceCredentials(t *testing.T) (auth.Credential, string) {
	t.Helper()
	cred := mustCredential(t, auth.AnyProject)
	path := filepath.Join(t.TempDir(), "race-credentials.json")
	if err := auth.CreateFile(path, []auth.Credential{cred}); err != nil {
		t.Fatal(err)
	}
	return cred, path
}

// racers are SDK clients of one project, one per server endpoint.
type racers []*vpc.VpcClient

// newRacers returns clients of a fresh project for the endpoints.
func newRacers(t *testing.T, endpoints []string, cred auth.Credential) racers {
	t.Helper()
	project := mustProjectID(t)
	creds, err := basic.NewCredentialsBuilder().WithAk(cred.AccessKey).WithSk(cred.SecretKey).WithProjectId(project).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	// The clients' own transport, whose connections are closed when the
	// race ends: a connection dialled for a burst of requests but never
	// used would hold up the servers' shutdown for 5s (net/http waits
	// that long for a new connection's first request).
	tr := &http.Transport{MaxIdleConnsPerHost: 32}
	t.Cleanup(tr.CloseIdleConnections)
	var r racers
	for _, ep := range endpoints {
		hc, err := vpc.VpcClientBuilder().
			WithEndpoints([]string{ep}).
			WithCredential(creds).
			WithHttpConfig(config.DefaultHttpConfig().WithHttpTransport(tr)).
			SafeBuild()
		if err != nil {
			t.Fatal(err)
		}
		r = append(r, vpc.NewVpcClient(hc))
	}
	return r
}

// at returns the client of the ith request: requests go round-robin over
// the servers.
func (r racers) at(i int) *vpc.VpcClient { return r[i%len(r)] }

// last returns the client of the last server, which reads back the state
// the others wrote.
func (r racers) last() *vpc.VpcClient { return r[len(r)-1] }

// concurrently runs f(0) … f(n-1) in n goroutines released at the same
// moment and returns their errors by index.
func concurrently(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// raceOutcome names the result of a call: "ok", the status and code of an
// API error, or the text of any other error.
func raceOutcome(err error) string {
	var se *sdkerr.ServiceResponseError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &se):
		return fmt.Sprintf("%d %s", se.StatusCode, se.ErrorCode)
	}
	return err.Error()
}

// wantRaceOutcomes checks that exactly okCount of errs are nil and that the
// others are 409s with code.
func wantRaceOutcomes(t *testing.T, op string, errs []error, okCount int, code string) {
	t.Helper()
	got := make(map[string]int)
	for _, err := range errs {
		got[raceOutcome(err)]++
	}
	want := map[string]int{"ok": okCount}
	if n := len(errs) - okCount; n > 0 {
		want[fmt.Sprintf("%d %s", http.StatusConflict, code)] = n
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s outcomes (-want +got):\n%s", op, diff)
	}
}

// testRaces races signed requests, spread round-robin over the servers at
// endpoints, which share one database. Each race uses a fresh project.
func testRaces(t *testing.T, endpoints []string, cred auth.Credential) {
	run := func(name string, race func(t *testing.T, r racers)) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			race(t, newRacers(t, endpoints, cred))
		})
	}
	run("AddSourcesSessionsPerSource", raceAddSources)
	run("CreateSharedSourceSamePriority", raceCreateSessions)
	run("CreateRuleSamePriority", raceCreateRules)
	run("DeleteFilterVsCreateSession", raceDeleteFilter)
	run("UpdateSessionNoMix", raceUpdateSession)
	run("UpdateSessionNoLostUpdate", raceUpdateSessionFields)
}

// raceAddSources adds one source to 20 sessions at once: the source may be
// in at most 3 sessions, so exactly 3 adds succeed.
func raceAddSources(t *testing.T, r racers) {
	f := raceFilter(t, r.at(0))
	var sessions []string
	for i := range 20 {
		// Distinct priorities: sessions sharing a source must differ.
		sessions = append(sessions, raceSession(t, r.at(i), f, int32(i+1), freshID()).Id)
	}
	for round := range raceRounds {
		src := freshID()
		errs := concurrently(len(sessions), func(i int) error {
			_, err := r.at(i).AddSourcesToTrafficMirrorSession(&model.AddSourcesToTrafficMirrorSessionRequest{
				TrafficMirrorSessionId: sessions[i],
				Body: &model.AddSourcesToTrafficMirrorSessionRequestBody{
					TrafficMirrorSession: &model.TrafficMirrorSourcesOption{TrafficMirrorSources: []string{src}},
				},
			})
			return err
		})
		wantRaceOutcomes(t, fmt.Sprintf("round %d: 20 × AddSources of one source", round), errs, 3, "VPC.9402")
		if got := holders(t, r.last(), src); len(got) != 3 {
			t.Errorf("round %d: sessions holding the source = %d, want 3", round, len(got))
		}
	}
}

// raceCreateSessions creates 10 sessions at once that share a source and a
// priority: exactly one may exist.
func raceCreateSessions(t *testing.T, r racers) {
	f := raceFilter(t, r.at(0))
	for round := range raceRounds {
		src := freshID()
		errs := concurrently(10, func(i int) error {
			_, err := r.at(i).CreateTrafficMirrorSession(&model.CreateTrafficMirrorSessionRequest{Body: &model.CreateTrafficMirrorSessionRequestBody{
				TrafficMirrorSession: ptrTo(raceSessionOption(f, 42, src, freshID())),
			}})
			return err
		})
		wantRaceOutcomes(t, fmt.Sprintf("round %d: 10 × CreateSession sharing a source and a priority", round), errs, 1, "VPC.9303")
		if got := holders(t, r.last(), src); len(got) != 1 {
			t.Errorf("round %d: sessions holding the source = %d, want 1", round, len(got))
		}
	}
}

// raceCreateRules creates 10 rules at once with one priority in one filter
// and direction: exactly one may exist.
func raceCreateRules(t *testing.T, r racers) {
	f := raceFilter(t, r.at(0))
	for round := range raceRounds {
		priority := int32(round + 1)
		errs := concurrently(10, func(i int) error {
			_, err := r.at(i).CreateTrafficMirrorFilterRule(&model.CreateTrafficMirrorFilterRuleRequest{Body: &model.CreateTrafficMirrorFilterRuleRequestBody{
				TrafficMirrorFilterRule: ptrTo(ruleOption(f, "ingress", priority)),
			}})
			return err
		})
		wantRaceOutcomes(t, fmt.Sprintf("round %d: 10 × CreateFilterRule with one priority", round), errs, 1, "VPC.9302")
		resp, err := r.last().ShowTrafficMirrorFilter(&model.ShowTrafficMirrorFilterRequest{TrafficMirrorFilterId: f})
		if err != nil {
			t.Fatalf("ShowTrafficMirrorFilter: %v", err)
		}
		var got []int32
		for _, rule := range resp.TrafficMirrorFilter.IngressRules {
			got = append(got, rule.Priority)
		}
		slices.Sort(got)
		var want []int32
		for p := range priority {
			want = append(want, p+1)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("round %d: priorities of the ingress rules (-want +got):\n%s", round, diff)
		}
	}
}

// raceDeleteFilter deletes a filter while sessions are created with it:
// either the delete wins and every create finds no filter, or a create wins
// and the delete finds the filter in use. Never is a session left whose
// filter is gone.
func raceDeleteFilter(t *testing.T, r racers) {
	const creates = 3
	// More rounds than the other races: each is a race of one call against
	// a few, and both outcomes should occur.
	const rounds = 4 * raceRounds
	var deleted, used int
	for round := range rounds {
		f := raceFilter(t, r.at(0))
		errs := concurrently(1+creates, func(i int) error {
			// Call i goes to server round+i, so the delete and the creates
			// reach different servers, and each server sees the delete.
			c := r.at(round + i)
			if i == 0 {
				_, err := c.DeleteTrafficMirrorFilter(&model.DeleteTrafficMirrorFilterRequest{TrafficMirrorFilterId: f})
				return err
			}
			_, err := c.CreateTrafficMirrorSession(&model.CreateTrafficMirrorSessionRequest{Body: &model.CreateTrafficMirrorSessionRequestBody{
				TrafficMirrorSession: ptrTo(raceSessionOption(f, int32(round*creates+i), freshID(), freshID())),
			}})
			return err
		})
		got := make([]string, len(errs))
		for i, err := range errs {
			got[i] = raceOutcome(err)
		}
		_, showErr := r.last().ShowTrafficMirrorFilter(&model.ShowTrafficMirrorFilterRequest{TrafficMirrorFilterId: f})
		switch got[0] {
		case "ok":
			deleted++
			// The delete committed before every create looked for the
			// filter.
			if want := slices.Repeat([]string{"404 VPC.9202"}, creates); !slices.Equal(got[1:], want) {
				t.Errorf("round %d: DeleteFilter succeeded; CreateSession outcomes %q, want %q", round, got[1:], want)
			}
			if o := raceOutcome(showErr); o != "404 VPC.9202" {
				t.Errorf("round %d: ShowFilter after its deletion: %s, want 404 VPC.9202", round, o)
			}
		case "409 VPC.9301":
			used++
			// A create committed first, and so the filter stays, and every
			// create finds it.
			if want := slices.Repeat([]string{"ok"}, creates); !slices.Equal(got[1:], want) {
				t.Errorf("round %d: DeleteFilter found the filter in use; CreateSession outcomes %q, want %q", round, got[1:], want)
			}
			if showErr != nil {
				t.Errorf("round %d: ShowFilter of a filter in use: %v", round, showErr)
			}
		default:
			t.Errorf("round %d: DeleteFilter: %s, want ok or 409 VPC.9301 (creates: %q)", round, got[0], got[1:])
		}
	}
	t.Logf("%d rounds: the delete won %d, a create won %d", rounds, deleted, used)

	// Every session that exists uses a filter that exists.
	sessions := listSessions(t, r.last())
	if want := used * creates; len(sessions) != want {
		t.Errorf("sessions = %d, want %d (%d rounds won by the creates)", len(sessions), want, used)
	}
	for _, s := range sessions {
		if _, err := r.last().ShowTrafficMirrorFilter(&model.ShowTrafficMirrorFilterRequest{TrafficMirrorFilterId: s.TrafficMirrorFilterId}); err != nil {
			t.Errorf("session %s uses filter %s: ShowFilter: %v", s.Id, s.TrafficMirrorFilterId, err)
		}
	}
}

// raceUpdateSession updates one session from 10 writers at once, each
// setting name, description, priority and virtual network ID to values
// that encode its number: every response, and the final state, must be the
// write of one writer.
func raceUpdateSession(t *testing.T, r racers) {
	f := raceFilter(t, r.at(0))
	orig := raceSession(t, r.at(0), f, 1, freshID())
	const writers = 10
	// write n is what writer n sets.
	write := func(n int) *model.UpdateTrafficMirrorSessionOption {
		return &model.UpdateTrafficMirrorSessionOption{
			Name:             ptrTo(fmt.Sprint("w", n)),
			Description:      ptrTo(fmt.Sprint("d", n)),
			Priority:         ptrTo(int32(n)),
			VirtualNetworkId: ptrTo(int32(n)),
		}
	}
	// state returns the session as writer n leaves it; only the changing
	// fields and updated_at may differ from the original.
	state := func(got model.TrafficMirrorSession) model.TrafficMirrorSession {
		n := int(got.Priority)
		want := orig
		want.Name, want.Description = fmt.Sprint("w", n), fmt.Sprint("d", n)
		want.Priority, want.VirtualNetworkId = int32(n), int32(n)
		want.UpdatedAt = got.UpdatedAt
		return want
	}
	for round := range raceRounds {
		base := 100 + round*writers
		returned := make([]model.TrafficMirrorSession, writers)
		errs := concurrently(writers, func(i int) error {
			resp, err := r.at(i).UpdateTrafficMirrorSession(&model.UpdateTrafficMirrorSessionRequest{
				TrafficMirrorSessionId: orig.Id,
				Body:                   &model.UpdateTrafficMirrorSessionRequestBody{TrafficMirrorSession: write(base + i)},
			})
			if err == nil {
				returned[i] = *resp.TrafficMirrorSession
			}
			return err
		})
		wantRaceOutcomes(t, fmt.Sprintf("round %d: %d × UpdateSession", round, writers), errs, writers, "")
		for i, got := range returned {
			if errs[i] != nil {
				continue
			}
			// Each response is the state the writer's own update left.
			if diff := cmp.Diff(state(got), got); diff != "" || int(got.Priority) != base+i {
				t.Errorf("round %d: UpdateSession %d returned (-write %d +got):\n%s", round, base+i, got.Priority, diff)
			}
		}
		resp, err := r.last().ShowTrafficMirrorSession(&model.ShowTrafficMirrorSessionRequest{TrafficMirrorSessionId: orig.Id})
		if err != nil {
			t.Fatalf("ShowTrafficMirrorSession: %v", err)
		}
		got := *resp.TrafficMirrorSession
		if n := int(got.Priority); n < base || n >= base+writers {
			t.Errorf("round %d: stored priority %d is none of this round's writes", round, n)
		}
		if diff := cmp.Diff(state(got), got); diff != "" {
			t.Errorf("round %d: stored session mixes writes (-write %d +got):\n%s", round, got.Priority, diff)
		}
	}
}

// raceUpdateSessionFields updates one session from 6 writers at once,
// each changing a different field: every change must survive. An update
// that read the session before another committed and wrote it back whole
// would undo that other change.
func raceUpdateSessionFields(t *testing.T, r racers) {
	f := raceFilter(t, r.at(0))
	orig := raceSession(t, r.at(0), f, 1, freshID())
	for round := range raceRounds {
		n := int32(round + 2)
		target := freshID()
		writes := []struct {
			option model.UpdateTrafficMirrorSessionOption
			apply  func(s *model.TrafficMirrorSession)
		}{
			{model.UpdateTrafficMirrorSessionOption{Name: ptrTo(fmt.Sprint("name-", n))},
				func(s *model.TrafficMirrorSession) { s.Name = fmt.Sprint("name-", n) }},
			{model.UpdateTrafficMirrorSessionOption{Description: ptrTo(fmt.Sprint("description ", n))},
				func(s *model.TrafficMirrorSession) { s.Description = fmt.Sprint("description ", n) }},
			{model.UpdateTrafficMirrorSessionOption{TrafficMirrorTargetId: &target},
				func(s *model.TrafficMirrorSession) { s.TrafficMirrorTargetId = target }},
			{model.UpdateTrafficMirrorSessionOption{VirtualNetworkId: ptrTo(1000 + n)},
				func(s *model.TrafficMirrorSession) { s.VirtualNetworkId = 1000 + n }},
			{model.UpdateTrafficMirrorSessionOption{PacketLength: ptrTo(100 + n)},
				func(s *model.TrafficMirrorSession) { s.PacketLength = 100 + n }},
			{model.UpdateTrafficMirrorSessionOption{Priority: ptrTo(n)},
				func(s *model.TrafficMirrorSession) { s.Priority = n }},
		}
		returned := make([]model.TrafficMirrorSession, len(writes))
		errs := concurrently(len(writes), func(i int) error {
			resp, err := r.at(i).UpdateTrafficMirrorSession(&model.UpdateTrafficMirrorSessionRequest{
				TrafficMirrorSessionId: orig.Id,
				Body:                   &model.UpdateTrafficMirrorSessionRequestBody{TrafficMirrorSession: &writes[i].option},
			})
			if err == nil {
				returned[i] = *resp.TrafficMirrorSession
			}
			return err
		})
		wantRaceOutcomes(t, fmt.Sprintf("round %d: %d × UpdateSession of one field each", round, len(writes)), errs, len(writes), "")
		for i, got := range returned {
			// Each response shows its own change.
			want := got
			writes[i].apply(&want)
			if errs[i] == nil && !cmp.Equal(want, got) {
				t.Errorf("round %d: UpdateSession %+v returned a session without its change (-want +got):\n%s",
					round, writes[i].option, cmp.Diff(want, got))
			}
		}
		resp, err := r.last().ShowTrafficMirrorSession(&model.ShowTrafficMirrorSessionRequest{TrafficMirrorSessionId: orig.Id})
		if err != nil {
			t.Fatalf("ShowTrafficMirrorSession: %v", err)
		}
		got := *resp.TrafficMirrorSession
		want := orig
		for _, w := range writes {
			w.apply(&want)
		}
		want.UpdatedAt = got.UpdatedAt
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("round %d: stored session lost changes (-want +got):\n%s", round, diff)
		}
	}
}

// raceFilter creates a filter through c and returns its ID. Nothing is
// cleaned up: the project is the race's own.
func raceFilter(t *testing.T, c *vpc.VpcClient) string {
	t.Helper()
	resp, err := c.CreateTrafficMirrorFilter(&model.CreateTrafficMirrorFilterRequest{Body: &model.CreateTrafficMirrorFilterRequestBody{
		TrafficMirrorFilter: &model.CreateTrafficMirrorFilterOption{Name: "race"},
	}})
	if err != nil {
		t.Fatalf("CreateTrafficMirrorFilter: %v", err)
	}
	return resp.TrafficMirrorFilter.Id
}

// raceSessionOption returns a valid create option of a session with the
// filter, priority and sources, and a fresh target.
func raceSessionOption(filterID string, priority int32, sources ...string) model.CreateTrafficMirrorSessionOption {
	return model.CreateTrafficMirrorSessionOption{
		Name:                    "race",
		TrafficMirrorFilterId:   filterID,
		TrafficMirrorSources:    sources,
		TrafficMirrorTargetId:   freshID(),
		TrafficMirrorTargetType: "eni",
		Priority:                priority,
	}
}

// raceSession creates a session through c.
func raceSession(t *testing.T, c *vpc.VpcClient, filterID string, priority int32, sources ...string) model.TrafficMirrorSession {
	t.Helper()
	resp, err := c.CreateTrafficMirrorSession(&model.CreateTrafficMirrorSessionRequest{Body: &model.CreateTrafficMirrorSessionRequestBody{
		TrafficMirrorSession: ptrTo(raceSessionOption(filterID, priority, sources...)),
	}})
	if err != nil {
		t.Fatalf("CreateTrafficMirrorSession: %v", err)
	}
	return *resp.TrafficMirrorSession
}

// listSessions returns every session of c's project; the races make fewer
// than one page (2000).
func listSessions(t *testing.T, c *vpc.VpcClient) []model.TrafficMirrorSession {
	t.Helper()
	resp, err := c.ListTrafficMirrorSessions(&model.ListTrafficMirrorSessionsRequest{})
	if err != nil {
		t.Fatalf("ListTrafficMirrorSessions: %v", err)
	}
	if resp.PageInfo != nil && resp.PageInfo.NextMarker != nil {
		t.Fatalf("ListTrafficMirrorSessions: more than one page")
	}
	return *resp.TrafficMirrorSessions
}

// holders returns the IDs of the sessions of c's project that have src
// among their sources.
func holders(t *testing.T, c *vpc.VpcClient, src string) []string {
	t.Helper()
	var ids []string
	for _, s := range listSessions(t, c) {
		if slices.Contains(s.TrafficMirrorSources, src) {
			ids = append(ids, s.Id)
		}
	}
	return ids
}
