package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/trafficmirror/trafficmirror/internal/api"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// The data set is a pure function of (seed, index): session i and filter j
// are the same whatever order they are created in, by however many workers,
// and in however many runs. That is what makes seeding resumable (an
// interrupted run is completed by the next one) and lets the workloads
// derive what to ask for (a unique name, the priorities in use) from an
// index instead of from a copy of the database.
//
// The spread follows the business rules of ../shared/spec/constraints.md:
//
//   - sessions come in groups of three (i/3); 30% of the groups share one
//     source among their three sessions, every other source belongs to one
//     session only, so no source is in more than 3 sessions (S10);
//   - the sessions of a group have consecutive priorities, so sessions that
//     share a source never share a priority (S11);
//   - sources are UUIDs whose variant nibble is 8 or 9 and targets UUIDs
//     whose variant nibble is a or b, so no ID is both (S8, S9);
//   - 2000 targets are shared by all sessions (a few collectors mirror many
//     interfaces, as in real deployments), one in five a load balancer;
//   - one filter per 100 sessions, each with 1 to 4 rules.

// Session spreads, chosen to look like a real inventory rather than to be
// uniform.
const (
	sessionsPerFilter = 100
	targetCount       = 2000
	groupSize         = 3    // sessions that may share a source
	sharedGroupShare  = 0.30 // groups whose sessions share a source
	repeatedNameShare = 0.05 // sessions named from repeatedNames
	enabledShare      = 0.30
	eipShare          = 0.10
	maxPriority       = mirror.MaxSessionPriority
)

// repeatedNames are the names many sessions carry (names are not unique,
// S15): a list by one of them returns many sessions.
var repeatedNames = []string{
	"default", "mirror", "test", "debug", "capture", "ids", "prod-tap", "staging-tap",
	"netflow", "pcap", "dpi", "tap", "audit", "soc", "analytics", "temp",
}

// tiers prefix the unique names.
var tiers = []string{"web", "app", "db", "cache", "lb", "api", "batch", "edge", "auth", "queue"}

// weighted picks one of values with the given weights (which sum to 100).
func weighted[T any](r *rand.Rand, values []T, weights []int) T {
	n := r.IntN(100)
	for i, w := range weights {
		if n < w {
			return values[i]
		}
		n -= w
	}
	return values[len(values)-1]
}

var (
	vnis          = []int{1, 100, 200, 300, 1000, 4096, 10000}
	vniWeights    = []int{55, 10, 10, 8, 7, 5, 5}
	lengths       = []int{96, 128, 256, 1460}
	lengthWeights = []int{60, 15, 15, 10}
)

// Kinds keep the random streams of different things apart.
const (
	kindSession uint64 = iota + 1
	kindGroup
	kindSharedSource
	kindOwnSource
	kindTarget
	kindFilter
)

// generator derives the data set of one seed.
type generator struct {
	seed uint64
}

// rng returns the random stream of one thing.
func (g generator) rng(kind, index uint64) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed^(kind*0x9e3779b97f4a7c15), index))
}

