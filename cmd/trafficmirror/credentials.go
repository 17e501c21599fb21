package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/trafficmirror/trafficmirror/internal/auth"
)

// defaultCredentialsFile is the credentials file of the serve command when
// --credentials is not given.
const defaultCredentialsFile = "trafficmirror-credentials.json"

var credentialsGroup = group{
	name:    "credentials",
	summary: "trafficmirror credentials: manage the server's access keys",
	commands: []subcommand{
		{"create", "add a new access key pair to the credentials file", runCredentialsCreate},
	},
}

func runCredentialsCreate(ctx context.Context, env cliEnv, args []string) error {
	c := newClientCommand(env, "credentials create", nil,
		"Add a new random access key pair for the given projects to the server's credentials file\n"+
			"(creating the file if needed) and print it. The secret key is shown only this once.\n"+
			"A running server picks the new key up when it receives SIGHUP; no restart is needed.",
		"  trafficmirror credentials create --project 0123456789abcdef0123456789abcdef --file /etc/trafficmirror/credentials.json\n"+
			"  kill -HUP $(pidof trafficmirror)")
	c.conn = false
	projects := c.requiredStringsFlag(`project the key may use; "*" for every project`, "project")
	file := &optString{}
	c.define(&c.specs, file, flagSpec{names: []string{"file"}, arg: "FILE", env: envCredentials, def: defaultCredentialsFile,
		usage: "the credentials file the server reads (its --credentials)"})
	if ok, err := c.parse(args); !ok {
		return err
	}
	path := file.or(env.getenv(envCredentials), defaultCredentialsFile)
	cred, err := auth.GenerateCredential(*projects)
	if err != nil {
		return err
	}
	created, err := addCredential(path, cred)
	if err != nil {
		return err
	}

	o := c.out()
	if o.format == formatJSON {
		return o.json(cred)
	}
	verb := "Added a new access key to"
	if created {
		verb = "Created the credentials file with a new access key:"
	}
	fmt.Fprintf(o.w, `%s %s
The secret key is shown only now; keep it private.

  Access key: %s
  Secret key: %s
  Projects:   %s

Use it with:

  export CLOUD_SDK_AK=%s CLOUD_SDK_SK=%s
`, verb, path, cred.AccessKey, cred.SecretKey, strings.Join(cred.Projects, ", "), cred.AccessKey, cred.SecretKey)
	if len(cred.Projects) == 1 && cred.Projects[0] != auth.AnyProject {
		fmt.Fprintf(o.w, "  export %s=%s\n", envProject, cred.Projects[0])
	}
	fmt.Fprintf(o.w, "\nA running server loads the new key when it receives SIGHUP (kill -HUP <server pid>).\n")
	return o.flush()
}

// addCredential appends cred to the credentials file at path, creating the
// file when it does not exist. created reports whether it did.
func addCredential(path string, cred auth.Credential) (created bool, err error) {
	if slices.Contains(cred.Projects, "") {
		return false, errors.New("--project must not be empty")
	}
	err = auth.AppendToFile(path, cred)
	if !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	err = auth.CreateFile(path, []auth.Credential{cred})
	if errors.Is(err, fs.ErrExist) {
		// Another process created the file in between: append to it.
		return false, auth.AppendToFile(path, cred)
	}
	return err == nil, err
}
