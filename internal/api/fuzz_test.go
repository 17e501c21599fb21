package api

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// The fuzz targets feed the request decoders arbitrary bodies. Whatever the
// body, decoding and conversion never panic and fail only with a client error
// (a KindInvalid *mirror.Error with a VPC.91xx code); whatever they accept
// passes the domain checks again and survives a round trip through the
// marshalling side of the same types. The lenient field types are compared
// with reference parsers written from ../shared/spec/README.md §3.4. Seed
// corpora run in every go test; crashers found by -fuzz are kept in
// testdata/fuzz.

// checkInvalid fails unless err is a KindInvalid *mirror.Error with a
// VPC.91xx code and no private cause.
func checkInvalid(t *testing.T, call string, err error) {
	t.Helper()
	var e *mirror.Error
	if !errors.As(err, &e) || e.Kind != mirror.KindInvalid || !strings.HasPrefix(e.Code, "VPC.91") || e.Msg == "" || e.Err != nil {
		t.Fatalf("%s = %#v, want a KindInvalid VPC.91xx *mirror.Error", call, err)
	}
}

// mustJSON marshals v, which always succeeds for the request types.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %T: %v", v, err)
	}
	return b
}

// optString, optInt and optBool turn an update's pointer back into a field.
func optString(p *string) String {
	if p == nil {
		return String{}
	}
	return StringOf(*p)
}

func optInt(p *int) Int {
	if p == nil {
		return Int{}
	}
	return IntOf(*p)
}

func optBool(p *bool) Bool {
	if p == nil {
		return Bool{}
	}
	return BoolOf(*p)
}

func optStrings(list []string) Strings {
	if list == nil {
		return Strings{}
	}
	return StringsOf(list)
}

// fuzzBodies are seed bodies shared by the targets: valid ones of each kind,
// lenient spellings, and broken shapes.
func fuzzBodies() []string {
	session := string(fieldsBody(RootSession, validSession()))
	rule := string(fieldsBody(RootFilterRule, validRule()))
	return []string{
		session, rule,
		string(fieldsBody(RootSession, validSession(), "virtual_network_id", `"16777215"`, "packet_length", `1.46e3`,
			"enabled", `" TRUE "`, "priority", `"+7"`, "type", `"EIP"`, "traffic_mirror_target_type", `"ELB"`)),
		string(fieldsBody(RootSession, validSession(), "priority", `32766.0000000001`)),
		string(fieldsBody(RootSession, validSession(), "priority", `1e99999999999`, "name", `""`)),
		string(fieldsBody(RootSession, validSession(), "traffic_mirror_sources", uuids(3, 1))),
		string(fieldsBody(RootSession, validSession(), "traffic_mirror_sources", `["`+src1+`",7]`)),
		string(fieldsBody(RootFilterRule, validRule(), "direction", `" EGRESS "`, "ethertype", `"ipv6"`, "protocol", `"ICMPv6"`,
			"source_cidr_block", `" ::/0 "`, "destination_cidr_block", `"2002:50::44/128"`, "source_port_range", `""`, "destination_port_range", `null`)),
		string(fieldsBody(RootFilterRule, validRule(), "priority", `"65536"`)),
		`{"traffic_mirror_filter":{"name":"f-1","description":"d","type":"ENI"}}`,
		`{"traffic_mirror_filter":{"name":"镜像","type":7}}`,
		`{"traffic_mirror_session":{"traffic_mirror_sources":["` + src1 + `","` + strings.ToUpper(src1) + `"]}}`,
		`{"traffic_mirror_session":{"traffic_mirror_sources":["` + src2 + `"]}}`,
		``, ` `, `null`, `[]`, `"x"`, `{`, `{}`, `{"traffic_mirror_session":null}`, `{"traffic_mirror_session":[]}`,
		`{"traffic_mirror_session":{"Name":"x","name":null}}`, `{"traffic_mirror_filter_rule":{"priority":-0}}`,
		"\xef\xbb\xbf{}", `{"traffic_mirror_session":{"name":"\ud800"}}`,
	}
}

