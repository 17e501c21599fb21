package main

import (
	"context"
	"fmt"

	"github.com/trafficmirror/trafficmirror/internal/api"
	"github.com/trafficmirror/trafficmirror/internal/client"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

var filtersGroup = group{
	name:    "filters",
	summary: "trafficmirror filters: manage traffic mirror filters (their rules: trafficmirror rules)",
	commands: []subcommand{
		{"list", "list filters, filtered by the flags", runFiltersList},
		{"show", "show one filter with its rules", runFiltersShow},
		{"create", "create a filter (without rules)", runFiltersCreate},
		{"update", "change the name or description of a filter", runFiltersUpdate},
		{"delete", "delete a filter and its rules", runFiltersDelete},
	},
}

var filterResource = resource[api.FilterResponse]{
	group:  "filters",
	noun:   "traffic mirror filter",
	show:   (*client.Client).ShowFilter,
	delete: (*client.Client).DeleteFilter,
	table:  printFilter,
}

func runFiltersList(ctx context.Context, env cliEnv, args []string) error {
	c := newClientCommand(env, "filters list", nil,
		"List the project's traffic mirror filters in ID order. The filter flags are the API's query\n"+
			"parameters: a repeated flag matches any of its values, different flags must all match.",
		"  trafficmirror filters list --name web --name db -o table")
	ids := c.stringsFlag("filter ID", "id")
	names := c.stringsFlag("name", "name")
	descs := c.stringsFlag(`description ("" matches filters without one)`, "description")
	limit, marker, all := c.listFlags()
	cl, ok, err := c.parseClient(args)
	if !ok {
		return err
	}
	q := mirror.FilterQuery{
		IDs:          *ids,
		Names:        *names,
		Descriptions: *descs,
		ListParams:   mirror.ListParams{Limit: limit.v, Marker: marker.v},
	}
	pages := cl.FilterPages(ctx, q)
	if !*all {
		pages = onePage(cl.ListFilters(ctx, q))
	}
	return printPages(c.out(), pages, *all, filterListing)
}

var filterListing = listing[api.FilterList, api.Filter]{
	noun:   "filters",
	next:   func(p api.FilterList) string { return p.PageInfo.NextMarker },
	key:    "traffic_mirror_filters",
	items:  func(p api.FilterList) []api.Filter { return p.Filters },
	header: []string{"ID", "NAME", "INGRESS_RULES", "EGRESS_RULES", "CREATED_AT", "DESCRIPTION"},
	row: func(f api.Filter) []string {
		return []string{f.ID, f.Name, itoa(len(f.IngressRules)), itoa(len(f.EgressRules)), f.CreatedAt, f.Description}
	},
}

func runFiltersShow(ctx context.Context, env cliEnv, args []string) error {
	return filterResource.runShow(ctx, env, args, "Show one traffic mirror filter with its ingress and egress rules.",
		"  trafficmirror filters show 3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11")
}

// filterFlags are the body fields of create and update.
type filterFlags struct {
	name, description *optString
}

func defineFilterFlags(c *clientCommand) filterFlags {
	return filterFlags{
		name:        c.stringFlag("name: 1 to 64 letters, digits, Chinese characters, '_', '-' or '.'", "name"),
		description: c.stringFlag(`description, up to 255 characters ("" clears it)`, "description"),
	}
}

// fields returns the request fields of the flags given; the others are not
// sent.
func (f filterFlags) fields() api.FilterFields {
	return api.FilterFields{Name: f.name.field(), Description: f.description.field()}
}

func runFiltersCreate(ctx context.Context, env cliEnv, args []string) error {
	c := newClientCommand(env, "filters create", nil,
		"Create a traffic mirror filter, without rules (add them with \"trafficmirror rules create\").",
		"  trafficmirror filters create --name web --description \"HTTP traffic\"")
	f := defineFilterFlags(c)
	return filterResource.runOne(c, args, func(cl *client.Client) (api.FilterResponse, error) {
		return cl.CreateFilter(ctx, f.fields())
	})
}

func runFiltersUpdate(ctx context.Context, env cliEnv, args []string) error {
	c := newClientCommand(env, "filters update", []string{"ID"},
		"Change the name or description of a traffic mirror filter; a field not given keeps its value.",
		"  trafficmirror filters update 3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11 --description \"\"")
	f := defineFilterFlags(c)
	return filterResource.runOne(c, args, func(cl *client.Client) (api.FilterResponse, error) {
		return cl.UpdateFilter(ctx, c.arg(0), f.fields())
	})
}

func runFiltersDelete(ctx context.Context, env cliEnv, args []string) error {
	return filterResource.runDelete(ctx, env, args,
		"Delete a traffic mirror filter and its rules; a filter that sessions use cannot be deleted.\n"+
			"Prints nothing with -o json (the API answers 204 No Content).",
		"  trafficmirror filters delete 3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11")
}

// printFilter prints a response that holds one filter as a table: its
// fields, then a table of the rules of each direction.
func printFilter(o *output, resp api.FilterResponse) error {
	f := resp.Filter
	err := o.fields([]field{
		{"ID", f.ID},
		{"Name", f.Name},
		{"Description", f.Description},
		{"Type", f.Type},
		{"Project ID", f.ProjectID},
		{"Created at", f.CreatedAt},
		{"Updated at", f.UpdatedAt},
	})
	if err != nil {
		return err
	}
	for _, d := range []struct {
		title string
		rules []api.FilterRule
	}{{"Ingress rules", f.IngressRules}, {"Egress rules", f.EgressRules}} {
		fmt.Fprintf(o.w, "\n%s:", d.title)
		if len(d.rules) == 0 {
			fmt.Fprintln(o.w, " none")
			continue
		}
		fmt.Fprintln(o.w)
		// The filter ID and the direction go without saying here.
		t := &table{header: withoutFilterAndDirection(filterRuleListing.header)}
		rows := make([][]string, len(d.rules))
		for i, r := range d.rules {
			rows[i] = withoutFilterAndDirection(filterRuleListing.row(r))
		}
		if err := t.write(o.w, rows); err != nil {
			return err
		}
	}
	return o.flush()
}
