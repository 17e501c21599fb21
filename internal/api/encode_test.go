package api

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// The Append functions must give byte for byte what encoding/json gives for
// the response structs, as the server configured it before they existed
// (encodeLikeServer: SetEscapeHTML(false), then a newline). These tests
// compare the two on random values, with strings built to hit every
// escaping rule; the fuzz target does the same on arbitrary strings.

// reference returns what encoding/json writes for v, less its newline.
func reference(t *testing.T, v any) string {
	t.Helper()
	var buf bytes.Buffer
	if err := encodeLikeServer(&buf, v); err != nil {
		t.Fatalf("encode %T: %v", v, err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// checkSame fails when the Append output differs from encoding/json's.
func checkSame(t *testing.T, what string, appended []byte, v any) {
	t.Helper()
	if want := reference(t, v); string(appended) != want {
		t.Fatalf("%s: Append… =\n%q\nencoding/json =\n%q", what, appended, want)
	}
}

// trickyPieces are the pieces random strings are made of: every class of
// byte encoding/json treats specially, and some it does not.
var trickyPieces = []string{
	"", "a", "Z", "0", " ", "~", "/", "tm-bench #1", "web-mirror",
	`"`, `\`, `\"`, `\\u0000`, "\b", "\f", "\n", "\r", "\t", "\x00", "\x01", "\x1f", "\x7f",
	"<", ">", "&", "<script>", "a&b", // kept as they are: HTML escaping is off
	"\u2028", "\u2029", "\u2027", "\u202a", // only the two separators are escaped
	"é", "日本", "\U0001F600", "\ufffd", "\u00a0", "\ufeff",
	"\xff", "\xfe", "\xc3", "\xe2\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf", // invalid UTF-8
}

func randString(r *rand.Rand) string {
	if r.IntN(8) == 0 {
		// Arbitrary bytes.
		b := make([]byte, r.IntN(24))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return string(b)
	}
	var sb strings.Builder
	for range r.IntN(6) {
		sb.WriteString(trickyPieces[r.IntN(len(trickyPieces))])
	}
	return sb.String()
}

func randInt(r *rand.Rand) int {
	switch r.IntN(6) {
	case 0:
		return 0
	case 1:
		return math.MaxInt
	case 2:
		return math.MinInt
	case 3:
		return -r.IntN(1000)
	}
	return r.IntN(1 << 20)
}

var zones = []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("", -5*3600-1800), time.FixedZone("X", 14*3600)}

func randTime(r *rand.Rand) time.Time {
	switch r.IntN(8) {
	case 0:
		return time.Time{}
	case 1:
		// Years that need more or fewer than four digits, and negative ones.
		return time.Date([]int{-1, -10000, 0, 9999, 10000, 123456}[r.IntN(6)], time.Month(1+r.IntN(12)), 1+r.IntN(28),
			r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1e9), zones[r.IntN(len(zones))])
	}
	return time.Unix(r.Int64N(1<<35)-1<<34, r.Int64N(1e9)).In(zones[r.IntN(len(zones))])
}

func randSources(r *rand.Rand) []string {
	if r.IntN(4) == 0 {
		return nil
	}
	s := make([]string, r.IntN(4))
	for i := range s {
		s[i] = randString(r)
	}
	return s
}

func randSession(r *rand.Rand) mirror.Session {
	return mirror.Session{
		ID: randString(r), ProjectID: randString(r), Name: randString(r), Description: randString(r),
		FilterID: randString(r), Sources: randSources(r), TargetID: randString(r), TargetType: randString(r),
		VirtualNetworkID: randInt(r), PacketLength: randInt(r), Priority: randInt(r), Enabled: r.IntN(2) == 0,
		Type: randString(r), CreatedAt: randTime(r), UpdatedAt: randTime(r),
	}
}

func randRule(r *rand.Rand) mirror.FilterRule {
	return mirror.FilterRule{
		ID: randString(r), ProjectID: randString(r), Description: randString(r), FilterID: randString(r),
		Direction: randString(r), SourceCIDR: randString(r), DestinationCIDR: randString(r),
		SourcePortRange: randString(r), DestinationPortRange: randString(r), Ethertype: randString(r),
		Protocol: randString(r), Action: randString(r), Priority: randInt(r),
		CreatedAt: randTime(r), UpdatedAt: randTime(r),
	}
}

func randRules(r *rand.Rand) []mirror.FilterRule {
	if r.IntN(3) == 0 {
		return nil
	}
	rules := make([]mirror.FilterRule, r.IntN(3))
	for i := range rules {
		rules[i] = randRule(r)
	}
	return rules
}

func randFilter(r *rand.Rand) mirror.Filter {
	return mirror.Filter{
		ID: randString(r), ProjectID: randString(r), Name: randString(r), Description: randString(r),
		Type: randString(r), IngressRules: randRules(r), EgressRules: randRules(r),
		CreatedAt: randTime(r), UpdatedAt: randTime(r),
	}
}

func randPage[T any](r *rand.Rand, item func(*rand.Rand) T) mirror.Page[T] {
	var p mirror.Page[T]
	for range r.IntN(4) {
		p.Items = append(p.Items, item(r))
	}
	p.More = r.IntN(2) == 0
	return p
}

func TestAppendMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	// dst is reused with leftover bytes in front, as the server's pooled
	// buffer is: the functions must only append.
	dst := []byte("prefix")
	for i := range 3000 {
		id := randString(r)
		s, f, rule := randSession(r), randFilter(r), randRule(r)
		check := func(what string, appended []byte, v any) {
			t.Helper()
			if !bytes.HasPrefix(appended, []byte("prefix")) {
				t.Fatalf("%d %s: the prefix was overwritten: %q", i, what, appended)
			}
			checkSame(t, what, appended[len("prefix"):], v)
		}
		check("AppendSession", AppendSession(dst, s), NewSession(s))
		check("AppendSessionResponse", AppendSessionResponse(dst, s, id), NewSessionResponse(s, id))
		check("AppendFilter", AppendFilter(dst, f), NewFilter(f))
		check("AppendFilterResponse", AppendFilterResponse(dst, f, id), NewFilterResponse(f, id))
		check("AppendFilterRule", AppendFilterRule(dst, rule), NewFilterRule(rule))
		check("AppendFilterRuleResponse", AppendFilterRuleResponse(dst, rule, id), NewFilterRuleResponse(rule, id))
		sp, fp, rp := randPage(r, randSession), randPage(r, randFilter), randPage(r, randRule)
		check("AppendSessionList", AppendSessionList(dst, sp, id), NewSessionList(sp, id))
		check("AppendFilterList", AppendFilterList(dst, fp, id), NewFilterList(fp, id))
		check("AppendFilterRuleList", AppendFilterRuleList(dst, rp, id), NewFilterRuleList(rp, id))
		code, msg := randString(r), randString(r)
		check("AppendErrorResponse", AppendErrorResponse(dst, code, msg, id), NewErrorResponse(code, msg, id))
	}
}

