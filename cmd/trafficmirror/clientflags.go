package main

// The framework of the client commands (sessions, filters, rules,
// credentials): command groups, flags named like the API's fields, the
// connection flags every client command shares, how the access keys and the
// project are found, and the course of the commands that call the API.
//
// Client commands do not use parseFlags: there, every flag falls back to
// TRAFFICMIRROR_<FLAG>, which would make TRAFFICMIRROR_NAME silently fill in
// --name. Only the connection flags read the environment, each from the
// variable its documentation names.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/trafficmirror/trafficmirror/internal/api"
	"github.com/trafficmirror/trafficmirror/internal/auth"
	"github.com/trafficmirror/trafficmirror/internal/client"
)

// Environment variables of the client commands. CLOUD_SDK_AK and
// CLOUD_SDK_SK are the names Huawei's own SDK samples use.
const (
	envEndpoint    = "TRAFFICMIRROR_ENDPOINT"
	envProject     = "TRAFFICMIRROR_PROJECT_ID"
	envCredentials = "TRAFFICMIRROR_CREDENTIALS" // the serve command's --credentials too
	envAccessKey   = "CLOUD_SDK_AK"
	envSecretKey   = "CLOUD_SDK_SK"

	defaultEndpoint = "http://127.0.0.1:9696"
)

// Output formats of -o.
const (
	formatTable = "table"
	formatJSON  = "json"
)

// cliEnv is the process environment a client command runs in.
type cliEnv struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

// group is a command group such as "sessions" and its subcommands.
type group struct {
	name     string
	summary  string
	commands []subcommand
}

// subcommand is one command of a group.
type subcommand struct {
	name    string
	summary string
	run     func(ctx context.Context, env cliEnv, args []string) error
}

