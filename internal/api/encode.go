package api

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// The Append functions write response bodies straight from the domain
// values, without building the response structs or reflecting over them:
// they are the server's hot path. Each appends exactly the bytes that
// encoding/json gives for the matching New… value with HTML escaping off
// (json.Encoder.SetEscapeHTML(false), as the server encodes), without the
// encoder's trailing newline. The response structs stay the definition of
// the wire format: encode_test.go checks the two against each other on
// random values, and the golden tests pin both.

// maxFastUnix is the first second of the year 10000.
const maxFastUnix = 253402300800

// AppendTime appends t formatted as FormatTime does, without allocating.
func AppendTime(dst []byte, t time.Time) []byte {
	sec := t.Unix()
	if sec < 0 || sec >= maxFastUnix {
		// Stored times are all after 1970. Before it the arithmetic below
		// would need signed division; from the year 10000 on the layout's
		// own rules (more digits) apply.
		return t.UTC().AppendFormat(dst, TimeLayout)
	}
	// The civil date of the Unix day, by the inverse of Howard Hinnant's
	// days_from_civil (http://howardhinnant.github.io/date_algorithms.html):
	// a few unsigned integer operations instead of the time package's
	// general calendar.
	u := uint64(sec)
	days, rem := u/86400, u%86400
	z := days + 719468                                     // days since 0000-03-01
	era, doe := z/146097, z%146097                         // 400-year eras, day of era
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // [0, 399]
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // [0, 365], from March 1
	mp := (5*doy + 2) / 153                                // [0, 11], March first
	day := doy - (153*mp+2)/5 + 1
	month := mp + 3
	if month > 12 {
		month -= 12
	}
	year := yoe + era*400
	if month <= 2 {
		year++
	}
	hour, minute, second := rem/3600, rem/60%60, rem%60
	ms := uint64(t.Nanosecond()) / uint64(time.Millisecond) // the layout truncates
	century, yy := year/100, year%100
	return append(dst,
		digits2[2*century], digits2[2*century+1], digits2[2*yy], digits2[2*yy+1], '-',
		digits2[2*month], digits2[2*month+1], '-',
		digits2[2*day], digits2[2*day+1], 'T',
		digits2[2*hour], digits2[2*hour+1], ':',
		digits2[2*minute], digits2[2*minute+1], ':',
		digits2[2*second], digits2[2*second+1], '.',
		byte('0'+ms/100), digits2[2*(ms%100)], digits2[2*(ms%100)+1],
		'+', '0', '0', ':', '0', '0')
}

// digits2 holds the two decimal digits of 0 to 99.
const digits2 = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// Masks of the eight bytes of a word, for escapeIn8.
const (
	lsb8 = 0x0101010101010101
	msb8 = 0x8080808080808080
)

// escapeIn8 reports whether any of the eight bytes packed in x needs more
// than copying into a JSON string: a control character, '"', '\\', or any
// byte of a multi-byte (or invalid) UTF-8 sequence. The tests are the exact
// "has a byte less than n" and "has a zero byte" word tricks.
func escapeIn8(x uint64) bool {
	control := (x - lsb8*' ') &^ x
	q := x ^ (lsb8 * '"')
	quote := (q - lsb8) &^ q
	b := x ^ (lsb8 * '\\')
	backslash := (b - lsb8) &^ b
	return (control|quote|backslash|x)&msb8 != 0
}

// appendString appends s as a JSON string the way encoding/json does with
// HTML escaping off: '"', '\\' and control characters escaped (\b \f \n \r
// \t by name, the others as \u00XX), invalid UTF-8 replaced by \ufffd,
// U+2028 and U+2029 escaped, everything else as it is.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Skip eight plain bytes at a time: IDs, names and most
		// descriptions need no escaping at all.
		for i+8 <= len(s) {
			x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			if escapeIn8(x) {
				break
			}
			i += 8
		}
		if i == len(s) {
			break
		}
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= ' ' && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				const hex = "0123456789abcdef"
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028':
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\u2028`...)
		case c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\u2029`...)
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendField appends a member whose key needs no escaping and whose value
// is a string; key carries its quotes, colon and any leading comma.
func appendField(dst []byte, key, value string) []byte {
	dst = append(dst, key...)
	return appendString(dst, value)
}

