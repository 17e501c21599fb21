package api

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// errCode returns the public code of err, or "" for nil.
func errCode(err error) string {
	if err == nil {
		return ""
	}
	var e *mirror.Error
	if !errors.As(err, &e) {
		return "not a *mirror.Error: " + err.Error()
	}
	return e.Code
}

// checkErr reports whether err has the code want ("" for no error) and, when
// path is not "", names path in its message.
func checkErr(t *testing.T, name string, err error, code, path string) {
	t.Helper()
	if got := errCode(err); got != code {
		t.Errorf("%s: error %v, want code %q", name, err, code)
		return
	}
	if err != nil && path != "" && !strings.Contains(err.(*mirror.Error).Msg, path) {
		t.Errorf("%s: error %q does not name %s", name, err.(*mirror.Error).Msg, path)
	}
}

// lenient decodes raw (nil for an absent field) into v as decodeBody does.
func lenient[T any, P interface {
	*T
	json.Unmarshaler
}](raw string, absent bool) T {
	var v T
	if !absent {
		P(&v).UnmarshalJSON([]byte(raw))
	}
	return v
}

func TestIntValue(t *testing.T) {
	tests := []struct {
		raw    string
		absent bool
		want   int
		code   string
	}{
		{raw: "", absent: true},
		{raw: "null", absent: true},
		{raw: "96", want: 96},
		{raw: "-3", want: -3},
		{raw: "0", want: 0},
		{raw: "-0", want: 0},
		{raw: "96.0", want: 96},
		{raw: "9.6e1", want: 96},
		{raw: "9.6E+1", want: 96},
		{raw: "960e-1", want: 96},
		{raw: "100e-2", want: 1},
		{raw: "0.0", want: 0},
		{raw: "0e99999999999", want: 0},
		{raw: "0.000e-5", want: 0},
		{raw: `"96"`, want: 96},
		{raw: `" 96 "`, want: 96},
		{raw: `"+7"`, want: 7},
		{raw: `"-7"`, want: -7},
		{raw: `"007"`, want: 7},
		{raw: "99999999999999999999", want: math.MaxInt},
		{raw: "-99999999999999999999", want: math.MinInt},
		{raw: `"99999999999999999999"`, want: math.MaxInt},
		{raw: "1e400", want: math.MaxInt},
		{raw: "-1e400", want: math.MinInt},
		{raw: "1e99999999999999999999", want: math.MaxInt},
		{raw: "96.5", code: "VPC.9103"},
		{raw: "1.55e1", code: "VPC.9103"},
		{raw: "16777215.0000000001", code: "VPC.9103"},
		{raw: "1e-400", code: "VPC.9103"},
		{raw: "1e-99999999999999999999", code: "VPC.9103"},
		{raw: `"96.0"`, code: "VPC.9103"},
		{raw: `"abc"`, code: "VPC.9103"},
		{raw: `""`, code: "VPC.9103"},
		{raw: `"0x10"`, code: "VPC.9103"},
		{raw: `"1_000"`, code: "VPC.9103"},
		{raw: `"1e2"`, code: "VPC.9103"},
		{raw: "true", code: "VPC.9103"},
		{raw: "[1]", code: "VPC.9103"},
		{raw: "{}", code: "VPC.9103"},
	}
	for _, tt := range tests {
		v := lenient[Int](tt.raw, tt.absent)
		got, ok, err := v.value("x.n")
		checkErr(t, "Int("+tt.raw+")", err, tt.code, "x.n")
		if tt.code != "" {
			continue
		}
		if ok == tt.absent || got != tt.want {
			t.Errorf("Int(%s) = %d, %t, want %d, %t", tt.raw, got, ok, tt.want, !tt.absent)
		}
	}
}

func TestBoolValue(t *testing.T) {
	tests := []struct {
		raw    string
		absent bool
		want   bool
		code   string
	}{
		{raw: "", absent: true},
		{raw: "null", absent: true},
		{raw: "true", want: true},
		{raw: "false", want: false},
		{raw: `"true"`, want: true},
		{raw: `"FALSE"`, want: false},
		{raw: `" True "`, want: true},
		{raw: `"yes"`, code: "VPC.9103"},
		{raw: `""`, code: "VPC.9103"},
		{raw: "1", code: "VPC.9103"},
		{raw: "0", code: "VPC.9103"},
		{raw: "[true]", code: "VPC.9103"},
		{raw: `{"a":true}`, code: "VPC.9103"},
	}
	for _, tt := range tests {
		v := lenient[Bool](tt.raw, tt.absent)
		got, ok, err := v.value("x.b")
		checkErr(t, "Bool("+tt.raw+")", err, tt.code, "x.b")
		if tt.code == "" && (ok == tt.absent || got != tt.want) {
			t.Errorf("Bool(%s) = %t, %t, want %t, %t", tt.raw, got, ok, tt.want, !tt.absent)
		}
	}
}

