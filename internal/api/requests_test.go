package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

const (
	project = "0123456789abcdef0123456789abcdef"
	filter  = "3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11"
	src1    = "6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b"
	src2    = "7e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b"
	target  = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
)

// sdkBody encodes a request body exactly as the Go SDK v0.1.207 does
// (core/request: json.Encoder without HTML escaping, so with a final "\n").
func sdkBody(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func ptr[T any](v T) *T { return &v }

// obj wraps the JSON fields of one object in its root key.
func obj(root, fields string) []byte {
	return []byte(`{"` + root + `":{` + fields + `}}`)
}

func TestNewSession(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want mirror.Session
	}{{
		name: "GoSDKAllFields",
		// The SDK's create model declares virtual_network_id, packet_length
		// and enabled as strings.
		body: sdkBody(t, model.CreateTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.CreateTrafficMirrorSessionOption{
			Name:                    "sess-01",
			Description:             ptr("d & e"),
			TrafficMirrorFilterId:   filter,
			TrafficMirrorSources:    []string{src1, strings.ToUpper(src2)},
			TrafficMirrorTargetId:   target,
			TrafficMirrorTargetType: "ELB",
			VirtualNetworkId:        ptr("100"),
			PacketLength:            ptr("1460"),
			Priority:                10,
			Enabled:                 ptr("true"),
			Type:                    ptr("EIP"),
		}}),
		want: mirror.Session{
			ProjectID: project, Name: "sess-01", Description: "d & e", FilterID: filter,
			Sources: []string{src1, strings.ToUpper(src2)}, TargetID: target, TargetType: "elb",
			VirtualNetworkID: 100, PacketLength: 1460, Priority: 10, Enabled: true, Type: "eip",
		},
	}, {
		name: "GoSDKDefaults",
		body: sdkBody(t, model.CreateTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.CreateTrafficMirrorSessionOption{
			Name:                    "s",
			TrafficMirrorFilterId:   filter,
			TrafficMirrorSources:    []string{src1},
			TrafficMirrorTargetId:   target,
			TrafficMirrorTargetType: "eni",
			Priority:                1,
		}}),
		want: mirror.Session{
			ProjectID: project, Name: "s", Description: "", FilterID: filter,
			Sources: []string{src1}, TargetID: target, TargetType: "eni",
			VirtualNetworkID: 1, PacketLength: 96, Priority: 1, Enabled: false, Type: "eni",
		},
	}, {
		name: "Terraform",
		// Numbers as numbers, enabled always sent, description may be "".
		body: obj(RootSession, `"name":"tf","description":"","traffic_mirror_filter_id":"`+filter+`",`+
			`"traffic_mirror_sources":["`+src1+`"],"traffic_mirror_target_id":"`+target+`",`+
			`"traffic_mirror_target_type":"eni","virtual_network_id":0,"packet_length":1,"priority":32766,"enabled":false`),
		want: mirror.Session{
			ProjectID: project, Name: "tf", FilterID: filter,
			Sources: []string{src1}, TargetID: target, TargetType: "eni",
			VirtualNetworkID: 0, PacketLength: 1, Priority: 32766, Enabled: false, Type: "eni",
		},
	}, {
		name: "LenientMixed",
		body: obj(RootSession, `"name":"镜像.a_b-c","traffic_mirror_filter_id":"`+filter+`",`+
			`"traffic_mirror_sources":["`+src1+`"],"traffic_mirror_target_id":"`+target+`",`+
			`"traffic_mirror_target_type":"eni","virtual_network_id":" 16777215 ","packet_length":96.0,"priority":"7","enabled":" FALSE ","type":null,"description":null`),
		want: mirror.Session{
			ProjectID: project, Name: "镜像.a_b-c", FilterID: filter,
			Sources: []string{src1}, TargetID: target, TargetType: "eni",
			VirtualNetworkID: 16777215, PacketLength: 96, Priority: 7, Type: "eni",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := DecodeSession(tt.body)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.NewSession(project, 10)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("NewSession mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// validSession holds valid values for every create field; tests replace one
// or more of them.
func validSession() map[string]string {
	return map[string]string{
		"name":                       `"s"`,
		"description":                `"d"`,
		"traffic_mirror_filter_id":   `"` + filter + `"`,
		"traffic_mirror_sources":     `["` + src1 + `"]`,
		"traffic_mirror_target_id":   `"` + target + `"`,
		"traffic_mirror_target_type": `"eni"`,
		"virtual_network_id":         `1`,
		"packet_length":              `96`,
		"priority":                   `1`,
		"enabled":                    `true`,
		"type":                       `"eni"`,
	}
}

// fieldsBody builds a body from base with the changes applied; a change to
// "" removes the field.
func fieldsBody(root string, base map[string]string, changes ...string) []byte {
	for i := 0; i < len(changes); i += 2 {
		if changes[i+1] == "" {
			delete(base, changes[i])
		} else {
			base[changes[i]] = changes[i+1]
		}
	}
	var parts []string
	for k, v := range base {
		parts = append(parts, `"`+k+`":`+v)
	}
	return obj(root, strings.Join(parts, ","))
}

func uuids(n int, upper ...int) string {
	var ids []string
	for i := range n {
		ids = append(ids, fmt.Sprintf(`"%08x-0000-4000-8000-000000000000"`, i))
	}
	for _, i := range upper {
		ids = append(ids, strings.ToUpper(ids[i]))
	}
	return "[" + strings.Join(ids, ",") + "]"
}

// fieldCase is one invalid field value and the error it must give.
type fieldCase struct {
	field, value string // value "" removes the field
	code         string
}

func TestNewSessionErrors(t *testing.T) {
	long := func(n int) string { return `"` + strings.Repeat("a", n) + `"` }
	tests := []fieldCase{
		{"name", "", "VPC.9102"},
		{"name", "null", "VPC.9102"},
		{"name", `""`, "VPC.9102"},
		{"name", `"  "`, "VPC.9102"},
		{"name", `5`, "VPC.9103"},
		{"name", `"a b"`, "VPC.9103"},
		{"name", `" a"`, "VPC.9103"}, // names are not trimmed
		{"name", long(65), "VPC.9103"},
		{"description", `5`, "VPC.9103"},
		{"description", `"<b>"`, "VPC.9103"},
		{"description", long(256), "VPC.9103"},
		{"traffic_mirror_filter_id", "", "VPC.9102"},
		{"traffic_mirror_filter_id", `""`, "VPC.9102"},
		{"traffic_mirror_filter_id", `1`, "VPC.9103"},
		{"traffic_mirror_sources", "", "VPC.9102"},
		{"traffic_mirror_sources", "null", "VPC.9102"},
		{"traffic_mirror_sources", "[]", "VPC.9103"},
		{"traffic_mirror_sources", `"` + src1 + `"`, "VPC.9103"},
		{"traffic_mirror_sources", `[1]`, "VPC.9103"},
		{"traffic_mirror_sources", `["nope"]`, "VPC.9103"},
		{"traffic_mirror_sources", uuids(11), "VPC.9103"},
		{"traffic_mirror_sources", uuids(2, 1), "VPC.9103"},
		{"traffic_mirror_target_id", "", "VPC.9102"},
		{"traffic_mirror_target_id", `" "`, "VPC.9102"},
		{"traffic_mirror_target_id", `"x"`, "VPC.9103"},
		{"traffic_mirror_target_id", `" ` + target + `"`, "VPC.9103"},
		{"traffic_mirror_target_id", `1`, "VPC.9103"},
		{"traffic_mirror_target_type", "", "VPC.9102"},
		{"traffic_mirror_target_type", `""`, "VPC.9102"},
		{"traffic_mirror_target_type", `"eip"`, "VPC.9103"},
		{"traffic_mirror_target_type", `true`, "VPC.9103"},
		{"virtual_network_id", `-1`, "VPC.9103"},
		{"virtual_network_id", `"16777216"`, "VPC.9103"},
		{"virtual_network_id", `"x"`, "VPC.9103"},
		{"virtual_network_id", `1.5`, "VPC.9103"},
		{"virtual_network_id", `true`, "VPC.9103"},
		{"packet_length", `0`, "VPC.9103"},
		{"packet_length", `"1461"`, "VPC.9103"},
		{"packet_length", `[96]`, "VPC.9103"},
		{"priority", "", "VPC.9102"},
		{"priority", "null", "VPC.9102"},
		{"priority", `0`, "VPC.9103"}, // what the Go SDK sends when unset
		{"priority", `32767`, "VPC.9103"},
		{"priority", `""`, "VPC.9103"},
		{"priority", `"1e1"`, "VPC.9103"},
		{"enabled", `"yes"`, "VPC.9103"},
		{"enabled", `1`, "VPC.9103"},
		{"type", `"elb"`, "VPC.9103"},
		{"type", `""`, "VPC.9103"},
		{"type", `1`, "VPC.9103"},
	}
	for _, tt := range tests {
		body := fieldsBody(RootSession, validSession(), tt.field, tt.value)
		f, err := DecodeSession(body)
		if err != nil {
			t.Fatalf("DecodeSession(%s) = %v", body, err)
		}
		_, err = f.NewSession(project, 10)
		checkErr(t, fmt.Sprintf("NewSession(%s=%s)", tt.field, tt.value), err, tt.code, "traffic_mirror_session."+tt.field)
	}
}

// Fields are checked in the order of the request-body table; within a field,
// required before type before range.
func TestNewSessionErrorOrder(t *testing.T) {
	tests := []struct {
		name    string
		changes []string
		code    string
		path    string
	}{
		{"NameBeforePriority", []string{"name", `"a b"`, "priority", ""}, "VPC.9103", ".name"},
		{"DescriptionBeforeFilter", []string{"description", `"<"`, "traffic_mirror_filter_id", ""}, "VPC.9103", ".description"},
		{"FilterBeforeSources", []string{"traffic_mirror_filter_id", `""`, "traffic_mirror_sources", `[]`}, "VPC.9102", ".traffic_mirror_filter_id"},
		{"SourcesBeforeTarget", []string{"traffic_mirror_sources", `[1]`, "traffic_mirror_target_id", ""}, "VPC.9103", ".traffic_mirror_sources[0]"},
		{"TargetBeforeType", []string{"traffic_mirror_target_type", `"x"`, "virtual_network_id", `"x"`}, "VPC.9103", ".traffic_mirror_target_type"},
		{"VNIBeforePacketLength", []string{"virtual_network_id", `-1`, "packet_length", `true`}, "VPC.9103", ".virtual_network_id"},
		{"PriorityBeforeEnabled", []string{"priority", "", "enabled", `"no"`}, "VPC.9102", ".priority"},
		{"EnabledBeforeType", []string{"enabled", `"no"`, "type", `"x"`}, "VPC.9103", ".enabled"},
		{"AllMissing", []string{"name", "", "traffic_mirror_filter_id", "", "traffic_mirror_sources", "",
			"traffic_mirror_target_id", "", "traffic_mirror_target_type", "", "priority", ""}, "VPC.9102", ".name"},
	}
	for _, tt := range tests {
		f, err := DecodeSession(fieldsBody(RootSession, validSession(), tt.changes...))
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.NewSession(project, 10)
		checkErr(t, tt.name, err, tt.code, "traffic_mirror_session"+tt.path)
	}

	// The Go SDK with nothing set sends "" for the strings, null for the
	// sources and 0 for the priority.
	f, err := DecodeSession(sdkBody(t, model.CreateTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.CreateTrafficMirrorSessionOption{}}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.NewSession(project, 10)
	checkErr(t, "GoSDKEmpty", err, "VPC.9102", "traffic_mirror_session.name")
}

func TestNewSessionSourceLimit(t *testing.T) {
	f, err := DecodeSession(fieldsBody(RootSession, validSession(), "traffic_mirror_sources", uuids(3)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSession(project, 3); err != nil {
		t.Errorf("NewSession with 3 sources, limit 3 = %v", err)
	}
	_, err = f.NewSession(project, 2)
	checkErr(t, "NewSession with 3 sources, limit 2", err, "VPC.9103", "traffic_mirror_session.traffic_mirror_sources")
}

func TestSessionUpdate(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want mirror.SessionUpdate
	}{{
		name: "Empty",
		body: obj(RootSession, ``),
	}, {
		name: "GoSDK",
		// The SDK's update model has integers as numbers but enabled as a
		// string.
		body: sdkBody(t, model.UpdateTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.UpdateTrafficMirrorSessionOption{
			Name:             ptr("n2"),
			Description:      ptr(""),
			VirtualNetworkId: ptr(int32(5)),
			PacketLength:     ptr(int32(100)),
			Priority:         ptr(int32(3)),
			Enabled:          ptr("false"),
		}}),
		want: mirror.SessionUpdate{
			Name: ptr("n2"), Description: ptr(""), VirtualNetworkID: ptr(5), PacketLength: ptr(100),
			Priority: ptr(3), Enabled: ptr(false),
		},
	}, {
		name: "Terraform",
		// Everything always sent, including the immutable type and sources.
		body: obj(RootSession, `"name":"tf","description":"","traffic_mirror_filter_id":"`+filter+`",`+
			`"traffic_mirror_target_id":"`+target+`","traffic_mirror_target_type":"ELB","virtual_network_id":1,`+
			`"packet_length":96,"priority":9,"enabled":true,"type":"ENI","traffic_mirror_sources":[]`),
		want: mirror.SessionUpdate{
			Name: ptr("tf"), Description: ptr(""), FilterID: ptr(filter), TargetID: ptr(target),
			TargetType: ptr("elb"), VirtualNetworkID: ptr(1), PacketLength: ptr(96), Priority: ptr(9),
			Enabled: ptr(true), Type: ptr("ENI"), Sources: []string{},
		},
	}, {
		name: "NullsAreAbsent",
		body: obj(RootSession, `"name":null,"priority":null,"enabled":null,"traffic_mirror_sources":null`),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := DecodeSession(tt.body)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.Update()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Update mismatch (-want +got):\n%s", diff)
			}
			if (got.Sources == nil) != (tt.want.Sources == nil) {
				t.Errorf("Update Sources = %#v, want %#v", got.Sources, tt.want.Sources)
			}
		})
	}
}

func TestSessionUpdateErrors(t *testing.T) {
	tests := []fieldCase{
		{"name", `""`, "VPC.9103"},
		{"name", `1`, "VPC.9103"},
		{"description", `">"`, "VPC.9103"},
		{"traffic_mirror_filter_id", `""`, "VPC.9103"},
		{"traffic_mirror_filter_id", `false`, "VPC.9103"},
		{"traffic_mirror_target_id", `""`, "VPC.9103"},
		{"traffic_mirror_target_id", `"x"`, "VPC.9103"},
		{"traffic_mirror_target_type", `""`, "VPC.9103"},
		{"traffic_mirror_target_type", `"x"`, "VPC.9103"},
		{"virtual_network_id", `16777216`, "VPC.9103"},
		{"virtual_network_id", `"1.0"`, "VPC.9103"},
		{"packet_length", `0`, "VPC.9103"},
		{"priority", `0`, "VPC.9103"},
		{"priority", `"x"`, "VPC.9103"},
		{"enabled", `"x"`, "VPC.9103"},
		{"type", `1`, "VPC.9103"},
		{"traffic_mirror_sources", `"x"`, "VPC.9103"},
		{"traffic_mirror_sources", `[1]`, "VPC.9103"},
	}
	for _, tt := range tests {
		f, err := DecodeSession(obj(RootSession, `"`+tt.field+`":`+tt.value))
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Update()
		checkErr(t, fmt.Sprintf("Update(%s=%s)", tt.field, tt.value), err, tt.code, "traffic_mirror_session."+tt.field)
	}
	// Order: name comes before priority in the update table.
	f, _ := DecodeSession(obj(RootSession, `"priority":0,"name":""`))
	_, err := f.Update()
	checkErr(t, "Update order", err, "VPC.9103", "traffic_mirror_session.name")
}

func TestSourcesList(t *testing.T) {
	body := sdkBody(t, model.AddSourcesToTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.TrafficMirrorSourcesOption{
		TrafficMirrorSources: []string{src1, src2},
	}})
	f, err := DecodeSources(body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.List(10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{src1, src2}, got); diff != "" {
		t.Errorf("List mismatch (-want +got):\n%s", diff)
	}

	tests := []struct {
		fields string
		code   string
	}{
		{``, "VPC.9102"},
		{`"traffic_mirror_sources":null`, "VPC.9102"},
		{`"traffic_mirror_sources":[]`, "VPC.9103"},
		{`"traffic_mirror_sources":"` + src1 + `"`, "VPC.9103"},
		{`"traffic_mirror_sources":[null]`, "VPC.9103"},
		{`"traffic_mirror_sources":["x"]`, "VPC.9103"},
		{`"traffic_mirror_sources":` + uuids(11), "VPC.9103"},
		{`"traffic_mirror_sources":` + uuids(3, 0), "VPC.9103"},
		{`"traffic_mirror_sources":` + uuids(10), ""},
	}
	for _, tt := range tests {
		f, err := DecodeSources(obj(RootSession, tt.fields))
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.List(10)
		checkErr(t, "List("+tt.fields+")", err, tt.code, "traffic_mirror_session.traffic_mirror_sources")
	}
	// The SDK sends null for unset sources.
	f, _ = DecodeSources(sdkBody(t, model.RemoveSourcesFromTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.TrafficMirrorSourcesOption{}}))
	_, err = f.List(10)
	checkErr(t, "List(SDK unset)", err, "VPC.9102", "traffic_mirror_session.traffic_mirror_sources")
	// 9101 and 9102 of the body itself.
	_, err = DecodeSources([]byte("x"))
	checkErr(t, "DecodeSources(x)", err, "VPC.9101", "")
	_, err = DecodeSources([]byte(`{"traffic_mirror_sources":[]}`))
	checkErr(t, "DecodeSources(no root)", err, "VPC.9102", "traffic_mirror_session")
}

func TestFilter(t *testing.T) {
	// Example A of auth.md §8.1, as the SDK sends it.
	body := sdkBody(t, model.CreateTrafficMirrorFilterRequestBody{TrafficMirrorFilter: &model.CreateTrafficMirrorFilterOption{
		Name: "filter-1", Description: ptr("demo filter"),
	}})
	if want := "{\"traffic_mirror_filter\":{\"description\":\"demo filter\",\"name\":\"filter-1\"}}\n"; string(body) != want {
		t.Fatalf("SDK body = %q, want %q", body, want)
	}
	f, err := DecodeFilter(body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.NewFilter(project)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mirror.Filter{ProjectID: project, Name: "filter-1", Description: "demo filter"}, got); diff != "" {
		t.Errorf("NewFilter mismatch (-want +got):\n%s", diff)
	}

	// Other fields are ignored on create, whatever their type.
	f, _ = DecodeFilter(obj(RootFilter, `"name":"f","type":5,"ingress_rules":"x"`))
	if got, err := f.NewFilter(project); err != nil || got.Description != "" {
		t.Errorf("NewFilter(type 5) = %+v, %v, want no error and description \"\"", got, err)
	}

	createErrors := []fieldCase{
		{"name", "", "VPC.9102"},
		{"name", `""`, "VPC.9102"},
		{"name", `null`, "VPC.9102"},
		{"name", `1`, "VPC.9103"},
		{"name", `"a/b"`, "VPC.9103"},
		{"description", `"<"`, "VPC.9103"},
		{"description", `[]`, "VPC.9103"},
	}
	for _, tt := range createErrors {
		f, _ := DecodeFilter(fieldsBody(RootFilter, map[string]string{"name": `"f"`}, tt.field, tt.value))
		_, err := f.NewFilter(project)
		checkErr(t, fmt.Sprintf("NewFilter(%s=%s)", tt.field, tt.value), err, tt.code, "traffic_mirror_filter."+tt.field)
	}

	// Update: the SDK clears the description with "".
	f, _ = DecodeFilter(sdkBody(t, model.UpdateTrafficMirrorFilterRequestBody{TrafficMirrorFilter: &model.UpdateTrafficMirrorFilterOption{Description: ptr("")}}))
	u, err := f.Update()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mirror.FilterUpdate{Description: ptr("")}, u); diff != "" {
		t.Errorf("Update mismatch (-want +got):\n%s", diff)
	}
	f, _ = DecodeFilter(obj(RootFilter, `"name":"n","type":"ENI","egress_rules":[]`))
	u, err = f.Update()
	if diff := cmp.Diff(mirror.FilterUpdate{Name: ptr("n"), Type: ptr("ENI")}, u); err != nil || diff != "" {
		t.Errorf("Update = %v, mismatch (-want +got):\n%s", err, diff)
	}
	updateErrors := []fieldCase{
		{"name", `""`, "VPC.9103"},
		{"name", `1`, "VPC.9103"},
		{"description", `"<"`, "VPC.9103"},
		{"type", `1`, "VPC.9103"},
	}
	for _, tt := range updateErrors {
		f, _ := DecodeFilter(obj(RootFilter, `"`+tt.field+`":`+tt.value))
		_, err := f.Update()
		checkErr(t, fmt.Sprintf("Update(%s=%s)", tt.field, tt.value), err, tt.code, "traffic_mirror_filter."+tt.field)
	}
	_, err = DecodeFilter(obj(RootSession, `"name":"x"`))
	checkErr(t, "DecodeFilter(wrong root)", err, "VPC.9102", "traffic_mirror_filter")
}

