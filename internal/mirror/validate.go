package mirror

import (
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The Check and Normalize functions validate one field value. path names the
// field in error messages, for example "traffic_mirror_session.name". They
// return an *Error of KindInvalid with CodeInvalidParameter; the Normalize
// functions also return the value to store.

var nameRE = regexp.MustCompile(`^[A-Za-z0-9\p{Han}_.-]{1,64}$`)

// CheckName validates a session or filter name: 1 to 64 code points, each an
// ASCII letter or digit, a Han character, '_', '-' or '.'.
func CheckName(path, name string) error {
	if utf8.RuneCountInString(name) > MaxNameLength {
		return invalidParam(path, "must be at most %d characters long", MaxNameLength)
	}
	if !nameRE.MatchString(name) {
		return invalidParam(path, "must be 1 to %d letters, digits, Chinese characters, '_', '-' or '.'", MaxNameLength)
	}
	return nil
}

// CheckDescription validates a description: at most 255 code points, without
// '<' or '>'.
func CheckDescription(path, desc string) error {
	if utf8.RuneCountInString(desc) > MaxDescriptionLength {
		return invalidParam(path, "must be at most %d characters long", MaxDescriptionLength)
	}
	if strings.ContainsAny(desc, "<>") {
		return invalidParam(path, "must not contain '<' or '>'")
	}
	return nil
}

// IsUUID reports whether s has the 8-4-4-4-12 hexadecimal form of a UUID, in
// any letter case.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// CheckUUID validates an ID that must have the form of a UUID.
func CheckUUID(path, id string) error {
	if !IsUUID(id) {
		return invalidParam(path, "must be a UUID in 8-4-4-4-12 hexadecimal form")
	}
	return nil
}

// CheckSources validates a list of source IDs: 1 to max UUIDs without
// duplicates (compared case-insensitively).
func CheckSources(path string, sources []string, max int) error {
	if len(sources) == 0 {
		return invalidParam(path, "must contain at least 1 item")
	}
	if len(sources) > max {
		return invalidParam(path, "must contain at most %d items", max)
	}
	seen := make(map[string]bool, len(sources))
	for i, src := range sources {
		itemPath := path + "[" + strconv.Itoa(i) + "]"
		if err := CheckUUID(itemPath, src); err != nil {
			return err
		}
		key := strings.ToLower(src)
		if seen[key] {
			return invalidParam(itemPath, "duplicate source %s", src)
		}
		seen[key] = true
	}
	return nil
}

// CheckRange validates an integer field against an inclusive range.
func CheckRange(path string, v, min, max int) error {
	if v < min || v > max {
		return invalidParam(path, "must be an integer from %d to %d", min, max)
	}
	return nil
}

// normalizeEnum returns the member of allowed that equals v ignoring case.
func normalizeEnum(path, v string, allowed ...string) (string, error) {
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return a, nil
		}
	}
	return "", invalidParam(path, "must be one of %s", strings.Join(allowed, ", "))
}

// NormalizeTargetType validates a session target type, case-insensitively.
func NormalizeTargetType(path, v string) (string, error) {
	return normalizeEnum(path, v, TargetTypeENI, TargetTypeELB)
}

// NormalizeSourceType validates a session source type, case-insensitively.
func NormalizeSourceType(path, v string) (string, error) {
	return normalizeEnum(path, v, SourceTypeENI, SourceTypeEIP)
}

// NormalizeDirection validates a rule direction, case-insensitively.
func NormalizeDirection(path, v string) (string, error) {
	return normalizeEnum(path, v, DirectionIngress, DirectionEgress)
}

// NormalizeEthertype validates a rule ethertype, case-insensitively, and
// returns the spelling IPv4 or IPv6.
func NormalizeEthertype(path, v string) (string, error) {
	return normalizeEnum(path, v, EthertypeIPv4, EthertypeIPv6)
}

// NormalizeAction validates a rule action, case-insensitively.
func NormalizeAction(path, v string) (string, error) {
	return normalizeEnum(path, v, ActionAccept, ActionReject)
}

