package main

import (
	"errors"
	"flag"
	"fmt"
	"runtime/debug"
	"strings"
)

// errUsage reports a command line that could not be parsed; the message has
// already been printed.
var errUsage = errors.New("usage")

// exitCode is the process status for err: 2 for usage errors, 1 otherwise.
func exitCode(err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

// envName is the environment variable that backs a flag: --max-sessions
// reads TRAFFICMIRROR_MAX_SESSIONS.
func envName(flagName string) string {
	return "TRAFFICMIRROR_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseFlags parses args into fs, using each flag's environment variable as its
// value when the flag is not on the command line.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return flag.ErrHelp
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		name := envName(f.Name)
		if v := getenv(name); v != "" {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("environment variable %s=%q: %v", name, v, e)
			}
		}
	})
	return err
}

// usageWithEnv prints a command's usage line and its flags, each with the
// environment variable it falls back to.
func usageWithEnv(fs *flag.FlagSet, synopsis, example string) func() {
	return func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: %s\n\nFlags (each also read from the environment variable shown):\n", synopsis)
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" {
				def = fmt.Sprintf(" (default %q)", f.DefValue)
			}
			fmt.Fprintf(w, "  --%s  [%s]%s\n      %s\n", f.Name, envName(f.Name), def, f.Usage)
		})
		if example != "" {
			fmt.Fprintf(w, "\nExample:\n%s\n", example)
		}
	}
}

// version returns the module version the binary was built from, or "devel".
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
