package server

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/api"
)

// setFields must say what decoding with encoding/json (setFieldsJSON) says
// of every body a handler can accept, that is every valid JSON text.

func TestSetFieldsExamples(t *testing.T) {
	for _, tc := range []struct {
		body string
		want []string
	}{
		{`{"traffic_mirror_session":{"name":"a","priority":3}}`, []string{"name", "priority"}},
		{` { "traffic_mirror_session" : { "priority" : null , "name" : "a" } } `, []string{"name"}},
		{`{"traffic_mirror_session":{"name":"a","name":null}}`, []string{}},                   // the last one wins
		{`{"traffic_mirror_session":{"name":null,"name":"a"}}`, []string{"name"}},             // the last one wins
		{`{"traffic_mirror_session":{"name":"a"},"traffic_mirror_session":null}`, []string{}}, // so for the root
		{`{"traffic_mirror_session":{"n\u0061me":"a"}}`, []string{"name"}},                    // an escaped key
		{`{"traffic_mirror_session":{"Name":"a","unknown":1}}`, []string{}},
		{`{"traffic_mirror_session":{"description":"\"}{,:[","traffic_mirror_sources":["x","]"]}}`, []string{"description", "traffic_mirror_sources"}},
		{`{"other":{"name":"a"}}`, []string{}},
		{`{"traffic_mirror_session":[]}`, []string{}},
		{`{"traffic_mirror_session":"x"}`, []string{}},
		{`{}`, []string{}},
		{`[]`, []string{}},
		{`null`, []string{}},
	} {
		got := setFields([]byte(tc.body), api.RootSession)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("setFields(%s) (-want +got):\n%s", tc.body, diff)
		}
		if diff := cmp.Diff(setFieldsJSON([]byte(tc.body), api.RootSession), got); diff != "" {
			t.Errorf("setFields(%s) differs from encoding/json (-json +got):\n%s", tc.body, diff)
		}
	}
	if got := setFields([]byte(`{"traffic_mirror_session":{"name":"a"}}`), ""); got == nil || len(got) != 0 {
		t.Errorf("setFields without a root = %#v, want []", got)
	}
}

// randJSON writes a random JSON value; objects draw their keys mostly from
// the known field names and the roots.
func randJSON(r *rand.Rand, sb *strings.Builder, depth int) {
	ws := func() {
		if r.IntN(4) == 0 {
			sb.WriteString([]string{" ", "\n", "\t ", "\r\n"}[r.IntN(4)])
		}
	}
	ws()
	switch k := r.IntN(9); {
	case k < 2 && depth < 4:
		sb.WriteByte('{')
		for i := range r.IntN(5) {
			if i > 0 {
				sb.WriteByte(',')
			}
			ws()
			keys := slices.Concat(bodyFields[api.RootSession], []string{api.RootSession, api.RootFilter, "x", "Name", `n\u0061me`, `a\"b`, "é"})
			sb.WriteString(`"` + keys[r.IntN(len(keys))] + `"`)
			ws()
			sb.WriteByte(':')
			randJSON(r, sb, depth+1)
		}
		ws()
		sb.WriteByte('}')
	case k < 3 && depth < 4:
		sb.WriteByte('[')
		for i := range r.IntN(4) {
			if i > 0 {
				sb.WriteByte(',')
			}
			randJSON(r, sb, depth+1)
		}
		sb.WriteByte(']')
	case k < 5:
		b, _ := json.Marshal([]string{"", "a", `"`, `\`, "}", "]", ",", ":", "{\"x\":1}", "\u2028", "null"}[r.IntN(11)])
		sb.Write(b)
	case k < 7:
		sb.WriteString([]string{"null", "true", "false"}[r.IntN(3)])
	default:
		sb.WriteString([]string{"0", "-1", "1.5e3", "96", "-0.0"}[r.IntN(5)])
	}
	ws()
}

func TestSetFieldsMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	for range 20000 {
		var sb strings.Builder
		// A body is mostly an object holding the root.
		if r.IntN(5) > 0 {
			sb.WriteString(`{"` + api.RootSession + `":`)
			randJSON(r, &sb, 1)
			if r.IntN(3) == 0 {
				sb.WriteString(`,"x":`)
				randJSON(r, &sb, 1)
			}
			sb.WriteString("}")
		} else {
			randJSON(r, &sb, 0)
		}
		body := []byte(sb.String())
		if !json.Valid(body) {
			t.Fatalf("the generator made invalid JSON: %s", body)
		}
		for _, root := range []string{api.RootSession, api.RootFilter} {
			if diff := cmp.Diff(setFieldsJSON(body, root), setFields(body, root)); diff != "" {
				t.Fatalf("setFields(%s, %s) differs from encoding/json (-json +got):\n%s", body, root, diff)
			}
		}
	}
}

func FuzzSetFields(f *testing.F) {
	f.Add([]byte(`{"traffic_mirror_session":{"name":"a","priority":null}}`))
	f.Add([]byte(`{"traffic_mirror_filter_rule":{"description":"a\"b","protocol":"TCP"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) {
			return // a handler never accepts it, so it is never audited
		}
		for _, root := range []string{api.RootSession, api.RootFilter, api.RootFilterRule} {
			if diff := cmp.Diff(setFieldsJSON(body, root), setFields(body, root)); diff != "" {
				t.Fatalf("setFields(%q, %s) differs from encoding/json (-json +got):\n%s", body, root, diff)
			}
		}
	})
}

// BenchmarkSetFields measures the audit line's field names of a create
// session body: the scanner the server uses, and encoding/json, which it
// replaced (the ratio between the two is what to compare across machines).
func BenchmarkSetFields(b *testing.B) {
	body := []byte(`{"traffic_mirror_session":{"name":"web-mirror-123","description":"tm-bench #123",` +
		`"traffic_mirror_filter_id":"3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11","traffic_mirror_sources":` +
		`["6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b","7e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b"],` +
		`"traffic_mirror_target_id":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d","traffic_mirror_target_type":"eni",` +
		`"virtual_network_id":1,"packet_length":96,"priority":17,"enabled":true}}`)
	for _, bc := range []struct {
		name string
		f    func([]byte, string) []string
	}{{"EncodingJSON", setFieldsJSON}, {"Scanner", setFields}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.f(body, api.RootSession)
			}
		})
	}
}
