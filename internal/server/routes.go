package server

import (
	"net/http"
	"path"
	"strings"
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

// routes registers every operation, /healthz, and the 404 for everything
// else.
func (s *server) routes(mux *http.ServeMux) {
	s.operation(mux, "POST", sessionsPath, "CreateTrafficMirrorSession", s.handleCreateSession())
	s.operation(mux, "GET", sessionsPath, "ListTrafficMirrorSessions", s.handleListSessions())
	s.operation(mux, "GET", sessionPath, "ShowTrafficMirrorSession", s.handleShowSession())
	s.operation(mux, "PUT", sessionPath, "UpdateTrafficMirrorSession", s.handleUpdateSession())
	s.operation(mux, "DELETE", sessionPath, "DeleteTrafficMirrorSession", s.handleDeleteSession())
	s.operation(mux, "PUT", addSourcesPath, "AddSourcesToTrafficMirrorSession", s.handleAddSources())
	s.operation(mux, "PUT", removeSourcesPath, "RemoveSourcesFromTrafficMirrorSession", s.handleRemoveSources())

	s.operation(mux, "POST", filtersPath, "CreateTrafficMirrorFilter", s.handleCreateFilter())
	s.operation(mux, "GET", filtersPath, "ListTrafficMirrorFilters", s.handleListFilters())
	s.operation(mux, "GET", filterPath, "ShowTrafficMirrorFilter", s.handleShowFilter())
	s.operation(mux, "PUT", filterPath, "UpdateTrafficMirrorFilter", s.handleUpdateFilter())
	s.operation(mux, "DELETE", filterPath, "DeleteTrafficMirrorFilter", s.handleDeleteFilter())

	s.operation(mux, "POST", rulesPath, "CreateTrafficMirrorFilterRule", s.handleCreateRule())
	s.operation(mux, "GET", rulesPath, "ListTrafficMirrorFilterRules", s.handleListRules())
	s.operation(mux, "GET", rulePath, "ShowTrafficMirrorFilterRule", s.handleShowRule())
	s.operation(mux, "PUT", rulePath, "UpdateTrafficMirrorFilterRule", s.handleUpdateRule())
	s.operation(mux, "DELETE", rulePath, "DeleteTrafficMirrorFilterRule", s.handleDeleteRule())

	health := s.named("Health", s.adapt(s.handleHealth()))
	mux.Handle("GET /healthz", health)
	mux.Handle("GET /healthz/{$}", health)

	// Any other path, or a known path with another method, matches only this
	// pattern, so the mux never answers 405 by itself.
	mux.Handle("/", s.adapt(func(http.ResponseWriter, *http.Request) error { return errNoRoute }))
}

// operation registers the API operation op at method and pattern, also with
// one trailing slash (the {$} form matches exactly that, and the request is
// left untouched, so the signature is verified over the path as sent). The
// steps after the route match follow errors.md §4: body size,
// authentication, project, then h (query, body, store).
func (s *server) operation(mux *http.ServeMux, method, pattern, op string, h handlerFunc) {
	handler := s.named(op, s.adapt(s.readBody(s.authenticate(s.checkProject(h)))))
	mux.Handle(method+" "+pattern, handler)
	mux.Handle(method+" "+pattern+"/{$}", handler)
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