func TestAppendTimeMatchesFormat(t *testing.T) {
	// Every day's first and last millisecond from 1969 to 2401: month ends,
	// leap days, century years.
	for d := time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() <= 2400; d = d.AddDate(0, 0, 1) {
		for _, tm := range []time.Time{d, d.Add(24*time.Hour - time.Nanosecond)} {
			if got, want := string(AppendTime(nil, tm)), tm.Format(TimeLayout); got != want {
				t.Fatalf("AppendTime(%v) = %s, want %s", tm, got, want)
			}
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		tm := randTime(r)
		if got, want := string(AppendTime(nil, tm)), tm.UTC().Format(TimeLayout); got != want {
			t.Fatalf("AppendTime(%v) = %s, want %s", tm, got, want)
		}
	}
}

// TestAppendStringEveryRune compares every single byte and every rune
// around the special ones with encoding/json.
func TestAppendStringEveryRune(t *testing.T) {
	var in []string
	for b := range 256 {
		in = append(in, string([]byte{byte(b)}), "x"+string([]byte{byte(b)})+"y")
	}
	for c := rune(0); c < 0x3000; c++ {
		in = append(in, string(c))
	}
	for _, c := range []rune{0xfffd, 0xfeff, 0xffff, 0x10000, 0x10ffff} {
		in = append(in, string(c))
	}
	for _, s := range in {
		checkSame(t, "appendString", appendString(nil, s), s)
	}
}

// FuzzAppend compares the Append functions with encoding/json on the
// strings, numbers and times the fuzzer picks.
func FuzzAppend(f *testing.F) {
	for _, p := range trickyPieces {
		f.Add(p, "x"+p+"y", int64(1), true, int64(1710405852), int64(123456789), 8*3600)
	}
	f.Add("", "", int64(math.MinInt64), false, int64(-62135596800), int64(0), 0)
	f.Add("a\u2028b", "\xffc\"", int64(math.MaxInt64), true, int64(253402300800), int64(999999999), -3600)
	f.Fuzz(func(t *testing.T, a, b string, n int64, flag bool, sec, nsec int64, offset int) {
		tm := time.Unix(sec, nsec).In(time.FixedZone("", offset%(24*3600)))
		s := mirror.Session{ID: a, ProjectID: b, Name: a, Description: b, FilterID: a, Sources: []string{a, b},
			TargetID: b, TargetType: a, VirtualNetworkID: int(n), PacketLength: -int(n), Priority: int(n >> 1),
			Enabled: flag, Type: b, CreatedAt: tm, UpdatedAt: tm.Add(time.Duration(n))}
		rule := mirror.FilterRule{ID: a, ProjectID: b, Description: b, FilterID: a, Direction: a, SourceCIDR: b,
			DestinationCIDR: a, SourcePortRange: b, DestinationPortRange: a, Ethertype: b, Protocol: a, Action: b,
			Priority: int(n), CreatedAt: tm, UpdatedAt: tm}
		flt := mirror.Filter{ID: b, ProjectID: a, Name: a, Description: b, Type: a,
			IngressRules: []mirror.FilterRule{rule}, CreatedAt: tm, UpdatedAt: tm}
		checkSame(t, "AppendSessionResponse", AppendSessionResponse(nil, s, a), NewSessionResponse(s, a))
		checkSame(t, "AppendFilterResponse", AppendFilterResponse(nil, flt, b), NewFilterResponse(flt, b))
		checkSame(t, "AppendFilterRuleResponse", AppendFilterRuleResponse(nil, rule, a), NewFilterRuleResponse(rule, a))
		sp := mirror.Page[mirror.Session]{Items: []mirror.Session{s, s}, More: flag}
		checkSame(t, "AppendSessionList", AppendSessionList(nil, sp, b), NewSessionList(sp, b))
		fp := mirror.Page[mirror.Filter]{Items: []mirror.Filter{flt}, More: !flag}
		checkSame(t, "AppendFilterList", AppendFilterList(nil, fp, b), NewFilterList(fp, b))
		rp := mirror.Page[mirror.FilterRule]{Items: []mirror.FilterRule{rule}, More: flag}
		checkSame(t, "AppendFilterRuleList", AppendFilterRuleList(nil, rp, a), NewFilterRuleList(rp, a))
		checkSame(t, "AppendErrorResponse", AppendErrorResponse(nil, a, b, a), NewErrorResponse(a, b, a))
	})
}