// runGroup runs the subcommand of g named by args[0].
func runGroup(ctx context.Context, g group, args []string, env cliEnv) error {
	if len(args) == 0 {
		printGroupUsage(env.stderr, g)
		return errUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		printGroupUsage(env.stdout, g)
		return nil
	}
	for _, c := range g.commands {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(env.stderr, "trafficmirror %s: unknown command %q\n\n", g.name, args[0])
	printGroupUsage(env.stderr, g)
	return errUsage
}

func printGroupUsage(w io.Writer, g group) {
	fmt.Fprintf(w, "%s\n\nUsage:\n", g.summary)
	width := 0
	for _, c := range g.commands {
		width = max(width, len(c.name))
	}
	for _, c := range g.commands {
		fmt.Fprintf(w, "  trafficmirror %s %-*s  %s\n", g.name, width, c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun \"trafficmirror %s <command> --help\" for the flags and an example.\n", g.name)
}

// flagSpec describes one flag for the usage text; a flag may have several
// names (--traffic-mirror-filter-id and --filter-id).
type flagSpec struct {
	names      []string
	arg        string // placeholder of the value
	usage      string
	repeatable bool
	env        string // environment variable it falls back to
	def        string // default shown in the usage
}

// clientCommand is one client command being parsed: its flags, its
// positional arguments and the shared connection and output flags.
type clientCommand struct {
	path    string   // "sessions list"
	args    []string // names of the positional arguments, e.g. ID
	summary string
	example string
	env     cliEnv
	// conn is false for commands that do not call the API (credentials
	// create): they get neither connection flags nor a client.
	conn bool

	fs         *flag.FlagSet
	specs      []flagSpec
	common     []flagSpec
	required   []requiredList
	positional []string

	endpoint, project, credentials optString
	output                         optString
}

func newClientCommand(env cliEnv, path string, args []string, summary, example string) *clientCommand {
	c := &clientCommand{path: path, args: args, summary: summary, example: example, env: env, conn: true}
	c.fs = flag.NewFlagSet("trafficmirror "+path, flag.ContinueOnError)
	// The flag package prints the parse error here; the usage goes to
	// stdout for --help and is only pointed at otherwise.
	c.fs.SetOutput(env.stderr)
	c.fs.Usage = func() {}
	return c
}

// define registers v under every name and records its usage text.
func (c *clientCommand) define(specs *[]flagSpec, v flag.Value, spec flagSpec) {
	for _, name := range spec.names {
		c.fs.Var(v, name, spec.usage)
	}
	*specs = append(*specs, spec)
}

// stringFlag defines a string flag whose presence is recorded.
func (c *clientCommand) stringFlag(usage string, names ...string) *optString {
	v := &optString{}
	c.define(&c.specs, v, flagSpec{names: names, arg: placeholder(names[0]), usage: usage})
	return v
}

// stringsFlag defines a repeatable string flag.
func (c *clientCommand) stringsFlag(usage string, names ...string) *stringList {
	v := &stringList{}
	c.define(&c.specs, v, flagSpec{names: names, arg: placeholder(names[0]), usage: usage, repeatable: true})
	return v
}

// requiredList is a repeatable flag that must be given at least once.
type requiredList struct {
	name string
	list *stringList
}

// requiredStringsFlag defines a repeatable string flag that must be given at
// least once; parse reports a command line without it.
func (c *clientCommand) requiredStringsFlag(usage string, names ...string) *stringList {
	v := c.stringsFlag(usage, names...)
	c.required = append(c.required, requiredList{name: names[0], list: v})
	return v
}

// intFlag defines an integer flag whose presence is recorded.
func (c *clientCommand) intFlag(usage string, names ...string) *optInt {
	v := &optInt{}
	c.define(&c.specs, v, flagSpec{names: names, arg: "N", usage: usage})
	return v
}

// intsFlag defines a repeatable integer flag.
func (c *clientCommand) intsFlag(usage string, names ...string) *intList {
	v := &intList{}
	c.define(&c.specs, v, flagSpec{names: names, arg: "N", usage: usage, repeatable: true})
	return v
}

// boolFlag defines a boolean flag that takes its value as the next argument
// (--enabled true), as the API's field does, and whose presence is recorded.
func (c *clientCommand) boolFlag(usage string, names ...string) *optBool {
	v := &optBool{}
	c.define(&c.specs, v, flagSpec{names: names, arg: "true|false", usage: usage})
	return v
}

// switchFlag defines a plain on/off flag such as --all.
func (c *clientCommand) switchFlag(usage, name string) *bool {
	v := new(bool)
	c.fs.BoolVar(v, name, false, usage)
	c.specs = append(c.specs, flagSpec{names: []string{name}, usage: usage})
	return v
}

// listFlags defines --limit, --marker and --all.
func (c *clientCommand) listFlags() (limit *optInt, marker *optString, all *bool) {
	limit = c.intFlag("page size, 1 to 2000 (default 2000); with --all, the size of each page", "limit")
	marker = c.stringFlag("start after the resource with this ID (the next_marker of the previous page)", "marker")
	all = c.switchFlag("follow next_marker to the end, printing each page as it arrives", "all")
	return limit, marker, all
}

// placeholder names the value of a flag in the usage text.
func placeholder(name string) string {
	switch {
	case name == "id" || strings.HasSuffix(name, "-id") || name == "source" || name == "marker":
		return "ID"
	case name == "description":
		return "TEXT"
	case strings.HasSuffix(name, "type"):
		return "TYPE"
	case strings.HasSuffix(name, "-cidr-block"):
		return "CIDR"
	case strings.HasSuffix(name, "-port-range"):
		return "PORTS"
	}
	return strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// parse parses args: flags and positional arguments in any order, "--"
// ending the flags. ok is false when the command must not go on: after
// --help (err nil) or a usage error (err errUsage, already reported).
func (c *clientCommand) parse(args []string) (ok bool, err error) {
	if c.conn {
		c.define(&c.common, &c.endpoint, flagSpec{names: []string{"endpoint"}, arg: "URL", env: envEndpoint, def: defaultEndpoint,
			usage: "URL of the trafficmirror server"})
		c.define(&c.common, &c.project, flagSpec{names: []string{"project"}, arg: "ID", env: envProject,
			usage: "project ID (default: the first project of the --credentials file, unless it is \"*\")"})
		c.define(&c.common, &c.credentials, flagSpec{names: []string{"credentials"}, arg: "FILE",
			usage: "take the access keys from the first entry of this credentials file"})
	}
	c.define(&c.common, &c.output, flagSpec{names: []string{"o", "output"}, arg: "FORMAT",
		usage: "output format: table (the default on a terminal) or json (the default otherwise: the API's JSON)"})

	rest := args
	for {
		if err := c.fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c.usage(c.env.stdout)
				return false, nil
			}
			return false, c.usageError("")
		}
		remaining := c.fs.Args()
		consumed := len(rest) - len(remaining)
		if consumed > 0 && rest[consumed-1] == "--" {
			c.positional = append(c.positional, remaining...)
			break
		}
		if len(remaining) == 0 {
			break
		}
		// The flag package stops at the first positional argument; go on
		// after it, so that "show ID -o json" works as well as
		// "show -o json ID".
		c.positional = append(c.positional, remaining[0])
		rest = remaining[1:]
	}
	switch n := len(c.args); {
	case len(c.positional) < n:
		return false, c.usageError("missing " + strings.Join(c.args[len(c.positional):], " "))
	case len(c.positional) > n:
		return false, c.usageError(fmt.Sprintf("unexpected argument %q", c.positional[n]))
	}
	switch c.output.v {
	case "", formatTable, formatJSON:
	default:
		return false, c.usageError(fmt.Sprintf("-o must be table or json, got %q", c.output.v))
	}
	for _, r := range c.required {
		if len(*r.list) == 0 {
			return false, c.usageError("at least one --" + r.name + " is required")
		}
	}
	return true, nil
}

// parseClient parses args, then builds the API client of the connection
// flags: the first steps of every command that calls the API. It makes no
// request. ok is false when the command must not go on: after --help (err
// nil), a usage error or a client error.
func (c *clientCommand) parseClient(args []string) (cl *client.Client, ok bool, err error) {
	if ok, err := c.parse(args); !ok {
		return nil, false, err
	}
	cl, err = c.client()
	if err != nil {
		return nil, false, err
	}
	return cl, true, nil
}

// usageError reports a bad command line and returns errUsage.
func (c *clientCommand) usageError(msg string) error {
	if msg != "" {
		fmt.Fprintf(c.env.stderr, "trafficmirror %s: %s\n", c.path, msg)
	}
	fmt.Fprintf(c.env.stderr, "Run \"trafficmirror %s --help\" for usage.\n", c.path)
	return errUsage
}

// arg returns the positional argument i.
func (c *clientCommand) arg(i int) string { return c.positional[i] }

// usage prints the command's help: synopsis, flags and example.
func (c *clientCommand) usage(w io.Writer) {
	synopsis := "trafficmirror " + c.path
	for _, a := range c.args {
		synopsis += " " + a
	}
	fmt.Fprintf(w, "Usage: %s [flags]\n\n%s\n", synopsis, c.summary)
	printSpecs := func(title string, specs []flagSpec) {
		if len(specs) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s:\n", title)
		for _, s := range specs {
			var names []string
			for _, n := range s.names {
				dash := "--"
				if len(n) == 1 {
					dash = "-"
				}
				names = append(names, dash+n)
			}
			line := "  " + strings.Join(names, ", ")
			if s.arg != "" {
				line += " " + s.arg
			}
			var notes []string
			if s.repeatable {
				notes = append(notes, "repeatable")
			}
			if s.env != "" {
				notes = append(notes, "env "+s.env)
			}
			if s.def != "" {
				notes = append(notes, fmt.Sprintf("default %q", s.def))
			}
			if len(notes) > 0 {
				line += "  (" + strings.Join(notes, "; ") + ")"
			}
			fmt.Fprintf(w, "%s\n      %s\n", line, s.usage)
		}
	}
	printSpecs("Flags", c.specs)
	printSpecs("Common flags", c.common)
	if c.conn {
		fmt.Fprintf(w, "\nThe access keys come from --credentials FILE, else from %s and %s, else from the file\nnamed by %s.\n",
			envAccessKey, envSecretKey, envCredentials)
	}
	fmt.Fprintf(w, "\nExample:\n%s\n", c.example)
}

// format returns the output format: -o, else table when stdout is a
// terminal and json otherwise, so that a pipe into jq needs no flag.
func (c *clientCommand) format() string {
	if c.output.set {
		return c.output.v
	}
	if isTerminal(c.env.stdout) {
		return formatTable
	}
	return formatJSON
}

// out returns the output of the command's result: stdout in the format of
// -o, with hints for a person on stderr.
func (c *clientCommand) out() *output {
	o := newOutput(c.env.stdout, c.format())
	o.hints = c.env.stderr
	return o
}

// isTerminal reports whether w is a character device such as a terminal.
// The standard library's check suffices: a pipe or a file is not one.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// client returns the API client of the connection flags. The keys come from
// --credentials, else from CLOUD_SDK_AK and CLOUD_SDK_SK, else from the file
// named by TRAFFICMIRROR_CREDENTIALS: the command line beats the
// environment, and explicit keys beat a file.
func (c *clientCommand) client() (*client.Client, error) {
	getenv := c.env.getenv
	endpoint := c.endpoint.or(getenv(envEndpoint), defaultEndpoint)
	if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q is not an http or https URL such as %s (--endpoint or %s)", endpoint, defaultEndpoint, envEndpoint)
	}
	project := c.project.or(getenv(envProject), "")

	var cred auth.Credential
	ak, sk := getenv(envAccessKey), getenv(envSecretKey)
	switch file := c.credentials.or(getenv(envCredentials), ""); {
	case c.credentials.set || (ak == "" && sk == "" && file != ""):
		if file == "" {
			return nil, errors.New("--credentials: empty file name")
		}
		var err error
		if cred, err = firstCredential(file); err != nil {
			return nil, err
		}
		if project == "" {
			project = cred.Projects[0]
			if project == auth.AnyProject {
				return nil, fmt.Errorf("no project: the first key of %s may use any project (\"*\"); pass --project or set %s", file, envProject)
			}
		}
	case ak != "" && sk != "":
		cred = auth.Credential{AccessKey: ak, SecretKey: sk}
	case ak != "" || sk != "":
		set, unset := envAccessKey, envSecretKey
		if ak == "" {
			set, unset = unset, set
		}
		return nil, fmt.Errorf("%s is set but %s is not: set both, or pass --credentials FILE", set, unset)
	default:
		return nil, fmt.Errorf("no access keys: set %s and %s, or pass --credentials FILE (the server's credentials file, or one made by \"trafficmirror credentials create\")", envAccessKey, envSecretKey)
	}
	if project == "" {
		return nil, fmt.Errorf("no project: pass --project or set %s", envProject)
	}
	return client.New(endpoint, cred.AccessKey, cred.SecretKey, project, client.WithUserAgent("trafficmirror-cli/"+version())), nil
}

