package mirror

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// wantCode checks that err is a *Error with the given code, or nil when code
// is "".
func wantCode(t *testing.T, name string, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Errorf("%s = %v, want nil", name, err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("%s = %v, want *Error with code %s", name, err, code)
		return
	}
	if e.Code != code {
		t.Errorf("%s code = %s (%s), want %s", name, e.Code, e.Msg, code)
	}
}

func TestCheckName(t *testing.T) {
	tests := []struct {
		name string
		code string
	}{
		{"a", ""},
		{"sess-01_a.b", ""},
		{"镜像会话", ""},
		{strings.Repeat("x", 64), ""},
		{strings.Repeat("镜", 64), ""},
		{strings.Repeat("x", 65), CodeInvalidParameter},
		{"", CodeInvalidParameter},
		{"has space", CodeInvalidParameter},
		{"semi;colon", CodeInvalidParameter},
		{"émoji😀", CodeInvalidParameter},
		{" lead", CodeInvalidParameter},
	}
	for _, tt := range tests {
		wantCode(t, "CheckName("+tt.name+")", CheckName("x.name", tt.name), tt.code)
	}
}

func TestCheckDescription(t *testing.T) {
	tests := []struct {
		desc string
		code string
	}{
		{"", ""},
		{"any text, with spaces & symbols!", ""},
		{strings.Repeat("描", 255), ""},
		{strings.Repeat("d", 256), CodeInvalidParameter},
		{"a <b>", CodeInvalidParameter},
		{"a > b", CodeInvalidParameter},
	}
	for _, tt := range tests {
		wantCode(t, "CheckDescription("+tt.desc+")", CheckDescription("x.description", tt.desc), tt.code)
	}
}