func appendIntField(dst []byte, key string, v int) []byte {
	dst = append(dst, key...)
	return strconv.AppendInt(dst, int64(v), 10)
}

func appendTimeField(dst []byte, key string, t time.Time) []byte {
	dst = append(dst, key...)
	dst = append(dst, '"')
	dst = AppendTime(dst, t)
	return append(dst, '"')
}

// AppendSession appends the JSON of NewSession(s).
func AppendSession(dst []byte, s mirror.Session) []byte { return appendSession(dst, &s) }

func appendSession(dst []byte, s *mirror.Session) []byte {
	dst = appendField(dst, `{"id":`, s.ID)
	dst = appendField(dst, `,"project_id":`, s.ProjectID)
	dst = appendField(dst, `,"name":`, s.Name)
	dst = appendField(dst, `,"description":`, s.Description)
	dst = appendField(dst, `,"traffic_mirror_filter_id":`, s.FilterID)
	dst = append(dst, `,"traffic_mirror_sources":[`...)
	for i, src := range s.Sources {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, src)
	}
	dst = append(dst, ']')
	dst = appendField(dst, `,"traffic_mirror_target_id":`, s.TargetID)
	dst = appendField(dst, `,"traffic_mirror_target_type":`, s.TargetType)
	dst = appendIntField(dst, `,"virtual_network_id":`, s.VirtualNetworkID)
	dst = appendIntField(dst, `,"packet_length":`, s.PacketLength)
	dst = appendIntField(dst, `,"priority":`, s.Priority)
	dst = append(dst, `,"enabled":`...)
	dst = strconv.AppendBool(dst, s.Enabled)
	dst = appendField(dst, `,"type":`, s.Type)
	dst = appendTimeField(dst, `,"created_at":`, s.CreatedAt)
	dst = appendTimeField(dst, `,"updated_at":`, s.UpdatedAt)
	return append(dst, '}')
}

// AppendFilter appends the JSON of NewFilter(f).
func AppendFilter(dst []byte, f mirror.Filter) []byte { return appendFilter(dst, &f) }

func appendFilter(dst []byte, f *mirror.Filter) []byte {
	dst = appendField(dst, `{"id":`, f.ID)
	dst = appendField(dst, `,"project_id":`, f.ProjectID)
	dst = appendField(dst, `,"name":`, f.Name)
	dst = appendField(dst, `,"description":`, f.Description)
	dst = appendField(dst, `,"type":`, f.Type)
	dst = append(dst, `,"ingress_rules":`...)
	dst = appendRules(dst, f.IngressRules)
	dst = append(dst, `,"egress_rules":`...)
	dst = appendRules(dst, f.EgressRules)
	dst = appendTimeField(dst, `,"created_at":`, f.CreatedAt)
	dst = appendTimeField(dst, `,"updated_at":`, f.UpdatedAt)
	return append(dst, '}')
}

// appendRules appends a JSON array of rules, [] when there are none.
func appendRules(dst []byte, rules []mirror.FilterRule) []byte {
	dst = append(dst, '[')
	for i := range rules {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendFilterRule(dst, &rules[i])
	}
	return append(dst, ']')
}

// AppendFilterRule appends the JSON of NewFilterRule(r).
func AppendFilterRule(dst []byte, r mirror.FilterRule) []byte { return appendFilterRule(dst, &r) }

func appendFilterRule(dst []byte, r *mirror.FilterRule) []byte {
	dst = appendField(dst, `{"id":`, r.ID)
	dst = appendField(dst, `,"project_id":`, r.ProjectID)
	dst = appendField(dst, `,"description":`, r.Description)
	dst = appendField(dst, `,"traffic_mirror_filter_id":`, r.FilterID)
	dst = appendField(dst, `,"direction":`, r.Direction)
	dst = appendField(dst, `,"source_cidr_block":`, r.SourceCIDR)
	dst = appendField(dst, `,"destination_cidr_block":`, r.DestinationCIDR)
	dst = appendField(dst, `,"source_port_range":`, r.SourcePortRange)
	dst = appendField(dst, `,"destination_port_range":`, r.DestinationPortRange)
	dst = appendField(dst, `,"ethertype":`, r.Ethertype)
	dst = appendField(dst, `,"protocol":`, r.Protocol)
	dst = appendField(dst, `,"action":`, r.Action)
	dst = appendIntField(dst, `,"priority":`, r.Priority)
	dst = appendTimeField(dst, `,"created_at":`, r.CreatedAt)
	dst = appendTimeField(dst, `,"updated_at":`, r.UpdatedAt)
	return append(dst, '}')
}