// firstCredential returns the first entry of a credentials file.
func firstCredential(path string) (auth.Credential, error) {
	creds, err := auth.LoadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return auth.Credential{}, fmt.Errorf("credentials file %s does not exist", path)
	}
	if err != nil {
		return auth.Credential{}, err
	}
	if len(creds) == 0 {
		return auth.Credential{}, fmt.Errorf("credentials file %s holds no access keys", path)
	}
	return creds[0], nil
}

// resource describes one kind of resource (sessions, filters, rules) to the
// commands that work the same for every kind. R is the API's response to an
// operation that returns one resource, such as api.SessionResponse.
type resource[R any] struct {
	group string // the command group: "sessions"
	noun  string // the resource in messages: "traffic mirror session"
	// show and delete are the client's methods for one resource by ID,
	// given as method expressions such as (*client.Client).ShowSession.
	show   func(cl *client.Client, ctx context.Context, id string) (R, error)
	delete func(cl *client.Client, ctx context.Context, id string) error
	// table prints a response for -o table; -o json prints it as the API
	// sent it.
	table func(o *output, resp R) error
}

// runOne parses args, builds the client, makes the call and prints the
// resource it returns: the course of every command that answers with one
// resource (show, create, update, add-sources, remove-sources).
func (r resource[R]) runOne(c *clientCommand, args []string, call func(cl *client.Client) (R, error)) error {
	cl, ok, err := c.parseClient(args)
	if !ok {
		return err
	}
	resp, err := call(cl)
	if err != nil {
		return err
	}
	o := c.out()
	if o.format == formatJSON {
		return o.json(resp)
	}
	return r.table(o, resp)
}