func validRule() map[string]string {
	return map[string]string{
		"traffic_mirror_filter_id": `"` + filter + `"`,
		"direction":                `"ingress"`,
		"protocol":                 `"tcp"`,
		"ethertype":                `"IPv4"`,
		"action":                   `"accept"`,
		"priority":                 `1`,
		"description":              `"d"`,
		"source_cidr_block":        `"10.0.0.0/8"`,
		"destination_cidr_block":   `"10.0.0.1"`,
		"source_port_range":        `"80"`,
		"destination_port_range":   `"80-443"`,
	}
}

func TestNewRule(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want mirror.FilterRule
	}{{
		name: "HuaweiExample",
		// filter-rules.md §2: strings are trimmed, ethertype normalised.
		body: []byte(`{"traffic_mirror_filter_rule": {
  "traffic_mirror_filter_id": "` + filter + `",
  "direction": "ingress", "protocol": "tcp", "ethertype": "ipv4",
  "source_cidr_block": "10.0.0.0/8 ", "destination_port_range": "80-443",
  "action": "accept", "priority": 1}}`),
		want: mirror.FilterRule{
			ProjectID: project, FilterID: filter, Direction: "ingress", Protocol: "tcp", Ethertype: "IPv4",
			Action: "accept", Priority: 1, SourceCIDR: "10.0.0.0/8", DestinationPortRange: "80-443",
		},
	}, {
		name: "GoSDKUpperCase",
		body: sdkBody(t, model.CreateTrafficMirrorFilterRuleRequestBody{TrafficMirrorFilterRule: &model.CreateTrafficMirrorFilterRuleOption{
			Description:           ptr(" d "),
			TrafficMirrorFilterId: " " + filter + " ",
			Direction:             "EGRESS",
			Protocol:              "ICMPV6",
			Ethertype:             "IPV6",
			DestinationCidrBlock:  ptr("::/0"),
			Action:                "Reject",
			Priority:              65535,
		}}),
		want: mirror.FilterRule{
			ProjectID: project, FilterID: filter, Direction: "egress", Protocol: "ICMPV6", Ethertype: "IPv6",
			Action: "reject", Priority: 65535, Description: "d", DestinationCIDR: "::/0",
		},
	}, {
		name: "StringPriority",
		body: fieldsBody(RootFilterRule, validRule(), "priority", `" 12 "`, "source_cidr_block", `""`, "description", `null`),
		want: mirror.FilterRule{
			ProjectID: project, FilterID: filter, Direction: "ingress", Protocol: "tcp", Ethertype: "IPv4",
			Action: "accept", Priority: 12, DestinationCIDR: "10.0.0.1", SourcePortRange: "80", DestinationPortRange: "80-443",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := DecodeFilterRule(tt.body)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.NewRule(project)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("NewRule mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewRuleErrors(t *testing.T) {
	tests := []fieldCase{
		{"traffic_mirror_filter_id", "", "VPC.9102"},
		{"traffic_mirror_filter_id", `" "`, "VPC.9102"},
		{"traffic_mirror_filter_id", `1`, "VPC.9103"},
		{"direction", "", "VPC.9102"},
		{"direction", `""`, "VPC.9102"},
		{"direction", `"in"`, "VPC.9103"},
		{"direction", `1`, "VPC.9103"},
		{"protocol", `""`, "VPC.9102"},
		{"protocol", `"gre"`, "VPC.9103"},
		{"ethertype", `null`, "VPC.9102"},
		{"ethertype", `"ipv5"`, "VPC.9103"},
		{"action", `""`, "VPC.9102"},
		{"action", `"drop"`, "VPC.9103"},
		{"priority", "", "VPC.9102"},
		{"priority", `0`, "VPC.9103"},
		{"priority", `65536`, "VPC.9103"},
		{"priority", `"p"`, "VPC.9103"},
		{"description", `"<"`, "VPC.9103"},
		{"description", `1`, "VPC.9103"},
		{"source_cidr_block", `"10.0.0.0/33"`, "VPC.9103"},
		{"source_cidr_block", `"x"`, "VPC.9103"},
		{"destination_cidr_block", `"::/129"`, "VPC.9103"},
		{"destination_cidr_block", `{}`, "VPC.9103"},
		{"source_port_range", `"0"`, "VPC.9103"},
		{"source_port_range", `"2-1"`, "VPC.9103"},
		{"destination_port_range", `"1 - 2"`, "VPC.9103"},
		{"destination_port_range", `80`, "VPC.9103"},
	}
	for _, tt := range tests {
		f, err := DecodeFilterRule(fieldsBody(RootFilterRule, validRule(), tt.field, tt.value))
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.NewRule(project)
		checkErr(t, fmt.Sprintf("NewRule(%s=%s)", tt.field, tt.value), err, tt.code, "traffic_mirror_filter_rule."+tt.field)
	}

	// The Go SDK with nothing set: the first field of the table is reported.
	f, _ := DecodeFilterRule(sdkBody(t, model.CreateTrafficMirrorFilterRuleRequestBody{TrafficMirrorFilterRule: &model.CreateTrafficMirrorFilterRuleOption{}}))
	_, err := f.NewRule(project)
	checkErr(t, "GoSDKEmpty", err, "VPC.9102", "traffic_mirror_filter_rule.traffic_mirror_filter_id")
	// Only the priority unset: 0 is out of range.
	f, _ = DecodeFilterRule(sdkBody(t, model.CreateTrafficMirrorFilterRuleRequestBody{TrafficMirrorFilterRule: &model.CreateTrafficMirrorFilterRuleOption{
		TrafficMirrorFilterId: filter, Direction: "ingress", Protocol: "all", Ethertype: "ipv4", Action: "accept",
	}}))
	_, err = f.NewRule(project)
	checkErr(t, "GoSDKNoPriority", err, "VPC.9103", "traffic_mirror_filter_rule.priority")
	// Order: action before priority before the CIDRs.
	f, _ = DecodeFilterRule(fieldsBody(RootFilterRule, validRule(), "action", `"x"`, "priority", `0`, "source_cidr_block", `"x"`))
	_, err = f.NewRule(project)
	checkErr(t, "Order", err, "VPC.9103", "traffic_mirror_filter_rule.action")
	// Cross-field rules are the store's: icmp with IPv6 passes here.
	f, _ = DecodeFilterRule(fieldsBody(RootFilterRule, validRule(), "protocol", `"icmp"`, "ethertype", `"ipv6"`))
	if _, err := f.NewRule(project); err != nil {
		t.Errorf("NewRule(icmp, ipv6) = %v, want nil (checked by the store)", err)
	}
}

func TestRuleUpdate(t *testing.T) {
	// The Terraform flow of filter-rules.md §5.
	f, err := DecodeFilterRule(obj(RootFilterRule, `"protocol":"icmpv6","ethertype":"IPv6","source_cidr_block":"2002:50::44/128",`+
		`"destination_cidr_block":"::/0","priority":2,"action":"reject","description":""`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Update()
	if err != nil {
		t.Fatal(err)
	}
	want := mirror.FilterRuleUpdate{
		Description: ptr(""), Protocol: ptr("icmpv6"), Ethertype: ptr("IPv6"), Action: ptr("reject"), Priority: ptr(2),
		SourceCIDR: ptr("2002:50::44/128"), DestinationCIDR: ptr("::/0"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Update mismatch (-want +got):\n%s", diff)
	}

	// The Go SDK update model.
	f, _ = DecodeFilterRule(sdkBody(t, model.UpdateTrafficMirrorFilterRuleRequestBody{TrafficMirrorFilterRule: &model.UpdateTrafficMirrorFilterRuleOption{
		SourcePortRange: ptr(""), Priority: ptr(int32(7)), Action: ptr(" ACCEPT "),
	}}))
	got, err = f.Update()
	want = mirror.FilterRuleUpdate{SourcePortRange: ptr(""), Priority: ptr(7), Action: ptr("accept")}
	if diff := cmp.Diff(want, got); err != nil || diff != "" {
		t.Errorf("Update = %v, mismatch (-want +got):\n%s", err, diff)
	}
	// Direction and filter ID pass through, trimmed, for the store's
	// immutability check.
	f, _ = DecodeFilterRule(obj(RootFilterRule, `"direction":" Egress ","traffic_mirror_filter_id":"other"`))
	got, err = f.Update()
	want = mirror.FilterRuleUpdate{Direction: ptr("Egress"), FilterID: ptr("other")}
	if diff := cmp.Diff(want, got); err != nil || diff != "" {
		t.Errorf("Update = %v, mismatch (-want +got):\n%s", err, diff)
	}

	tests := []fieldCase{
		{"description", `"<"`, "VPC.9103"},
		{"protocol", `""`, "VPC.9103"},
		{"protocol", `" "`, "VPC.9103"},
		{"protocol", `"x"`, "VPC.9103"},
		{"ethertype", `""`, "VPC.9103"},
		{"action", `""`, "VPC.9103"},
		{"priority", `0`, "VPC.9103"},
		{"priority", `true`, "VPC.9103"},
		{"source_cidr_block", `"1.2.3.4/40"`, "VPC.9103"},
		{"destination_cidr_block", `1`, "VPC.9103"},
		{"source_port_range", `"a"`, "VPC.9103"},
		{"destination_port_range", `"65536"`, "VPC.9103"},
		{"direction", `1`, "VPC.9103"},
		{"traffic_mirror_filter_id", `[]`, "VPC.9103"},
	}
	for _, tt := range tests {
		f, _ := DecodeFilterRule(obj(RootFilterRule, `"`+tt.field+`":`+tt.value))
		_, err := f.Update()
		checkErr(t, fmt.Sprintf("Update(%s=%s)", tt.field, tt.value), err, tt.code, "traffic_mirror_filter_rule."+tt.field)
	}
	f, _ = DecodeFilterRule(obj(RootFilterRule, ``))
	if got, err := f.Update(); err != nil || got != (mirror.FilterRuleUpdate{}) {
		t.Errorf("Update({}) = %+v, %v, want no changes", got, err)
	}
}
