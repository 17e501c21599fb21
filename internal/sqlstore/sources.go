package sqlstore

import (
	"encoding/json"
	"strings"
)

// A session's sources are stored as a JSON array of strings, in association
// order (sessions.sources). Every list reads the array of every row, and
// encoding/json, which reflects over the destination and copies each
// string, was a tenth of a list's time. The store itself writes the arrays
// from source IDs that were validated as UUIDs, which never need an escape;
// so decodeSources and encodeSources handle such arrays by hand and leave
// everything else (an escape, white space, a database written by another
// tool) to encoding/json, with exactly its result (FuzzSources).

// decodeSources returns the sources stored as the JSON array s, never nil.
// The strings share the memory of s.
func decodeSources(s string) ([]string, error) {
	if out, ok := splitPlainArray(s); ok {
		return out, nil
	}
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, err
	}
	if out == nil {
		out = []string{} // a stored null
	}
	return out, nil
}

// splitPlainArray returns the strings of s when s is a JSON array of strings
// in the compact form that encodeSources writes, each made of plainJSON
// bytes; otherwise false.
func splitPlainArray(s string) ([]string, bool) {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, false
	}
	body := s[1 : len(s)-1]
	if body == "" {
		return []string{}, true
	}
	out := make([]string, 0, strings.Count(body, ",")+1)
	for {
		if len(body) < 2 || body[0] != '"' {
			return nil, false
		}
		end := strings.IndexByte(body[1:], '"')
		if end < 0 {
			return nil, false
		}
		v := body[1 : 1+end]
		if !plainJSON(v) {
			return nil, false
		}
		out = append(out, v)
		body = body[end+2:]
		if body == "" {
			return out, true
		}
		if body[0] != ',' {
			return nil, false
		}
		body = body[1:]
	}
}

// plainJSON reports whether s is the same inside a JSON string as outside:
// printable ASCII that json.Marshal does not escape ('"', '\\', and the
// HTML characters '<', '>' and '&' it escapes by default).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// encodeSources returns the stored form of a session's sources: the same
// bytes as json.Marshal of the slice (with nil as []).
func encodeSources(sources []string) string {
	n := 2
	for _, src := range sources {
		if !plainJSON(src) {
			b, _ := json.Marshal(sources) // a []string always encodes
			return string(b)
		}
		n += len(src) + 3
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteByte('[')
	for i, src := range sources {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(src)
		b.WriteByte('"')
	}
	b.WriteByte(']')
	return b.String()
}
