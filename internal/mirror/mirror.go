// Package mirror is the domain of trafficmirror: traffic mirror sessions,
// filters and filter rules, the rules they obey, the queries that list them,
// the Store that keeps them, and the errors all of these return.
//
// It imports only the standard library; every other package depends on it.
package mirror

import "time"

// Source types, target types, directions, protocols, ethertypes and actions as
// stored. Inputs are matched case-insensitively and normalised to these
// spellings, except the protocol, which is stored in the case the client sent.
const (
	SourceTypeENI = "eni"
	SourceTypeEIP = "eip"

	TargetTypeENI = "eni"
	TargetTypeELB = "elb"

	FilterTypeENI = "eni"

	DirectionIngress = "ingress"
	DirectionEgress  = "egress"

	ProtocolTCP    = "tcp"
	ProtocolUDP    = "udp"
	ProtocolICMP   = "icmp"
	ProtocolICMPv6 = "icmpv6"
	ProtocolAll    = "all"

	EthertypeIPv4 = "IPv4"
	EthertypeIPv6 = "IPv6"

	ActionAccept = "accept"
	ActionReject = "reject"
)

// Session defaults applied on create when a field is not given.
const (
	DefaultVirtualNetworkID = 1
	DefaultPacketLength     = 96
)

// Ranges of the integer fields, inclusive.
const (
	MinVirtualNetworkID  = 0
	MaxVirtualNetworkID  = 16777215
	MinPacketLength      = 1
	MaxPacketLength      = 1460
	MinSessionPriority   = 1
	MaxSessionPriority   = 32766
	MinRulePriority      = 1
	MaxRulePriority      = 65535
	MaxNameLength        = 64
	MaxDescriptionLength = 255
	MaxPageSize          = 2000
	DefaultPageSize      = MaxPageSize
)

// Session copies the traffic of its sources, selected by one filter, to one
// target.
type Session struct {
	ID          string
	ProjectID   string
	Name        string
	Description string
	FilterID    string
	// Sources are network interface or EIP IDs in association order, stored
	// in the letter case the client sent.
	Sources          []string
	TargetID         string
	TargetType       string // TargetTypeENI or TargetTypeELB
	VirtualNetworkID int
	PacketLength     int
	Priority         int
	Enabled          bool
	Type             string // SourceTypeENI or SourceTypeEIP
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Filter is a named container of filter rules.
type Filter struct {
	ID          string
	ProjectID   string
	Name        string
	Description string
	Type        string // always FilterTypeENI
	// IngressRules and EgressRules are the filter's rules of each direction,
	// sorted by ascending priority. They are never nil in a Filter returned
	// by a Store.
	IngressRules []FilterRule
	EgressRules  []FilterRule
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// FilterRule decides, for traffic matching its conditions, whether the traffic
// is mirrored.
type FilterRule struct {
	ID                   string
	ProjectID            string
	FilterID             string
	Direction            string // DirectionIngress or DirectionEgress
	Description          string
	SourceCIDR           string // "" means any address
	DestinationCIDR      string
	SourcePortRange      string // "", "N" or "N-M"; "" means all ports
	DestinationPortRange string
	Ethertype            string // EthertypeIPv4 or EthertypeIPv6
	Protocol             string // one of the Protocol constants, in the client's case
	Action               string // ActionAccept or ActionReject
	Priority             int
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// SessionUpdate lists the changes of a partial session update. A nil field
// means "unchanged".
type SessionUpdate struct {
	Name             *string
	Description      *string
	FilterID         *string
	TargetID         *string
	TargetType       *string
	VirtualNetworkID *int
	PacketLength     *int
	Priority         *int
	Enabled          *bool
	// Type and Sources cannot change. Clients that echo the whole object
	// (the Terraform provider) send them anyway: they are accepted only when
	// equal to the current value. Sources is nil when not sent.
	Type    *string
	Sources []string
}

// FilterUpdate lists the changes of a partial filter update. A nil field means
// "unchanged".
type FilterUpdate struct {
	Name        *string
	Description *string
	// Type cannot change; it is accepted only when equal to FilterTypeENI.
	Type *string
}

// FilterRuleUpdate lists the changes of a partial filter rule update. A nil
// field means "unchanged"; a pointer to "" clears the optional strings.
type FilterRuleUpdate struct {
	Description          *string
	Protocol             *string
	Ethertype            *string
	Action               *string
	Priority             *int
	SourceCIDR           *string
	DestinationCIDR      *string
	SourcePortRange      *string
	DestinationPortRange *string
	// Direction and FilterID cannot change; they are accepted only when equal
	// to the current value.
	Direction *string
	FilterID  *string
}

// Page is one page of a list, in ascending ID order.
type Page[T any] struct {
	Items []T
	// More is true when at least one more item matches after the last one.
	More bool
}

// ListParams are the pagination parameters shared by every list.
type ListParams struct {
	// Limit is the page size, 1..MaxPageSize. Zero means DefaultPageSize.
	Limit int
	// Marker, when not empty, starts the page after the item with this ID
	// (which need not exist any more).
	Marker string
}

// PageSize returns the effective page size.
func (p ListParams) PageSize() int {
	if p.Limit <= 0 || p.Limit > MaxPageSize {
		return DefaultPageSize
	}
	return p.Limit
}

// SessionQuery selects sessions. Each non-empty slice restricts the result to
// sessions whose field equals one of its values (OR); the restrictions of all
// fields apply together (AND).
type SessionQuery struct {
	IDs               []string
	Names             []string
	Descriptions      []string
	FilterIDs         []string
	TargetIDs         []string
	TargetTypes       []string // compared case-insensitively
	Types             []string // compared case-insensitively
	VirtualNetworkIDs []int64
	PacketLengths     []int64
	Priorities        []int64
	Enabled           *bool
	// MatchNone is set when a filter was given whose values cannot match any
	// session (for example only out-of-range integers): the page is empty.
	MatchNone bool
	ListParams
}

// FilterQuery selects filters, with the same semantics as SessionQuery.
type FilterQuery struct {
	IDs          []string
	Names        []string
	Descriptions []string
	ListParams
}

// FilterRuleQuery selects filter rules, with the same semantics as
// SessionQuery.
type FilterRuleQuery struct {
	IDs                   []string
	Descriptions          []string
	FilterIDs             []string
	Directions            []string // compared case-insensitively
	Protocols             []string // compared case-insensitively
	Actions               []string // compared case-insensitively
	SourceCIDRs           []string
	DestinationCIDRs      []string
	SourcePortRanges      []string
	DestinationPortRanges []string
	Priorities            []int64
	MatchNone             bool
	ListParams
}

// Limits are the configurable business limits. SourcesPerSession also bounds
// the number of IDs one request may carry. For the per-project quotas, zero
// means unlimited.
type Limits struct {
	SourcesPerSession       int
	SessionsPerSource       int
	SessionsPerProject      int
	FiltersPerProject       int
	RulesPerFilterDirection int
}

// DefaultLimits returns the limits of ../shared/spec/constraints.md §1.
func DefaultLimits() Limits {
	return Limits{
		SourcesPerSession:       10,
		SessionsPerSource:       3,
		SessionsPerProject:      10000,
		FiltersPerProject:       10000,
		RulesPerFilterDirection: 10,
	}
}