func TestStringValue(t *testing.T) {
	tests := []struct {
		raw    string
		absent bool
		want   string
		code   string
	}{
		{raw: "", absent: true},
		{raw: "null", absent: true},
		{raw: `"x"`, want: "x"},
		{raw: `""`, want: ""},
		{raw: `" a b "`, want: " a b "},
		{raw: `"\u00e9\n"`, want: "é\n"},
		{raw: "1", code: "VPC.9103"},
		{raw: "true", code: "VPC.9103"},
		{raw: `["a"]`, code: "VPC.9103"},
		{raw: `{}`, code: "VPC.9103"},
	}
	for _, tt := range tests {
		v := lenient[String](tt.raw, tt.absent)
		got, ok, err := v.value("x.s")
		checkErr(t, "String("+tt.raw+")", err, tt.code, "x.s")
		if tt.code == "" && (ok == tt.absent || got != tt.want) {
			t.Errorf("String(%s) = %q, %t, want %q, %t", tt.raw, got, ok, tt.want, !tt.absent)
		}
	}
}

func TestStringsValue(t *testing.T) {
	tests := []struct {
		raw    string
		absent bool
		want   []string
		code   string
		path   string
	}{
		{raw: "", absent: true},
		{raw: "null", absent: true},
		{raw: `["a","b"]`, want: []string{"a", "b"}},
		{raw: `[]`, want: []string{}},
		{raw: `"a"`, code: "VPC.9103", path: "x.l:"},
		{raw: `{"a":"b"}`, code: "VPC.9103", path: "x.l:"},
		{raw: `[1]`, code: "VPC.9103", path: "x.l[0]"},
		{raw: `["a",null]`, code: "VPC.9103", path: "x.l[1]"},
		{raw: `["a",["b"]]`, code: "VPC.9103", path: "x.l[1]"},
	}
	for _, tt := range tests {
		v := lenient[Strings](tt.raw, tt.absent)
		got, ok, err := v.value("x.l")
		checkErr(t, "Strings("+tt.raw+")", err, tt.code, tt.path)
		if tt.code != "" {
			continue
		}
		if ok == tt.absent {
			t.Errorf("Strings(%s) present = %t, want %t", tt.raw, ok, !tt.absent)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" || (tt.want != nil) != (got != nil) {
			t.Errorf("Strings(%s) mismatch (-want +got):\n%s", tt.raw, diff)
		}
	}
}

func TestDecodeBody(t *testing.T) {
	tests := []struct {
		body string
		code string
		msg  string
	}{
		{body: "", code: "VPC.9101", msg: "Invalid request body: the body is empty"},
		{body: " \r\n\t", code: "VPC.9101", msg: "Invalid request body: the body is empty"},
		{body: "{", code: "VPC.9101"},
		{body: `{"traffic_mirror_session":{}} {}`, code: "VPC.9101"},
		{body: `{"traffic_mirror_session":{},}`, code: "VPC.9101"},
		{body: "[]", code: "VPC.9101", msg: "Invalid request body: the body must be a JSON object"},
		{body: "null", code: "VPC.9101", msg: "Invalid request body: the body must be a JSON object"},
		{body: "1", code: "VPC.9101", msg: "Invalid request body: the body must be a JSON object"},
		{body: `"x"`, code: "VPC.9101", msg: "Invalid request body: the body must be a JSON object"},
		{body: `{}`, code: "VPC.9102", msg: "Missing required parameter: traffic_mirror_session"},
		{body: `{"traffic_mirror_session":null}`, code: "VPC.9102", msg: "Missing required parameter: traffic_mirror_session"},
		// Keys are case-sensitive.
		{body: `{"Traffic_Mirror_Session":{}}`, code: "VPC.9102", msg: "Missing required parameter: traffic_mirror_session"},
		// A root key that is not an object is a wrong JSON type (9103), as
		// for every other key; 9101 is about the body itself.
		{body: `{"traffic_mirror_session":[]}`, code: "VPC.9103", msg: "Invalid parameter traffic_mirror_session: must be a JSON object"},
		{body: `{"traffic_mirror_session":"x"}`, code: "VPC.9103", msg: "Invalid parameter traffic_mirror_session: must be a JSON object"},
		{body: `{"traffic_mirror_session":1}`, code: "VPC.9103", msg: "Invalid parameter traffic_mirror_session: must be a JSON object"},
		{body: `{"traffic_mirror_session":{}}`},
		{body: "{\"traffic_mirror_session\":{}}\n"},
		{body: ` {"other":[1,2],"traffic_mirror_session":{"unknown":{"x":1}}} `},
	}
	for _, tt := range tests {
		_, err := DecodeSession([]byte(tt.body))
		checkErr(t, "DecodeSession("+tt.body+")", err, tt.code, "")
		if tt.msg != "" && err != nil && err.(*mirror.Error).Msg != tt.msg {
			t.Errorf("DecodeSession(%s) message = %q, want %q", tt.body, err.(*mirror.Error).Msg, tt.msg)
		}
	}
}