// CheckProtocol validates a rule protocol, case-insensitively. The protocol
// is stored in the case the client sent (the Terraform provider expects its
// lower-case values back, Huawei's examples their upper-case ones).
func CheckProtocol(path, v string) error {
	_, err := normalizeEnum(path, v, ProtocolTCP, ProtocolUDP, ProtocolICMP, ProtocolICMPv6, ProtocolAll)
	return err
}

// CheckCIDR validates a rule address block: "" (any address), an IPv4 or
// IPv6 prefix addr/len, or a bare address.
func CheckCIDR(path, v string) error {
	if _, ok := cidrFamily(v); !ok {
		return invalidParam(path, "must be empty, an IP address or an IPv4/IPv6 CIDR block")
	}
	return nil
}

// cidrFamily returns the ethertype of a valid non-empty CIDR, "" for the
// empty string, and false when v is not valid.
func cidrFamily(v string) (string, bool) {
	if v == "" {
		return "", true
	}
	var addr netip.Addr
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return "", false
		}
		addr = p.Addr()
	} else {
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" {
			return "", false
		}
		addr = a
	}
	if addr.Is4() {
		return EthertypeIPv4, true
	}
	return EthertypeIPv6, true
}

// CheckPortRange validates a rule port range: "" (all ports), "N" or "N-M"
// with 1 <= N <= M <= 65535 in decimal digits.
func CheckPortRange(path, v string) error {
	if v == "" {
		return nil
	}
	lo, hi, found := strings.Cut(v, "-")
	if !found {
		hi = lo
	}
	n, okN := parsePort(lo)
	m, okM := parsePort(hi)
	if !okN || !okM || n > m {
		return invalidParam(path, "must be empty, a port N or a range N-M with 1 <= N <= M <= 65535")
	}
	return nil
}

func parsePort(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	// Leading zeros do not change a decimal value: "000080" is port 80 as
	// "080" is. Bound the length of the digits that count, not of the text.
	s = strings.TrimLeft(s, "0")
	if len(s) > 5 {
		return 0, false
	}
	n, _ := strconv.Atoi(s) // "" (all zeros) gives 0, which is refused
	return n, n >= 1 && n <= 65535
}

// containsFold reports whether list holds id, ignoring case.
func containsFold(list []string, id string) bool {
	return slices.ContainsFunc(list, func(s string) bool { return strings.EqualFold(s, id) })
}

// CheckCombination checks the cross-field rules of a session: its target is
// not one of its sources.
func (s Session) CheckCombination() error {
	if containsFold(s.Sources, s.TargetID) {
		return TargetIsSource(s.TargetID)
	}
	return nil
}

// ApplySessionUpdate returns cur changed by u. It refuses changes of the
// immutable fields (type, sources) and a result that breaks a cross-field
// rule, with KindInvalid CodeInvalidCombination. UpdatedAt is left alone.
func ApplySessionUpdate(cur Session, u SessionUpdate) (Session, error) {
	if u.Type != nil && !strings.EqualFold(*u.Type, cur.Type) {
		return Session{}, invalidCombination("type cannot be changed from %s", cur.Type)
	}
	if u.Sources != nil && !slices.EqualFunc(u.Sources, cur.Sources, strings.EqualFold) {
		return Session{}, invalidCombination("traffic_mirror_sources cannot be changed by an update; use add-sources and remove-sources")
	}
	s := cur
	s.Sources = slices.Clone(cur.Sources)
	setIf(&s.Name, u.Name)
	setIf(&s.Description, u.Description)
	setIf(&s.FilterID, u.FilterID)
	setIf(&s.TargetID, u.TargetID)
	setIf(&s.TargetType, u.TargetType)
	setIf(&s.VirtualNetworkID, u.VirtualNetworkID)
	setIf(&s.PacketLength, u.PacketLength)
	setIf(&s.Priority, u.Priority)
	setIf(&s.Enabled, u.Enabled)
	if err := s.CheckCombination(); err != nil {
		return Session{}, err
	}
	return s, nil
}

