package server

import (
	"errors"
	"math/big"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// The fuzz targets compare the list query parsers with a reference built on
// url.ParseQuery and the wording of ../shared/spec/README.md §3.5: never a
// panic, errors only VPC.9104, repeated values kept in order, integers in
// range, the page size within 0..MaxPageSize. Seed corpora run in every go
// test; crashers found by -fuzz are kept in testdata/fuzz.

// refValues is the reference of parseQuery. url.ParseQuery refuses ';',
// which parseQuery keeps as a character of keys and values: encoding it
// first gives the same pieces. ok is false for a malformed escape.
func refValues(raw string) (v url.Values, ok bool) {
	v, err := url.ParseQuery(strings.ReplaceAll(raw, ";", "%3B"))
	return v, err == nil
}

var refIntegerRE = regexp.MustCompile(`^[+-]?[0-9]+$`)

// refIntegers is the reference of queryParser.integers: the values within
// lo..hi in order, whether all were integers, and whether none was kept.
func refIntegers(values []string, lo, hi int64) (kept []int64, ok, none bool) {
	for _, s := range values {
		if !refIntegerRE.MatchString(s) {
			return nil, false, false
		}
		n, _ := new(big.Int).SetString(s, 10)
		if n.Cmp(big.NewInt(lo)) >= 0 && n.Cmp(big.NewInt(hi)) <= 0 {
			kept = append(kept, n.Int64())
		}
	}
	return kept, true, len(values) > 0 && len(kept) == 0
}

// refList is the reference of queryParser.listParams.
func refList(v url.Values) (mirror.ListParams, bool) {
	var lp mirror.ListParams
	if l := v["limit"]; len(l) > 0 {
		s := l[len(l)-1]
		if !refIntegerRE.MatchString(s) {
			return lp, false
		}
		n, _ := new(big.Int).SetString(s, 10)
		if n.Sign() < 0 || n.Cmp(big.NewInt(mirror.MaxPageSize)) > 0 {
			return lp, false
		}
		lp.Limit = int(n.Int64())
	}
	if m := v["marker"]; len(m) > 0 {
		lp.Marker = m[len(m)-1]
	}
	return lp, true
}

// refBool is the reference of queryParser.boolean.
func refBool(values []string) (*bool, bool) {
	switch {
	case len(values) == 0:
		return nil, true
	case len(values) > 1:
		return nil, false
	case strings.EqualFold(values[0], "true"):
		b := true
		return &b, true
	case strings.EqualFold(values[0], "false"):
		b := false
		return &b, true
	}
	return nil, false
}

// checkQueryErr fails unless err is the error of a bad query.
func checkQueryErr(t *testing.T, call string, err error) {
	t.Helper()
	var e *mirror.Error
	if !errors.As(err, &e) || e.Kind != mirror.KindInvalid || e.Code != mirror.CodeInvalidQuery || e.Err != nil {
		t.Fatalf("%s = %#v, want a KindInvalid %s *mirror.Error", call, err, mirror.CodeInvalidQuery)
	}
}

// fuzzQuery runs the reference on raw and returns its values, or nil when
// the target should only check that raw fails (or skip it).
func fuzzQuery(t *testing.T, raw string, parseErr error) url.Values {
	t.Helper()
	if strings.Count(raw, "&") > 1000 {
		// url.ParseQuery limits the number of parameters; the parsers need
		// only not panic on such queries.
		return nil
	}
	want, ok := refValues(raw)
	got, err := parseQuery(raw)
	if ok != (err == nil) {
		t.Fatalf("parseQuery(%q) = %v, want valid %v", raw, err, ok)
	}
	if !ok {
		checkQueryErr(t, "parseQuery", err)
		if parseErr == nil {
			t.Fatalf("query %q with a bad escape parsed", raw)
		}
		return nil
	}
	if diff := cmp.Diff(map[string][]string(want), map[string][]string(got)); diff != "" {
		t.Fatalf("parseQuery(%q) differs from url.ParseQuery (-want +got):\n%s", raw, diff)
	}
	return want
}

var querySeeds = []string{
	"", "id=a&id=b&name=x,y&description&traffic_mirror_filter_id=f&traffic_mirror_target_id=t" +
		"&traffic_mirror_target_type=ENI&type=eip&type=&marker=m1&marker=m2&limit=5&limit=7",
	"description=&name=a%20b+c%2A", "NAME=a&Limit=x&created_at=1&updated_at=x&unknown=%41", "name=a;b", "&&name=a&",
	"virtual_network_id=0&virtual_network_id=16777215&packet_length=%2B96&priority=-0&priority=32766",
	"priority=0&priority=5", "priority=0", "packet_length=1461&virtual_network_id=1",
	"virtual_network_id=99999999999999999999999", "virtual_network_id=99999999999999999999999x", "enabled=TRUE",
	"enabled=false&enabled=true", "enabled=yes", "limit=0", "limit=2000", "limit=2001", "limit=-1", "limit=%2B5",
	"limit=99999999999999999999", "priority=1.0", "%zz=1", "a=%", "=x", "%3B=%3b", "source_cidr_block=+10.0.0.0%2F8+",
	"protocol=TCP&protocol=udp&direction=ingress&action=accept&source_port_range=%2080&destination_port_range=1-2",
	"destination_cidr_block=%3A%3A%2F0&priority=65535&priority=65536",
}

func FuzzParseSessionQuery(f *testing.F) {
	for _, s := range querySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := parseSessionQuery(raw)
		if err != nil {
			checkQueryErr(t, "parseSessionQuery", err)
		}
		v := fuzzQuery(t, raw, err)
		if v == nil {
			return
		}
		want := mirror.SessionQuery{
			IDs: v["id"], Names: v["name"], Descriptions: v["description"], FilterIDs: v["traffic_mirror_filter_id"],
			TargetIDs: v["traffic_mirror_target_id"], TargetTypes: v["traffic_mirror_target_type"], Types: v["type"],
		}
		var ok [5]bool
		var none [3]bool
		want.VirtualNetworkIDs, ok[0], none[0] = refIntegers(v["virtual_network_id"], mirror.MinVirtualNetworkID, mirror.MaxVirtualNetworkID)
		want.PacketLengths, ok[1], none[1] = refIntegers(v["packet_length"], mirror.MinPacketLength, mirror.MaxPacketLength)
		want.Priorities, ok[2], none[2] = refIntegers(v["priority"], mirror.MinSessionPriority, mirror.MaxSessionPriority)
		want.Enabled, ok[3] = refBool(v["enabled"])
		want.ListParams, ok[4] = refList(v)
		want.MatchNone = none[0] || none[1] || none[2]
		if valid := ok == [5]bool{true, true, true, true, true}; valid != (err == nil) {
			t.Fatalf("parseSessionQuery(%q) = %v, want valid %v", raw, err, valid)
		}
		if err != nil {
			return
		}
		if diff := cmp.Diff(want, q); diff != "" {
			t.Fatalf("parseSessionQuery(%q) differs (-want +got):\n%s", raw, diff)
		}
		if q.Limit < 0 || q.Limit > mirror.MaxPageSize {
			t.Fatalf("parseSessionQuery(%q).Limit = %d", raw, q.Limit)
		}
	})
}