func FuzzDecodeSession(f *testing.F) {
	for _, b := range fuzzBodies() {
		f.Add([]byte(b), uint8(9))
	}
	f.Fuzz(func(t *testing.T, body []byte, maxByte uint8) {
		maxSources := 1 + int(maxByte)%20
		fields, err := DecodeSession(body)
		if err != nil {
			checkInvalid(t, "DecodeSession", err)
			return
		}
		s, err := fields.NewSession(project, maxSources)
		if err != nil {
			checkInvalid(t, "NewSession", err)
		} else {
			checkNewSession(t, s, maxSources)
		}
		u, uerr := fields.Update()
		if uerr != nil {
			checkInvalid(t, "SessionFields.Update", uerr)
			if err == nil {
				// Every field an update checks, a create checks at least as
				// strictly.
				t.Fatalf("NewSession accepted what Update refuses: %v", uerr)
			}
			return
		}
		checkSessionUpdate(t, u)
		if err == nil {
			checkUpdateMatchesCreate(t, u, s)
		}
	})
}

func checkNewSession(t *testing.T, s mirror.Session, maxSources int) {
	t.Helper()
	const path = "s"
	for _, err := range []error{
		mirror.CheckName(path, s.Name),
		mirror.CheckDescription(path, s.Description),
		mirror.CheckSources(path, s.Sources, maxSources),
		mirror.CheckUUID(path, s.TargetID),
		mirror.CheckRange(path, s.VirtualNetworkID, mirror.MinVirtualNetworkID, mirror.MaxVirtualNetworkID),
		mirror.CheckRange(path, s.PacketLength, mirror.MinPacketLength, mirror.MaxPacketLength),
		mirror.CheckRange(path, s.Priority, mirror.MinSessionPriority, mirror.MaxSessionPriority),
	} {
		if err != nil {
			t.Fatalf("NewSession returned %+v, which fails %v", s, err)
		}
	}
	if s.ProjectID != project || strings.TrimSpace(s.FilterID) == "" ||
		s.TargetType != mirror.TargetTypeENI && s.TargetType != mirror.TargetTypeELB ||
		s.Type != mirror.SourceTypeENI && s.Type != mirror.SourceTypeEIP {
		t.Fatalf("NewSession returned %+v, which breaks a field rule", s)
	}
	// Written back as a client would send it, the session reads the same.
	again := SessionRequest{SessionFields{
		Name: StringOf(s.Name), Description: StringOf(s.Description), FilterID: StringOf(s.FilterID),
		Sources: StringsOf(s.Sources), TargetID: StringOf(s.TargetID), TargetType: StringOf(s.TargetType),
		VirtualNetworkID: IntOf(s.VirtualNetworkID), PacketLength: IntOf(s.PacketLength), Priority: IntOf(s.Priority),
		Enabled: BoolOf(s.Enabled), Type: StringOf(s.Type),
	}}
	fields, err := DecodeSession(mustJSON(t, again))
	if err != nil {
		t.Fatalf("DecodeSession(re-encoded %+v) = %v", s, err)
	}
	got, err := fields.NewSession(project, maxSources)
	if err != nil {
		t.Fatalf("NewSession(re-encoded %+v) = %v", s, err)
	}
	if diff := cmp.Diff(s, got); diff != "" {
		t.Fatalf("session differs after a round trip (-first +second):\n%s", diff)
	}
}