// ApplyFilterUpdate returns cur changed by u. It refuses a change of the
// filter type with KindInvalid CodeInvalidCombination.
func ApplyFilterUpdate(cur Filter, u FilterUpdate) (Filter, error) {
	if u.Type != nil && !strings.EqualFold(*u.Type, FilterTypeENI) {
		return Filter{}, invalidCombination("type cannot be changed from %s", FilterTypeENI)
	}
	f := cur
	setIf(&f.Name, u.Name)
	setIf(&f.Description, u.Description)
	return f, nil
}

// portless reports whether a protocol covers all ports, so that port ranges
// do not apply to it.
func portless(protocol string) bool {
	p := strings.ToLower(protocol)
	return p != ProtocolTCP && p != ProtocolUDP
}

// CheckCombination checks the cross-field rules of a filter rule: icmp only
// with IPv4 and icmpv6 only with IPv6, CIDRs of the ethertype's family, and
// port ranges only for tcp and udp.
func (r FilterRule) CheckCombination() error {
	switch strings.ToLower(r.Protocol) {
	case ProtocolICMP:
		if r.Ethertype != EthertypeIPv4 {
			return invalidCombination("protocol %s requires ethertype IPv4", r.Protocol)
		}
	case ProtocolICMPv6:
		if r.Ethertype != EthertypeIPv6 {
			return invalidCombination("protocol %s requires ethertype IPv6", r.Protocol)
		}
	}
	for _, c := range []struct{ name, value string }{
		{"source_cidr_block", r.SourceCIDR},
		{"destination_cidr_block", r.DestinationCIDR},
	} {
		if fam, _ := cidrFamily(c.value); fam != "" && fam != r.Ethertype {
			return invalidCombination("%s %s is not an %s address block", c.name, c.value, r.Ethertype)
		}
	}
	if portless(r.Protocol) {
		for _, p := range []struct{ name, value string }{
			{"source_port_range", r.SourcePortRange},
			{"destination_port_range", r.DestinationPortRange},
		} {
			if p.value != "" {
				return invalidCombination("%s applies only to protocols tcp and udp, not %s", p.name, r.Protocol)
			}
		}
	}
	return nil
}

// ApplyFilterRuleUpdate returns cur changed by u. It refuses changes of the
// immutable fields (direction, filter) and a result that breaks a cross-field
// rule, with KindInvalid CodeInvalidCombination. When the resulting protocol
// covers all ports, port ranges that u does not set are reset to "" (the
// Terraform provider switches a udp rule to icmpv6 without clearing them).
func ApplyFilterRuleUpdate(cur FilterRule, u FilterRuleUpdate) (FilterRule, error) {
	if u.Direction != nil && !strings.EqualFold(*u.Direction, cur.Direction) {
		return FilterRule{}, invalidCombination("direction cannot be changed from %s", cur.Direction)
	}
	if u.FilterID != nil && *u.FilterID != cur.FilterID {
		return FilterRule{}, invalidCombination("traffic_mirror_filter_id cannot be changed from %s", cur.FilterID)
	}
	r := cur
	setIf(&r.Description, u.Description)
	setIf(&r.Protocol, u.Protocol)
	setIf(&r.Ethertype, u.Ethertype)
	setIf(&r.Action, u.Action)
	setIf(&r.Priority, u.Priority)
	setIf(&r.SourceCIDR, u.SourceCIDR)
	setIf(&r.DestinationCIDR, u.DestinationCIDR)
	setIf(&r.SourcePortRange, u.SourcePortRange)
	setIf(&r.DestinationPortRange, u.DestinationPortRange)
	if portless(r.Protocol) {
		if u.SourcePortRange == nil {
			r.SourcePortRange = ""
		}
		if u.DestinationPortRange == nil {
			r.DestinationPortRange = ""
		}
	}
	if err := r.CheckCombination(); err != nil {
		return FilterRule{}, err
	}
	return r, nil
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