// uuidFrom returns a random UUIDv4 whose variant nibble is variant or
// variant+1.
func uuidFrom(r *rand.Rand, variant byte) string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := r.Uint64()
		for k := range 8 {
			b[i+k] = byte(v >> (8 * k))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x1f | variant<<4 // variant nibble: variant or variant+1
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Variant nibbles of sources and targets: disjoint, so no generated ID is
// ever both a source and a target.
const (
	sourceVariant = 0x8 // 8 or 9
	targetVariant = 0xa // a or b
)

// sessionSpec is a generated session: what the create request carries.
type sessionSpec struct {
	Index            uint64
	Name             string
	Description      string
	FilterIndex      uint64
	Sources          []string
	TargetID         string
	TargetType       string
	VirtualNetworkID int
	PacketLength     int
	Priority         int
	Enabled          bool
	Type             string
}

// descriptionPrefix starts the description of every generated session; the
// index follows, so that a listing tells which indexes exist.
const descriptionPrefix = "tm-bench #"

// session returns session i.
func (g generator) session(i uint64) sessionSpec {
	r := g.rng(kindSession, i)
	group := i / groupSize
	gr := g.rng(kindGroup, group)
	shares := gr.Float64() < sharedGroupShare
	base := 1 + gr.IntN(maxPriority-groupSize+1)

	s := sessionSpec{
		Index:       i,
		FilterIndex: i / sessionsPerFilter,
		Priority:    base + int(i%groupSize),
		Type:        mirror.SourceTypeENI,
	}
	if r.Float64() < repeatedNameShare {
		s.Name = repeatedNames[r.IntN(len(repeatedNames))]
	} else {
		s.Name = tiers[r.IntN(len(tiers))] + "-mirror-" + strconv.FormatUint(i, 10)
	}
	s.Description = descriptionPrefix + strconv.FormatUint(i, 10)
	if r.IntN(3) == 0 {
		s.Description += " " + tiers[r.IntN(len(tiers))] + " tier to the collectors"
	}
	own := 1
	switch x := r.Float64(); {
	case x < 0.65:
	case x < 0.90:
		own = 2
	case x < 0.97:
		own = 3
	default:
		own = 4 + r.IntN(5)
	}
	if shares {
		s.Sources = append(s.Sources, uuidFrom(g.rng(kindSharedSource, group), sourceVariant))
	}
	for k := range own {
		s.Sources = append(s.Sources, uuidFrom(g.rng(kindOwnSource, i*16+uint64(k)), sourceVariant))
	}
	t := uint64(r.IntN(targetCount))
	s.TargetID = uuidFrom(g.rng(kindTarget, t), targetVariant)
	s.TargetType = mirror.TargetTypeENI
	if t%5 == 0 {
		s.TargetType = mirror.TargetTypeELB
	}
	s.VirtualNetworkID = weighted(r, vnis, vniWeights)
	s.PacketLength = weighted(r, lengths, lengthWeights)
	s.Enabled = r.Float64() < enabledShare
	if r.Float64() < eipShare {
		s.Type = mirror.SourceTypeEIP
	}
	return s
}

// uniqueName reports whether session i's name is its own.
func (s sessionSpec) uniqueName() bool {
	return strings.Contains(s.Name, "-mirror-")
}

// fields returns the body of the create request, typed as the Go SDK
// would send it for the lenient fields.
func (s sessionSpec) fields(filterID string) api.SessionFields {
	return api.SessionFields{
		Name:             api.StringOf(s.Name),
		Description:      api.StringOf(s.Description),
		FilterID:         api.StringOf(filterID),
		Sources:          api.StringsOf(s.Sources),
		TargetID:         api.StringOf(s.TargetID),
		TargetType:       api.StringOf(s.TargetType),
		VirtualNetworkID: api.IntOf(s.VirtualNetworkID),
		PacketLength:     api.IntOf(s.PacketLength),
		Priority:         api.IntOf(s.Priority),
		Enabled:          api.BoolOf(s.Enabled),
		Type:             api.StringOf(s.Type),
	}
}

// indexOfDescription returns the index in a generated session's
// description, false for a session the tool did not make.
func indexOfDescription(desc string) (uint64, bool) {
	rest, ok := strings.CutPrefix(desc, descriptionPrefix)
	if !ok {
		return 0, false
	}
	end := strings.IndexByte(rest, ' ')
	if end < 0 {
		end = len(rest)
	}
	i, err := strconv.ParseUint(rest[:end], 10, 64)
	return i, err == nil
}

// filterSpec is a generated filter with its rules.
type filterSpec struct {
	Index uint64
	Name  string
	Rules []api.FilterRuleFields // without the filter ID
}

// filterNamePrefix starts the name of every generated filter; the index
// follows.
const filterNamePrefix = "tm-bench-filter-"

// ruleTemplates are the rules a filter draws from. Each has its own
// (direction, priority), so a filter's rules never clash (R3).
var ruleTemplates = []struct {
	direction, protocol, ethertype, action, srcCIDR, dstCIDR, dstPorts string
	priority                                                           int
}{
	{"ingress", "tcp", "IPv4", "accept", "", "10.0.0.0/8", "443", 10},
	{"ingress", "tcp", "IPv4", "accept", "", "", "22", 20},
	{"egress", "udp", "IPv4", "accept", "10.0.0.0/8", "", "53", 10},
	{"egress", "all", "IPv4", "reject", "", "192.168.0.0/16", "", 20},
	{"ingress", "icmp", "IPv4", "accept", "", "", "", 30},
	{"egress", "tcp", "IPv6", "accept", "", "2001:db8::/32", "8000-8999", 30},
}

// filter returns filter j.
func (g generator) filter(j uint64) filterSpec {
	r := g.rng(kindFilter, j)
	f := filterSpec{Index: j, Name: filterNamePrefix + strconv.FormatUint(j, 10)}
	n := 1 + r.IntN(4)
	for _, k := range r.Perm(len(ruleTemplates))[:n] {
		t := ruleTemplates[k]
		f.Rules = append(f.Rules, api.FilterRuleFields{
			Direction:            api.StringOf(t.direction),
			Protocol:             api.StringOf(t.protocol),
			Ethertype:            api.StringOf(t.ethertype),
			Action:               api.StringOf(t.action),
			Priority:             api.IntOf(t.priority),
			SourceCIDR:           api.StringOf(t.srcCIDR),
			DestinationCIDR:      api.StringOf(t.dstCIDR),
			DestinationPortRange: api.StringOf(t.dstPorts),
		})
	}
	return f
}

// indexOfFilterName returns the index in a generated filter's name.
func indexOfFilterName(name string) (uint64, bool) {
	rest, ok := strings.CutPrefix(name, filterNamePrefix)
	if !ok {
		return 0, false
	}
	j, err := strconv.ParseUint(rest, 10, 64)
	return j, err == nil
}

// filtersFor returns how many filters n sessions use.
func filtersFor(n uint64) uint64 {
	return (n + sessionsPerFilter - 1) / sessionsPerFilter
}