func checkSessionUpdate(t *testing.T, u mirror.SessionUpdate) {
	t.Helper()
	const path = "u"
	var errs []error
	if u.Name != nil {
		errs = append(errs, mirror.CheckName(path, *u.Name))
	}
	if u.Description != nil {
		errs = append(errs, mirror.CheckDescription(path, *u.Description))
	}
	if u.TargetID != nil {
		errs = append(errs, mirror.CheckUUID(path, *u.TargetID))
	}
	for _, r := range []struct {
		v      *int
		lo, hi int
	}{
		{u.VirtualNetworkID, mirror.MinVirtualNetworkID, mirror.MaxVirtualNetworkID},
		{u.PacketLength, mirror.MinPacketLength, mirror.MaxPacketLength},
		{u.Priority, mirror.MinSessionPriority, mirror.MaxSessionPriority},
	} {
		if r.v != nil {
			errs = append(errs, mirror.CheckRange(path, *r.v, r.lo, r.hi))
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("Update returned %+v, which fails %v", u, err)
	}
	if u.FilterID != nil && strings.TrimSpace(*u.FilterID) == "" ||
		u.TargetType != nil && *u.TargetType != mirror.TargetTypeENI && *u.TargetType != mirror.TargetTypeELB {
		t.Fatalf("Update returned %+v, which breaks a field rule", u)
	}
	again := SessionRequest{SessionFields{
		Name: optString(u.Name), Description: optString(u.Description), FilterID: optString(u.FilterID),
		Sources: optStrings(u.Sources), TargetID: optString(u.TargetID), TargetType: optString(u.TargetType),
		VirtualNetworkID: optInt(u.VirtualNetworkID), PacketLength: optInt(u.PacketLength), Priority: optInt(u.Priority),
		Enabled: optBool(u.Enabled), Type: optString(u.Type),
	}}
	fields, err := DecodeSession(mustJSON(t, again))
	if err != nil {
		t.Fatalf("DecodeSession(re-encoded %+v) = %v", u, err)
	}
	got, err := fields.Update()
	if err != nil {
		t.Fatalf("Update(re-encoded %+v) = %v", u, err)
	}
	if diff := cmp.Diff(u, got); diff != "" {
		t.Fatalf("update differs after a round trip (-first +second):\n%s", diff)
	}
}

// checkUpdateMatchesCreate checks that the fields an update and a create read
// from one body agree.
func checkUpdateMatchesCreate(t *testing.T, u mirror.SessionUpdate, s mirror.Session) {
	t.Helper()
	eq := func(p *string, v string) bool { return p == nil || *p == v }
	eqInt := func(p *int, v int) bool { return p == nil || *p == v }
	if !eq(u.Name, s.Name) || !eq(u.Description, s.Description) || !eq(u.FilterID, s.FilterID) ||
		!eq(u.TargetID, s.TargetID) || !eq(u.TargetType, s.TargetType) ||
		!eqInt(u.VirtualNetworkID, s.VirtualNetworkID) || !eqInt(u.PacketLength, s.PacketLength) ||
		!eqInt(u.Priority, s.Priority) || u.Enabled != nil && *u.Enabled != s.Enabled ||
		u.Type != nil && !strings.EqualFold(*u.Type, s.Type) || !cmp.Equal(u.Sources, s.Sources) {
		t.Fatalf("Update read %+v from the body NewSession read as %+v", u, s)
	}
}

func FuzzDecodeSources(f *testing.F) {
	for _, b := range fuzzBodies() {
		f.Add([]byte(b), uint8(9))
	}
	f.Fuzz(func(t *testing.T, body []byte, maxByte uint8) {
		maxSources := 1 + int(maxByte)%20
		fields, err := DecodeSources(body)
		if err != nil {
			checkInvalid(t, "DecodeSources", err)
			return
		}
		list, err := fields.List(maxSources)
		if err != nil {
			checkInvalid(t, "SourcesFields.List", err)
			return
		}
		if err := mirror.CheckSources("s", list, maxSources); err != nil {
			t.Fatalf("List(%d) = %q, which fails %v", maxSources, list, err)
		}
		again, err := DecodeSources(mustJSON(t, SourcesRequest{SourcesFields{StringsOf(list)}}))
		if err != nil {
			t.Fatalf("DecodeSources(re-encoded %q) = %v", list, err)
		}
		got, err := again.List(maxSources)
		if err != nil || !cmp.Equal(got, list) {
			t.Fatalf("List(re-encoded %q) = %q, %v", list, got, err)
		}
	})
}

func FuzzDecodeFilter(f *testing.F) {
	for _, b := range fuzzBodies() {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fields, err := DecodeFilter(body)
		if err != nil {
			checkInvalid(t, "DecodeFilter", err)
			return
		}
		flt, err := fields.NewFilter(project)
		if err != nil {
			checkInvalid(t, "NewFilter", err)
		} else {
			if e := errors.Join(mirror.CheckName("f", flt.Name), mirror.CheckDescription("f", flt.Description)); e != nil || flt.ProjectID != project {
				t.Fatalf("NewFilter returned %+v, which fails %v", flt, e)
			}
			again, e := DecodeFilter(mustJSON(t, FilterRequest{FilterFields{Name: StringOf(flt.Name), Description: StringOf(flt.Description)}}))
			if e != nil {
				t.Fatalf("DecodeFilter(re-encoded %+v) = %v", flt, e)
			}
			got, e := again.NewFilter(project)
			if diff := cmp.Diff(flt, got); e != nil || diff != "" {
				t.Fatalf("NewFilter(re-encoded) = %v; differs (-first +second):\n%s", e, diff)
			}
		}
		u, uerr := fields.Update()
		if uerr != nil {
			checkInvalid(t, "FilterFields.Update", uerr)
			// A create ignores type; an update only checks that it is a string.
			if _, _, typeErr := fields.Type.value("t"); err == nil && typeErr == nil {
				t.Fatalf("NewFilter accepted what Update refuses: %v", uerr)
			}
			return
		}
		if u.Name != nil && mirror.CheckName("f", *u.Name) != nil || u.Description != nil && mirror.CheckDescription("f", *u.Description) != nil {
			t.Fatalf("Update returned %+v, which breaks a field rule", u)
		}
		if err == nil && (u.Name != nil && *u.Name != flt.Name || u.Description != nil && *u.Description != flt.Description) {
			t.Fatalf("Update read %+v from the body NewFilter read as %+v", u, flt)
		}
		again, err := DecodeFilter(mustJSON(t, FilterRequest{FilterFields{optString(u.Name), optString(u.Description), optString(u.Type)}}))
		if err != nil {
			t.Fatalf("DecodeFilter(re-encoded %+v) = %v", u, err)
		}
		got, err := again.Update()
		if diff := cmp.Diff(u, got); err != nil || diff != "" {
			t.Fatalf("Update(re-encoded) = %v; differs (-first +second):\n%s", err, diff)
		}
	})
}