func FuzzParseFilterQuery(f *testing.F) {
	for _, s := range querySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := parseFilterQuery(raw)
		if err != nil {
			checkQueryErr(t, "parseFilterQuery", err)
		}
		v := fuzzQuery(t, raw, err)
		if v == nil {
			return
		}
		want := mirror.FilterQuery{IDs: v["id"], Names: v["name"], Descriptions: v["description"]}
		var ok bool
		want.ListParams, ok = refList(v)
		if ok != (err == nil) {
			t.Fatalf("parseFilterQuery(%q) = %v, want valid %v", raw, err, ok)
		}
		if err != nil {
			return
		}
		if diff := cmp.Diff(want, q); diff != "" {
			t.Fatalf("parseFilterQuery(%q) differs (-want +got):\n%s", raw, diff)
		}
	})
}

func FuzzParseFilterRuleQuery(f *testing.F) {
	for _, s := range querySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := parseFilterRuleQuery(raw)
		if err != nil {
			checkQueryErr(t, "parseFilterRuleQuery", err)
		}
		v := fuzzQuery(t, raw, err)
		if v == nil {
			return
		}
		trim := func(values []string) []string {
			if values == nil {
				return nil
			}
			out := make([]string, len(values))
			for i, s := range values {
				out[i] = strings.TrimSpace(s)
			}
			return out
		}
		want := mirror.FilterRuleQuery{
			IDs: v["id"], Descriptions: v["description"], FilterIDs: v["traffic_mirror_filter_id"],
			Directions: v["direction"], Protocols: v["protocol"], Actions: v["action"],
			SourceCIDRs: trim(v["source_cidr_block"]), DestinationCIDRs: trim(v["destination_cidr_block"]),
			SourcePortRanges: trim(v["source_port_range"]), DestinationPortRanges: trim(v["destination_port_range"]),
		}
		var okPriority, okList bool
		want.Priorities, okPriority, want.MatchNone = refIntegers(v["priority"], mirror.MinRulePriority, mirror.MaxRulePriority)
		want.ListParams, okList = refList(v)
		if valid := okPriority && okList; valid != (err == nil) {
			t.Fatalf("parseFilterRuleQuery(%q) = %v, want valid %v", raw, err, valid)
		}
		if err != nil {
			return
		}
		if diff := cmp.Diff(want, q); diff != "" {
			t.Fatalf("parseFilterRuleQuery(%q) differs (-want +got):\n%s", raw, diff)
		}
	})
}

// TestParseQueryIntegerOverflowSyntax is the regression test of the first
// failure of FuzzParseSessionQuery: ParseInt's ErrRange for a text whose
// digits overflow before a non-digit was taken for a valid, too large
// integer, so the query matched nothing instead of failing.
func TestParseQueryIntegerOverflowSyntax(t *testing.T) {
	for _, raw := range []string{"priority=99999999999999999999x", "virtual_network_id=-99999999999999999999.5", "packet_length=99999999999999999999%20"} {
		if _, err := parseSessionQuery(raw); mirror.ErrorCode(err) != mirror.CodeInvalidQuery {
			t.Errorf("parseSessionQuery(%q) = %v, want %s", raw, err, mirror.CodeInvalidQuery)
		}
	}
	if _, err := parseFilterRuleQuery("priority=99999999999999999999x"); mirror.ErrorCode(err) != mirror.CodeInvalidQuery {
		t.Errorf("parseFilterRuleQuery(priority=99999999999999999999x) = %v, want %s", err, mirror.CodeInvalidQuery)
	}
	q, err := parseSessionQuery("priority=%2B99999999999999999999")
	if err != nil || !q.MatchNone {
		t.Errorf("parseSessionQuery(priority=+99999999999999999999) = %+v, %v, want MatchNone", q, err)
	}
}
