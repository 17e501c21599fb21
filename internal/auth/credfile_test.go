package auth

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writeFile writes a credentials file with the given contents and mode.
func writeFile(t *testing.T, contents string, mode fs.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "credentials.json")
	if err := os.WriteFile(path, []byte(contents), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // not narrowed by the umask
		t.Fatal(err)
	}
	return path
}

func fileMode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func TestLoadFile(t *testing.T) {
	path := writeFile(t, `{
  "credentials": [
    {"access_key": "AK1", "secret_key": "SK1", "projects": ["p1", "p2"]},
    {"projects": ["*"], "secret_key": "s/k+2=", "access_key": "AK2"}
  ]
}
`, 0o600)
	got, err := LoadFile(path)
	if err != nil {
		t.Fatalf("LoadFile = %v", err)
	}
	want := []Credential{
		{AccessKey: "AK1", SecretKey: "SK1", Projects: []string{"p1", "p2"}},
		{AccessKey: "AK2", SecretKey: "s/k+2=", Projects: []string{"*"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LoadFile mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadFileNotExist(t *testing.T) {
	_, err := LoadFile(filepath.Join(t.TempDir(), "missing.json"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadFile(missing) = %v, want fs.ErrNotExist", err)
	}
}

func TestLoadFileErrors(t *testing.T) {
	const ok = `{"access_key": "AK", "secret_key": "SK", "projects": ["p"]}`
	tests := []struct {
		name     string
		contents string
		want     string // regular expression matched after "credentials file <path>"
	}{
		{"Empty", "", `^: file is empty`},
		{"Blank", " \n\t", `^: file is empty`},
		{"SyntaxError", "{\n  \"credentials\": [\n    {\"access_key\": \"AK\",}\n  ]\n}", `^:3:25: invalid JSON: invalid character '}'`},
		{"Truncated", "{\n  \"credentials\": [", `^:2:19: invalid JSON: unexpected end`},
		{"TrailingData", "{\"credentials\": [" + ok + "]}\n{}", `^:2:1: unexpected data after the top-level JSON object`},
		{"TopLevelArray", "[" + ok + "]", `^:1:1: top level is a JSON array; want \{"credentials"`},
		{"TopLevelString", "\n  \"x\"", `^:2:3: top level is a JSON string`},
		{"TopLevelNull", `null`, `^: top level is null`},
		{"MissingCredentials", `{}`, `^: missing "credentials"`},
		{"NullCredentials", `{"credentials": null}`, `^: missing "credentials"`},
		{"UnknownTopLevelField", `{"credentials": [` + ok + `], "credential": []}`, `^: unknown top-level field "credential"`},
		{"CredentialsObject", `{"credentials": {}}`, `^: "credentials" must be an array of objects, found an object`},
		{"NoCredentials", `{"credentials": []}`, `^: "credentials" is empty`},
		{"EntryNotObject", `{"credentials": [` + ok + `, "AK"]}`, `^: credentials\[1\] must be an object, found a string`},
		{"EntryNull", `{"credentials": [null]}`, `^: credentials\[0\] must be an object, found null`},
		{"UnknownField", `{"credentials": [{"access_key": "AK", "secret": "SK", "projects": ["p"]}]}`, `^: credentials\[0\]: unknown field "secret"`},
		{"MissingSecretKey", `{"credentials": [{"access_key": "AK", "projects": ["p"]}]}`, `^: credentials\[0\]\.secret_key is missing`},
		{"EmptyAccessKey", `{"credentials": [` + ok + `, {"access_key": "", "secret_key": "SK", "projects": ["p"]}]}`, `^: credentials\[1\]\.access_key is empty`},
		{"EmptySecretKey", `{"credentials": [{"access_key": "AK", "secret_key": "", "projects": ["p"]}]}`, `^: credentials\[0\]\.secret_key is empty`},
		{"SpacedSecretKey", `{"credentials": [{"access_key": "AK", "secret_key": "SK ", "projects": ["p"]}]}`, `^: credentials\[0\]\.secret_key has leading or trailing white space`},
		{"EmptyProjects", `{"credentials": [{"access_key": "AK", "secret_key": "SK", "projects": []}]}`, `^: credentials\[0\]\.projects is empty`},
		{"NullProjects", `{"credentials": [{"access_key": "AK", "secret_key": "SK", "projects": null}]}`, `^: credentials\[0\]\.projects is empty`},
		{"EmptyProjectID", `{"credentials": [{"access_key": "AK", "secret_key": "SK", "projects": ["p", ""]}]}`, `^: credentials\[0\]\.projects\[1\] "" is not a project ID`},
		{"ProjectsString", `{"credentials": [{"access_key": "AK", "secret_key": "SK", "projects": "*"}]}`, `^: credentials\[0\]\.projects must be an array of strings, found a string`},
		{"AccessKeyNumber", `{"credentials": [{"access_key": 12, "secret_key": "SK", "projects": ["p"]}]}`, `^: credentials\[0\]\.access_key must be a string, found a number`},
		{"AccessKeyWithComma", `{"credentials": [{"access_key": "A,K", "secret_key": "SK", "projects": ["p"]}]}`, `^: credentials\[0\]\.access_key "A,K" contains ','`},
		{"AccessKeyWithSpace", `{"credentials": [{"access_key": "A K", "secret_key": "SK", "projects": ["p"]}]}`, `^: credentials\[0\]\.access_key "A K" contains ' '`},
		{"DuplicateAccessKey", `{"credentials": [` + ok + `, {"access_key": "X", "secret_key": "SK", "projects": ["p"]}, ` + ok + `]}`, `^: credentials\[2\]\.access_key "AK" duplicates credentials\[0\]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.contents, 0o600)
			_, err := LoadFile(path)
			if err == nil {
				t.Fatalf("LoadFile(%q) = nil, want error", tt.contents)
			}
			prefix := "credentials file " + path
			msg := err.Error()
			if !strings.HasPrefix(msg, prefix) {
				t.Fatalf("LoadFile error = %q, want it to start with %q", msg, prefix)
			}
			if !regexp.MustCompile(tt.want).MatchString(msg[len(prefix):]) {
				t.Errorf("LoadFile error = %q, want %q after the path", msg, tt.want)
			}
			if strings.Contains(msg, `"SK"`) || strings.Contains(msg, "SK ") {
				t.Errorf("LoadFile error = %q reveals a secret key", msg)
			}
		})
	}
}

func TestGenerate(t *testing.T) {
	akRE := regexp.MustCompile(`^[A-Z0-9]{20}$`)
	skRE := regexp.MustCompile(`^[A-Za-z0-9]{40}$`)
	seen := map[string]bool{}
	for range 20 {
		c, err := GenerateCredential([]string{"p"})
		if err != nil {
			t.Fatal(err)
		}
		if !akRE.MatchString(c.AccessKey) || !skRE.MatchString(c.SecretKey) {
			t.Errorf("GenerateCredential = %q / %q, want 20 upper-case alphanumerics / 40 alphanumerics", c.AccessKey, c.SecretKey)
		}
		if seen[c.AccessKey] || seen[c.SecretKey] {
			t.Errorf("GenerateCredential repeated a key: %q / %q", c.AccessKey, c.SecretKey)
		}
		seen[c.AccessKey], seen[c.SecretKey] = true, true
	}
	if _, err := GenerateCredential(nil); err == nil {
		t.Error("GenerateCredential(nil) = nil error, want error")
	}

	idRE := regexp.MustCompile(`^[0-9a-f]{32}$`)
	a, err := GenerateProjectID()
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateProjectID()
	if err != nil {
		t.Fatal(err)
	}
	if !idRE.MatchString(a) || !idRE.MatchString(b) || a == b {
		t.Errorf("GenerateProjectID = %q, %q, want two different 32-digit lower-case hex IDs", a, b)
	}
}

func TestCreateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials.json")
	creds := []Credential{
		{AccessKey: "AK1", SecretKey: "SK1", Projects: []string{"p1"}},
		{AccessKey: "AK2", SecretKey: "SK2", Projects: []string{"*"}},
	}
	if err := CreateFile(path, creds); err != nil {
		t.Fatalf("CreateFile = %v", err)
	}
	if runtime.GOOS != "windows" {
		if got := fileMode(t, path); got != 0o600 {
			t.Errorf("CreateFile mode = %04o, want 0600", got)
		}
	}
	got, err := LoadFile(path)
	if err != nil {
		t.Fatalf("LoadFile(created file) = %v", err)
	}
	if diff := cmp.Diff(creds, got); diff != "" {
		t.Errorf("LoadFile(created file) mismatch (-want +got):\n%s", diff)
	}
	if w, err := InsecureModeWarning(path); err != nil || w != "" {
		t.Errorf("InsecureModeWarning(created file) = %q, %v, want no warning", w, err)
	}

	err = CreateFile(path, []Credential{{AccessKey: "AK3", SecretKey: "SK3", Projects: []string{"p"}}})
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("CreateFile(existing) = %v, want fs.ErrExist", err)
	}
	if got, _ := LoadFile(path); !cmp.Equal(creds, got) {
		t.Errorf("CreateFile(existing) changed the file: %+v", got)
	}

	for _, bad := range [][]Credential{nil, {{AccessKey: "A", SecretKey: "", Projects: []string{"p"}}}} {
		p := filepath.Join(t.TempDir(), "bad.json")
		if err := CreateFile(p, bad); err == nil {
			t.Errorf("CreateFile(%+v) = nil, want error", bad)
		}
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("CreateFile(%+v) left a file behind: %v", bad, err)
		}
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory after CreateFile holds %d entries, want only the file (no temporary files)", len(entries))
	}
}

// TestCreateFileRace starts several creators at once: exactly one wins, and
// every loser can read the winner's complete file.
func TestCreateFileRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials.json")
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := GenerateCredential([]string{"p"})
			if err != nil {
				errs[i] = err
				return
			}
			if errs[i] = CreateFile(path, []Credential{c}); errs[i] == nil {
				return
			}
			if !errors.Is(errs[i], fs.ErrExist) {
				return
			}
			_, errs[i] = LoadFile(path)
			if errs[i] == nil {
				errs[i] = fs.ErrExist // lost the race but read a whole file
			}
		}()
	}
	wg.Wait()
	winners := 0
	for _, err := range errs {
		switch {
		case err == nil:
			winners++
		case errors.Is(err, fs.ErrExist):
		default:
			t.Errorf("racing CreateFile = %v", err)
		}
	}
	if winners != 1 {
		t.Errorf("%d CreateFile calls succeeded, want exactly 1", winners)
	}
}

func TestAppendToFile(t *testing.T) {
	for _, mode := range []fs.FileMode{0o600, 0o640} {
		t.Run(mode.String(), func(t *testing.T) {
			first := Credential{AccessKey: "AK1", SecretKey: "SK1", Projects: []string{"p1"}}
			path := filepath.Join(t.TempDir(), "credentials.json")
			if err := CreateFile(path, []Credential{first}); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, mode); err != nil {
				t.Fatal(err)
			}
			second := Credential{AccessKey: "AK2", SecretKey: "SK2", Projects: []string{"p2", "p3"}}
			if err := AppendToFile(path, second); err != nil {
				t.Fatalf("AppendToFile = %v", err)
			}
			got, err := LoadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]Credential{first, second}, got); diff != "" {
				t.Errorf("after AppendToFile (-want +got):\n%s", diff)
			}
			if runtime.GOOS != "windows" {
				if got := fileMode(t, path); got != mode {
					t.Errorf("mode after AppendToFile = %04o, want %04o", got, mode)
				}
			}

			err = AppendToFile(path, Credential{AccessKey: "AK1", SecretKey: "other", Projects: []string{"p"}})
			if err == nil || !strings.Contains(err.Error(), "AK1") {
				t.Errorf("AppendToFile(duplicate AK1) = %v, want an error naming AK1", err)
			}
			if err := AppendToFile(path, Credential{AccessKey: "AK9", Projects: []string{"p"}}); err == nil {
				t.Error("AppendToFile(no secret key) = nil, want error")
			}
			if got, _ := LoadFile(path); len(got) != 2 {
				t.Errorf("failed appends changed the file: %d entries, want 2", len(got))
			}
			entries, err := os.ReadDir(filepath.Dir(path))
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 {
				t.Errorf("directory after AppendToFile holds %d entries, want only the file", len(entries))
			}
		})
	}
}

func TestAppendToFileErrors(t *testing.T) {
	c := Credential{AccessKey: "AK", SecretKey: "SK", Projects: []string{"p"}}
	if err := AppendToFile(filepath.Join(t.TempDir(), "missing.json"), c); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("AppendToFile(missing file) = %v, want fs.ErrNotExist", err)
	}
	path := writeFile(t, `{"credentials": [{"access_key": "X"}]}`, 0o600)
	err := AppendToFile(path, c)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "credentials[0]") {
		t.Errorf("AppendToFile(malformed file) = %v, want an error naming the file and the entry", err)
	}
}

// TestAppendToFileConcurrent checks that concurrent appends lose no entry.
func TestAppendToFileConcurrent(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("appends are not locked on Windows")
	}
	path := filepath.Join(t.TempDir(), "credentials.json")
	if err := CreateFile(path, []Credential{{AccessKey: "AK0", SecretKey: "SK", Projects: []string{"p"}}}); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := GenerateCredential([]string{"p"})
			if err != nil {
				t.Error(err)
				return
			}
			if err := AppendToFile(path, c); err != nil {
				t.Errorf("AppendToFile #%d = %v", i, err)
			}
		}()
	}
	wg.Wait()
	got, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n+1 {
		t.Errorf("after %d concurrent appends the file has %d entries, want %d", n, len(got), n+1)
	}
}

func TestAppendToFileThroughSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	dir := t.TempDir()
	real := filepath.Join(dir, "real.json")
	if err := CreateFile(real, []Credential{{AccessKey: "AK1", SecretKey: "SK", Projects: []string{"p"}}}); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := AppendToFile(link, Credential{AccessKey: "AK2", SecretKey: "SK", Projects: []string{"p"}}); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("AppendToFile replaced the symbolic link: %v", err)
	}
	if got, err := LoadFile(real); err != nil || len(got) != 2 {
		t.Errorf("LoadFile(target) = %d entries, %v, want 2", len(got), err)
	}
}

func TestInsecureModeWarning(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("permission bits are not checked on Windows")
	}
	tests := []struct {
		mode fs.FileMode
		warn bool
	}{
		{0o600, false},
		{0o400, false},
		{0o700, false},
		{0o644, true},
		{0o640, true},
		{0o620, true},
		{0o604, true},
		{0o602, true},
		{0o666, true},
	}
	for _, tt := range tests {
		path := writeFile(t, "{}", tt.mode)
		got, err := InsecureModeWarning(path)
		if err != nil {
			t.Fatalf("InsecureModeWarning(%04o) = %v", tt.mode, err)
		}
		if (got != "") != tt.warn {
			t.Errorf("InsecureModeWarning(%04o) = %q, want warning: %v", tt.mode, got, tt.warn)
		}
		if tt.warn && (!strings.Contains(got, path) || !strings.Contains(got, "chmod 600")) {
			t.Errorf("InsecureModeWarning(%04o) = %q, want the path and the fix", tt.mode, got)
		}
	}
	if _, err := InsecureModeWarning(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("InsecureModeWarning(missing) = %v, want fs.ErrNotExist", err)
	}
}