func FuzzDecodeFilterRule(f *testing.F) {
	for _, b := range fuzzBodies() {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fields, err := DecodeFilterRule(body)
		if err != nil {
			checkInvalid(t, "DecodeFilterRule", err)
			return
		}
		rule, err := fields.NewRule(project)
		if err != nil {
			checkInvalid(t, "NewRule", err)
		} else {
			checkNewRule(t, rule)
		}
		u, uerr := fields.Update()
		if uerr != nil {
			checkInvalid(t, "FilterRuleFields.Update", uerr)
			if err == nil {
				t.Fatalf("NewRule accepted what Update refuses: %v", uerr)
			}
			return
		}
		checkRuleUpdate(t, u)
		if err == nil {
			eq := func(p *string, v string) bool { return p == nil || *p == v }
			if !eq(u.Description, rule.Description) || !eq(u.Protocol, rule.Protocol) || !eq(u.Ethertype, rule.Ethertype) ||
				!eq(u.Action, rule.Action) || u.Priority != nil && *u.Priority != rule.Priority ||
				!eq(u.SourceCIDR, rule.SourceCIDR) || !eq(u.DestinationCIDR, rule.DestinationCIDR) ||
				!eq(u.SourcePortRange, rule.SourcePortRange) || !eq(u.DestinationPortRange, rule.DestinationPortRange) ||
				u.Direction != nil && !strings.EqualFold(*u.Direction, rule.Direction) || !eq(u.FilterID, rule.FilterID) {
				t.Fatalf("Update read %+v from the body NewRule read as %+v", u, rule)
			}
		}
	})
}

// trimmed reports whether every string is free of surrounding white space.
func trimmed(list ...string) bool {
	for _, s := range list {
		if strings.TrimSpace(s) != s {
			return false
		}
	}
	return true
}

