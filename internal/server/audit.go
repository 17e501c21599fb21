package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/trafficmirror/trafficmirror/internal/api"
)

// auditMutation writes the audit line of a successful mutation to the audit
// logger: who (access_key, project), what (operation, resource_id, and in
// fields the names of the body fields the request set) and when (the
// record's time). It never logs a value from the body: names only, and only
// names the API knows, so a client cannot write into the audit log.
func (s *server) auditMutation(r *http.Request, info *requestInfo, status int, end time.Time) {
	if s.audit == nil {
		return
	}
	// The record is built here rather than by LogAttrs for the reasons of
	// logRequest; its time is the end of the request, as the access line's.
	ctx := r.Context()
	h := s.audit.Handler()
	if !h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	rec := slog.NewRecord(end, slog.LevelInfo, "audit", 0)
	rec.AddAttrs(
		slog.String("request_id", info.id),
		slog.String("operation", info.op.name),
		slog.String("project", info.project),
		slog.String("access_key", info.accessKey),
		slog.String("resource_id", info.resourceID),
		slog.Any("fields", setFields(info.body, info.op.bodyRoot())),
		slog.Int("status", status))
	_ = h.Handle(ctx, rec)
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
// the audit line shows [] for a request that set nothing. It is what
// decoding body into map[string]json.RawMessage, and the root's value into
// another, would say (setFieldsJSON), read by a scanner that neither
// allocates the maps nor reflects: the decoding cost as much as the
// handler's own. The handler has accepted the body, so it is valid JSON;
// anything the scanner does not expect goes to setFieldsJSON.
func setFields(body []byte, root string) []string {
	if root == "" {
		return []string{}
	}
	names := bodyFields[root]
	fields := make([]string, 0, len(names))
	var state [32]byte // per name: 0 absent, 1 set, 2 null (the last one wins)
	if len(names) > len(state) {
		return setFieldsJSON(body, root)
	}
	sc := jsonScanner{b: body}
	obj, ok := sc.member(root)
	if !ok {
		return setFieldsJSON(body, root)
	}
	if len(obj) == 0 || obj[0] != '{' {
		return fields // absent, null, or not an object: nothing set
	}
	inner := jsonScanner{b: obj}
	ok = inner.members(func(key, value []byte) {
		for i, name := range names {
			if name == string(key) {
				state[i] = 1
				if string(value) == "null" {
					state[i] = 2
				}
			}
		}
	})
	if !ok {
		return setFieldsJSON(body, root)
	}
	for i, name := range names {
		if state[i] == 1 {
			fields = append(fields, name)
		}
	}
	return fields
}

// setFieldsJSON is setFields by encoding/json, for what the scanner leaves.
func setFieldsJSON(body []byte, root string) []string {
	fields := []string{}
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

// jsonScanner walks the members of one JSON object that is known to be
// valid. It gives up (ok false) on a key with escapes, which only
// encoding/json decodes the same way, and on anything malformed.
type jsonScanner struct {
	b []byte
	i int
}

// member returns the value of the object's last member named key, nil
// when there is none.
func (sc *jsonScanner) member(key string) (value []byte, ok bool) {
	ok = sc.members(func(k, v []byte) {
		if string(k) == key {
			value = v
		}
	})
	return value, ok
}

// members calls f with each member's key and value text, in order.
func (sc *jsonScanner) members(f func(key, value []byte)) bool {
	sc.space()
	if !sc.byte('{') {
		return false
	}
	sc.space()
	if sc.byte('}') {
		return sc.end()
	}
	for {
		sc.space()
		key, ok := sc.key()
		if !ok {
			return false
		}
		sc.space()
		if !sc.byte(':') {
			return false
		}
		sc.space()
		start := sc.i
		if !sc.value() {
			return false
		}
		f(key, sc.b[start:sc.i])
		sc.space()
		if sc.byte('}') {
			return sc.end()
		}
		if !sc.byte(',') {
			return false
		}
	}
}

// end reports whether only white space follows.
func (sc *jsonScanner) end() bool {
	sc.space()
	return sc.i == len(sc.b)
}

func (sc *jsonScanner) space() {
	for sc.i < len(sc.b) {
		switch sc.b[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

func (sc *jsonScanner) byte(c byte) bool {
	if sc.i < len(sc.b) && sc.b[sc.i] == c {
		sc.i++
		return true
	}
	return false
}

// key reads a string without escapes and returns its text.
func (sc *jsonScanner) key() ([]byte, bool) {
	if !sc.byte('"') {
		return nil, false
	}
	start := sc.i
	for sc.i < len(sc.b) {
		switch c := sc.b[sc.i]; {
		case c == '"':
			sc.i++
			return sc.b[start : sc.i-1], true
		case c == '\\' || c < ' ':
			return nil, false
		}
		sc.i++
	}
	return nil, false
}

// value skips one value: a string, an object or array (by depth, minding
// strings), or a number or literal.
func (sc *jsonScanner) value() bool {
	if sc.i >= len(sc.b) {
		return false
	}
	switch sc.b[sc.i] {
	case '"':
		return sc.str()
	case '{', '[':
		depth := 0
		for sc.i < len(sc.b) {
			switch sc.b[sc.i] {
			case '"':
				if !sc.str() {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					sc.i++
					return true
				}
			}
			sc.i++
		}
		return false
	}
	start := sc.i
	for sc.i < len(sc.b) {
		switch sc.b[sc.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return sc.i > start
		}
		sc.i++
	}
	return sc.i > start
}

// str skips a string, escapes included: its end is the first '"' after
// the opening one that is not escaped, that is not preceded by an odd
// number of backslashes.
func (sc *jsonScanner) str() bool {
	i := sc.i + 1 // past the opening quote
	for {
		k := bytes.IndexByte(sc.b[i:], '"')
		if k < 0 {
			return false
		}
		i += k
		backslashes := 0
		for j := i - 1; j > sc.i && sc.b[j] == '\\'; j-- {
			backslashes++
		}
		i++
		if backslashes%2 == 0 {
			sc.i = i
			return true
		}
	}
}
