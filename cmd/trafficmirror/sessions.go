package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/trafficmirror/trafficmirror/internal/api"
	"github.com/trafficmirror/trafficmirror/internal/client"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

var sessionsGroup = group{
	name:    "sessions",
	summary: "trafficmirror sessions: manage traffic mirror sessions",
	commands: []subcommand{
		{"list", "list sessions, filtered by the flags", runSessionsList},
		{"show", "show one session", runSessionsShow},
		{"create", "create a session", runSessionsCreate},
		{"update", "change the given fields of a session", runSessionsUpdate},
		{"delete", "delete a session", runSessionsDelete},
		{"add-sources", "append sources to a session", runSessionsAddSources},
		{"remove-sources", "remove sources from a session", runSessionsRemoveSources},
	},
}

var sessionResource = resource[api.SessionResponse]{
	group:  "sessions",
	noun:   "traffic mirror session",
	show:   (*client.Client).ShowSession,
	delete: (*client.Client).DeleteSession,
	table:  printSession,
}

func runSessionsList(ctx context.Context, env cliEnv, args []string) error {
	c := newClientCommand(env, "sessions list", nil,
		"List the project's traffic mirror sessions in ID order. The filter flags are the API's query\n"+
			"parameters: a repeated flag matches any of its values, different flags must all match.",
		"  trafficmirror sessions list --name web --name db --enabled true --priority 5\n"+
			"  trafficmirror sessions list --all -o table")
	ids := c.stringsFlag("session ID", "id")
	names := c.stringsFlag("name", "name")
	descs := c.stringsFlag(`description ("" matches sessions without one)`, "description")
	filterIDs := c.stringsFlag("filter ID", "traffic-mirror-filter-id", "filter-id")
	targetIDs := c.stringsFlag("target ID", "traffic-mirror-target-id", "target-id")
	targetTypes := c.stringsFlag("target type: eni or elb", "traffic-mirror-target-type", "target-type")
	types := c.stringsFlag("source type: eni or eip", "type")
	vnis := c.intsFlag("virtual network ID", "virtual-network-id")
	lengths := c.intsFlag("packet length", "packet-length")
	priorities := c.intsFlag("priority", "priority")
	enabled := c.boolFlag("whether the session is enabled", "enabled")
	limit, marker, all := c.listFlags()
	cl, ok, err := c.parseClient(args)
	if !ok {
		return err
	}
	q := mirror.SessionQuery{
		IDs:               *ids,
		Names:             *names,
		Descriptions:      *descs,
		FilterIDs:         *filterIDs,
		TargetIDs:         *targetIDs,
		TargetTypes:       *targetTypes,
		Types:             *types,
		VirtualNetworkIDs: *vnis,
		PacketLengths:     *lengths,
		Priorities:        *priorities,
		Enabled:           enabled.ptr(),
		ListParams:        mirror.ListParams{Limit: limit.v, Marker: marker.v},
	}
	pages := cl.SessionPages(ctx, q)
	if !*all {
		pages = onePage(cl.ListSessions(ctx, q))
	}
	return printPages(c.out(), pages, *all, sessionListing)
}

var sessionListing = listing[api.SessionList, api.Session]{
	noun:   "sessions",
	next:   func(p api.SessionList) string { return p.PageInfo.NextMarker },
	key:    "traffic_mirror_sessions",
	items:  func(p api.SessionList) []api.Session { return p.Sessions },
	header: []string{"ID", "NAME", "PRIORITY", "ENABLED", "TYPE", "SOURCES", "TARGET_TYPE", "TARGET_ID", "FILTER_ID"},
	row: func(s api.Session) []string {
		return []string{s.ID, s.Name, itoa(s.Priority), fmt.Sprint(s.Enabled), s.Type,
			itoa(len(s.Sources)), s.TargetType, s.TargetID, s.FilterID}
	},
}

func runSessionsShow(ctx context.Context, env cliEnv, args []string) error {
	return sessionResource.runShow(ctx, env, args, "Show one traffic mirror session.",
		"  trafficmirror sessions show 3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11 -o json")
}

// sessionFlags are the body fields of create and update.
type sessionFlags struct {
	name, description, filterID, targetID, targetType *optString
	vni, packetLength, priority                       *optInt
	enabled                                           *optBool
}

func defineSessionFlags(c *clientCommand) sessionFlags {
	return sessionFlags{
		name:         c.stringFlag("name: 1 to 64 letters, digits, Chinese characters, '_', '-' or '.'", "name"),
		description:  c.stringFlag(`description, up to 255 characters ("" clears it)`, "description"),
		filterID:     c.stringFlag("ID of the filter that selects the traffic", "traffic-mirror-filter-id", "filter-id"),
		targetID:     c.stringFlag("ID of the target network interface or load balancer", "traffic-mirror-target-id", "target-id"),
		targetType:   c.stringFlag("target type: eni or elb", "traffic-mirror-target-type", "target-type"),
		vni:          c.intFlag("VXLAN network identifier, 0 to 16777215 (server default 1)", "virtual-network-id"),
		packetLength: c.intFlag("mirrored packet length, 1 to 1460 (server default 96)", "packet-length"),
		priority:     c.intFlag("priority, 1 to 32766", "priority"),
		enabled:      c.boolFlag("whether mirroring is active (server default false)", "enabled"),
	}
}