func checkNewRule(t *testing.T, r mirror.FilterRule) {
	t.Helper()
	const path = "r"
	err := errors.Join(
		mirror.CheckProtocol(path, r.Protocol),
		mirror.CheckRange(path, r.Priority, mirror.MinRulePriority, mirror.MaxRulePriority),
		mirror.CheckDescription(path, r.Description),
		mirror.CheckCIDR(path, r.SourceCIDR),
		mirror.CheckCIDR(path, r.DestinationCIDR),
		mirror.CheckPortRange(path, r.SourcePortRange),
		mirror.CheckPortRange(path, r.DestinationPortRange),
	)
	if err != nil {
		t.Fatalf("NewRule returned %+v, which fails %v", r, err)
	}
	if r.ProjectID != project || r.FilterID == "" ||
		r.Direction != mirror.DirectionIngress && r.Direction != mirror.DirectionEgress ||
		r.Ethertype != mirror.EthertypeIPv4 && r.Ethertype != mirror.EthertypeIPv6 ||
		r.Action != mirror.ActionAccept && r.Action != mirror.ActionReject ||
		!trimmed(r.FilterID, r.Protocol, r.Description, r.SourceCIDR, r.DestinationCIDR, r.SourcePortRange, r.DestinationPortRange) {
		t.Fatalf("NewRule returned %+v, which breaks a field rule", r)
	}
	again := FilterRuleRequest{FilterRuleFields{
		FilterID: StringOf(r.FilterID), Direction: StringOf(r.Direction), Protocol: StringOf(r.Protocol),
		Ethertype: StringOf(r.Ethertype), Action: StringOf(r.Action), Priority: IntOf(r.Priority),
		Description: StringOf(r.Description), SourceCIDR: StringOf(r.SourceCIDR), DestinationCIDR: StringOf(r.DestinationCIDR),
		SourcePortRange: StringOf(r.SourcePortRange), DestinationPortRange: StringOf(r.DestinationPortRange),
	}}
	fields, err := DecodeFilterRule(mustJSON(t, again))
	if err != nil {
		t.Fatalf("DecodeFilterRule(re-encoded %+v) = %v", r, err)
	}
	got, err := fields.NewRule(project)
	if diff := cmp.Diff(r, got); err != nil || diff != "" {
		t.Fatalf("NewRule(re-encoded) = %v; differs (-first +second):\n%s", err, diff)
	}
}

func checkRuleUpdate(t *testing.T, u mirror.FilterRuleUpdate) {
	t.Helper()
	const path = "u"
	var errs []error
	check := func(p *string, f func(path, v string) error) {
		if p != nil {
			if !trimmed(*p) {
				errs = append(errs, errors.New("not trimmed: "+strconv.Quote(*p)))
			}
			errs = append(errs, f(path, *p))
		}
	}
	check(u.Description, mirror.CheckDescription)
	check(u.Protocol, mirror.CheckProtocol)
	check(u.Ethertype, func(path, v string) error {
		if v != mirror.EthertypeIPv4 && v != mirror.EthertypeIPv6 {
			return errors.New("bad ethertype")
		}
		return nil
	})
	check(u.Action, func(path, v string) error {
		if v != mirror.ActionAccept && v != mirror.ActionReject {
			return errors.New("bad action")
		}
		return nil
	})
	check(u.SourceCIDR, mirror.CheckCIDR)
	check(u.DestinationCIDR, mirror.CheckCIDR)
	check(u.SourcePortRange, mirror.CheckPortRange)
	check(u.DestinationPortRange, mirror.CheckPortRange)
	check(u.Direction, func(string, string) error { return nil })
	check(u.FilterID, func(string, string) error { return nil })
	if u.Priority != nil {
		errs = append(errs, mirror.CheckRange(path, *u.Priority, mirror.MinRulePriority, mirror.MaxRulePriority))
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("Update returned %+v, which fails %v", u, err)
	}
	again := FilterRuleRequest{FilterRuleFields{
		FilterID: optString(u.FilterID), Direction: optString(u.Direction), Protocol: optString(u.Protocol),
		Ethertype: optString(u.Ethertype), Action: optString(u.Action), Priority: optInt(u.Priority),
		Description: optString(u.Description), SourceCIDR: optString(u.SourceCIDR), DestinationCIDR: optString(u.DestinationCIDR),
		SourcePortRange: optString(u.SourcePortRange), DestinationPortRange: optString(u.DestinationPortRange),
	}}
	fields, err := DecodeFilterRule(mustJSON(t, again))
	if err != nil {
		t.Fatalf("DecodeFilterRule(re-encoded %+v) = %v", u, err)
	}
	got, err := fields.Update()
	if diff := cmp.Diff(u, got); err != nil || diff != "" {
		t.Fatalf("Update(re-encoded) = %v; differs (-first +second):\n%s", err, diff)
	}
}

