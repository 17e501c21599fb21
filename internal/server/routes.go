package server

import (
	"net/http"
	"path"
	"strings"

	"github.com/trafficmirror/trafficmirror/internal/api"
)

// Paths of the operations (../shared/spec/README.md §2).
const (
	sessionsPath      = "/v3/{project_id}/vpc/traffic-mirror-sessions"
	sessionPath       = sessionsPath + "/{traffic_mirror_session_id}"
	addSourcesPath    = sessionPath + "/add-sources"
	removeSourcesPath = sessionPath + "/remove-sources"
	filtersPath       = "/v3/{project_id}/vpc/traffic-mirror-filters"
	filterPath        = filtersPath + "/{traffic_mirror_filter_id}"
	rulesPath         = "/v3/{project_id}/vpc/traffic-mirror-filter-rules"
	rulePath          = rulesPath + "/{traffic_mirror_filter_rule_id}"
)

// operation is one API operation: the router registers it and
// /openapi.json documents it, both from the operations list.
type operation struct {
	method  string
	pattern string
	// name is the Huawei SDK method name; it is also the OpenAPI
	// operationId and the operation of logs and metrics.
	name    string
	handler func(*server) handlerFunc
}

// mutates reports whether the operation changes state (and is audited).
func (op operation) mutates() bool { return op.method != "GET" }

// bodyRoot returns the root key of the operation's request body, "" when it
// reads no body.
func (op operation) bodyRoot() string {
	if op.method != "POST" && op.method != "PUT" {
		return ""
	}
	switch {
	case strings.HasPrefix(op.pattern, sessionsPath):
		return api.RootSession
	case strings.HasPrefix(op.pattern, filtersPath):
		return api.RootFilter
	case strings.HasPrefix(op.pattern, rulesPath):
		return api.RootFilterRule
	}
	return ""
}

// operations are the 17 operations of ../shared/spec/README.md §2, in its
// order. This list is the only place operations are registered.
var operations = []operation{
	{"POST", sessionsPath, "CreateTrafficMirrorSession", (*server).handleCreateSession},
	{"GET", sessionsPath, "ListTrafficMirrorSessions", (*server).handleListSessions},
	{"GET", sessionPath, "ShowTrafficMirrorSession", (*server).handleShowSession},
	{"PUT", sessionPath, "UpdateTrafficMirrorSession", (*server).handleUpdateSession},
	{"DELETE", sessionPath, "DeleteTrafficMirrorSession", (*server).handleDeleteSession},
	{"PUT", addSourcesPath, "AddSourcesToTrafficMirrorSession", (*server).handleAddSources},
	{"PUT", removeSourcesPath, "RemoveSourcesFromTrafficMirrorSession", (*server).handleRemoveSources},

	{"POST", filtersPath, "CreateTrafficMirrorFilter", (*server).handleCreateFilter},
	{"GET", filtersPath, "ListTrafficMirrorFilters", (*server).handleListFilters},
	{"GET", filterPath, "ShowTrafficMirrorFilter", (*server).handleShowFilter},
	{"PUT", filterPath, "UpdateTrafficMirrorFilter", (*server).handleUpdateFilter},
	{"DELETE", filterPath, "DeleteTrafficMirrorFilter", (*server).handleDeleteFilter},

	{"POST", rulesPath, "CreateTrafficMirrorFilterRule", (*server).handleCreateRule},
	{"GET", rulesPath, "ListTrafficMirrorFilterRules", (*server).handleListRules},
	{"GET", rulePath, "ShowTrafficMirrorFilterRule", (*server).handleShowRule},
	{"PUT", rulePath, "UpdateTrafficMirrorFilterRule", (*server).handleUpdateRule},
	{"DELETE", rulePath, "DeleteTrafficMirrorFilterRule", (*server).handleDeleteRule},
}

// operationNames returns the names of the operations in list order.
func operationNames() []string {
	names := make([]string, len(operations))
	for i, op := range operations {
		names[i] = op.name
	}
	return names
}

// routes registers every operation, the unauthenticated /healthz, /metrics
// and /openapi.json, and the 404 for everything else.
func (s *server) routes(mux *http.ServeMux) {
	for _, op := range operations {
		s.operation(mux, op)
	}

	health := s.named("Health", s.adapt(s.handleHealth()))
	mux.Handle("GET /healthz", health)
	mux.Handle("GET /healthz/{$}", health)
	// Neither is an API operation: no signature, no operation metrics.
	mux.Handle("GET /metrics", s.named("Metrics", s.metrics.Handler()))
	mux.Handle("GET /openapi.json", s.named("OpenAPI", s.adapt(s.handleOpenAPI())))

	// Any other path, or a known path with another method, matches only this
	// pattern, so the mux never answers 405 by itself.
	mux.Handle("/", s.adapt(func(http.ResponseWriter, *http.Request) error { return errNoRoute }))
}

// operation registers op at its method and pattern, also with one trailing
// slash (the {$} form matches exactly that, and the request is left
// untouched, so the signature is verified over the path as sent). The steps
// after the route match follow errors.md §4 with this server's rate limits
// added (docs/api.md §9.2): body size; the client address's budget of
// failed authentications, then authentication; the access key's rate limit;
// project; then the handler (query, body, store).
func (s *server) operation(mux *http.ServeMux, op operation) {
	h := s.adapt(s.readBody(s.authenticate(s.limitRate(s.checkProject(op.handler(s))))))
	opMetrics := s.metrics.Operation(op.name)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoOf(r)
		info.op = &op
		info.opMetrics = opMetrics
		info.resourceID = pathResourceID(r)
		h.ServeHTTP(w, r)
	})
	named := s.named(op.name, handler)
	mux.Handle(op.method+" "+op.pattern, named)
	mux.Handle(op.method+" "+op.pattern+"/{$}", named)
}

// pathResourceID returns the resource ID in the request's path, "" for the
// create and list operations.
func pathResourceID(r *http.Request) string {
	for _, name := range []string{"traffic_mirror_session_id", "traffic_mirror_filter_id", "traffic_mirror_filter_rule_id"} {
		if id := r.PathValue(name); id != "" {
			return id
		}
	}
	return ""
}

// named records the operation and project for the access log.
func (s *server) named(op string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoOf(r)
		info.operation = op
		info.project = projectID(r)
		next.ServeHTTP(w, r)
	})
}

// apiMethods are the methods of the operations. A "GET" pattern of the mux
// also matches HEAD, which the API does not offer.
var apiMethods = map[string]bool{"GET": true, "POST": true, "PUT": true, "DELETE": true}

// withRoute answers 404 APIGW.0101 for methods the API does not use and for
// paths the mux would redirect to their clean form (such as an empty project
// segment, "/v3//vpc/..."), then lets the mux match the route.
func (s *server) withRoute(mux *http.ServeMux) http.Handler {
	notFound := s.adapt(func(http.ResponseWriter, *http.Request) error { return errNoRoute })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !apiMethods[r.Method] || !isCleanPath(r.URL.Path) {
			notFound.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// isCleanPath reports whether p, less one trailing slash, is its own
// path.Clean form.
func isCleanPath(p string) bool {
	p = strings.TrimSuffix(p, "/")
	return p != "" && path.Clean(p) == p
}