// fields returns the request fields of the flags given; the others are not
// sent.
func (f sessionFlags) fields() api.SessionFields {
	return api.SessionFields{
		Name:             f.name.field(),
		Description:      f.description.field(),
		FilterID:         f.filterID.field(),
		TargetID:         f.targetID.field(),
		TargetType:       f.targetType.field(),
		VirtualNetworkID: f.vni.field(),
		PacketLength:     f.packetLength.field(),
		Priority:         f.priority.field(),
		Enabled:          f.enabled.field(),
	}
}

func runSessionsCreate(ctx context.Context, env cliEnv, args []string) error {
	c := newClientCommand(env, "sessions create", nil,
		"Create a traffic mirror session. The server checks the fields and applies the defaults of those\n"+
			"not given; --name, --filter-id, --source, --target-id, --target-type and --priority are required.",
		"  trafficmirror sessions create --name web --filter-id $FILTER_ID \\\n"+
			"      --source 6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b --target-id 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d \\\n"+
			"      --target-type eni --priority 1 --enabled true")
	f := defineSessionFlags(c)
	sources := c.stringsFlag("ID of a source network interface or EIP", "source")
	typ := c.stringFlag("source type: eni or eip (server default eni)", "type")
	return sessionResource.runOne(c, args, func(cl *client.Client) (api.SessionResponse, error) {
		fields := f.fields()
		fields.Sources = sources.field()
		fields.Type = typ.field()
		return cl.CreateSession(ctx, fields)
	})
}

func runSessionsUpdate(ctx context.Context, env cliEnv, args []string) error {
	c := newClientCommand(env, "sessions update", []string{"ID"},
		"Change the fields of a traffic mirror session given as flags; the others keep their values.\n"+
			"Sources change with add-sources and remove-sources.",
		"  trafficmirror sessions update 3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11 --enabled false --priority 7")
	f := defineSessionFlags(c)
	return sessionResource.runOne(c, args, func(cl *client.Client) (api.SessionResponse, error) {
		return cl.UpdateSession(ctx, c.arg(0), f.fields())
	})
}

func runSessionsDelete(ctx context.Context, env cliEnv, args []string) error {
	return sessionResource.runDelete(ctx, env, args,
		"Delete a traffic mirror session. Prints nothing with -o json (the API answers 204 No Content).",
		"  trafficmirror sessions delete 3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11")
}

func runSessionsAddSources(ctx context.Context, env cliEnv, args []string) error {
	return runSessionsSources(ctx, env, args, "add-sources",
		"Append sources, in the order given, to a traffic mirror session (all or none).",
		(*client.Client).AddSessionSources)
}

func runSessionsRemoveSources(ctx context.Context, env cliEnv, args []string) error {
	return runSessionsSources(ctx, env, args, "remove-sources",
		"Remove sources from a traffic mirror session (all or none); the others keep their order.",
		(*client.Client).RemoveSessionSources)
}

// runSessionsSources runs the command name, which changes the sources of a
// session with the client's method change.
func runSessionsSources(ctx context.Context, env cliEnv, args []string, name, summary string,
	change func(cl *client.Client, ctx context.Context, id string, sources []string) (api.SessionResponse, error)) error {
	c := newClientCommand(env, "sessions "+name, []string{"ID"}, summary,
		"  trafficmirror sessions "+name+" 3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11 \\\n"+
			"      --source 6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b --source 7e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b")
	sources := c.requiredStringsFlag("ID of a source network interface or EIP", "source")
	return sessionResource.runOne(c, args, func(cl *client.Client) (api.SessionResponse, error) {
		return change(cl, ctx, c.arg(0), *sources)
	})
}

// printSession prints a response that holds one session as a table: one
// line a field.
func printSession(o *output, resp api.SessionResponse) error {
	s := resp.Session
	return o.fields([]field{
		{"ID", s.ID},
		{"Name", s.Name},
		{"Description", s.Description},
		{"Filter ID", s.FilterID},
		{"Sources", orDash(strings.Join(s.Sources, ", "))},
		{"Target type", s.TargetType},
		{"Target ID", s.TargetID},
		{"Virtual network ID", itoa(s.VirtualNetworkID)},
		{"Packet length", itoa(s.PacketLength)},
		{"Priority", itoa(s.Priority)},
		{"Enabled", fmt.Sprint(s.Enabled)},
		{"Type", s.Type},
		{"Project ID", s.ProjectID},
		{"Created at", s.CreatedAt},
		{"Updated at", s.UpdatedAt},
	})
}
