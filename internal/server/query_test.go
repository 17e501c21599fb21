package server

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// queryErr returns "" for nil, else the code and message of err.
func queryErr(err error) string {
	if err == nil {
		return ""
	}
	var e *mirror.Error
	if !errors.As(err, &e) {
		return "not a *mirror.Error: " + err.Error()
	}
	return e.Code + " " + e.Msg
}

func ptr[T any](v T) *T { return &v }

func TestParseSessionQuery(t *testing.T) {
	tests := []struct {
		raw  string
		want mirror.SessionQuery
		err  string
	}{
		{raw: "", want: mirror.SessionQuery{}},
		{
			raw: "id=a&id=b&name=x,y&description&traffic_mirror_filter_id=f&traffic_mirror_target_id=t" +
				"&traffic_mirror_target_type=ENI&type=eip&type=&marker=m1&marker=m2&limit=5&limit=7",
			want: mirror.SessionQuery{
				IDs: []string{"a", "b"}, Names: []string{"x,y"}, Descriptions: []string{""}, FilterIDs: []string{"f"},
				TargetIDs: []string{"t"}, TargetTypes: []string{"ENI"}, Types: []string{"eip", ""},
				ListParams: mirror.ListParams{Limit: 7, Marker: "m2"},
			},
		},
		{raw: "description=&name=a%20b+c%2A", want: mirror.SessionQuery{Descriptions: []string{""}, Names: []string{"a b c*"}}},
		{raw: "NAME=a&Limit=x&created_at=1&updated_at=x&unknown=%41", want: mirror.SessionQuery{}},
		{raw: "name=a;b", want: mirror.SessionQuery{Names: []string{"a;b"}}},
		{raw: "&&name=a&", want: mirror.SessionQuery{Names: []string{"a"}}},
		{
			raw:  "virtual_network_id=0&virtual_network_id=16777215&packet_length=%2B96&priority=-0&priority=32766",
			want: mirror.SessionQuery{VirtualNetworkIDs: []int64{0, 16777215}, PacketLengths: []int64{96}, Priorities: []int64{32766}},
		},
		// Out-of-range values match nothing; when all are dropped, nothing
		// matches at all.
		{raw: "priority=0&priority=5", want: mirror.SessionQuery{Priorities: []int64{5}}},
		{raw: "priority=0", want: mirror.SessionQuery{MatchNone: true}},
		{raw: "packet_length=1461&virtual_network_id=1", want: mirror.SessionQuery{VirtualNetworkIDs: []int64{1}, MatchNone: true}},
		{raw: "virtual_network_id=99999999999999999999999", want: mirror.SessionQuery{MatchNone: true}},
		{raw: "enabled=TRUE", want: mirror.SessionQuery{Enabled: ptr(true)}},
		{raw: "enabled=false", want: mirror.SessionQuery{Enabled: ptr(false)}},
		{raw: "limit=0", want: mirror.SessionQuery{}},
		{raw: "limit=2000", want: mirror.SessionQuery{ListParams: mirror.ListParams{Limit: 2000}}},
		{raw: "limit=x&limit=1", want: mirror.SessionQuery{ListParams: mirror.ListParams{Limit: 1}}},
		{raw: "marker=", want: mirror.SessionQuery{}},
		{raw: "limit=2001", err: "VPC.9104 Invalid query parameter limit: must be an integer from 0 to 2000"},
		{raw: "limit=-1", err: "VPC.9104 Invalid query parameter limit: must be an integer from 0 to 2000"},
		{raw: "limit=1.0", err: "VPC.9104 Invalid query parameter limit: must be an integer from 0 to 2000"},
		{raw: "limit", err: "VPC.9104 Invalid query parameter limit: must be an integer from 0 to 2000"},
		{raw: "limit=99999999999999999999", err: "VPC.9104 Invalid query parameter limit: must be an integer from 0 to 2000"},
		{raw: "limit=1&limit=2001", err: "VPC.9104 Invalid query parameter limit: must be an integer from 0 to 2000"},
		{raw: "enabled=yes", err: "VPC.9104 Invalid query parameter enabled: must be true or false"},
		{raw: "enabled", err: "VPC.9104 Invalid query parameter enabled: must be true or false"},
		{raw: "enabled=true&enabled=true", err: "VPC.9104 Invalid query parameter enabled: must be given at most once"},
		{raw: "priority=1&priority=x", err: "VPC.9104 Invalid query parameter priority: must be a base-10 integer"},
		{raw: "packet_length=1.5", err: "VPC.9104 Invalid query parameter packet_length: must be a base-10 integer"},
		{raw: "virtual_network_id=0x10", err: "VPC.9104 Invalid query parameter virtual_network_id: must be a base-10 integer"},
		{raw: "virtual_network_id=%201", err: "VPC.9104 Invalid query parameter virtual_network_id: must be a base-10 integer"},
		{raw: "virtual_network_id=", err: "VPC.9104 Invalid query parameter virtual_network_id: must be a base-10 integer"},
		{raw: "name=%zz", err: "VPC.9104 Invalid query parameter name: malformed percent-encoding"},
		{raw: "na%zme=a", err: "VPC.9104 Invalid query parameter na%zme: malformed percent-encoding"},
		// The first invalid parameter in the order of the spec's table.
		{raw: "limit=x&enabled=x&priority=x&virtual_network_id=x", err: "VPC.9104 Invalid query parameter virtual_network_id: must be a base-10 integer"},
		{raw: "limit=x&enabled=x", err: "VPC.9104 Invalid query parameter enabled: must be true or false"},
	}
	for _, tt := range tests {
		got, err := parseSessionQuery(tt.raw)
		if diff := cmp.Diff(tt.err, queryErr(err)); diff != "" {
			t.Errorf("parseSessionQuery(%q) error mismatch (-want +got):\n%s", tt.raw, diff)
			continue
		}
		if err != nil {
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("parseSessionQuery(%q) mismatch (-want +got):\n%s", tt.raw, diff)
		}
	}
}

