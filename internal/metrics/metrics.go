// Package metrics holds the Prometheus metrics of a trafficmirror server: the
// requests it answers, the time its store takes, the resources it keeps and
// the build it runs, on a registry of its own.
//
// Each Metrics value has its own registry rather than the process-wide
// default one, so that several servers in one process (tests, tmtest) never
// collide.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// Names of the metrics; every one starts with the namespace trafficmirror_.
const (
	RequestsName        = "trafficmirror_http_requests_total"
	RequestDurationName = "trafficmirror_http_request_duration_seconds"
	StoreDurationName   = "trafficmirror_store_query_duration_seconds"
	StoreErrorsName     = "trafficmirror_store_errors_total"
	ResourcesName       = "trafficmirror_resources"
	ResourceErrorsName  = "trafficmirror_resource_count_errors_total"
	BuildInfoName       = "trafficmirror_build_info"
)

// UnmatchedOperation is the operation label of requests that match no
// operation (404 APIGW.0101): a misconfigured client shows up there.
const UnmatchedOperation = "unmatched"

// resourceCountTimeout bounds the store's count at one scrape.
const resourceCountTimeout = 5 * time.Second

// ResourceCounter is implemented by a store that can count the resources of
// all projects cheaply. The keys of the map are the resource kinds
// "sessions", "filters" and "rules"; each becomes one value of the kind
// label of trafficmirror_resources. The count is taken at every scrape, so
// that it is right whichever replica is scraped.
type ResourceCounter interface {
	ResourceCounts(ctx context.Context) (map[string]int64, error)
}

// Options configure Metrics.
type Options struct {
	// Version is the version label of trafficmirror_build_info; "" means
	// "devel".
	Version string
	// Operations are the API operation names. Their series exist from the
	// start, at zero, so that rates and dashboards need not wait for the
	// first request of each.
	Operations []string
	// Resources, when not nil, is asked for the resource counts at every
	// scrape.
	Resources ResourceCounter
	// Logger receives the errors of gathering and serving the metrics; nil
	// discards them.
	Logger *slog.Logger
}

// Metrics are the metrics of one server and the registry holding them.
type Metrics struct {
	reg           *prometheus.Registry
	logger        *slog.Logger
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	storeDuration *prometheus.HistogramVec
	storeErrors   *prometheus.CounterVec
	// storeObservers are the storeDuration series of the store methods,
	// looked up once: the map is never written after New, so reading it
	// needs no lock, unlike the vector's own label lookup.
	storeObservers map[string]prometheus.Observer
}

// New returns the metrics of one server on a fresh registry that also holds
// the Go runtime and process collectors.
func New(opts Options) *Metrics {
	m := &Metrics{
		reg:    prometheus.NewRegistry(),
		logger: opts.Logger,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: RequestsName,
			Help: "API requests answered, by operation and HTTP status. Requests that match no operation have operation=\"" + UnmatchedOperation + "\".",
		}, []string{"operation", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    RequestDurationName,
			Help:    "Time from receiving an API request to completing its response, by operation.",
			Buckets: prometheus.DefBuckets,
		}, []string{"operation"}),
		storeDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: StoreDurationName,
			Help: "Time one call of the store takes, by store method.",
			// Store calls are mostly sub-millisecond on SQLite; the
			// default buckets start at 5ms and would hide them.
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: StoreErrorsName,
			Help: "Store calls that failed unexpectedly (kind internal) or could not reach the database (kind unavailable), by store method.",
		}, []string{"method", "kind"}),
	}
	if m.logger == nil {
		m.logger = slog.New(slog.DiscardHandler)
	}
	version := opts.Version
	if version == "" {
		version = "devel"
	}
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: BuildInfoName,
		Help: "Always 1; the labels name the trafficmirror version and the Go version it was built with.",
	}, []string{"version", "goversion"})
	buildInfo.WithLabelValues(version, runtime.Version()).Set(1)

	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo, m.requests, m.duration, m.storeDuration, m.storeErrors,
	)
	for _, op := range opts.Operations {
		m.duration.WithLabelValues(op)
	}
	m.storeObservers = make(map[string]prometheus.Observer, len(storeMethods))
	for _, method := range storeMethods {
		m.storeObservers[method] = m.storeDuration.WithLabelValues(method)
	}
	if opts.Resources != nil {
		m.reg.MustRegister(newResourceCollector(opts.Resources))
	}
	return m
}

