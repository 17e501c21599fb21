package metrics_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/trafficmirror/trafficmirror/internal/metrics"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
	"github.com/trafficmirror/trafficmirror/internal/sqlstore"
)

const (
	project = "0123456789abcdef0123456789abcdef"
	src     = "6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b"
	src2    = "7e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b"
	target  = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
)

func scrape(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, rec.Body)
	}
	return mfs
}

// Every method of the instrumented store times itself under its own name
// and returns what the real store returns.
func TestStore(t *testing.T) {
	ctx := context.Background()
	base, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "t.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { base.Close() })
	m := metrics.New(metrics.Options{})
	st := m.Store(base)

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f, err := st.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "f"})
	must(err)
	_, err = st.GetFilter(ctx, project, f.ID)
	must(err)
	_, err = st.ListFilters(ctx, project, mirror.FilterQuery{})
	must(err)
	name := "g"
	got, err := st.UpdateFilter(ctx, project, f.ID, mirror.FilterUpdate{Name: &name})
	must(err)
	if got.Name != "g" {
		t.Errorf("UpdateFilter returned %+v, want the updated filter", got)
	}
	r, err := st.CreateFilterRule(ctx, mirror.FilterRule{ProjectID: project, FilterID: f.ID, Direction: "ingress",
		Protocol: "tcp", Ethertype: "IPv4", Action: "accept", Priority: 1})
	must(err)
	_, err = st.GetFilterRule(ctx, project, r.ID)
	must(err)
	_, err = st.ListFilterRules(ctx, project, mirror.FilterRuleQuery{})
	must(err)
	prio := 2
	_, err = st.UpdateFilterRule(ctx, project, r.ID, mirror.FilterRuleUpdate{Priority: &prio})
	must(err)
	s, err := st.CreateSession(ctx, mirror.Session{ProjectID: project, Name: "s", FilterID: f.ID, Sources: []string{src},
		TargetID: target, TargetType: "eni", VirtualNetworkID: 1, PacketLength: 96, Priority: 1, Type: "eni"})
	must(err)
	_, err = st.GetSession(ctx, project, s.ID)
	must(err)
	_, err = st.ListSessions(ctx, project, mirror.SessionQuery{})
	must(err)
	_, err = st.UpdateSession(ctx, project, s.ID, mirror.SessionUpdate{Priority: &prio})
	must(err)
	_, err = st.AddSessionSources(ctx, project, s.ID, []string{src2})
	must(err)
	_, err = st.RemoveSessionSources(ctx, project, s.ID, []string{src2})
	must(err)
	must(st.DeleteSession(ctx, project, s.ID))
	must(st.DeleteFilterRule(ctx, project, r.ID))
	must(st.DeleteFilter(ctx, project, f.ID))
	must(st.Ping(ctx))
	// A not-found answer is timed but is not a store error.
	if _, err := st.GetSession(ctx, project, s.ID); mirror.ErrorCode(err) != mirror.CodeSessionNotFound {
		t.Fatalf("GetSession of a deleted session: %v", err)
	}

	mfs := scrape(t, m)
	counts := map[string]uint64{}
	for _, series := range mfs[metrics.StoreDurationName].GetMetric() {
		counts[series.GetLabel()[0].GetValue()] = series.GetHistogram().GetSampleCount()
	}
	want := map[string]uint64{}
	for _, method := range storeInterfaceMethods() {
		want[method] = 1
	}
	want["GetSession"] = 2
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("store calls timed (-want +got):\n%s", diff)
	}
	if errs := mfs[metrics.StoreErrorsName]; len(errs.GetMetric()) != 0 {
		t.Errorf("store errors %v, want none", errs)
	}
}

// storeInterfaceMethods are the methods of mirror.Store that are timed:
// all but Close.
func storeInterfaceMethods() []string {
	var names []string
	for m := range reflect.TypeFor[mirror.Store]().Methods() {
		if m.Name != "Close" {
			names = append(names, m.Name)
		}
	}
	slices.Sort(names)
	return names
}

func TestBuildInfoDefaultVersion(t *testing.T) {
	mfs := scrape(t, metrics.New(metrics.Options{}))
	bi := mfs[metrics.BuildInfoName].GetMetric()
	if len(bi) != 1 {
		t.Fatalf("build info series: %v", bi)
	}
	labels := map[string]string{}
	for _, l := range bi[0].GetLabel() {
		labels[l.GetName()] = l.GetValue()
	}
	if labels["version"] != "devel" || labels["goversion"] == "" || bi[0].GetGauge().GetValue() != 1 {
		t.Errorf("build info = %v, want version devel, a goversion and value 1", bi[0])
	}
}

// requestSeries returns the request counters as "operation status" → count
// and the duration histograms' sample counts by operation.
func requestSeries(t *testing.T, m *metrics.Metrics) (map[string]float64, map[string]uint64) {
	t.Helper()
	mfs := scrape(t, m)
	counts := map[string]float64{}
	for _, series := range mfs[metrics.RequestsName].GetMetric() {
		labels := map[string]string{}
		for _, l := range series.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		counts[labels["operation"]+" "+labels["status"]] = series.GetCounter().GetValue()
	}
	durations := map[string]uint64{}
	for _, series := range mfs[metrics.RequestDurationName].GetMetric() {
		durations[series.GetLabel()[0].GetValue()] = series.GetHistogram().GetSampleCount()
	}
	return counts, durations
}

// An operation's resolved metrics count into the same series as another
// resolution of the same operation, a status appearing at its first
// request, also when many goroutines add statuses at once (run with -race).
func TestOperationMetrics(t *testing.T) {
	m := metrics.New(metrics.Options{Operations: []string{"ShowX", "ListX"}})
	show := m.Operation("ShowX")
	if counts, _ := requestSeries(t, m); len(counts) != 0 {
		t.Errorf("request counters before any request: %v, want none", counts)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				show.ObserveRequest([]int{200, 404, 429, 500}[(i+j)%4], time.Millisecond)
			}
		})
	}
	wg.Wait()
	m.Operation("ShowX").ObserveRequest(200, time.Millisecond)
	m.Operation("ListX").ObserveRequest(400, time.Second)

	counts, durations := requestSeries(t, m)
	wantCounts := map[string]float64{"ShowX 200": 201, "ShowX 404": 200, "ShowX 429": 200, "ShowX 500": 200, "ListX 400": 1}
	if diff := cmp.Diff(wantCounts, counts); diff != "" {
		t.Errorf("request counters (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]uint64{"ShowX": 801, "ListX": 1}, durations); diff != "" {
		t.Errorf("request durations observed (-want +got):\n%s", diff)
	}
}
