// Package auth signs and verifies requests with Huawei Cloud's AK/SK scheme
// (SDK-HMAC-SHA256 and the derived V11-HMAC-SHA256) exactly as the official Go
// SDK produces them, checks that a credential may use a project, and keeps the
// server's credentials: the keyring that verification reads and the JSON file
// it is loaded from.
//
// The contract is ../shared/spec/auth.md; the error messages are those of
// ../shared/spec/errors.md §5.3.
package auth

import (
	"slices"
	"sync/atomic"
)

// AnyProject in a Credential's Projects allows every project.
const AnyProject = "*"

// Credential is one access key pair and the projects it may use.
type Credential struct {
	AccessKey string   `json:"access_key"`
	SecretKey string   `json:"secret_key"`
	Projects  []string `json:"projects"` // "*" allows every project
}

// AllowsProject reports whether c may use projectID: it is listed in
// c.Projects, or c.Projects holds "*".
func (c Credential) AllowsProject(projectID string) bool {
	for _, p := range c.Projects {
		if p == AnyProject || p == projectID {
			return true
		}
	}
	return false
}

// Keyring is a concurrency-safe set of credentials that can be replaced while
// the server runs (SIGHUP reload); a removed key stops working at once.
//
// The zero Keyring holds no credentials.
type Keyring struct {
	// keys is replaced as a whole and never modified after it is stored, so
	// lookups need no lock and a reload cannot be seen half done.
	keys atomic.Pointer[map[string]Credential]
}

// NewKeyring returns a keyring holding creds. When two credentials have the
// same access key the later one wins; LoadFile rejects such files.
func NewKeyring(creds []Credential) *Keyring {
	k := &Keyring{}
	k.Replace(creds)
	return k
}

// Replace makes creds the keyring's only credentials. Requests verified after
// Replace returns see only the new set.
func (k *Keyring) Replace(creds []Credential) {
	m := make(map[string]Credential, len(creds))
	for _, c := range creds {
		// Copy the slice so that a caller that reuses its own cannot change
		// the keyring behind its back.
		c.Projects = slices.Clone(c.Projects)
		m[c.AccessKey] = c
	}
	k.keys.Store(&m)
}

// Lookup returns the credential with the given access key. The returned
// Projects slice is shared with the keyring and must not be modified.
func (k *Keyring) Lookup(accessKey string) (Credential, bool) {
	if k == nil {
		return Credential{}, false
	}
	m := k.keys.Load()
	if m == nil {
		return Credential{}, false
	}
	c, ok := (*m)[accessKey]
	return c, ok
}