// Handler serves the metrics in the Prometheus exposition formats. A
// collector that fails (the store cannot count its resources) is logged and
// left out; the other metrics are still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(m.logger.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// Operation returns the request metrics of one operation, with its series
// looked up once rather than at every request. Two results for one name
// count into the same series.
func (m *Metrics) Operation(name string) *OperationMetrics {
	return &OperationMetrics{
		requests: m.requests.MustCurryWith(prometheus.Labels{"operation": name}),
		duration: m.duration.WithLabelValues(name),
	}
}

// OperationMetrics are the request metrics of one operation (see
// Metrics.Operation). They are safe for concurrent use.
type OperationMetrics struct {
	requests *prometheus.CounterVec // curried with the operation
	duration prometheus.Observer
	// counters are the request counters of the statuses seen so far, a
	// handful: copied on write, so that counting needs no lock. A status
	// gets its series at its first request.
	counters atomic.Pointer[[]statusCounter]
	mu       sync.Mutex // serialises adding a status
}

type statusCounter struct {
	status  int
	counter prometheus.Counter
}

// ObserveRequest records one answered request of the operation with the
// status it got and the time it took.
func (o *OperationMetrics) ObserveRequest(status int, d time.Duration) {
	o.counter(status).Inc()
	o.duration.Observe(d.Seconds())
}

func (o *OperationMetrics) counter(status int) prometheus.Counter {
	if c, ok := findCounter(o.counters.Load(), status); ok {
		return c
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	p := o.counters.Load()
	if c, ok := findCounter(p, status); ok {
		return c // added while this call waited
	}
	var cs []statusCounter
	if p != nil {
		cs = slices.Clone(*p)
	}
	c := o.requests.WithLabelValues(strconv.Itoa(status))
	cs = append(cs, statusCounter{status, c})
	o.counters.Store(&cs)
	return c
}

// findCounter returns the counter of status among cs, which may be nil.
func findCounter(cs *[]statusCounter, status int) (prometheus.Counter, bool) {
	if cs == nil {
		return nil, false
	}
	for _, c := range *cs {
		if c.status == status {
			return c.counter, true
		}
	}
	return nil, false
}

// observeStore records one store call.
func (m *Metrics) observeStore(method string, start time.Time, err error) {
	obs, ok := m.storeObservers[method]
	if !ok {
		obs = m.storeDuration.WithLabelValues(method)
	}
	obs.Observe(time.Since(start).Seconds())
	if err == nil {
		return
	}
	// The client errors (not found, conflict, ...) are answers, not
	// failures of the store; only these two say something is wrong.
	switch mirror.ErrorKind(err) {
	case mirror.KindInternal:
		m.storeErrors.WithLabelValues(method, "internal").Inc()
	case mirror.KindUnavailable:
		m.storeErrors.WithLabelValues(method, "unavailable").Inc()
	}
}

// resourceCollector asks the store for the resource counts at every scrape.
type resourceCollector struct {
	counter ResourceCounter
	desc    *prometheus.Desc
	errors  prometheus.Counter
}

func newResourceCollector(c ResourceCounter) *resourceCollector {
	return &resourceCollector{
		counter: c,
		desc: prometheus.NewDesc(ResourcesName,
			"Resources kept in all projects, by kind (sessions, filters, rules), counted at scrape time.",
			[]string{"kind"}, nil),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: ResourceErrorsName,
			Help: "Scrapes at which the store could not count the resources.",
		}),
	}
}

func (c *resourceCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc
	c.errors.Describe(ch)
}

func (c *resourceCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), resourceCountTimeout)
	defer cancel()
	counts, err := c.counter.ResourceCounts(ctx)
	if err != nil {
		c.errors.Inc()
		ch <- c.errors
		// Reported to the handler, which logs it and serves the rest.
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	ch <- c.errors
	kinds := make([]string, 0, len(counts))
	for kind := range counts {
		kinds = append(kinds, kind)
	}
	slices.Sort(kinds)
	for _, kind := range kinds {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[kind]), kind)
	}
}
