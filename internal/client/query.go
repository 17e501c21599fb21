package client

import (
	"fmt"
	"iter"
	"net/url"
	"strconv"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// The query parameters of the list operations (sessions.md §3, filters.md §3,
// filter-rules.md §3). Every value of a slice becomes its own key=value pair;
// an empty slice sends nothing, and "" is a value like any other (it matches
// resources whose field is empty).

func sessionValues(q mirror.SessionQuery) url.Values {
	v := url.Values{}
	addStrings(v, "id", q.IDs)
	addStrings(v, "name", q.Names)
	addStrings(v, "description", q.Descriptions)
	addStrings(v, "traffic_mirror_filter_id", q.FilterIDs)
	addStrings(v, "traffic_mirror_target_id", q.TargetIDs)
	addStrings(v, "traffic_mirror_target_type", q.TargetTypes)
	addStrings(v, "type", q.Types)
	addInts(v, "virtual_network_id", q.VirtualNetworkIDs)
	addInts(v, "packet_length", q.PacketLengths)
	addInts(v, "priority", q.Priorities)
	if q.Enabled != nil {
		v.Set("enabled", strconv.FormatBool(*q.Enabled))
	}
	addListParams(v, q.ListParams)
	return v
}

func filterValues(q mirror.FilterQuery) url.Values {
	v := url.Values{}
	addStrings(v, "id", q.IDs)
	addStrings(v, "name", q.Names)
	addStrings(v, "description", q.Descriptions)
	addListParams(v, q.ListParams)
	return v
}

func filterRuleValues(q mirror.FilterRuleQuery) url.Values {
	v := url.Values{}
	addStrings(v, "id", q.IDs)
	addStrings(v, "description", q.Descriptions)
	addStrings(v, "traffic_mirror_filter_id", q.FilterIDs)
	addStrings(v, "direction", q.Directions)
	addStrings(v, "protocol", q.Protocols)
	addStrings(v, "action", q.Actions)
	addStrings(v, "source_cidr_block", q.SourceCIDRs)
	addStrings(v, "destination_cidr_block", q.DestinationCIDRs)
	addStrings(v, "source_port_range", q.SourcePortRanges)
	addStrings(v, "destination_port_range", q.DestinationPortRanges)
	addInts(v, "priority", q.Priorities)
	addListParams(v, q.ListParams)
	return v
}

func addStrings(v url.Values, key string, values []string) {
	for _, s := range values {
		v.Add(key, s)
	}
}

func addInts(v url.Values, key string, values []int64) {
	for _, n := range values {
		v.Add(key, strconv.FormatInt(n, 10))
	}
}

// addListParams adds limit and marker; zero values are left out so that the
// server's defaults apply.
func addListParams(v url.Values, p mirror.ListParams) {
	if p.Limit != 0 {
		v.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Marker != "" {
		v.Set("marker", p.Marker)
	}
}

// pages iterates over the pages of a list starting at marker start. fetch
// returns one page and its next_marker, "" on the last page. The next page
// is fetched only when the consumer asks for it, so a consumer that prints
// each page as it arrives streams a list of any length in constant memory.
// After an error the iteration stops.
func pages[P any](start string, fetch func(marker string) (page P, next string, err error)) iter.Seq2[P, error] {
	return func(yield func(P, error) bool) {
		marker := start
		for {
			page, next, err := fetch(marker)
			if err != nil {
				var zero P
				yield(zero, err)
				return
			}
			if !yield(page, nil) || next == "" {
				return
			}
			if next == marker {
				// A server that hands back the marker it was given would
				// keep the loop going forever.
				var zero P
				yield(zero, fmt.Errorf("list: the server returned next_marker %q for the same marker again", next))
				return
			}
			marker = next
		}
	}
}