func TestParseFilterQuery(t *testing.T) {
	tests := []struct {
		raw  string
		want mirror.FilterQuery
		err  string
	}{
		{raw: "", want: mirror.FilterQuery{}},
		{
			raw:  "id=a&name=n1&name=n2&description=&type=x&created_at=y&updated_at=z&priority=q&enabled=q&limit=10&marker=m",
			want: mirror.FilterQuery{IDs: []string{"a"}, Names: []string{"n1", "n2"}, Descriptions: []string{""}, ListParams: mirror.ListParams{Limit: 10, Marker: "m"}},
		},
		{raw: "limit=2001", err: "VPC.9104 Invalid query parameter limit: must be an integer from 0 to 2000"},
		{raw: "limit=abc", err: "VPC.9104 Invalid query parameter limit: must be an integer from 0 to 2000"},
	}
	for _, tt := range tests {
		got, err := parseFilterQuery(tt.raw)
		if diff := cmp.Diff(tt.err, queryErr(err)); diff != "" {
			t.Errorf("parseFilterQuery(%q) error mismatch (-want +got):\n%s", tt.raw, diff)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); err == nil && diff != "" {
			t.Errorf("parseFilterQuery(%q) mismatch (-want +got):\n%s", tt.raw, diff)
		}
	}
}

func TestParseFilterRuleQuery(t *testing.T) {
	tests := []struct {
		raw  string
		want mirror.FilterRuleQuery
		err  string
	}{
		{raw: "", want: mirror.FilterRuleQuery{}},
		{
			// Example B of auth.md §8.2.
			raw: "description=a%20b%2A~&limit=50&protocol=udp&protocol=TCP&source_cidr_block=10.0.0.0%2F8",
			want: mirror.FilterRuleQuery{
				Descriptions: []string{"a b*~"}, Protocols: []string{"udp", "TCP"}, SourceCIDRs: []string{"10.0.0.0/8"},
				ListParams: mirror.ListParams{Limit: 50},
			},
		},
		{
			raw: "id=i&traffic_mirror_filter_id=f&direction=INGRESS&action=accept&source_cidr_block=+10.0.0.0/8+" +
				"&destination_cidr_block=%20::/0&source_port_range=80+&destination_port_range=%091-2&priority=65535&priority=65536&type=eni",
			want: mirror.FilterRuleQuery{
				IDs: []string{"i"}, FilterIDs: []string{"f"}, Directions: []string{"INGRESS"}, Actions: []string{"accept"},
				SourceCIDRs: []string{"10.0.0.0/8"}, DestinationCIDRs: []string{"::/0"}, SourcePortRanges: []string{"80"},
				DestinationPortRanges: []string{"1-2"}, Priorities: []int64{65535},
			},
		},
		{raw: "priority=65536", want: mirror.FilterRuleQuery{MatchNone: true}},
		{raw: "priority=p", err: "VPC.9104 Invalid query parameter priority: must be a base-10 integer"},
		{raw: "priority=1&limit=9999", err: "VPC.9104 Invalid query parameter limit: must be an integer from 0 to 2000"},
	}
	for _, tt := range tests {
		got, err := parseFilterRuleQuery(tt.raw)
		if diff := cmp.Diff(tt.err, queryErr(err)); diff != "" {
			t.Errorf("parseFilterRuleQuery(%q) error mismatch (-want +got):\n%s", tt.raw, diff)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); err == nil && diff != "" {
			t.Errorf("parseFilterRuleQuery(%q) mismatch (-want +got):\n%s", tt.raw, diff)
		}
	}
}

func TestIsCleanPath(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"/v3/p/vpc/traffic-mirror-sessions", true},
		{"/v3/p/vpc/traffic-mirror-sessions/", true},
		{"/v3/p/vpc/traffic-mirror-sessions//", false},
		{"/v3//vpc/traffic-mirror-sessions", false},
		{"/v3/./vpc/traffic-mirror-sessions", false},
		{"/v3/p/../vpc/traffic-mirror-sessions", false},
		{"/", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := isCleanPath(tt.path); got != tt.want {
			t.Errorf("isCleanPath(%q) = %t, want %t", tt.path, got, tt.want)
		}
	}
}
