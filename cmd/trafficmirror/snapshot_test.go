package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
	"github.com/trafficmirror/trafficmirror/internal/sqlstore"
)

// noEnv is the environment of the bulk commands in tests: nothing leaks in
// from the test's own (TRAFFICMIRROR_DB and the like).
func noEnv(string) string { return "" }

// runBulk runs a command with stdin and returns its stdout, stderr and
// error.
func runBulk(ctx context.Context, stdin []byte, args ...string) (string, string, error) {
	var stdout, stderr bytes.Buffer
	err := run(ctx, append([]string{"trafficmirror"}, args...), noEnv, bytes.NewReader(stdin), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// openStore opens the database of dsn with unlimited quotas and closes it
// at cleanup.
func openStore(t *testing.T, dsn string) *sqlstore.Store {
	t.Helper()
	limits := mirror.DefaultLimits()
	limits.SessionsPerProject, limits.FiltersPerProject = 0, 0
	s, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{Limits: limits})
	if err != nil {
		t.Fatalf("open %s: %v", sqlstore.Redact(dsn), err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// The generated data set: in each project, genFilters filters with three
// rules each, and sessions that keep every rule: each session has its own
// source, shares a second one with two other sessions (with other
// priorities), and every twentieth has no sources.
const genFilters = 20

func genProject(p int) string     { return fmt.Sprintf("%032x", p+1) }
func genFilterID(p, i int) string { return fmt.Sprintf("%08x-f000-4000-8000-%012x", p, i) }

// genSnapshot returns a next function for Import that generates the data
// set in export order: every filter, then every rule, then every session.
func genSnapshot(projects, perProject int) func() (sqlstore.SnapshotItem, bool, error) {
	base := time.UnixMilli(1700000000000).UTC()
	at := func(n int) time.Time { return base.Add(time.Duration(n) * time.Millisecond) }
	filters, rules := projects*genFilters, projects*genFilters*3
	n := 0
	return func() (sqlstore.SnapshotItem, bool, error) {
		defer func() { n++ }()
		switch {
		case n < filters:
			p, i := n/genFilters, n%genFilters
			return sqlstore.SnapshotItem{Filter: &mirror.Filter{ProjectID: genProject(p), ID: genFilterID(p, i),
				Name: fmt.Sprint("filter-", i%5), Description: fmt.Sprint("d", i%3), Type: "eni",
				CreatedAt: at(n), UpdatedAt: at(2 * n)}}, true, nil
		case n < filters+rules:
			k := n - filters
			p, i, j := k/(genFilters*3), k/3%genFilters, k%3
			r := &mirror.FilterRule{ProjectID: genProject(p), ID: fmt.Sprintf("%08x-7000-4000-8000-%012x", p, k),
				FilterID: genFilterID(p, i), Direction: []string{"ingress", "ingress", "egress"}[j],
				Ethertype: "IPv4", Protocol: []string{"TCP", "udp", "all"}[j], Action: []string{"accept", "reject"}[k%2],
				Priority: 1 + j, CreatedAt: at(k), UpdatedAt: at(k)}
			if j < 2 {
				r.DestinationPortRange = fmt.Sprint(1000 + i)
				r.SourceCIDR = fmt.Sprintf("10.%d.0.0/16", i)
			}
			return sqlstore.SnapshotItem{Rule: r}, true, nil
		case n < filters+rules+projects*perProject:
			k := n - filters - rules
			p, i := k/perProject, k%perProject
			s := &mirror.Session{ProjectID: genProject(p), ID: fmt.Sprintf("%08x-5e55-4000-8000-%012x", p, i),
				Name: []string{"web", "db", "cache", "edge"}[i%4], Description: fmt.Sprint("d", i%10),
				FilterID: genFilterID(p, i%genFilters), Sources: []string{},
				TargetID: fmt.Sprintf("c0000000-0000-4000-8000-%012x", i%50), TargetType: []string{"eni", "elb"}[i%2],
				VirtualNetworkID: i % 100, PacketLength: 64 + i%200, Priority: 1 + i%3 + 3*(i/3%5),
				Enabled: i%3 == 0, Type: []string{"eni", "eni", "eni", "eni", "eip"}[i%5],
				CreatedAt: at(k), UpdatedAt: at(k + i%7)}
			if i%20 != 19 {
				s.Sources = []string{
					fmt.Sprintf("A0000000-0000-4000-8000-%012X", i),
					fmt.Sprintf("b0000000-0000-4000-8000-%012x", i/3),
				}
			}
			return sqlstore.SnapshotItem{Session: s}, true, nil
		}
		return sqlstore.SnapshotItem{}, false, nil
	}
}

// seedGenerated stores the generated data set in the database of dsn.
func seedGenerated(t *testing.T, dsn string, projects, perProject int) {
	t.Helper()
	s := openStore(t, dsn)
	if _, err := s.Import(context.Background(), genSnapshot(projects, perProject), sqlstore.ImportOptions{}); err != nil {
		t.Fatalf("seed %s: %v", sqlstore.Redact(dsn), err)
	}
	s.Close()
}

// seedThroughAPI stores in the database of dsn a few resources made by the
// Store's methods, as a server makes them: sources in mixed case and in an
// order changed by remove-sources, a session without sources, updates.
func seedThroughAPI(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	s := openStore(t, dsn)
	p := genProject(99)
	f, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: p, Name: "api", Description: "made through the API"})
	if err != nil {
		t.Fatal(err)
	}
	for _, prio := range []int{30, 10, 20} {
		if _, err := s.CreateFilterRule(ctx, mirror.FilterRule{ProjectID: p, FilterID: f.ID, Direction: "egress",
			Ethertype: "IPv6", Protocol: "ICMPv6", Action: "accept", Priority: prio}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for i := range 3 {
		sess, err := s.CreateSession(ctx, mirror.Session{ProjectID: p, Name: fmt.Sprint("api-", i), FilterID: f.ID,
			Sources: []string{
				fmt.Sprintf("DDDDDDDD-0000-4000-8000-%012d", i), "dddddddd-1111-4000-8000-000000000000",
				fmt.Sprintf("dddddddd-2222-4000-8000-%012d", i),
			},
			TargetID: "eeeeeeee-0000-4000-8000-000000000000", TargetType: "elb", VirtualNetworkID: 7,
			PacketLength: 1460, Priority: 100 + i, Enabled: true, Type: "eip"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sess.ID)
	}
	if _, err := s.RemoveSessionSources(ctx, p, ids[0], []string{"dddddddd-0000-4000-8000-000000000000"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RemoveSessionSources(ctx, p, ids[1], []string{
		"dddddddd-0000-4000-8000-000000000001", "dddddddd-1111-4000-8000-000000000000", "dddddddd-2222-4000-8000-000000000001",
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateSession(ctx, p, ids[2], mirror.SessionUpdate{Description: ptrTo("changed")}); err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// walk returns every page of a list, following the markers.
func walk[T any](t *testing.T, list func(mirror.ListParams) (mirror.Page[T], error), id func(T) string) []mirror.Page[T] {
	t.Helper()
	var pages []mirror.Page[T]
	params := mirror.ListParams{Limit: 700}
	for {
		page, err := list(params)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		pages = append(pages, page)
		if !page.More {
			return pages
		}
		params.Marker = id(page.Items[len(page.Items)-1])
	}
}

// wantSameLists compares what the two databases answer to the API's lists:
// every page of session lists with several filters, of the filters (with
// their rules) and of the rules, in every project of the data sets.
func wantSameLists(t *testing.T, srcDSN, dstDSN string, projects []string) {
	t.Helper()
	src, dst := openStore(t, srcDSN), openStore(t, dstDSN)
	sessionQueries := []mirror.SessionQuery{
		{},
		{Names: []string{"web"}},
		{Names: []string{"db", "cache"}, Enabled: ptrTo(true)},
		{Priorities: []int64{2, 7}, Descriptions: []string{"d3", "d4", "d5"}},
		{TargetTypes: []string{"ELB"}, VirtualNetworkIDs: []int64{5, 6, 7}},
		{Types: []string{"eip"}, PacketLengths: []int64{64, 65, 66, 1460}},
		{TargetIDs: []string{"c0000000-0000-4000-8000-000000000007", "eeeeeeee-0000-4000-8000-000000000000"}},
	}
	for _, p := range projects {
		sessionQueries := append(sessionQueries, mirror.SessionQuery{FilterIDs: []string{genFilterID(1, 3)}})
		for _, q := range sessionQueries {
			pages := func(s *sqlstore.Store) []mirror.Page[mirror.Session] {
				return walk(t, func(lp mirror.ListParams) (mirror.Page[mirror.Session], error) {
					q := q
					q.ListParams = lp
					return s.ListSessions(context.Background(), p, q)
				}, func(s mirror.Session) string { return s.ID })
			}
			want, got := pages(src), pages(dst)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ListSessions(%s, %+v) (-source +copy):\n%s", p, q, diff)
			}
		}
		filterPages := func(s *sqlstore.Store) []mirror.Page[mirror.Filter] {
			return walk(t, func(lp mirror.ListParams) (mirror.Page[mirror.Filter], error) {
				return s.ListFilters(context.Background(), p, mirror.FilterQuery{Names: []string{"filter-1", "filter-2", "api"}, ListParams: lp})
			}, func(f mirror.Filter) string { return f.ID })
		}
		if diff := cmp.Diff(filterPages(src), filterPages(dst)); diff != "" {
			t.Errorf("ListFilters(%s) (-source +copy):\n%s", p, diff)
		}
		rulePages := func(s *sqlstore.Store) []mirror.Page[mirror.FilterRule] {
			return walk(t, func(lp mirror.ListParams) (mirror.Page[mirror.FilterRule], error) {
				return s.ListFilterRules(context.Background(), p, mirror.FilterRuleQuery{Protocols: []string{"tcp", "icmpv6"}, ListParams: lp})
			}, func(r mirror.FilterRule) string { return r.ID })
		}
		if diff := cmp.Diff(rulePages(src), rulePages(dst)); diff != "" {
			t.Errorf("ListFilterRules(%s) (-source +copy):\n%s", p, diff)
		}
	}
}

// countAll returns the numbers of resources in the database of dsn.
func countAll(t *testing.T, dsn string) sqlstore.SnapshotCounts {
	t.Helper()
	s := openStore(t, dsn)
	defer s.Close()
	var c sqlstore.SnapshotCounts
	if err := s.Export(context.Background(), nil, func(item sqlstore.SnapshotItem) error { c.Count(item); return nil }); err != nil {
		t.Fatalf("export %s: %v", sqlstore.Redact(dsn), err)
	}
	return c
}

// allProjects are the projects of the data sets of these tests.
var allProjects = []string{genProject(0), genProject(1), genProject(99)}

func TestExportImportCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src.db"), "sqlite:"+filepath.Join(dir, "dst.db")
	seedGenerated(t, src, 2, 1500)
	seedThroughAPI(t, src)

	snapshot, stderr, err := runBulk(ctx, nil, "export", "--db", src)
	if err != nil {
		t.Fatalf("export = %v; stderr:\n%s", err, stderr)
	}
	want := sqlstore.SnapshotCounts{Filters: 41, FilterRules: 123, Sessions: 3003}
	lines := strings.Split(strings.TrimSuffix(snapshot, "\n"), "\n")
	if len(lines) != want.Total()+2 {
		t.Errorf("export wrote %d lines, want %d", len(lines), want.Total()+2)
	}
	if !strings.HasPrefix(lines[0], `{"format":"trafficmirror-snapshot","version":1,`) ||
		!strings.Contains(lines[0], `"counts":{"filters":41,"filter_rules":123,"sessions":3003}`) ||
		!strings.HasPrefix(lines[len(lines)-1], `{"end":{"counts":{"filters":41,"filter_rules":123,"sessions":3003},"checksum":"sha256-sum:`) {
		t.Errorf("export header and end:\n%s\n%s", lines[0], lines[len(lines)-1])
	}
	// Plain progress lines, as stderr is not a terminal.
	if !strings.Contains(stderr, "exporting: 317/3167 (10%)") || !strings.Contains(stderr, "exporting: 3167 items in ") ||
		!strings.Contains(stderr, "Exported 41 filters, 123 filter rules, 3003 sessions, checksum sha256-sum:") {
		t.Errorf("export stderr:\n%s", stderr)
	}

	stdout, stderr, err := runBulk(ctx, []byte(snapshot), "import", "--db", dst)
	if err != nil {
		t.Fatalf("import = %v; stderr:\n%s", err, stderr)
	}
	if want := "Imported 41 filters, 123 filter rules, 3003 sessions into " + dst + ".\n"; stdout != want {
		t.Errorf("import stdout = %q, want %q", stdout, want)
	}
	if !strings.Contains(stderr, "importing: 3167/3167 (100%)") {
		t.Errorf("import stderr:\n%s", stderr)
	}
	wantSameLists(t, src, dst, allProjects)

	// The copy exports to the same snapshot, but for the time in the header.
	again, _, err := runBulk(ctx, nil, "export", "--db", dst, "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	againLines := strings.Split(strings.TrimSuffix(again, "\n"), "\n")
	if diff := cmp.Diff(lines[1:], againLines[1:]); diff != "" {
		t.Errorf("export of the copy (-source +copy):\n%s", diff)
	}

	// A second import: refused, nothing written.
	_, _, err = runBulk(ctx, []byte(snapshot), "import", "--db", dst, "--quiet")
	if err == nil || !strings.Contains(err.Error(), "already holds resources") || !strings.Contains(err.Error(), "--allow-non-empty") {
		t.Errorf("import into a non-empty database = %v, want a refusal naming --allow-non-empty", err)
	}
	_, _, err = runBulk(ctx, []byte(snapshot), "import", "--db", dst, "--quiet", "--allow-non-empty")
	if err == nil || !strings.Contains(err.Error(), "ID already exists") {
		t.Errorf("import of the same IDs with --allow-non-empty = %v, want a refusal of the IDs", err)
	}
	if got := countAll(t, dst); got != want {
		t.Errorf("after refused imports: %+v, want %+v", got, want)
	}
}

// handWritten is a snapshot as someone writes a test fixture: no counts in
// the header, no checksum, values in any case, blank lines.
const handWritten = `{"format":"trafficmirror-snapshot","version":1}

{"filter":{"id":"f1","project_id":"p1","name":"web","description":"","type":"ENI","created_at":"2024-03-14T09:44:12.345+01:00","updated_at":"2024-03-14T08:44:12.345Z"}}
{"filter_rule":{"id":"r1","project_id":"p1","traffic_mirror_filter_id":"f1","direction":"Ingress","description":"","source_cidr_block":"","destination_cidr_block":"10.0.0.0/8","source_port_range":"","destination_port_range":"80","ethertype":"ipv4","protocol":"TCP","action":"ACCEPT","priority":1,"created_at":"2024-03-14T08:44:12.345Z","updated_at":"2024-03-14T08:44:12.345Z"}}
{"session":{"id":"s1","project_id":"p1","name":"s1","description":"","traffic_mirror_filter_id":"f1","traffic_mirror_sources":["6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b"],"traffic_mirror_target_id":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d","traffic_mirror_target_type":"ENI","virtual_network_id":1,"packet_length":96,"priority":1,"enabled":true,"type":"eni","created_at":"2024-03-14T08:44:12.345Z","updated_at":"2024-03-14T08:44:12.345Z"}}
{"end":{"counts":{"filters":1,"filter_rules":1,"sessions":1}}}
`

func TestImportHandWritten(t *testing.T) {
	ctx := context.Background()
	dst := filepath.Join(t.TempDir(), "dst.db")
	if _, stderr, err := runBulk(ctx, []byte(handWritten), "import", "--db", dst); err != nil {
		t.Fatalf("import = %v; stderr:\n%s", err, stderr)
	}
	s := openStore(t, dst)
	f, err := s.GetFilter(ctx, "p1", "f1")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 3, 14, 8, 44, 12, 345e6, time.UTC)
	rule := mirror.FilterRule{ID: "r1", ProjectID: "p1", FilterID: "f1", Direction: "ingress",
		DestinationCIDR: "10.0.0.0/8", DestinationPortRange: "80", Ethertype: "IPv4", Protocol: "TCP",
		Action: "accept", Priority: 1, CreatedAt: at, UpdatedAt: at}
	want := mirror.Filter{ID: "f1", ProjectID: "p1", Name: "web", Type: "eni",
		IngressRules: []mirror.FilterRule{rule}, EgressRules: []mirror.FilterRule{}, CreatedAt: at, UpdatedAt: at}
	if diff := cmp.Diff(want, f); diff != "" {
		t.Errorf("imported filter (-want +got):\n%s", diff)
	}
	sess, err := s.GetSession(ctx, "p1", "s1")
	if err != nil || sess.TargetType != "eni" || !sess.Enabled || !sess.CreatedAt.Equal(at) {
		t.Errorf("GetSession = %+v, %v", sess, err)
	}
}

func TestImportRefusesDamagedSnapshots(t *testing.T) {
	good := strings.Split(strings.TrimSpace(handWritten), "\n")
	join := func(lines ...string) string { return strings.Join(lines, "\n") + "\n" }
	tests := []struct {
		name, snapshot, want string
	}{
		{"Empty", "", "the snapshot is empty"},
		{"NotASnapshot", `{"traffic_mirror_sessions":[]}`, "not a trafficmirror snapshot"},
		{"NotJSON", "id,name\n", "not a trafficmirror snapshot"},
		{"NewerVersion", `{"format":"trafficmirror-snapshot","version":2}`, "snapshot version 2: this trafficmirror reads version 1"},
		{"NoEnd", join(good[:5]...), "without its end line: it is incomplete"},
		{"CutInALine", join(good[:4]...) + good[4][:40], "snapshot line 5:"},
		{"WrongCounts", join(append(good[:4:4], `{"end":{"counts":{"filters":1,"filter_rules":1,"sessions":2}}}`)...), "the end line counts"},
		{"WrongChecksum", join(append(good[:5:5], `{"end":{"counts":{"filters":1,"filter_rules":1,"sessions":1},"checksum":"sha256-sum:00"}}`)...), "the file was changed or damaged"},
		{"AfterEnd", join(append(good, good[2])...), "nothing may follow the end line"},
		{"UnknownField", join(good[0], `{"filter":{"id":"f1","project_id":"p1","nmae":"web"}}`), `unknown field "nmae"`},
		{"TwoKeys", join(good[0], `{"filter":{"id":"f1"},"session":{"id":"s1"}}`), "want an object with one key"},
		{"BadTime", join(good[0], strings.Replace(good[2], "2024-03-14T08:44:12.345Z", "yesterday", 1)), "updated_at: want an RFC 3339 time"},
		{"BreaksARule", join(append(good[:5:5], strings.Replace(good[4], `"s1"`, `"s2"`, 1), `{"end":{"counts":{"filters":1,"filter_rules":1,"sessions":2}}}`)...),
			"invalid snapshot: session s2 of project p1: conflict VPC.9303"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "dst.db")
			_, _, err := runBulk(context.Background(), []byte(tt.snapshot), "import", "--db", dst, "--quiet")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("import = %v, want an error containing %q", err, tt.want)
			}
			if got := countAll(t, dst); got != (sqlstore.SnapshotCounts{}) {
				t.Errorf("after a refused import the database holds %+v", got)
			}
		})
	}
}

func TestChecksum(t *testing.T) {
	var max checksum
	for i := range max {
		max[i] = 0xff
	}
	var one checksum
	one[len(one)-1] = 1
	if got := max.plus(one); got != (checksum{}) {
		t.Errorf("(2^256-1) + 1 = %x, want 0", got)
	}
	var a, b checksum
	a[31], a[30], b[31] = 0xff, 0x01, 0x02
	if got := a.plus(b); got[31] != 0x01 || got[30] != 0x02 {
		t.Errorf("0x01ff + 0x02 = %x, want ...0201", got)
	}

	// The sum does not depend on the order, and a change shows.
	next := genSnapshot(1, 30)
	var items []sqlstore.SnapshotItem
	for {
		item, ok, _ := next()
		if !ok {
			break
		}
		items = append(items, item)
	}
	var forward, backward tally
	for i := range items {
		forward.add(items[i])
		backward.add(items[len(items)-1-i])
	}
	if forward != backward {
		t.Errorf("tally in reverse order = %v, want %v", backward, forward)
	}
	changed := *items[len(items)-1].Session
	changed.UpdatedAt = changed.UpdatedAt.Add(time.Millisecond)
	var other tally
	for _, item := range items[:len(items)-1] {
		other.add(item)
	}
	other.add(sqlstore.SnapshotItem{Session: &changed})
	if other.counts != forward.counts || other.sum == forward.sum {
		t.Errorf("tally with a changed timestamp = %v, want other checksum than %v", other, forward)
	}
}

func TestProgress(t *testing.T) {
	clock := time.Unix(0, 0)
	now := func() time.Time { return clock }

	var plain bytes.Buffer
	p := newProgressTo(&plain, "copying", false, now)
	p.setTotal(100)
	for range 100 {
		clock = clock.Add(10 * time.Millisecond)
		p.add(1)
	}
	p.finish()
	lines := strings.Split(strings.TrimSpace(plain.String()), "\n")
	if len(lines) != 11 || lines[0] != "copying: 10/100 (10%), 100/s" || lines[10] != "copying: 100 items in 1s" {
		t.Errorf("plain progress:\n%s", plain.String())
	}

	var bar bytes.Buffer
	p = newProgressTo(&bar, "copying", true, now)
	p.setTotal(4)
	clock = clock.Add(time.Second)
	p.add(2)
	p.finish()
	want := "\rcopying   [===============               ] 2/4 (50%), 2/s\x1b[K" +
		"\rcopying   [===============               ] 2/4 (50%), 2/s\x1b[K\n"
	if bar.String() != want {
		t.Errorf("bar = %q, want %q", bar.String(), want)
	}

	var nilProgress *progress // --quiet
	nilProgress.setTotal(1)
	nilProgress.add(1)
	nilProgress.finish()
}

func TestBulkCommandHelp(t *testing.T) {
	for _, cmd := range []string{"export", "import", "migrate"} {
		stdout, stderr, err := runBulk(context.Background(), nil, cmd, "--help")
		if err != nil || !strings.Contains(stdout, "Usage: trafficmirror "+cmd) || !strings.Contains(stdout, "\nExample:\n  trafficmirror "+cmd) || stderr != "" {
			t.Errorf("%s --help = %v; stdout:\n%s\nstderr:\n%s", cmd, err, stdout, stderr)
		}
	}
	stdout, _, _ := runBulk(context.Background(), nil, "--help")
	for _, cmd := range []string{"export", "import", "migrate"} {
		if !strings.Contains(stdout, "  trafficmirror "+cmd+" ") {
			t.Errorf("trafficmirror --help does not list %s:\n%s", cmd, stdout)
		}
	}
	if _, _, err := runBulk(context.Background(), nil, "export", "--db", filepath.Join(t.TempDir(), "missing.db")); err == nil {
		t.Errorf("export of a missing SQLite file succeeded")
	}
}
