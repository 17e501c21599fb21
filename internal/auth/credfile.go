package auth

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// The credentials file, exactly:
//
//	{"credentials": [{"access_key": "…", "secret_key": "…", "projects": ["<project id>"]}]}
//
// Every field is required and unknown fields are errors, so that a typo such
// as "secret" is reported instead of silently leaving a key without secret.

// fileEntryFields are the fields of one entry, in the order they are reported.
var fileEntryFields = []string{"access_key", "secret_key", "projects"}

// LoadFile reads and validates it. A malformed file gives an error that says what is wrong and
// where (file path, and the JSON line:column of a syntax error or the index of the bad entry and
// which field: empty access_key, empty secret_key, empty projects, duplicate access_key, unknown
// top-level shape...). Unknown JSON fields are an error too (catches typos like "secret").
//
// When the file does not exist the error matches fs.ErrNotExist.
func LoadFile(path string) ([]Credential, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read credentials file: %w", err)
	}
	creds, err := parseFile(data)
	if err != nil {
		return nil, fmt.Errorf("credentials file %s%w", path, err)
	}
	return creds, nil
}

// fileError is a problem in a credentials file. Its text starts with ":" and
// a position or ": " and the JSON path so that LoadFile can put the file
// name in front.
type fileError struct {
	line, col int    // 0 when the problem has no single position
	msg       string // starts with the JSON path when there is one
}

func (e *fileError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf(":%d:%d: %s", e.line, e.col, e.msg)
	}
	return ": " + e.msg
}

const wantShape = `want {"credentials": [{"access_key": "...", "secret_key": "...", "projects": ["<project id>"]}]}`

// parseFile decodes and validates the contents of a credentials file.
func parseFile(data []byte) ([]Credential, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &fileError{msg: "file is empty; " + wantShape}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var top map[string]json.RawMessage
	if err := dec.Decode(&top); err != nil {
		return nil, jsonError(data, err)
	}
	if end := dec.InputOffset(); len(bytes.TrimSpace(data[end:])) > 0 {
		rest := bytes.TrimLeft(data[end:], " \t\r\n")
		line, col := position(data, int64(len(data)-len(rest)))
		return nil, &fileError{line: line, col: col, msg: "unexpected data after the top-level JSON object"}
	}
	if top == nil {
		return nil, &fileError{msg: "top level is null; " + wantShape}
	}
	for _, k := range slices.Sorted(mapKeys(top)) {
		if k != "credentials" {
			return nil, &fileError{msg: fmt.Sprintf("unknown top-level field %q; %s", k, wantShape)}
		}
	}
	raw, ok := top["credentials"]
	if !ok || string(raw) == "null" {
		return nil, &fileError{msg: `missing "credentials"; ` + wantShape}
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, &fileError{msg: `"credentials" must be an array of objects, found ` + jsonKind(raw)}
	}
	creds := make([]Credential, 0, len(entries))
	for i, e := range entries {
		c, err := parseEntry(fmt.Sprintf("credentials[%d]", i), e)
		if err != nil {
			return nil, err
		}
		creds = append(creds, c)
	}
	if err := validateCredentials(creds); err != nil {
		return nil, &fileError{msg: err.Error()}
	}
	return creds, nil
}

// parseEntry decodes one element of "credentials"; at names it in errors.
func parseEntry(at string, raw json.RawMessage) (Credential, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return Credential{}, &fileError{msg: at + " must be an object, found " + jsonKind(raw)}
	}
	for _, k := range slices.Sorted(mapKeys(fields)) {
		if !slices.Contains(fileEntryFields, k) {
			return Credential{}, &fileError{msg: fmt.Sprintf("%s: unknown field %q (the fields are %s)", at, k, strings.Join(fileEntryFields, ", "))}
		}
	}
	var c Credential
	for _, f := range []struct {
		name string
		dst  any
		want string
	}{
		{"access_key", &c.AccessKey, "a string"},
		{"secret_key", &c.SecretKey, "a string"},
		{"projects", &c.Projects, "an array of strings"},
	} {
		raw, ok := fields[f.name]
		if !ok {
			return Credential{}, &fileError{msg: fmt.Sprintf("%s.%s is missing", at, f.name)}
		}
		if err := json.Unmarshal(raw, f.dst); err != nil {
			return Credential{}, &fileError{msg: fmt.Sprintf("%s.%s must be %s, found %s", at, f.name, f.want, jsonKind(raw))}
		}
	}
	return c, nil
}