// Every operation's body has the same shape checks, with its own root key.
func TestDecodeBodyRoots(t *testing.T) {
	decoders := []struct {
		root   string
		decode func([]byte) error
	}{
		{RootSession, func(b []byte) error { _, err := DecodeSession(b); return err }},
		{RootSession, func(b []byte) error { _, err := DecodeSources(b); return err }},
		{RootFilter, func(b []byte) error { _, err := DecodeFilter(b); return err }},
		{RootFilterRule, func(b []byte) error { _, err := DecodeFilterRule(b); return err }},
	}
	for _, d := range decoders {
		tests := []struct{ body, code, msg string }{
			{"", "VPC.9101", "Invalid request body: the body is empty"},
			{"{]", "VPC.9101", ""},
			{"[]", "VPC.9101", "Invalid request body: the body must be a JSON object"},
			{"{}\n", "VPC.9102", "Missing required parameter: " + d.root},
			{`{"` + d.root + `":null}`, "VPC.9102", "Missing required parameter: " + d.root},
			{`{"` + d.root + `":true}`, "VPC.9103", "Invalid parameter " + d.root + ": must be a JSON object"},
			{`{"` + d.root + `":{}}` + "\n", "", ""},
		}
		for _, tt := range tests {
			err := d.decode([]byte(tt.body))
			checkErr(t, d.root+" "+tt.body, err, tt.code, "")
			if tt.msg != "" && err != nil && err.(*mirror.Error).Msg != tt.msg {
				t.Errorf("%s %s: message %q, want %q", d.root, tt.body, err.(*mirror.Error).Msg, tt.msg)
			}
		}
	}
}

// Field keys are matched exactly: encoding/json would take "Name" for "name".
func TestDecodeBodyExactKeys(t *testing.T) {
	f, err := DecodeFilter([]byte(`{"traffic_mirror_filter":{"Name":"a","NAME":"b"}}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.NewFilter("p")
	checkErr(t, "NewFilter", err, "VPC.9102", "traffic_mirror_filter.name")

	// A repeated key: the last one wins, as in encoding/json.
	f, err = DecodeFilter([]byte(`{"traffic_mirror_filter":{"name":"a","name":"b"}}`))
	if err != nil {
		t.Fatal(err)
	}
	flt, err := f.NewFilter("p")
	if err != nil || flt.Name != "b" {
		t.Errorf("NewFilter = %+v, %v, want name b", flt, err)
	}
}

// The request types build client bodies that decode to the same values.
func TestRequestMarshal(t *testing.T) {
	req := SessionRequest{Session: SessionFields{
		Name:             StringOf("s&1"),
		Sources:          StringsOf(nil),
		VirtualNetworkID: IntOf(7),
		Enabled:          BoolOf(true),
	}}
	got, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"traffic_mirror_session":{"name":"s\u00261","traffic_mirror_sources":[],"virtual_network_id":7,"enabled":true}}`
	if string(got) != want {
		t.Errorf("json.Marshal(SessionRequest) = %s, want %s", got, want)
	}
	f, err := DecodeSession(got)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(req.Session, f, cmp.AllowUnexported(String{}, Int{}, Bool{}, Strings{})); diff != "" {
		t.Errorf("DecodeSession(json.Marshal(req)) mismatch (-want +got):\n%s", diff)
	}

	got, err = json.Marshal(FilterRuleRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"traffic_mirror_filter_rule":{}}`; string(got) != want {
		t.Errorf("json.Marshal(FilterRuleRequest{}) = %s, want %s", got, want)
	}
}