// runShow runs "<group> show ID".
func (r resource[R]) runShow(ctx context.Context, env cliEnv, args []string, summary, example string) error {
	c := newClientCommand(env, r.group+" show", []string{"ID"}, summary, example)
	return r.runOne(c, args, func(cl *client.Client) (R, error) {
		return r.show(cl, ctx, c.arg(0))
	})
}

// runDelete runs "<group> delete ID". The API answers 204 No Content, so
// there is nothing to print with -o json; a table gets a confirmation.
func (r resource[R]) runDelete(ctx context.Context, env cliEnv, args []string, summary, example string) error {
	c := newClientCommand(env, r.group+" delete", []string{"ID"}, summary, example)
	cl, ok, err := c.parseClient(args)
	if !ok {
		return err
	}
	if err := r.delete(cl, ctx, c.arg(0)); err != nil {
		return err
	}
	if c.format() == formatTable {
		fmt.Fprintf(env.stdout, "Deleted %s %s.\n", r.noun, c.arg(0))
	}
	return nil
}

// optString is a string flag that remembers whether it was given, so that
// an update sends only the flags given and --description "" can clear.
type optString struct {
	v   string
	set bool
}

func (o *optString) Set(s string) error { o.v, o.set = s, true; return nil }
func (o *optString) String() string {
	if o == nil {
		return ""
	}
	return o.v
}