func mapKeys(m map[string]json.RawMessage) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// jsonKind names the JSON type of raw for error messages.
func jsonKind(raw json.RawMessage) string {
	s := bytes.TrimSpace(raw)
	if len(s) == 0 {
		return "nothing"
	}
	switch s[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// jsonError turns a decoding error into a fileError with the line and column
// where it happened.
func jsonError(data []byte, err error) error {
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		line, col := position(data, se.Offset-1)
		return &fileError{line: line, col: col, msg: "invalid JSON: " + se.Error()}
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		// The only type error possible here is the top-level value itself,
		// so point at its start.
		start := len(data) - len(bytes.TrimLeft(data, " \t\r\n"))
		line, col := position(data, int64(start))
		return &fileError{line: line, col: col, msg: fmt.Sprintf("top level is a JSON %s; %s", te.Value, wantShape)}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		line, col := position(data, int64(len(data)))
		return &fileError{line: line, col: col, msg: "invalid JSON: unexpected end of input"}
	}
	return &fileError{msg: "invalid JSON: " + err.Error()}
}

// position returns the 1-based line and byte column of offset in data.
func position(data []byte, offset int64) (line, col int) {
	offset = max(0, min(offset, int64(len(data))))
	before := data[:offset]
	line = 1 + bytes.Count(before, []byte{'\n'})
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// validateCredentials checks every credential and that no access key appears
// twice. Errors name the entry as credentials[i].
func validateCredentials(creds []Credential) error {
	if len(creds) == 0 {
		return errors.New(`"credentials" is empty; add at least one access key`)
	}
	first := make(map[string]int, len(creds))
	for i, c := range creds {
		if err := checkCredential(c); err != nil {
			return fmt.Errorf("credentials[%d].%w", i, err)
		}
		if j, dup := first[c.AccessKey]; dup {
			return fmt.Errorf("credentials[%d].access_key %q duplicates credentials[%d]", i, c.AccessKey, j)
		}
		first[c.AccessKey] = i
	}
	return nil
}

// checkCredential validates one credential. Its errors start with the field
// name so that callers can prefix the entry.
func checkCredential(c Credential) error {
	if err := checkAccessKey(c.AccessKey); err != nil {
		return fmt.Errorf("access_key %w", err)
	}
	if c.SecretKey == "" {
		return errors.New("secret_key is empty")
	}
	if strings.TrimSpace(c.SecretKey) != c.SecretKey {
		// Almost certainly a copy-and-paste accident that would make every
		// signature fail with no hint why.
		return errors.New("secret_key has leading or trailing white space")
	}
	if len(c.Projects) == 0 {
		return errors.New(`projects is empty; list project IDs or "*" for all projects`)
	}
	for j, p := range c.Projects {
		if p == "" || strings.TrimSpace(p) != p {
			return fmt.Errorf("projects[%d] %q is not a project ID", j, p)
		}
	}
	return nil
}

// checkAccessKey rejects access keys that cannot be written in an
// Authorization header: empty ones, and ones with bytes outside visible ASCII
// or with ',' (separates parameters) or '/' (ends the key in V11 headers).
// Its errors read after "access key".
func checkAccessKey(ak string) error {
	if ak == "" {
		return errors.New("is empty")
	}
	for i := 0; i < len(ak); i++ {
		if c := ak[i]; c <= ' ' || c >= 0x7f || c == ',' || c == '/' {
			return fmt.Errorf("%q contains %q; use letters and digits", ak, c)
		}
	}
	return nil
}

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	alnum      = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// GenerateCredential returns a fresh random credential for the projects: access key 20 upper-case
// alphanumerics (like Huawei AKs), secret key 40 characters from crypto/rand.
//
// The secret key is 40 letters and digits, about 238 bits of entropy.
func GenerateCredential(projects []string) (Credential, error) {
	ak, err := randomString(upperAlnum, 20)
	if err != nil {
		return Credential{}, err
	}
	sk, err := randomString(alnum, 40)
	if err != nil {
		return Credential{}, err
	}
	c := Credential{AccessKey: ak, SecretKey: sk, Projects: slices.Clone(projects)}
	if err := checkCredential(c); err != nil {
		return Credential{}, fmt.Errorf("generate credential: %w", err)
	}
	return c, nil
}

// GenerateProjectID returns a fresh random project ID: 32 lower-case hex characters (Huawei form).
func GenerateProjectID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate project ID: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// randomString returns n characters drawn uniformly from alphabet.
func randomString(alphabet string, n int) (string, error) {
	// Bytes at or above limit are discarded so that every character is
	// equally likely (no modulo bias).
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", fmt.Errorf("read random bytes: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

// encodeFile returns the contents of a credentials file holding creds.
func encodeFile(creds []Credential) ([]byte, error) {
	if err := validateCredentials(creds); err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(struct {
		Credentials []Credential `json:"credentials"`
	}{creds}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// CreateFile writes a new credentials file with mode 0600; it fails if the file already exists
// (O_EXCL), so two processes starting together cannot overwrite each other's keys.
//
// The contents are written to a temporary file first and then hard-linked to
// path, which fails like O_EXCL when path exists; so no reader ever sees a
// half-written file either. On file systems without hard links it falls back
// to writing path opened with O_EXCL. An existing file gives an error that
// matches fs.ErrExist.
func CreateFile(path string, creds []Credential) error {
	data, err := encodeFile(creds)
	if err != nil {
		return fmt.Errorf("create credentials file %s: %w", path, err)
	}
	tmp, err := writeTemp(filepath.Dir(path), data, 0o600)
	if err != nil {
		return fmt.Errorf("create credentials file %s: %w", path, err)
	}
	defer os.Remove(tmp)
	err = os.Link(tmp, path)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		err = writeExclusive(path, data)
	}
	if err != nil {
		return fmt.Errorf("create credentials file: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

// writeExclusive creates path, which must not exist, with mode 0600 and
// writes data to it; on failure it removes what it created.
func writeExclusive(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// AppendToFile adds c to an existing file atomically (write a temp file in the same directory with
// mode 0600, fsync, rename), keeping every existing entry.
//
// The new file gets the permission bits of the old one (0600 unless someone
// chose otherwise). Concurrent appends from several processes are serialised
// with a lock on the directory where the system supports one, so none is
// lost. If path is a symbolic link, the file it points to is replaced.
func AppendToFile(path string, c Credential) error {
	if err := checkCredential(c); err != nil {
		return fmt.Errorf("append to credentials file %s: new credential %w", path, err)
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("append to credentials file: %w", err)
	}
	dir := filepath.Dir(real)
	unlock, err := lockDir(dir)
	if err != nil {
		return fmt.Errorf("append to credentials file %s: %w", path, err)
	}
	defer unlock()

	creds, err := LoadFile(real)
	if err != nil {
		return err
	}
	for _, old := range creds {
		if old.AccessKey == c.AccessKey {
			return fmt.Errorf("append to credentials file %s: access key %s is already in the file", path, c.AccessKey)
		}
	}
	info, err := os.Stat(real)
	if err != nil {
		return fmt.Errorf("append to credentials file: %w", err)
	}
	data, err := encodeFile(append(creds, c))
	if err != nil {
		return fmt.Errorf("append to credentials file %s: %w", path, err)
	}
	tmp, err := writeTemp(dir, data, info.Mode().Perm())
	if err != nil {
		return fmt.Errorf("append to credentials file %s: %w", path, err)
	}
	if err := os.Rename(tmp, real); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("append to credentials file: %w", err)
	}
	return syncDir(dir)
}

// writeTemp writes data to a new temporary file in dir with the permission
// bits perm, flushed to disk, and returns its name.
func writeTemp(dir string, data []byte, perm fs.FileMode) (name string, err error) {
	f, err := os.CreateTemp(dir, ".credentials-*.tmp") // created with mode 0600
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if perm != 0o600 {
		if err := f.Chmod(perm); err != nil {
			return "", err
		}
	}
	if _, err := f.Write(data); err != nil {
		return "", err
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// syncDir flushes a directory so that a new or renamed entry in it survives a
// crash. Systems that cannot sync directories (Windows) are not an error.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// InsecureModeWarning returns a non-empty warning when the file at path is readable or writable by
// group or others, "" otherwise.
//
// On Windows, where permission bits do not describe access, it always
// returns "".
func InsecureModeWarning(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("check credentials file mode: %w", err)
	}
	if runtime.GOOS == "windows" {
		return "", nil
	}
	if perm := info.Mode().Perm(); perm&0o066 != 0 {
		return fmt.Sprintf("credentials file %s has mode %04o: it holds secret keys and should be readable only by its owner (chmod 600 %s)", path, perm, path), nil
	}
	return "", nil
}