// The reference parsers of the lenient types.

var signedDecimalRE = regexp.MustCompile(`^[+-]?[0-9]+$`)

// clampInt returns v, or the nearest end of int's range.
func clampInt(v *big.Int) int {
	switch {
	case v.Cmp(big.NewInt(math.MaxInt)) > 0:
		return math.MaxInt
	case v.Cmp(big.NewInt(math.MinInt)) < 0:
		return math.MinInt
	}
	return int(v.Int64())
}

// refInt is the reference of Int.value for a JSON value raw: the integer and
// whether raw is one (an integral JSON number, or a string holding a signed
// decimal integer between white space).
func refInt(raw string) (int, bool) {
	switch c := raw[0]; {
	case c == '"':
		var s string
		if json.Unmarshal([]byte(raw), &s) != nil {
			return 0, false
		}
		s = strings.TrimFunc(s, unicode.IsSpace)
		if !signedDecimalRE.MatchString(s) {
			return 0, false
		}
		v, _ := new(big.Int).SetString(s, 10)
		return clampInt(v), true
	case c == '-' || '0' <= c && c <= '9':
		mant, expText, hasExp := strings.Cut(strings.ToLower(raw), "e")
		if hasExp {
			// An exponent far beyond the number of digits decides alone,
			// without computing 10^exp.
			exp, _ := new(big.Int).SetString(expText, 10)
			zero := strings.Trim(mant, "-0.") == ""
			switch limit := big.NewInt(int64(len(raw) + 25)); {
			case zero:
				return 0, true
			case exp.Cmp(limit) > 0:
				if strings.HasPrefix(mant, "-") {
					return math.MinInt, true
				}
				return math.MaxInt, true
			case exp.Cmp(new(big.Int).Neg(limit)) < 0:
				return 0, false
			}
		}
		r, ok := new(big.Rat).SetString(raw)
		if !ok || !r.IsInt() {
			return 0, false
		}
		return clampInt(r.Num()), true
	}
	return 0, false
}

