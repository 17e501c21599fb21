package main

import (
	"context"

	"github.com/trafficmirror/trafficmirror/internal/api"
	"github.com/trafficmirror/trafficmirror/internal/client"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

var rulesGroup = group{
	name:    "rules",
	summary: "trafficmirror rules: manage the rules of traffic mirror filters",
	commands: []subcommand{
		{"list", "list filter rules, filtered by the flags", runRulesList},
		{"show", "show one rule", runRulesShow},
		{"create", "add a rule to a filter", runRulesCreate},
		{"update", "change the given fields of a rule", runRulesUpdate},
		{"delete", "delete a rule", runRulesDelete},
	},
}

var ruleResource = resource[api.FilterRuleResponse]{
	group:  "rules",
	noun:   "traffic mirror filter rule",
	show:   (*client.Client).ShowFilterRule,
	delete: (*client.Client).DeleteFilterRule,
	table:  printFilterRule,
}

func runRulesList(ctx context.Context, env cliEnv, args []string) error {
	c := newClientCommand(env, "rules list", nil,
		"List the project's traffic mirror filter rules in ID order. The filter flags are the API's query\n"+
			"parameters: a repeated flag matches any of its values, different flags must all match.",
		"  trafficmirror rules list --filter-id $FILTER_ID --direction ingress --protocol tcp --protocol udp")
	ids := c.stringsFlag("rule ID", "id")
	descs := c.stringsFlag(`description ("" matches rules without one)`, "description")
	filterIDs := c.stringsFlag("ID of the rule's filter", "traffic-mirror-filter-id", "filter-id")
	directions := c.stringsFlag("direction: ingress or egress", "direction")
	protocols := c.stringsFlag("protocol: tcp, udp, icmp, icmpv6 or all", "protocol")
	actions := c.stringsFlag("action: accept or reject", "action")
	srcCIDRs := c.stringsFlag(`source CIDR ("" matches any address)`, "source-cidr-block")
	dstCIDRs := c.stringsFlag(`destination CIDR ("" matches any address)`, "destination-cidr-block")
	srcPorts := c.stringsFlag(`source port range N or N-M ("" matches all ports)`, "source-port-range")
	dstPorts := c.stringsFlag(`destination port range N or N-M ("" matches all ports)`, "destination-port-range")
	priorities := c.intsFlag("priority", "priority")
	limit, marker, all := c.listFlags()
	cl, ok, err := c.parseClient(args)
	if !ok {
		return err
	}
	q := mirror.FilterRuleQuery{
		IDs:                   *ids,
		Descriptions:          *descs,
		FilterIDs:             *filterIDs,
		Directions:            *directions,
		Protocols:             *protocols,
		Actions:               *actions,
		SourceCIDRs:           *srcCIDRs,
		DestinationCIDRs:      *dstCIDRs,
		SourcePortRanges:      *srcPorts,
		DestinationPortRanges: *dstPorts,
		Priorities:            *priorities,
		ListParams:            mirror.ListParams{Limit: limit.v, Marker: marker.v},
	}
	pages := cl.FilterRulePages(ctx, q)
	if !*all {
		pages = onePage(cl.ListFilterRules(ctx, q))
	}
	return printPages(c.out(), pages, *all, filterRuleListing)
}

var filterRuleListing = listing[api.FilterRuleList, api.FilterRule]{
	noun:  "rules",
	next:  func(p api.FilterRuleList) string { return p.PageInfo.NextMarker },
	key:   "traffic_mirror_filter_rules",
	items: func(p api.FilterRuleList) []api.FilterRule { return p.Rules },
	header: []string{"ID", "FILTER_ID", "DIRECTION", "PRIORITY", "ACTION", "PROTOCOL", "ETHERTYPE",
		"SOURCE_CIDR", "SOURCE_PORTS", "DESTINATION_CIDR", "DESTINATION_PORTS", "DESCRIPTION"},
	row: func(r api.FilterRule) []string {
		return []string{r.ID, r.FilterID, r.Direction, itoa(r.Priority), r.Action, r.Protocol, r.Ethertype,
			orWord(r.SourceCIDR, "any"), orWord(r.SourcePortRange, "all"),
			orWord(r.DestinationCIDR, "any"), orWord(r.DestinationPortRange, "all"), r.Description}
	},
}

// withoutFilterAndDirection drops the FILTER_ID and DIRECTION columns of a
// rule row, for the rule tables of one filter's direction.
func withoutFilterAndDirection(row []string) []string {
	return append([]string{row[0]}, row[3:]...)
}

func runRulesShow(ctx context.Context, env cliEnv, args []string) error {
	return ruleResource.runShow(ctx, env, args, "Show one traffic mirror filter rule.",
		"  trafficmirror rules show 3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11")
}

// ruleFlags are the body fields that create and update share.
type ruleFlags struct {
	protocol, ethertype, action, description *optString
	srcCIDR, dstCIDR, srcPorts, dstPorts     *optString
	priority                                 *optInt
}

func defineRuleFlags(c *clientCommand) ruleFlags {
	return ruleFlags{
		protocol:    c.stringFlag("protocol: tcp, udp, icmp, icmpv6 or all", "protocol"),
		ethertype:   c.stringFlag("IP version: IPv4 or IPv6", "ethertype"),
		action:      c.stringFlag("what to do with matching traffic: accept (mirror it) or reject", "action"),
		priority:    c.intFlag("priority, 1 to 65535, unique per filter and direction; smaller is evaluated first", "priority"),
		description: c.stringFlag(`description, up to 255 characters ("" clears it)`, "description"),
		srcCIDR:     c.stringFlag(`source CIDR ("" or not given: any address)`, "source-cidr-block"),
		dstCIDR:     c.stringFlag(`destination CIDR ("" or not given: any address)`, "destination-cidr-block"),
		srcPorts:    c.stringFlag(`source ports, N or N-M ("" or not given: all ports)`, "source-port-range"),
		dstPorts:    c.stringFlag(`destination ports, N or N-M ("" or not given: all ports)`, "destination-port-range"),
	}
}

// fields returns the request fields of the flags given; the others are not
// sent.
func (f ruleFlags) fields() api.FilterRuleFields {
	return api.FilterRuleFields{
		Protocol:             f.protocol.field(),
		Ethertype:            f.ethertype.field(),
		Action:               f.action.field(),
		Priority:             f.priority.field(),
		Description:          f.description.field(),
		SourceCIDR:           f.srcCIDR.field(),
		DestinationCIDR:      f.dstCIDR.field(),
		SourcePortRange:      f.srcPorts.field(),
		DestinationPortRange: f.dstPorts.field(),
	}
}

func runRulesCreate(ctx context.Context, env cliEnv, args []string) error {
	c := newClientCommand(env, "rules create", nil,
		"Add a rule to a traffic mirror filter. --filter-id, --direction, --protocol, --ethertype, --action\n"+
			"and --priority are required; the filter and the direction cannot change later.",
		"  trafficmirror rules create --filter-id $FILTER_ID --direction ingress --protocol tcp \\\n"+
			"      --ethertype IPv4 --action accept --priority 10 --source-cidr-block 10.0.0.0/8 --destination-port-range 443")
	filterID := c.stringFlag("ID of the filter the rule belongs to", "traffic-mirror-filter-id", "filter-id")
	direction := c.stringFlag("direction: ingress or egress", "direction")
	f := defineRuleFlags(c)
	return ruleResource.runOne(c, args, func(cl *client.Client) (api.FilterRuleResponse, error) {
		fields := f.fields()
		fields.FilterID = filterID.field()
		fields.Direction = direction.field()
		return cl.CreateFilterRule(ctx, fields)
	})
}

func runRulesUpdate(ctx context.Context, env cliEnv, args []string) error {
	c := newClientCommand(env, "rules update", []string{"ID"},
		"Change the fields of a traffic mirror filter rule given as flags; the others keep their values.",
		"  trafficmirror rules update 3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11 --action reject --source-cidr-block \"\"")
	f := defineRuleFlags(c)
	return ruleResource.runOne(c, args, func(cl *client.Client) (api.FilterRuleResponse, error) {
		return cl.UpdateFilterRule(ctx, c.arg(0), f.fields())
	})
}

func runRulesDelete(ctx context.Context, env cliEnv, args []string) error {
	return ruleResource.runDelete(ctx, env, args,
		"Delete a traffic mirror filter rule. Prints nothing with -o json (the API answers 204 No Content).",
		"  trafficmirror rules delete 3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11")
}

// printFilterRule prints a response that holds one rule as a table: one line
// a field.
func printFilterRule(o *output, resp api.FilterRuleResponse) error {
	r := resp.Rule
	return o.fields([]field{
		{"ID", r.ID},
		{"Filter ID", r.FilterID},
		{"Direction", r.Direction},
		{"Priority", itoa(r.Priority)},
		{"Action", r.Action},
		{"Protocol", r.Protocol},
		{"Ethertype", r.Ethertype},
		{"Source CIDR", orWord(r.SourceCIDR, "any")},
		{"Source ports", orWord(r.SourcePortRange, "all")},
		{"Destination CIDR", orWord(r.DestinationCIDR, "any")},
		{"Destination ports", orWord(r.DestinationPortRange, "all")},
		{"Description", r.Description},
		{"Project ID", r.ProjectID},
		{"Created at", r.CreatedAt},
		{"Updated at", r.UpdatedAt},
	})
}
