// Command trafficmirror is a self-hostable traffic-mirroring service that
// speaks the Huawei Cloud VPC v3 traffic-mirroring API.
//
// Usage:
//
//	trafficmirror serve [flags]    run the API server
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
  trafficmirror version          print the version

Every flag also reads an environment variable TRAFFICMIRROR_<FLAG>, for
example TRAFFICMIRROR_LISTEN for --listen.
`)
}
