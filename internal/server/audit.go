package server

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"reflect"
	"strings"

	"github.com/trafficmirror/trafficmirror/internal/api"
)

// auditMutation writes the audit line of a successful mutation to the audit
// logger: who (access_key, project), what (operation, resource_id, and in
// fields the names of the body fields the request set) and when (the
// record's time). It never logs a value from the body: names only, and only
// names the API knows, so a client cannot write into the audit log.
func (s *server) auditMutation(r *http.Request, info *requestInfo, status int) {
	if s.audit == nil {
		return
	}
	s.audit.LogAttrs(r.Context(), slog.LevelInfo, "audit",
		slog.String("request_id", info.id),
		slog.String("operation", info.op.name),
		slog.String("project", info.project),
		slog.String("access_key", info.accessKey),
		slog.String("resource_id", info.resourceID),
		slog.Any("fields", setFields(info.body, info.op.bodyRoot())),
		slog.Int("status", status))
}

// bodyFields are the field names each root key of a request body may carry,
// in the order of the wire types.
var bodyFields = map[string][]string{
	api.RootSession:    jsonNames(reflect.TypeFor[api.SessionFields]()),
	api.RootFilter:     jsonNames(reflect.TypeFor[api.FilterFields]()),
	api.RootFilterRule: jsonNames(reflect.TypeFor[api.FilterRuleFields]()),
}

// jsonNames returns the JSON names of the fields of struct type t.
func jsonNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

// setFields returns the names of the known fields that body sets (present
// and not null) under root, in the order of bodyFields; never nil, so that
// the audit line shows [] for a request that set nothing.
func setFields(body []byte, root string) []string {
	fields := []string{}
	if root == "" {
		return fields
	}
	// The handler has accepted the body, so it decodes; should it not, the
	// line says that no field was set rather than failing.
	var outer map[string]json.RawMessage
	if json.Unmarshal(body, &outer) != nil {
		return fields
	}
	var inner map[string]json.RawMessage
	if json.Unmarshal(outer[root], &inner) != nil {
		return fields
	}
	for _, name := range bodyFields[root] {
		if v, ok := inner[name]; ok && string(v) != "null" {
			fields = append(fields, name)
		}
	}
	return fields
}
