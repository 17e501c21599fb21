// Command trafficmirror is a self-hostable traffic-mirroring service that
// speaks the Huawei Cloud VPC v3 traffic-mirroring API.
//
// Usage:
//
//	trafficmirror serve [flags]    run the API server
//	trafficmirror sessions ...     manage traffic mirror sessions
//	trafficmirror filters ...      manage traffic mirror filters
//	trafficmirror rules ...        manage traffic mirror filter rules
//	trafficmirror credentials ...  add access keys to the credentials file
//	trafficmirror export ...       write a database's resources as a snapshot
//	trafficmirror import ...       store a snapshot in a database
//	trafficmirror migrate ...      copy one database into another
//	trafficmirror version          print the version
//
// Run "trafficmirror <command> --help" for the flags of a command.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if err != errUsage {
			fmt.Fprintf(os.Stderr, "trafficmirror: %v\n", err)
		}
		os.Exit(exitCode(err))
	}
}

// run is the whole program behind main, with its environment injected so that
// tests can run it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		printUsage(stderr)
		return errUsage
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "sessions", "filters", "rules", "credentials":
		return runGroup(ctx, clientGroups[cmd], rest, cliEnv{getenv: getenv, stdout: stdout, stderr: stderr})
	case "export":
		return runExport(ctx, rest, getenv, stdout, stderr)
	case "import":
		return runImport(ctx, rest, getenv, stdin, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, getenv, stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "trafficmirror %s\n", version())
		return nil
	case "help", "-h", "--help":
		printUsage(stdout)
		return nil
	}
	fmt.Fprintf(stderr, "trafficmirror: unknown command %q\n\n", cmd)
	printUsage(stderr)
	return errUsage
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `trafficmirror: a self-hostable Huawei Cloud VPC v3 traffic-mirroring API

Usage:
  trafficmirror serve [flags]    run the API server (see: trafficmirror serve --help)
  trafficmirror sessions ...     list, show, create, update, delete sessions; add-sources, remove-sources
  trafficmirror filters ...      list, show, create, update, delete filters
  trafficmirror rules ...        list, show, create, update, delete filter rules
  trafficmirror credentials create --project ID [--file FILE]
                                 add an access key to the server's credentials file
  trafficmirror export --db DSN > snapshot.json
                                 write every resource of a database as a snapshot
  trafficmirror import --db DSN < snapshot.json
                                 store a snapshot in a database, all or nothing
  trafficmirror migrate --from DSN --to DSN
                                 copy a database, e.g. SQLite to PostgreSQL, and verify it
  trafficmirror version          print the version

Every flag of serve, export, import and migrate also reads an environment
variable TRAFFICMIRROR_<FLAG>, for example TRAFFICMIRROR_LISTEN for --listen.

The client commands (sessions, filters, rules) call a running server: --endpoint
(env TRAFFICMIRROR_ENDPOINT, default http://127.0.0.1:9696), --project (env
TRAFFICMIRROR_PROJECT_ID), and access keys from CLOUD_SDK_AK and CLOUD_SDK_SK or
from --credentials FILE. They print a table on a terminal and the API's JSON
otherwise (-o table|json). Run "trafficmirror sessions --help" and so on for more.
`)
}

// clientGroups are the command groups that call the API or manage its keys.
var clientGroups = map[string]group{
	sessionsGroup.name:    sessionsGroup,
	filtersGroup.name:     filtersGroup,
	rulesGroup.name:       rulesGroup,
	credentialsGroup.name: credentialsGroup,
}