// or returns the flag's value when given, else the first non-empty fallback.
func (o *optString) or(fallbacks ...string) string {
	if o.set {
		return o.v
	}
	for _, f := range fallbacks {
		if f != "" {
			return f
		}
	}
	return ""
}

// optInt is an integer flag that remembers whether it was given.
type optInt struct {
	v   int
	set bool
}

func (o *optInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("not an integer")
	}
	o.v, o.set = n, true
	return nil
}

func (o *optInt) String() string {
	if o == nil || !o.set {
		return ""
	}
	return strconv.Itoa(o.v)
}

// optBool is a boolean flag with an explicit value that remembers whether
// it was given.
type optBool struct {
	v   bool
	set bool
}

func (o *optBool) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("not true or false")
	}
	o.v, o.set = b, true
	return nil
}

func (o *optBool) String() string {
	if o == nil || !o.set {
		return ""
	}
	return strconv.FormatBool(o.v)
}

// ptr returns the value as a pointer, nil when the flag was not given.
func (o *optBool) ptr() *bool {
	if !o.set {
		return nil
	}
	return &o.v
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }
func (l *stringList) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(*l, ",")
}

// intList is a repeatable integer flag.
type intList []int64

func (l *intList) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return errors.New("not an integer")
	}
	*l = append(*l, n)
	return nil
}

func (l *intList) String() string {
	if l == nil {
		return ""
	}
	var parts []string
	for _, n := range *l {
		parts = append(parts, strconv.FormatInt(n, 10))
	}
	return strings.Join(parts, ",")
}

// The request field of a flag: absent (and so not sent) unless the flag was
// given.

func (o *optString) field() api.String {
	if !o.set {
		return api.String{}
	}
	return api.StringOf(o.v)
}

func (o *optInt) field() api.Int {
	if !o.set {
		return api.Int{}
	}
	return api.IntOf(o.v)
}

func (o *optBool) field() api.Bool {
	if !o.set {
		return api.Bool{}
	}
	return api.BoolOf(o.v)
}

func (l *stringList) field() api.Strings {
	if len(*l) == 0 {
		return api.Strings{}
	}
	return api.StringsOf(*l)
}