func TestIsUUID(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b", true},
		{"6E7B6A52-0C31-4B7F-8D9A-1C2F3E4D5A6B", true},
		{"6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6", false},
		{"6e7b6a520c314b7f8d9a1c2f3e4d5a6b", false},
		{"6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6g", false},
		{"6e7b6a52_0c31-4b7f-8d9a-1c2f3e4d5a6b", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsUUID(tt.in); got != tt.want {
			t.Errorf("IsUUID(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestCheckSources(t *testing.T) {
	const a, b = "6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
	many := make([]string, 11)
	for i := range many {
		many[i] = strings.Replace(a, "6b", []string{"00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10"}[i], 1)
	}
	tests := []struct {
		name    string
		sources []string
		code    string
		inMsg   string
	}{
		{"One", []string{a}, "", ""},
		{"Two", []string{a, b}, "", ""},
		{"Ten", many[:10], "", ""},
		{"Empty", nil, CodeInvalidParameter, "at least 1"},
		{"Eleven", many, CodeInvalidParameter, "at most 10"},
		{"NotUUID", []string{a, "eni-1"}, CodeInvalidParameter, "sources[1]"},
		{"DuplicateIgnoringCase", []string{a, strings.ToUpper(a)}, CodeInvalidParameter, "duplicate"},
	}
	for _, tt := range tests {
		err := CheckSources("s.traffic_mirror_sources", tt.sources, 10)
		wantCode(t, tt.name, err, tt.code)
		if err != nil && !strings.Contains(err.(*Error).Msg, tt.inMsg) {
			t.Errorf("%s: message %q does not contain %q", tt.name, err.(*Error).Msg, tt.inMsg)
		}
	}
}

func TestNormalizeEnums(t *testing.T) {
	tests := []struct {
		fn   func(string, string) (string, error)
		in   string
		want string
		code string
	}{
		{NormalizeTargetType, "ENI", "eni", ""},
		{NormalizeTargetType, "elb", "elb", ""},
		{NormalizeTargetType, "eip", "", CodeInvalidParameter},
		{NormalizeSourceType, "EiP", "eip", ""},
		{NormalizeSourceType, "elb", "", CodeInvalidParameter},
		{NormalizeDirection, "Ingress", "ingress", ""},
		{NormalizeDirection, "in", "", CodeInvalidParameter},
		{NormalizeEthertype, "ipv4", "IPv4", ""},
		{NormalizeEthertype, "IPV6", "IPv6", ""},
		{NormalizeEthertype, "ipv5", "", CodeInvalidParameter},
		{NormalizeAction, "REJECT", "reject", ""},
		{NormalizeAction, "drop", "", CodeInvalidParameter},
	}
	for _, tt := range tests {
		got, err := tt.fn("x.f", tt.in)
		wantCode(t, tt.in, err, tt.code)
		if got != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, p := range []string{"tcp", "UDP", "Icmp", "ICMPV6", "all"} {
		wantCode(t, "CheckProtocol("+p+")", CheckProtocol("x.protocol", p), "")
	}
	for _, p := range []string{"", "sctp", "any", "tcp "} {
		wantCode(t, "CheckProtocol("+p+")", CheckProtocol("x.protocol", p), CodeInvalidParameter)
	}
}

func TestCheckCIDR(t *testing.T) {
	valid := []string{"", "10.0.0.0/8", "10.0.0.1/8", "192.168.0.1", "0.0.0.0/0", "::/0", "2002:50::44/128", "fe80::1", "10.0.0.0/32"}
	invalid := []string{"10.0.0.0/33", "10.0.0/8", "::/129", "fe80::1%eth0", "abc", "10.0.0.0/", "/8", "10.0.0.0 /8", "10.0.0.0/08"}
	for _, v := range valid {
		wantCode(t, "CheckCIDR("+v+")", CheckCIDR("x.cidr", v), "")
	}
	for _, v := range invalid {
		wantCode(t, "CheckCIDR("+v+")", CheckCIDR("x.cidr", v), CodeInvalidParameter)
	}
}

func TestCheckPortRange(t *testing.T) {
	valid := []string{"", "1", "80", "65535", "80-443", "22-22", "1-65535"}
	invalid := []string{"0", "65536", "443-80", "80 - 443", "-80", "80-", "a", "+80", "1-2-3", "999999"}
	for _, v := range valid {
		wantCode(t, "CheckPortRange("+v+")", CheckPortRange("x.ports", v), "")
	}
	for _, v := range invalid {
		wantCode(t, "CheckPortRange("+v+")", CheckPortRange("x.ports", v), CodeInvalidParameter)
	}
}

func TestCheckRange(t *testing.T) {
	wantCode(t, "in", CheckRange("x.p", 1, 1, 32766), "")
	wantCode(t, "top", CheckRange("x.p", 32766, 1, 32766), "")
	wantCode(t, "below", CheckRange("x.p", 0, 1, 32766), CodeInvalidParameter)
	wantCode(t, "above", CheckRange("x.p", 32767, 1, 32766), CodeInvalidParameter)
}

func ptr[T any](v T) *T { return &v }

func TestApplySessionUpdate(t *testing.T) {
	const src1, src2, tgt = "6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b", "1e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
	cur := Session{
		ID: "s", Name: "a", Description: "d", FilterID: "f", Sources: []string{src1, src2},
		TargetID: tgt, TargetType: "eni", VirtualNetworkID: 1, PacketLength: 96, Priority: 5, Type: "eni",
	}
	t.Run("OK", func(t *testing.T) {
		got, err := ApplySessionUpdate(cur, SessionUpdate{
			Name: ptr("b"), Description: ptr(""), Priority: ptr(7), Enabled: ptr(true),
			Type: ptr("ENI"), Sources: []string{strings.ToUpper(src1), src2},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := cur
		want.Name, want.Description, want.Priority, want.Enabled = "b", "", 7, true
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ApplySessionUpdate mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		got, err := ApplySessionUpdate(cur, SessionUpdate{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(cur, got); diff != "" {
			t.Errorf("empty update changed the session (-want +got):\n%s", diff)
		}
	})
	t.Run("DoesNotAlias", func(t *testing.T) {
		got, _ := ApplySessionUpdate(cur, SessionUpdate{})
		got.Sources[0] = "changed"
		if cur.Sources[0] != src1 {
			t.Error("result shares its Sources with the current session")
		}
	})
	t.Run("ErrTypeChange", func(t *testing.T) {
		_, err := ApplySessionUpdate(cur, SessionUpdate{Type: ptr("eip")})
		wantCode(t, "type change", err, CodeInvalidCombination)
	})
	t.Run("ErrSourcesChange", func(t *testing.T) {
		_, err := ApplySessionUpdate(cur, SessionUpdate{Sources: []string{src2, src1}})
		wantCode(t, "reordered sources", err, CodeInvalidCombination)
		_, err = ApplySessionUpdate(cur, SessionUpdate{Sources: []string{}})
		wantCode(t, "cleared sources", err, CodeInvalidCombination)
	})
	t.Run("ErrTargetAmongSources", func(t *testing.T) {
		_, err := ApplySessionUpdate(cur, SessionUpdate{TargetID: ptr(strings.ToUpper(src2))})
		wantCode(t, "target among sources", err, CodeInvalidCombination)
	})
}

func TestApplyFilterUpdate(t *testing.T) {
	cur := Filter{ID: "f", Name: "a", Description: "d", Type: "eni"}
	got, err := ApplyFilterUpdate(cur, FilterUpdate{Name: ptr("b"), Type: ptr("ENI")})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "b" || got.Description != "d" {
		t.Errorf("ApplyFilterUpdate = %+v, want name b and description d", got)
	}
	_, err = ApplyFilterUpdate(cur, FilterUpdate{Type: ptr("eip")})
	wantCode(t, "type change", err, CodeInvalidCombination)
}

func TestFilterRuleCheckCombination(t *testing.T) {
	base := FilterRule{Direction: "ingress", Protocol: "tcp", Ethertype: EthertypeIPv4, Action: "accept", Priority: 1}
	tests := []struct {
		name string
		edit func(*FilterRule)
		code string
	}{
		{"TCPWithPorts", func(r *FilterRule) { r.SourcePortRange, r.DestinationPortRange = "1-2", "80" }, ""},
		{"ICMPv4", func(r *FilterRule) { r.Protocol = "ICMP" }, ""},
		{"ICMPWithIPv6", func(r *FilterRule) { r.Protocol, r.Ethertype = "icmp", EthertypeIPv6 }, CodeInvalidCombination},
		{"ICMPv6WithIPv4", func(r *FilterRule) { r.Protocol = "icmpv6" }, CodeInvalidCombination},
		{"ICMPv6WithIPv6", func(r *FilterRule) { r.Protocol, r.Ethertype = "icmpv6", EthertypeIPv6 }, ""},
		{"CIDRFamilyMismatch", func(r *FilterRule) { r.SourceCIDR = "::/0" }, CodeInvalidCombination},
		{"DestinationCIDRFamilyMismatch", func(r *FilterRule) { r.DestinationCIDR = "2002::1" }, CodeInvalidCombination},
		{"CIDRFamilyMatch", func(r *FilterRule) { r.SourceCIDR, r.DestinationCIDR = "10.0.0.0/8", "1.2.3.4" }, ""},
		{"AllWithPorts", func(r *FilterRule) { r.Protocol, r.DestinationPortRange = "all", "80" }, CodeInvalidCombination},
		{"ICMPWithPorts", func(r *FilterRule) { r.Protocol, r.SourcePortRange = "icmp", "80" }, CodeInvalidCombination},
	}
	for _, tt := range tests {
		r := base
		tt.edit(&r)
		wantCode(t, tt.name, r.CheckCombination(), tt.code)
	}
}

func TestApplyFilterRuleUpdate(t *testing.T) {
	cur := FilterRule{
		ID: "r", FilterID: "f", Direction: "ingress", Protocol: "udp", Ethertype: EthertypeIPv4,
		Action: "accept", Priority: 1, SourcePortRange: "80-81", DestinationPortRange: "80-81",
		SourceCIDR: "10.0.0.0/8",
	}
	t.Run("TerraformSwitchToICMPv6", func(t *testing.T) {
		// The flow of filter-rules.md §5: the ranges are not mentioned and reset.
		got, err := ApplyFilterRuleUpdate(cur, FilterRuleUpdate{
			Protocol: ptr("icmpv6"), Ethertype: ptr(EthertypeIPv6), SourceCIDR: ptr("2002:50::44/128"),
			DestinationCIDR: ptr("::/0"), Priority: ptr(2), Action: ptr("reject"), Description: ptr(""),
		})
		if err != nil {
			t.Fatal(err)
		}
		want := cur
		want.Protocol, want.Ethertype, want.SourceCIDR, want.DestinationCIDR = "icmpv6", EthertypeIPv6, "2002:50::44/128", "::/0"
		want.Priority, want.Action, want.SourcePortRange, want.DestinationPortRange = 2, "reject", "", ""
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("ErrPortsWithAll", func(t *testing.T) {
		_, err := ApplyFilterRuleUpdate(cur, FilterRuleUpdate{Protocol: ptr("all"), SourcePortRange: ptr("80")})
		wantCode(t, "ports with all", err, CodeInvalidCombination)
	})
	t.Run("ClearedPortsWithAll", func(t *testing.T) {
		got, err := ApplyFilterRuleUpdate(cur, FilterRuleUpdate{Protocol: ptr("ALL"), SourcePortRange: ptr("")})
		if err != nil {
			t.Fatal(err)
		}
		if got.SourcePortRange != "" || got.DestinationPortRange != "" {
			t.Errorf("ranges = %q, %q, want both empty", got.SourcePortRange, got.DestinationPortRange)
		}
	})
	t.Run("ErrEthertypeLeavesCIDR", func(t *testing.T) {
		_, err := ApplyFilterRuleUpdate(cur, FilterRuleUpdate{Ethertype: ptr(EthertypeIPv6)})
		wantCode(t, "IPv6 with an IPv4 CIDR", err, CodeInvalidCombination)
	})
	t.Run("ImmutableEchoed", func(t *testing.T) {
		_, err := ApplyFilterRuleUpdate(cur, FilterRuleUpdate{Direction: ptr("INGRESS"), FilterID: ptr("f")})
		wantCode(t, "echoed immutables", err, "")
	})
	t.Run("ErrDirectionChange", func(t *testing.T) {
		_, err := ApplyFilterRuleUpdate(cur, FilterRuleUpdate{Direction: ptr("egress")})
		wantCode(t, "direction change", err, CodeInvalidCombination)
	})
	t.Run("ErrFilterChange", func(t *testing.T) {
		_, err := ApplyFilterRuleUpdate(cur, FilterRuleUpdate{FilterID: ptr("g")})
		wantCode(t, "filter change", err, CodeInvalidCombination)
	})
}

func TestErrorHelpers(t *testing.T) {
	err := error(SessionNotFound("x"))
	wrapped := errors.Join(errors.New("context"), err)
	if got := ErrorKind(wrapped); got != KindNotFound {
		t.Errorf("ErrorKind = %v, want %v", got, KindNotFound)
	}
	if got := ErrorCode(wrapped); got != CodeSessionNotFound {
		t.Errorf("ErrorCode = %v, want %v", got, CodeSessionNotFound)
	}
	plain := errors.New("disk on fire")
	if ErrorKind(plain) != KindInternal || ErrorCode(plain) != CodeInternal {
		t.Errorf("plain error: kind %v code %v, want internal", ErrorKind(plain), ErrorCode(plain))
	}
	u := Unavailable(plain)
	if !errors.Is(u, plain) {
		t.Error("Unavailable does not wrap its cause")
	}
	if strings.Contains(u.Msg, "disk") {
		t.Error("the public message leaks the private cause")
	}
}