// appendRequestID closes a response body with its request_id member.
func appendRequestID(dst []byte, requestID string) []byte {
	dst = appendField(dst, `,"request_id":`, requestID)
	return append(dst, '}')
}

// AppendSessionResponse appends the JSON of NewSessionResponse(s, requestID).
func AppendSessionResponse(dst []byte, s mirror.Session, requestID string) []byte {
	dst = append(dst, `{"traffic_mirror_session":`...)
	dst = appendSession(dst, &s)
	return appendRequestID(dst, requestID)
}

// AppendFilterResponse appends the JSON of NewFilterResponse(f, requestID).
func AppendFilterResponse(dst []byte, f mirror.Filter, requestID string) []byte {
	dst = append(dst, `{"traffic_mirror_filter":`...)
	dst = appendFilter(dst, &f)
	return appendRequestID(dst, requestID)
}

// AppendFilterRuleResponse appends the JSON of
// NewFilterRuleResponse(r, requestID).
func AppendFilterRuleResponse(dst []byte, r mirror.FilterRule, requestID string) []byte {
	dst = append(dst, `{"traffic_mirror_filter_rule":`...)
	dst = appendFilterRule(dst, &r)
	return appendRequestID(dst, requestID)
}

// AppendSessionList appends the JSON of NewSessionList(p, requestID).
func AppendSessionList(dst []byte, p mirror.Page[mirror.Session], requestID string) []byte {
	return appendList(dst, `{"traffic_mirror_sessions":[`, p, requestID, appendSession,
		func(s *mirror.Session) string { return s.ID })
}

// AppendFilterList appends the JSON of NewFilterList(p, requestID).
func AppendFilterList(dst []byte, p mirror.Page[mirror.Filter], requestID string) []byte {
	return appendList(dst, `{"traffic_mirror_filters":[`, p, requestID, appendFilter,
		func(f *mirror.Filter) string { return f.ID })
}

// AppendFilterRuleList appends the JSON of NewFilterRuleList(p, requestID).
func AppendFilterRuleList(dst []byte, p mirror.Page[mirror.FilterRule], requestID string) []byte {
	return appendList(dst, `{"traffic_mirror_filter_rules":[`, p, requestID, appendFilterRule,
		func(r *mirror.FilterRule) string { return r.ID })
}

// appendList appends a list response: open (the object's start up to the
// array's "["), the items, page_info and request_id.
func appendList[T any](dst []byte, open string, p mirror.Page[T], requestID string,
	appendItem func([]byte, *T) []byte, id func(*T) string) []byte {
	dst = append(dst, open...)
	for i := range p.Items {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendItem(dst, &p.Items[i])
	}
	dst = append(dst, ']')
	dst = appendPageInfo(dst, p, id)
	return appendRequestID(dst, requestID)
}

// appendPageInfo appends the page_info member of newPageInfo(p).
func appendPageInfo[T any](dst []byte, p mirror.Page[T], id func(*T) string) []byte {
	var previous, next string
	if len(p.Items) > 0 {
		previous = id(&p.Items[0])
		if p.More {
			next = id(&p.Items[len(p.Items)-1])
		}
	}
	dst = appendField(dst, `,"page_info":{"previous_marker":`, previous)
	dst = appendIntField(dst, `,"current_count":`, len(p.Items))
	if next != "" { // omitempty
		dst = appendField(dst, `,"next_marker":`, next)
	}
	return append(dst, '}')
}

// AppendErrorResponse appends the JSON of NewErrorResponse(code, msg,
// requestID).
func AppendErrorResponse(dst []byte, code, msg, requestID string) []byte {
	dst = appendField(dst, `{"error_code":`, code)
	dst = appendField(dst, `,"error_msg":`, msg)
	return appendRequestID(dst, requestID)
}