// refBool is the reference of Bool.value.
func refBool(raw string) (b, ok bool) {
	s := raw
	if raw[0] == '"' {
		if json.Unmarshal([]byte(raw), &s) != nil {
			return false, false
		}
		s = strings.Map(func(r rune) rune {
			if 'A' <= r && r <= 'Z' {
				return r + 'a' - 'A'
			}
			return r
		}, strings.TrimFunc(s, unicode.IsSpace))
	}
	switch s {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// refStrings is the reference of Strings.value: the strings, or the index of
// the first item that is not one (-1 when raw is not an array).
func refStrings(raw string) (list []string, bad int) {
	var items []any
	if raw[0] != '[' || json.Unmarshal([]byte(raw), &items) != nil {
		return nil, -1
	}
	list = []string{}
	for i, item := range items {
		s, ok := item.(string)
		if !ok {
			return nil, i
		}
		list = append(list, s)
	}
	return list, 0
}

func FuzzLenientValue(f *testing.F) {
	for _, s := range []string{
		`96`, `-3`, `0`, `-0`, `96.0`, `9.6e1`, `9.6E+1`, `960e-1`, `100e-2`, `0.0`, `0e99999999999`, `0.000e-5`,
		`1e99999999999`, `-1e99999999999`, `1e-99999999999`, `16777215.0000000001`, `9223372036854775807`,
		`9223372036854775808`, `-9223372036854775808`, `-9223372036854775809`, `92233720368547758070e-1`,
		`"96"`, `" 96 "`, `"+7"`, `"-7"`, `"007"`, `"99999999999999999999"`, `"9.6"`, `"1e2"`, `""`, `" "`, `"\u00a07\u2003"`,
		`"0x10"`, `"1_000"`, `true`, `false`, `"true"`, `" FALSE "`, `"True"`, `"yes"`, `"\u017fe"`, `null`, `[]`, `{}`,
		`["a","b"]`, `["a",1]`, `[null]`, `"\ud800"`, `"a\u0000b"`, ` 5 `,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if !json.Valid([]byte(text)) {
			return
		}
		// decodeBody hands each field the value without white space around.
		raw := []byte(strings.Trim(text, " \t\r\n"))
		var (
			i  Int
			b  Bool
			s  String
			ss Strings
		)
		for _, u := range []json.Unmarshaler{&i, &b, &s, &ss} {
			if err := u.UnmarshalJSON(raw); err != nil {
				t.Fatalf("UnmarshalJSON(%q) = %v", raw, err)
			}
		}
		const path = "o.f"
		if string(raw) == "null" {
			if !i.IsZero() || !b.IsZero() || !s.IsZero() || !ss.IsZero() {
				t.Fatalf("null is not absent")
			}
			return
		}

		n, present, err := i.value(path)
		if wantN, wantOK := refInt(string(raw)); !present || (err == nil) != wantOK || err == nil && n != wantN {
			t.Fatalf("Int(%s) = %d, %v, %v, want %d, valid %v", raw, n, present, err, wantN, wantOK)
		}
		if err != nil {
			checkInvalid(t, "Int.value", err)
		} else if again, _, err := IntOf(n).value(path); err != nil || again != n {
			t.Fatalf("IntOf(%d) reads back as %d, %v", n, again, err)
		}

		v, present, err := b.value(path)
		if wantV, wantOK := refBool(string(raw)); !present || (err == nil) != wantOK || err == nil && v != wantV {
			t.Fatalf("Bool(%s) = %v, %v, %v, want %v, valid %v", raw, v, present, err, wantV, wantOK)
		}
		if err != nil {
			checkInvalid(t, "Bool.value", err)
		}

		str, present, err := s.value(path)
		var wantStr string
		wantStrOK := raw[0] == '"' && json.Unmarshal(raw, &wantStr) == nil
		if !present || (err == nil) != wantStrOK || str != wantStr {
			t.Fatalf("String(%s) = %q, %v, %v, want %q, valid %v", raw, str, present, err, wantStr, wantStrOK)
		}
		if err != nil {
			checkInvalid(t, "String.value", err)
		} else if again, _, err := StringOf(str).value(path); err != nil || again != str {
			t.Fatalf("StringOf(%q) reads back as %q, %v", str, again, err)
		}

		list, present, err := ss.value(path)
		wantList, bad := refStrings(string(raw))
		if !present || (err == nil) != (wantList != nil) || !cmp.Equal(list, wantList) {
			t.Fatalf("Strings(%s) = %q, %v, %v, want %q", raw, list, present, err, wantList)
		}
		if err != nil {
			checkInvalid(t, "Strings.value", err)
			if bad >= 0 && !strings.Contains(err.Error(), path+"["+strconv.Itoa(bad)+"]") {
				t.Fatalf("Strings(%s) = %v, want it to name item %d", raw, err, bad)
			}
		}
	})
}

// TestIntValueOverflowSyntax is the regression test of the first crasher of
// FuzzLenientValue: Atoi reports an overflow before it sees the characters
// that make a text no decimal integer, and that ErrRange was taken for a
// valid, clamped integer.
func TestIntValueOverflowSyntax(t *testing.T) {
	tests := []struct {
		raw  string
		want int
		ok   bool
	}{
		{raw: `20000000000000000000e-1`, want: 2000000000000000000, ok: true},
		{raw: `10000000000000000000e-19`, want: 1, ok: true},
		{raw: `99999999999999999999.5`},
		{raw: `"99999999999999999999x"`},
		{raw: `"99999999999999999999 1"`},
		{raw: `"99999999999999999999"`, want: math.MaxInt, ok: true},
		{raw: `"-99999999999999999999"`, want: math.MinInt, ok: true},
	}
	for _, tt := range tests {
		n, _, err := lenient[Int](tt.raw, false).value("o.f")
		if (err == nil) != tt.ok || n != tt.want {
			t.Errorf("Int(%s) = %d, %v, want %d, valid %v", tt.raw, n, err, tt.want, tt.ok)
		}
	}
}
